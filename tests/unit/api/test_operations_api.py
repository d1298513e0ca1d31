"""The JSON operations API: NL API Design Rules behaviour and no BSN anywhere."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx2
from fastapi.testclient import TestClient

from gateway.events import FETCH, TRANSLATE, StageJob
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


def _dead_letter(seeded: Seeded, queue: str = TRANSLATE, volgnummer: int = 1) -> str:
    c = seeded.container
    job = c.context.job(queue, StageJob(FAILED_NR, volgnummer))
    c.queue.publish(queue, job.body, message_id=job.message_id, headers=job.headers)
    msg = c.queue.receive(queue, 1.0)
    assert isinstance(msg, Message)
    c.queue.dead_letter(msg, "te vaak geprobeerd")
    return job.message_id


def _replay(client: TestClient, message_id: str, queue: str = TRANSLATE) -> httpx2.Response:
    return client.post(
        "/v1/dode-berichten/herplaatsingen",
        json={"wachtrij": queue, "berichtId": message_id, "toelichting": "ZRC weer bereikbaar"},
        headers=AUTH,
    )


def _queued(seeded: Seeded) -> list[str]:
    out: list[str] = []
    seeded.container.store.relay_outbox(lambda row: out.append(row.queue))
    return out


def test_dead_letter_listing_and_replay(client: TestClient, seeded: Seeded) -> None:
    """Issue 14, item 1: replay re-opens the failed version (it used to be skipped as failed)."""
    c = seeded.container
    message_id = _dead_letter(seeded)
    letters = client.get("/v1/dode-berichten", headers=AUTH).json()
    assert letters[0]["verzoeknummer"] == FAILED_NR and letters[0]["berichtId"] == message_id
    assert client.get("/v1/overzicht", headers=AUTH).json()["doodBerichten"] == 1
    _queued(seeded)  # the set-up's jobs
    r = _replay(client, message_id)
    assert r.status_code == 200 and r.json()["herplaatst"] == 1
    versie = c.store.get_versie(FAILED_NR, 1)
    # Back where the translate stage picks it up (it skips only non-fetched versions), with one job.
    assert versie is not None and versie.state == "fetched" and versie.attempts == 0
    assert _queued(seeded) == [TRANSLATE]
    assert any(e.kind == "dead-letter-replayed" for e in c.store.events_for(FAILED_NR))
    # The letter is outdated now: a second replay would start a second loop, so it is refused.
    again = _replay(client, message_id)
    assert again.status_code == 409 and "achterhaald" in again.json()["detail"]
    assert _queued(seeded) == []
    assert client.get("/v1/overzicht", headers=AUTH).json()["doodBerichten"] == 0


def test_a_letter_older_than_the_versions_last_retry_is_refused(client: TestClient, seeded: Seeded) -> None:
    old = _dead_letter(seeded)
    time.sleep(0.01)
    new = _dead_letter(seeded)  # the version was retried and failed again since `old`
    assert _replay(client, old).status_code == 409
    assert _replay(client, new).status_code == 200


def test_a_letter_of_another_stage_than_the_failure_is_refused(client: TestClient, seeded: Seeded) -> None:
    message_id = _dead_letter(seeded, FETCH)  # the version failed at translate, not at fetch
    r = _replay(client, message_id, FETCH)
    assert r.status_code == 409 and "achterhaald" in r.json()["detail"]


def test_the_page_hides_the_button_of_an_outdated_letter(client: TestClient, seeded: Seeded) -> None:
    message_id = _dead_letter(seeded)
    login(client, "olga")
    assert f'name="berichtId" value="{message_id}"' in client.get("/status").text
    assert _replay(client, message_id).status_code == 200
    page = client.get("/status").text
    assert f'name="berichtId" value="{message_id}"' not in page and "Achterhaald" in page


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
    # On the queue of the stage the version failed at (translate), as the worker leaves it.
    job = c.context.job(TRANSLATE, StageJob(FAILED_NR, 1))
    c.queue.publish(TRANSLATE, job.body, message_id=job.message_id, headers=job.headers)
    msg = c.queue.receive(TRANSLATE, 1.0)
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
