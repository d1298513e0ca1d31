"""The lost-answer lookups' matching rules (adapters/zgw/recovery.py) and document identificaties."""

from __future__ import annotations

from typing import Any

import httpx2

from adapters.zgw import documents, recovery
from adapters.zgw.client import ZgwClient

BASE = "http://oz.test"
ZAAK = f"{BASE}/zaken/api/v1/zaken/z1"


def _client(results: list[dict[str, Any]], seen: list[httpx2.Request]) -> ZgwClient:
    def handle(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json={"count": len(results), "next": None, "results": results})

    return ZgwClient(
        zaken_url=f"{BASE}/zaken/api/v1",
        documenten_url=f"{BASE}/documenten/api/v1",
        catalogi_url=f"{BASE}/catalogi/api/v1",
        client_id="gateway",
        secret="unit-test-secret-0123456789abcdef0123",
        transport=httpx2.MockTransport(handle),
    )


def test_document_identificatie_is_stable_and_fits_40_characters() -> None:
    assert documents.identificatie("DSO-", "2024031400042", "DOC-2024031400042-0001") == (
        "DSO-2024031400042-DOC-2024031400042-0001"
    )
    long_ids = [f"{'x' * 60}-{n}" for n in range(2)]
    made = [documents.identificatie("DSO-", "2024031400042", d) for d in long_ids]
    assert all(len(m) == 40 for m in made)
    assert made[0] != made[1]
    assert made[0] == documents.identificatie("DSO-", "2024031400042", long_ids[0])
    assert made[0].startswith("DSO-2024031400042-xxx")


def test_status_matches_the_moment_we_sent_in_any_notation() -> None:
    seen: list[httpx2.Request] = []
    statussen = [
        {"url": "s-earlier", "datumStatusGezet": "2024-03-14T09:00:00Z", "statustoelichting": "v2"},
        {"url": "s-ours", "datumStatusGezet": "2024-03-15T09:00:00.000000Z", "statustoelichting": "v3"},
    ]
    client = _client(statussen, seen)
    body = {
        "zaak": ZAAK,
        "statustype": "http://st/1",
        "datumStatusGezet": "2024-03-15T09:00:00+00:00",
        "statustoelichting": "v3",
    }

    assert recovery.find_status(client, body) == {"url": "s-ours"}
    assert recovery.find_status(client, {**body, "datumStatusGezet": "2024-03-16T09:00:00+00:00"}) is None
    assert dict(seen[0].url.params) == {"zaak": ZAAK, "statustype": "http://st/1"}


def test_rol_matches_the_betrokkene_and_never_sends_a_bsn() -> None:
    seen: list[httpx2.Request] = []
    rollen = [
        {
            "url": "r-other",
            "betrokkeneType": "natuurlijk_persoon",
            "betrokkeneIdentificatie": {"inpBsn": "999"},
        },
        {
            "url": "r-ours",
            "betrokkeneType": "natuurlijk_persoon",
            "betrokkeneIdentificatie": {"inpBsn": "111222333", "geslachtsnaam": "JANSEN"},
        },
    ]
    client = _client(rollen, seen)
    body = {
        "zaak": ZAAK,
        "roltype": "http://rt/1",
        "betrokkeneType": "natuurlijk_persoon",
        "betrokkeneIdentificatie": {"inpBsn": "111222333", "geslachtsnaam": "Jansen"},
    }

    assert recovery.find_rol(client, body) == {"url": "r-ours"}
    assert recovery.find_rol(client, {**body, "betrokkeneType": "vestiging"}) is None
    assert all("111222333" not in str(r.url) for r in seen)


def test_replacing_rol_is_never_taken_for_the_one_it_replaces() -> None:
    """An aanvulling that made the initiator machtiginggever: the old rol has the same person."""
    oud: dict[str, Any] = {"url": "r-oud", "betrokkeneType": "natuurlijk_persoon", "indicatieMachtiging": ""}
    nieuw = {**oud, "url": "r-nieuw", "indicatieMachtiging": "machtiginggever"}
    for rol in (oud, nieuw):
        rol["betrokkeneIdentificatie"] = {"inpBsn": "111222333"}
    body = {
        "zaak": ZAAK,
        "roltype": "http://rt/1",
        "betrokkeneType": "natuurlijk_persoon",
        "betrokkeneIdentificatie": {"inpBsn": "111222333"},
        "indicatieMachtiging": "machtiginggever",
    }

    assert recovery.find_rol(_client([oud], []), body) is None  # another machtiging
    assert recovery.find_rol(_client([oud, nieuw], []), body) == {"url": "r-nieuw"}
    # The reverse (no longer machtiginggever), sent without the field: the provider's "" matches.
    terug = {k: v for k, v in body.items() if k != "indicatieMachtiging"}
    assert recovery.find_rol(_client([nieuw, oud], []), terug) == {"url": "r-oud"}
    # Same machtiging, e.g. a corrected name of the same person: only the URL tells them apart.
    assert recovery.find_rol(_client([nieuw], []), body, behalve="r-nieuw") is None


def test_zaakobject_matches_the_identification_we_sent() -> None:
    seen: list[httpx2.Request] = []
    objecten = [
        {
            "url": "o-1",
            "objectType": "adres",
            "objectIdentificatie": {"identificatie": "A", "huisletter": ""},
        },
        {
            "url": "o-2",
            "objectType": "adres",
            "objectIdentificatie": {"identificatie": "B", "huisletter": ""},
        },
    ]
    client = _client(objecten, seen)
    body = {
        "zaak": ZAAK,
        "objectType": "adres",
        "objectIdentificatie": {"identificatie": "B", "huisnummer": 1},
    }

    assert recovery.find_zaakobject(client, body) == {"url": "o-2"}
    assert dict(seen[0].url.params) == {"zaak": ZAAK, "objectType": "adres"}
