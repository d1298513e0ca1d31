"""The ZGW test server's own rules: JWT, CRS headers, catalogue rules, bestandsdelen, faults."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from adapters.zgw.testserver import ZgwStore, ZgwTestServerConfig, create_app, store_of

SECRET = "unit-test-secret-0123456789abcdef0123"
Z, D, C = "/zaken/api/v1", "/documenten/api/v1", "/catalogi/api/v1"
CRS = {"Accept-Crs": "EPSG:4326", "Content-Crs": "EPSG:4326"}


def _token(secret: str = SECRET, iat: float | None = None) -> str:
    claims = {
        "iss": "t",
        "client_id": "t",
        "iat": int(iat or time.time()),
        "user_id": "",
        "user_representation": "",
    }
    return jwt.encode(claims, secret, algorithm="HS256")


@pytest.fixture
def server() -> Iterator[tuple[TestClient, ZgwStore]]:
    # zaakobject.object URLs here point nowhere; fetching them is tested in test_openzaak_rules.
    app = create_app(ZgwTestServerConfig(secret=SECRET, part_size=10, fetch_external_urls=False))
    with TestClient(
        app, base_url="http://zgw.test", headers={"Authorization": f"Bearer {_token()}"}
    ) as client:
        yield client, store_of(app)


def _zaaktype(client: TestClient, identificatie: str, status: str = "definitief") -> dict[str, Any]:
    [found] = client.get(f"{C}/zaaktypen", params={"identificatie": identificatie, "status": status}).json()[
        "results"
    ]
    assert isinstance(found, dict)
    return found


def _zaak_body(zaaktype_url: str) -> dict[str, Any]:
    return {
        "zaaktype": zaaktype_url,
        "bronorganisatie": "002220647",
        "verantwoordelijkeOrganisatie": "002220647",
        "startdatum": "2024-03-14",
    }


def test_jwt_is_required_signed_and_fresh(server: tuple[TestClient, ZgwStore]) -> None:
    client, _ = server
    assert client.get(f"{C}/catalogussen").status_code == 200
    for header in (
        {"Authorization": ""},
        {"Authorization": f"Bearer {_token('wrong-secret-0123456789abcdef0123')}"},
        {"Authorization": f"Bearer {_token(iat=time.time() - 7200)}"},
    ):
        response = client.get(f"{C}/catalogussen", headers=header)
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"


def test_catalogue_has_the_shared_names_and_hides_the_concept(server: tuple[TestClient, ZgwStore]) -> None:
    client, _ = server
    [catalogus] = client.get(f"{C}/catalogussen", params={"domein": "DSO", "rsin": "002220647"}).json()[
        "results"
    ]
    zaaktypen = client.get(f"{C}/zaaktypen", params={"catalogus": catalogus["url"]}).json()["results"]
    assert sorted(z["identificatie"] for z in zaaktypen) == [
        "DSO-CONCEPTVERZOEK",
        "DSO-INFORMATIE",
        "DSO-MAATWERK",
        "DSO-MELDING",
        "DSO-OMGEVINGSVERGUNNING",
    ]
    assert not any(z["concept"] for z in zaaktypen)
    assert len(client.get(f"{C}/zaaktypen", params={"status": "alles"}).json()["results"]) == 6
    # On a date after the concept's beginGeldigheid the published one is still the only answer.
    on_date = client.get(
        f"{C}/zaaktypen", params={"identificatie": "DSO-OMGEVINGSVERGUNNING", "datumGeldigheid": "2025-06-01"}
    ).json()["results"]
    assert [z["concept"] for z in on_date] == [False]
    zaaktype = zaaktypen[0]["url"]
    statustypen = client.get(f"{C}/statustypen", params={"zaaktype": zaaktype}).json()["results"]
    assert [(s["volgnummer"], s["omschrijving"], s["isEindstatus"]) for s in statustypen] == [
        (1, "Ontvangen", False),
        (2, "Aangevuld", False),
        (3, "Afgehandeld", True),
    ]
    roltypen = client.get(f"{C}/roltypen", params={"zaaktype": zaaktype}).json()["results"]
    assert {(r["omschrijving"], r["omschrijvingGeneriek"]) for r in roltypen} == {
        ("Aanvrager", "initiator"),
        ("Gemachtigde", "belanghebbende"),
    }
    eigenschappen = client.get(f"{C}/eigenschappen", params={"zaaktype": zaaktype}).json()["results"]
    assert {e["naam"] for e in eigenschappen} == {"Bouwkosten", "Hoeveelheid", "Activiteiten"}
    iots = client.get(f"{C}/informatieobjecttypen", params={"catalogus": catalogus["url"]}).json()["results"]
    assert {i["omschrijving"] for i in iots} == {
        "Bouwtekening",
        "Situatietekening",
        "Rapport",
        "Aanvraagformulier",
        "Bijlage",
        "Ontvangstbevestiging",  # the gateway's own messages (mapping berichten.informatieobjecttypen)
        "Statusbericht",
    }
    resultaattypen = client.get(f"{C}/resultaattypen", params={"zaaktype": zaaktype}).json()["results"]
    assert {"Verleend", "Ingetrokken"} <= {r["omschrijving"] for r in resultaattypen}
    assert {r["brondatumArchiefprocedure"]["afleidingswijze"] for r in resultaattypen} == {"afgehandeld"}
    links = client.get(f"{C}/zaaktype-informatieobjecttypen", params={"zaaktype": zaaktype}).json()["results"]
    assert {link["informatieobjecttype"] for link in links} == {i["url"] for i in iots}


def test_catalogue_urls_are_stable_across_restarts() -> None:
    """Issue 14: a worker keeps catalogue URLs; a restarted test server must serve the same ones."""

    def urls() -> list[str]:
        app = create_app(ZgwTestServerConfig(secret=SECRET))
        with TestClient(
            app, base_url="http://zgw.test", headers={"Authorization": f"Bearer {_token()}"}
        ) as client:
            found = []
            for kind in ("zaaktypen", "statustypen", "roltypen", "resultaattypen", "informatieobjecttypen"):
                found += [
                    i["url"] for i in client.get(f"{C}/{kind}", params={"status": "alles"}).json()["results"]
                ]
            return sorted(found)

    first = urls()
    assert len(first) > 20
    assert urls() == first


def test_zaak_rules(server: tuple[TestClient, ZgwStore]) -> None:
    client, store = server
    published = _zaaktype(client, "DSO-MELDING")["url"]
    concept = _zaaktype(client, "DSO-OMGEVINGSVERGUNNING", status="concept")["url"]

    missing_crs = client.post(f"{Z}/zaken", json=_zaak_body(published), headers={"Accept-Crs": "EPSG:4326"})
    assert missing_crs.status_code == 412
    wrong_crs = client.post(
        f"{Z}/zaken", json=_zaak_body(published), headers={**CRS, "Content-Crs": "EPSG:28992"}
    )
    assert wrong_crs.status_code == 406

    rejected = client.post(f"{Z}/zaken", json=_zaak_body(concept), headers=CRS)
    assert rejected.status_code == 400
    assert [p["name"] for p in rejected.json()["invalidParams"]] == ["zaaktype"]

    incomplete = client.post(
        f"{Z}/zaken", json={"zaaktype": published, "omschrijving": "x" * 81}, headers=CRS
    )
    names = sorted(p["name"] for p in incomplete.json()["invalidParams"])
    assert names == ["bronorganisatie", "omschrijving", "startdatum", "verantwoordelijkeOrganisatie"]

    created = client.post(f"{Z}/zaken", json={**_zaak_body(published), "identificatie": "Z-1"}, headers=CRS)
    assert created.status_code == 201
    assert created.headers["Content-Crs"] == "EPSG:4326"
    duplicate = client.post(f"{Z}/zaken", json={**_zaak_body(published), "identificatie": "Z-1"}, headers=CRS)
    assert duplicate.json()["invalidParams"][0]["code"] == "identificatie-niet-uniek"
    assert store.counts()["zaken"] == 1
    found = client.get(f"{Z}/zaken", params={"identificatie": "Z-1"}, headers=CRS).json()
    assert found["count"] == 1


def test_bestandsdelen_protocol(server: tuple[TestClient, ZgwStore]) -> None:
    client, store = server
    iot = client.get(f"{C}/informatieobjecttypen", params={"omschrijving": "Bijlage"}).json()["results"][0][
        "url"
    ]
    body = {
        "bronorganisatie": "002220647",
        "creatiedatum": "2024-03-14",
        "titel": "t",
        "auteur": "a",
        "taal": "dut",
        "informatieobjecttype": iot,
        "bestandsomvang": 25,
    }
    created = client.post(f"{D}/enkelvoudiginformatieobjecten", json=body).json()
    delen = created["bestandsdelen"]
    assert [d["omvang"] for d in delen] == [10, 10, 5]
    assert created["locked"] is True
    lock = created["lock"]

    def put(deel: dict[str, Any], data: bytes, lock_value: str = lock) -> Any:
        return client.put(deel["url"], data={"lock": lock_value}, files={"inhoud": ("x.bin", data)})

    assert put(delen[0], b"0123456789", "wrong").json()["invalidParams"][0]["code"] == "incorrect-lock-id"
    assert put(delen[0], b"short").json()["invalidParams"][0]["code"] == "file-size"
    assert put(delen[0], b"0123456789").json()["voltooid"] is True
    unlock = client.post(f"{created['url']}/unlock", json={"lock": lock})
    assert unlock.json()["invalidParams"][0]["code"] == "incomplete-upload"
    assert put(delen[1], b"abcdefghij").status_code == 200
    assert put(delen[2], b"KLMNO").status_code == 200
    assert client.post(f"{created['url']}/unlock", json={"lock": lock}).status_code == 204
    assert client.get(f"{created['url']}/download").content == b"0123456789abcdefghijKLMNO"
    assert client.get(created["url"]).json()["locked"] is False

    small = client.post(
        f"{D}/enkelvoudiginformatieobjecten",
        json={**body, "bestandsomvang": 3, "inhoud": base64.b64encode(b"abc").decode()},
    ).json()
    assert store.content_of(small["url"]) == b"abc"
    bad_taal = client.post(f"{D}/enkelvoudiginformatieobjecten", json={**body, "taal": "nl"})
    assert bad_taal.json()["invalidParams"][0]["name"] == "taal"


def test_faults_and_counts(server: tuple[TestClient, ZgwStore]) -> None:
    client, store = server
    store.inject_fault(500, method="GET", path_contains="/catalogussen", skip=1)
    assert client.get(f"{C}/catalogussen").status_code == 200
    failed = client.get(f"{C}/catalogussen")
    assert failed.status_code == 500
    assert failed.json()["code"] == "injected_fault"
    assert client.get(f"{C}/catalogussen").status_code == 200  # times=1: used up
    assert client.get("/_testserver/counts").json()["zaken"] == 0


def _zaak_with_rollen(client: TestClient) -> tuple[str, dict[str, str]]:
    """A zaak with an initiator (natuurlijk persoon) and a belanghebbende (niet-natuurlijk)."""
    zaaktype = _zaaktype(client, "DSO-MELDING")
    zaak = client.post(f"{Z}/zaken", json=_zaak_body(zaaktype["url"]), headers=CRS).json()["url"]
    roltypen = {
        r["omschrijvingGeneriek"]: r["url"]
        for r in client.get(f"{C}/roltypen", params={"zaaktype": zaaktype["url"]}).json()["results"]
    }
    for generiek, betrokkene_type, identificatie in (
        ("initiator", "natuurlijk_persoon", {"inpBsn": "111222333"}),
        ("belanghebbende", "niet_natuurlijk_persoon", {"innNnpId": "002220647"}),
    ):
        body = {
            "zaak": zaak,
            "roltype": roltypen[generiek],
            "betrokkeneType": betrokkene_type,
            "roltoelichting": generiek,
            "betrokkeneIdentificatie": identificatie,
        }
        assert client.post(f"{Z}/rollen", json=body).status_code == 201
    return zaak, roltypen


def test_rol_destroy(server: tuple[TestClient, ZgwStore]) -> None:
    """Zaken 1.5.1 has no PUT/PATCH for a rol: it is destroyed (204, then 404) and made anew."""
    client, store = server
    zaak, roltypen = _zaak_with_rollen(client)
    [initiator] = client.get(f"{Z}/rollen", params={"roltype": roltypen["initiator"]}).json()["results"]
    assert client.patch(initiator["url"], json={"indicatieMachtiging": "machtiginggever"}).status_code == 405

    assert client.delete(initiator["url"]).status_code == 204
    assert client.delete(initiator["url"]).status_code == 404
    assert [r["roltoelichting"] for r in store.rollen.values()] == ["belanghebbende"]
    assert client.get(zaak, headers=CRS).json()["rollen"] == [next(iter(store.rollen.values()))["url"]]
    store.zaken[zaak.rsplit("/", 1)[-1]]["einddatum"] = "2024-03-20"
    [rest] = store.rollen.values()
    assert client.delete(rest["url"]).status_code == 403  # a closed zaak takes no changes


def test_list_filters_of_zaken_151(server: tuple[TestClient, ZgwStore]) -> None:
    """The query parameters the adapter's lost-answer lookups use, as Zaken 1.5.1 defines them."""
    client, _ = server
    zaak, roltypen = _zaak_with_rollen(client)

    def rollen(**params: str) -> list[str]:
        answer = client.get(f"{Z}/rollen", params=params)
        assert answer.status_code == 200, answer.text
        return sorted(r["roltoelichting"] for r in answer.json()["results"])

    assert rollen(zaak=zaak) == ["belanghebbende", "initiator"]
    assert rollen(zaak=zaak, roltype=roltypen["initiator"]) == ["initiator"]
    assert rollen(betrokkeneType="niet_natuurlijk_persoon") == ["belanghebbende"]
    assert rollen(omschrijvingGeneriek="initiator") == ["initiator"]
    assert rollen(betrokkeneIdentificatie__natuurlijkPersoon__inpBsn="111222333") == ["initiator"]
    assert rollen(betrokkeneIdentificatie__nietNatuurlijkPersoon__innNnpId="111222333") == []
    assert rollen(zaak="http://zgw.test/zaken/api/v1/zaken/other") == []
    unknown = client.get(f"{Z}/rollen", params={"onbekend": "x"})  # Open Zaak refuses unknown parameters
    assert unknown.status_code == 400
    assert unknown.json()["invalidParams"][0]["code"] == "unknown-parameters"
    bad = client.get(f"{Z}/rollen", params={"zaak": "geen-url", "betrokkeneType": "kat"})
    assert bad.status_code == 400
    assert sorted(p["name"] for p in bad.json()["invalidParams"]) == ["betrokkeneType", "zaak"]

    statustypen = client.get(f"{C}/statustypen", params={"zaaktype": _zaaktype(client, "DSO-MELDING")["url"]})
    ontvangen, aangevuld = (s["url"] for s in statustypen.json()["results"][:2])
    for statustype, moment in ((ontvangen, "2024-03-14T09:00:00Z"), (aangevuld, "2024-03-15T09:00:00Z")):
        body = {"zaak": zaak, "statustype": statustype, "datumStatusGezet": moment}
        assert client.post(f"{Z}/statussen", json=body).status_code == 201

    def statussen(**params: str) -> list[str]:
        return [s["statustype"] for s in client.get(f"{Z}/statussen", params=params).json()["results"]]

    assert statussen(zaak=zaak, statustype=ontvangen) == [ontvangen]
    assert statussen(zaak=zaak, indicatieLaatstGezetteStatus="true") == [aangevuld]
    assert statussen(indicatieLaatstGezetteStatus="false") == [ontvangen]
    assert client.get(f"{Z}/statussen", params={"indicatieLaatstGezetteStatus": "ja"}).status_code == 400

    adres = {
        "identificatie": "0200200000123456",
        "wplWoonplaatsNaam": "A",
        "gorOpenbareRuimteNaam": "M",
        "huisnummer": 1,
    }
    for body in (
        {"zaak": zaak, "objectType": "adres", "objectIdentificatie": adres},
        {"zaak": zaak, "objectType": "pand", "object": "http://bag.test/panden/1"},
    ):
        assert client.post(f"{Z}/zaakobjecten", json=body, headers=CRS).status_code == 201

    def objecten(**params: str) -> list[str]:
        answer = client.get(f"{Z}/zaakobjecten", params=params, headers=CRS).json()
        return [o["objectType"] for o in answer["results"]]

    assert objecten(zaak=zaak, objectType="adres") == ["adres"]
    assert objecten(object="http://bag.test/panden/1") == ["pand"]
    assert client.get(f"{Z}/zaakobjecten", params={"objectType": "fiets"}, headers=CRS).status_code == 400


def test_documents_by_identificatie_and_deleted_only_without_zaak_or_lock(
    server: tuple[TestClient, ZgwStore],
) -> None:
    client, store = server
    iot = client.get(f"{C}/informatieobjecttypen", params={"omschrijving": "Bijlage"}).json()["results"][0][
        "url"
    ]
    body = {
        "bronorganisatie": "002220647",
        "creatiedatum": "2024-03-14",
        "titel": "t",
        "auteur": "a",
        "taal": "dut",
        "informatieobjecttype": iot,
    }
    locked = client.post(
        f"{D}/enkelvoudiginformatieobjecten", json={**body, "identificatie": "DSO-1-A", "bestandsomvang": 25}
    ).json()
    linked = client.post(
        f"{D}/enkelvoudiginformatieobjecten",
        json={**body, "identificatie": "DSO-1-B", "inhoud": base64.b64encode(b"abc").decode()},
    ).json()
    found = client.get(
        f"{D}/enkelvoudiginformatieobjecten",
        params={"bronorganisatie": "002220647", "identificatie": "DSO-1-A"},
    ).json()["results"]
    assert [d["url"] for d in found] == [locked["url"]]

    zaak = client.post(
        f"{Z}/zaken", json=_zaak_body(_zaaktype(client, "DSO-MELDING")["url"]), headers=CRS
    ).json()
    zio = {"zaak": zaak["url"], "informatieobject": linked["url"]}
    assert client.post(f"{Z}/zaakinformatieobjecten", json=zio).status_code == 201

    refused = client.delete(linked["url"])  # Open Zaak: 400, though the 1.4.3 file lists only 409
    assert refused.status_code == 400
    assert refused.json()["invalidParams"][0]["code"] == "pending-relations"
    still_locked = client.delete(locked["url"])
    assert still_locked.status_code == 400
    assert still_locked.json()["invalidParams"][0]["code"] == "destroy-locked"
    assert (
        client.post(f"{locked['url']}/unlock", json={"lock": locked["lock"]}).status_code == 400
    )  # no parts
    del store.locks[locked["url"].rsplit("/", 1)[-1]]
    assert client.delete(locked["url"]).status_code == 204
    assert client.get(locked["url"]).status_code == 404
    assert not store.bestandsdelen
