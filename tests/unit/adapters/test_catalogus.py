"""CatalogusResolver: valid-on-date resolution, never a concept, caching, missing names."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx2
import pytest

from adapters.errors import DeliveryPermanentError
from adapters.zgw.catalogus import CatalogusGap, CatalogusResolver
from adapters.zgw.client import ZgwClient

C = "http://oz.test/catalogi/api/v1"
CATALOGUS = f"{C}/catalogussen/1"


def _page(*items: dict[str, Any]) -> dict[str, Any]:
    return {"count": len(items), "next": None, "previous": None, "results": list(items)}


def _catalogue(
    zaaktypen: list[dict[str, Any]], extra: dict[str, list[dict[str, Any]]] | None = None
) -> tuple[ZgwClient, list[str]]:
    """A Catalogi API over httpx2.MockTransport; `extra` (kind -> items) is read on every call, so
    a test can add to the catalogue while a resolver holds it."""
    calls: list[str] = []
    extra = extra if extra is not None else {}

    def handle(request: httpx2.Request) -> httpx2.Response:
        calls.append(request.url.path)
        kind = request.url.path.rsplit("/", 1)[-1]
        params = request.url.params
        if kind == "catalogussen":
            ok = params.get("domein") == "DSO" and params.get("rsin") == "002220647"
            return httpx2.Response(200, json=_page(*([{"url": CATALOGUS}] if ok else [])))
        if kind == "zaaktypen":
            # This provider ignores the status filter: the resolver must still skip concepts.
            return httpx2.Response(200, json=_page(*zaaktypen))
        zaaktype = params.get("zaaktype", "")
        by_kind: dict[str, list[dict[str, Any]]] = {
            "statustypen": [
                {
                    "url": f"{zaaktype}/s3",
                    "volgnummer": 3,
                    "omschrijving": "Afgehandeld",
                    "isEindstatus": True,
                },
                {
                    "url": f"{zaaktype}/s1",
                    "volgnummer": 1,
                    "omschrijving": "Ontvangen",
                    "isEindstatus": False,
                },
                {
                    "url": f"{zaaktype}/s2",
                    "volgnummer": 2,
                    "omschrijving": "Aangevuld",
                    "isEindstatus": False,
                },
            ],
            "roltypen": [
                {"url": f"{zaaktype}/r1", "omschrijving": "Aanvrager", "omschrijvingGeneriek": "initiator"},
                {
                    "url": f"{zaaktype}/r2",
                    "omschrijving": "Gemachtigde",
                    "omschrijvingGeneriek": "belanghebbende",
                },
            ],
            "informatieobjecttypen": [
                {
                    "url": f"{C}/iot/1",
                    "omschrijving": "Bijlage",
                    "concept": False,
                    "beginGeldigheid": "2020-01-01",
                },
                {
                    "url": f"{C}/iot/2",
                    "omschrijving": "Rapport",
                    "concept": True,
                    "beginGeldigheid": "2020-01-01",
                },
            ],
            "eigenschappen": [{"url": f"{zaaktype}/e1", "naam": "Bouwkosten"}],
            "resultaattypen": [{"url": f"{zaaktype}/res1", "omschrijving": "Ingetrokken"}],
        }
        if kind not in by_kind and kind not in extra:
            return httpx2.Response(404, json={"detail": "Niet gevonden."})
        return httpx2.Response(200, json=_page(*by_kind.get(kind, []), *extra.get(kind, [])))

    client = ZgwClient(
        zaken_url="http://oz.test/zaken/api/v1",
        documenten_url="http://oz.test/documenten/api/v1",
        catalogi_url=C,
        client_id="gw",
        secret="unit-test-secret-0123456789abcdef0123",
        transport=httpx2.MockTransport(handle),
    )
    return client, calls


def _zaaktype(
    url: str,
    begin: str,
    *,
    concept: bool = False,
    einde: str | None = None,
    informatieobjecttypen: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "url": url,
        "identificatie": "DSO-MELDING",
        "concept": concept,
        "beginGeldigheid": begin,
        "eindeGeldigheid": einde,
        "resultaattypen": [f"{url}/res1"],
        **({"informatieobjecttypen": informatieobjecttypen} if informatieobjecttypen is not None else {}),
    }


def test_resolves_the_published_version_valid_on_the_date_and_caches_it() -> None:
    client, calls = _catalogue(
        [
            _zaaktype(f"{C}/zaaktypen/old", "2020-01-01", einde="2022-12-31"),
            _zaaktype(f"{C}/zaaktypen/new", "2023-01-01"),
            _zaaktype(f"{C}/zaaktypen/concept", "2024-01-01", concept=True),
        ]
    )
    resolver = CatalogusResolver(client)

    zaaktype = resolver.zaaktype("DSO", "002220647", "DSO-MELDING", date(2024, 3, 14))

    assert zaaktype.url == f"{C}/zaaktypen/new"
    assert zaaktype.statustype().omschrijving == "Ontvangen"
    assert zaaktype.statustype(eind=True).omschrijving == "Afgehandeld"
    assert zaaktype.statustype(omschrijving="Aangevuld").volgnummer == 2
    assert zaaktype.roltype(omschrijving_generiek=None, omschrijving="Gemachtigde").url.endswith("/r2")
    assert zaaktype.roltype(omschrijving_generiek="initiator", omschrijving=None).url.endswith("/r1")
    assert zaaktype.informatieobjecttypen == {"Bijlage": f"{C}/iot/1"}  # the concept one is left out
    assert zaaktype.eigenschap("Bouwkosten").endswith("/e1")
    before = len(calls)
    assert resolver.zaaktype("DSO", "002220647", "DSO-MELDING", date(2024, 3, 14)) is zaaktype
    assert len(calls) == before
    old = resolver.zaaktype("DSO", "002220647", "DSO-MELDING", date(2021, 5, 1))
    assert old.url == f"{C}/zaaktypen/old"


def test_only_a_concept_is_not_found() -> None:
    client, _ = _catalogue([_zaaktype(f"{C}/zaaktypen/concept", "2020-01-01", concept=True)])
    with pytest.raises(DeliveryPermanentError, match="DSO-MELDING"):
        CatalogusResolver(client).zaaktype("DSO", "002220647", "DSO-MELDING", date(2024, 3, 14))


def test_missing_names_are_permanent_errors_naming_them() -> None:
    client, _ = _catalogue([_zaaktype(f"{C}/zaaktypen/new", "2020-01-01")])
    resolver = CatalogusResolver(client)
    with pytest.raises(DeliveryPermanentError, match="catalogus with domein 'XYZ'"):
        resolver.zaaktype("XYZ", "002220647", "DSO-MELDING", date(2024, 3, 14))
    zaaktype = resolver.zaaktype("DSO", "002220647", "DSO-MELDING", date(2024, 3, 14))
    with pytest.raises(DeliveryPermanentError, match="'Beslisser'"):
        zaaktype.roltype(omschrijving_generiek=None, omschrijving="Beslisser")
    with pytest.raises(DeliveryPermanentError, match="'Foto'"):
        zaaktype.informatieobjecttype("Foto")
    with pytest.raises(DeliveryPermanentError, match="'Oppervlakte'"):
        zaaktype.eigenschap("Oppervlakte")
    with pytest.raises(DeliveryPermanentError, match="'Geschorst'"):
        zaaktype.statustype(omschrijving="Geschorst")


def test_without_a_version_valid_on_the_date_the_current_published_one_is_taken_and_said() -> None:
    """Open Zaak does not compare geldigheid with the zaak: a verzoek filed before the current
    version began is not refused for good; the choice is said (for the timeline)."""
    client, _ = _catalogue(
        [
            _zaaktype(f"{C}/zaaktypen/new", "2023-01-01"),
            _zaaktype(f"{C}/zaaktypen/concept", "2024-01-01", concept=True),
        ]
    )
    resolver = CatalogusResolver(client, today=lambda: date(2024, 3, 14))
    zaaktype = resolver.zaaktype("DSO", "002220647", "DSO-MELDING", date(2022, 6, 1))
    assert zaaktype.url == f"{C}/zaaktypen/new"
    assert zaaktype.keuze is not None and "2022-06-01" in zaaktype.keuze and "2023-01-01" in zaaktype.keuze
    valid = resolver.zaaktype("DSO", "002220647", "DSO-MELDING", date(2024, 3, 14))
    assert valid.keuze is None


def test_the_cache_expires_after_its_ttl_and_refresh_forgets_it() -> None:
    extra: dict[str, list[dict[str, Any]]] = {}
    client, calls = _catalogue([_zaaktype(f"{C}/zaaktypen/new", "2020-01-01")], extra)
    now = [1000.0]
    resolver = CatalogusResolver(client, ttl=300, clock=lambda: now[0])
    op = date(2024, 3, 14)
    first = resolver.zaaktype("DSO", "002220647", "DSO-MELDING", op)
    with pytest.raises(CatalogusGap, match="'Geschorst'"):
        first.statustype(omschrijving="Geschorst")
    # An administrator adds the statustype.
    extra["statustypen"] = [
        {"url": f"{C}/zaaktypen/new/s9", "volgnummer": 2, "omschrijving": "Geschorst", "isEindstatus": False}
    ]
    now[0] += 299
    calls.clear()
    assert resolver.zaaktype("DSO", "002220647", "DSO-MELDING", op) is first  # still cached
    assert calls == []
    now[0] += 2
    later = resolver.zaaktype("DSO", "002220647", "DSO-MELDING", op)
    assert later.statustype(omschrijving="Geschorst").url.endswith("/s9")
    assert calls  # asked again
    calls.clear()
    resolver.refresh()
    resolver.zaaktype("DSO", "002220647", "DSO-MELDING", op)
    assert any(c.endswith("/zaaktypen") for c in calls)


def test_resultaattype_and_the_zaaktype_informatieobjecttype_links() -> None:
    links = {"zaaktype-informatieobjecttypen": [{"informatieobjecttype": f"{C}/iot/1"}]}
    client, _ = _catalogue([_zaaktype(f"{C}/zaaktypen/new", "2020-01-01")], links)
    zaaktype = CatalogusResolver(client).zaaktype("DSO", "002220647", "DSO-MELDING", date(2024, 3, 14))
    assert zaaktype.resultaattype("Ingetrokken").endswith("/res1")
    with pytest.raises(CatalogusGap, match="'Verleend'"):
        zaaktype.resultaattype("Verleend")
    assert zaaktype.informatieobjecttype("Bijlage") == f"{C}/iot/1"
    links["zaaktype-informatieobjecttypen"] = []
    unlinked = CatalogusResolver(client).zaaktype("DSO", "002220647", "DSO-MELDING", date(2024, 3, 14))
    with pytest.raises(CatalogusGap, match="not linked to zaaktype DSO-MELDING"):
        unlinked.informatieobjecttype("Bijlage")


def test_catalogi_133_lists_the_links_on_the_zaaktype() -> None:
    zaaktypen = [_zaaktype(f"{C}/zaaktypen/new", "2020-01-01", informatieobjecttypen=[f"{C}/iot/other"])]
    client, calls = _catalogue(zaaktypen)
    zaaktype = CatalogusResolver(client).zaaktype("DSO", "002220647", "DSO-MELDING", date(2024, 3, 14))
    assert zaaktype.gekoppeld == frozenset({f"{C}/iot/other"})
    assert not any(c.endswith("/zaaktype-informatieobjecttypen") for c in calls)


def test_a_provider_without_the_links_list_leaves_the_link_unchecked() -> None:
    client, _ = _catalogue([_zaaktype(f"{C}/zaaktypen/new", "2020-01-01")])  # 404 on the list
    zaaktype = CatalogusResolver(client).zaaktype("DSO", "002220647", "DSO-MELDING", date(2024, 3, 14))
    assert zaaktype.gekoppeld is None
    assert zaaktype.informatieobjecttype("Bijlage") == f"{C}/iot/1"
