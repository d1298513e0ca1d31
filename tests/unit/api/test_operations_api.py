"""The JSON operations API: NL API Design Rules behaviour and no BSN anywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from gateway.events import FETCH, StageJob
from message_queue.base import Message
from tests.unit.api.conftest import API_TOKEN, FAILED_NR, Seeded, login

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def test_overzicht_camel_case(client: TestClient, seeded: Seeded) -> None:
    r = client.get("/v1/overzicht", headers=AUTH)
    assert r.status_code == 200
    body = r.json()
    assert body["aantallenPerStatus"] == {"failed": 1, "received": 2}
    assert body["doorvoerLaatsteUur"]["ontvangen"] == 3
    assert body["doorvoerLaatsteUur"]["mislukt"] == 1
    assert r.headers["api-version"] == "1.0.0"
    # Two verzoeken were received and not yet fetched: the store says so whatever the broker can tell.
    wachtend = {w["naam"]: w["wachtend"] for w in body["wachtrijen"]}
    assert wachtend == {"dso.fetch": 2, "dso.translate": 0, "dso.report": 0}


def test_action_in_wrong_state_is_409(client: TestClient, seeded: Seeded) -> None:
    r = client.post(
        "/v1/verzoeken/2024031400043/versies/1/acties",
        json={"actie": "opnieuw", "toelichting": "x"},
        headers=AUTH,
    )
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")


def test_invalid_input_is_400_not_422(client: TestClient, seeded: Seeded) -> None:
    r = client.post(f"/v1/verzoeken/{FAILED_NR}/versies/1/acties", json={"actie": "weg"}, headers=AUTH)
    assert r.status_code == 400
    assert r.json()["status"] == 400


def test_unknown_version_is_404(client: TestClient, seeded: Seeded) -> None:
    r = client.post(
        f"/v1/verzoeken/{FAILED_NR}/versies/9/acties",
        json={"actie": "opnieuw", "toelichting": "x"},
        headers=AUTH,
    )
    assert r.status_code == 404


def test_retry_via_api(client: TestClient, seeded: Seeded) -> None:
    r = client.post(
        f"/v1/verzoeken/{FAILED_NR}/versies/1/acties",
        json={"actie": "opnieuw", "toelichting": "ZRC weer up"},
        headers=AUTH,
    )
    assert r.status_code == 200
    assert r.json()["status"] == "fetched"


def test_dead_letter_listing_and_replay(client: TestClient, seeded: Seeded) -> None:
    c = seeded.container
    job = c.context.job(FETCH, __import__("gateway.events", fromlist=["StageJob"]).StageJob(FAILED_NR, 1))
    c.queue.publish(FETCH, job.body, message_id=job.message_id, headers=job.headers)
    msg = c.queue.receive(FETCH, 1.0)
    assert isinstance(msg, Message)
    c.queue.dead_letter(msg, "te vaak geprobeerd")
    letters = client.get("/v1/dode-berichten", headers=AUTH).json()
    assert letters[0]["verzoeknummer"] == FAILED_NR and letters[0]["berichtId"] == job.message_id
    r = client.post(
        "/v1/dode-berichten/herplaatsingen",
        json={"wachtrij": FETCH, "berichtId": job.message_id, "toelichting": "DSO weer bereikbaar"},
        headers=AUTH,
    )
    assert r.status_code == 200 and r.json()["herplaatst"] == 1
    assert c.queue.dead_letters() == []
    assert any(e.kind == "dead-letter-replayed" for e in c.store.events_for(FAILED_NR))


def test_json_never_holds_a_bsn(client: TestClient, seeded: Seeded) -> None:
    for url in ("/v1/verzoeken", f"/v1/verzoeken/{FAILED_NR}", "/v1/overzicht", "/v1/dode-berichten"):
        r = client.get(url, headers=AUTH)
        assert r.status_code == 200
        assert "999993653" not in r.text


def test_verzoeken_can_be_filtered_like_on_the_status_page(client: TestClient, seeded: Seeded) -> None:
    def numbers(**params: str) -> list[str]:
        r = client.get("/v1/verzoeken", params=params, headers=AUTH)
        assert r.status_code == 200, r.text
        return sorted(v["verzoeknummer"] for v in r.json()["resultaten"])

    assert numbers(doel="Aanvullen") == ["2024031400044"]
    assert numbers(type="Melding") == ["2024031400043"]
    assert numbers(type="Aanvraag vergunning", doel="Initiëren") == [FAILED_NR]
    assert numbers(zoek="kerkweg") == ["2024031400043"]
    # A LIKE wildcard in the search is a literal character, not "anything".
    assert numbers(zoek="%") == []
    today = datetime.now(UTC).date()
    assert len(numbers(ontvangenVanaf=today.isoformat())) == 3
    assert numbers(ontvangenTot=(today - timedelta(days=1)).isoformat()) == []
    bad = client.get("/v1/verzoeken", params={"ontvangenVanaf": "gisteren"}, headers=AUTH)
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")


def test_a_dead_letter_of_a_retried_version_is_stale(client: TestClient, seeded: Seeded) -> None:
    c = seeded.container
    job = c.context.job(FETCH, StageJob(FAILED_NR, 1))
    c.queue.publish(FETCH, job.body, message_id=job.message_id, headers=job.headers)
    msg = c.queue.receive(FETCH, 1.0)
    assert isinstance(msg, Message)
    c.queue.dead_letter(msg, "te vaak geprobeerd")
    [letter] = client.get("/v1/dode-berichten", headers=AUTH).json()
    assert letter["versieStatus"] == "failed"
    assert client.get("/v1/overzicht", headers=AUTH).json()["doodBerichten"] == 1

    retried = client.post(
        f"/v1/verzoeken/{FAILED_NR}/versies/1/acties",
        json={"actie": "opnieuw", "toelichting": "DSO weer bereikbaar"},
        headers=AUTH,
    )
    assert retried.status_code == 200
    [letter] = client.get("/v1/dode-berichten", headers=AUTH).json()
    assert letter["versieStatus"] != "failed"
    # Still in the dead-letter queue (nothing is thrown away), but no longer counted as a problem.
    assert client.get("/v1/overzicht", headers=AUTH).json()["doodBerichten"] == 0
    login(client, "olga")
    page = client.get("/status").text
    assert "Achterhaald: de versie is nu" in page and "Herplaatsen</button>" not in page
