"""Failure reasons in Dutch with advice; retrying visible with counts that agree everywhere."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from gateway.foutuitleg import FUNCTIONEEL_BEHEER, NIEMAND, TECHNISCH_BEHEER, uitleg
from tests.unit.api.conftest import API_TOKEN, FAILED_NR, Seeded, login

MAPPING_GAP = (
    "no ZGW plan for verzoek 2024031400042: "
    "activiteitId nl.imow-gm0200.activiteit.X is not in the mapping file"
)
RETRYING_NR = "2024031400043"
API = {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.mark.parametrize(
    ("reason", "wie", "permanent", "retry_helps"),
    [
        (MAPPING_GAP, FUNCTIONEEL_BEHEER, True, True),
        ("zaaktype 'X' not found in the catalogus", FUNCTIONEEL_BEHEER, True, True),
        ("verzoek: bevoegdGezag/oin is not an xs:date or xs:dateTime", FUNCTIONEEL_BEHEER, True, False),
        ("ZGW POST /zaken answered 503 (opgegeven na 6 pogingen)", TECHNISCH_BEHEER, False, True),
        ("GET samenvatting: HTTP 403 (forbidden)", TECHNISCH_BEHEER, True, True),
        ("internal error (ZeroDivisionError)", TECHNISCH_BEHEER, True, True),
        (
            "de database was even niet bereikbaar of bezig (OperationalError); wordt opnieuw geprobeerd"
            " (opgegeven na 6 pogingen)",
            TECHNISCH_BEHEER,
            False,
            True,
        ),
        ("iets volkomen onbekends", TECHNISCH_BEHEER, True, True),
    ],
)
def test_every_reason_gets_dutch_advice(reason: str, wie: str, permanent: bool, retry_helps: bool) -> None:
    found = uitleg(reason)
    assert found is not None
    assert (found.wie, found.permanent, found.opnieuw_zinvol) == (wie, permanent, retry_helps)
    assert found.technisch == reason and found.wat and found.doen
    assert found.wie in found.doen.lower() or found.wie == TECHNISCH_BEHEER
    # Dutch, not the English technical text.
    assert not re.search(r"\b(the|is not|answered|error)\b", found.wat + found.doen)


def test_while_retrying_nobody_needs_to_act() -> None:
    found = uitleg("GET verzoekreferenties: timeout (ReadTimeout)", given_up=False)
    assert found is not None and found.wie == NIEMAND and "probeert het zelf opnieuw" in found.doen


def test_mapping_gap_on_the_detail_page(seeded: Seeded, client: TestClient) -> None:
    seeded.container.store.record_failure(FAILED_NR, 1, stage="translate", reason=MAPPING_GAP, attempts=1)
    login(client, "olga")
    html = client.get(f"/status/verzoeken/{FAILED_NR}").text
    assert "Een activiteit van dit verzoek ontbreekt in de mapping" in html
    assert "Functioneel beheer vult de mapping aan, daarna Opnieuw proberen." in html
    assert "<summary>Technische details</summary>" in html and "is not in the mapping file" in html
    assert "Mislukt bij registreren in het zaaksysteem" in html and "failed-translate" not in html
    # Permanent: something must change first, so "Opnieuw proberen" is offered, but not preselected.
    options = re.findall(r'<option value="([a-z]+)">', html.split('id="versie-1"')[1].split("</tr>")[0])
    assert options[0] != "opnieuw" and "opnieuw" in options
    overview = client.get("/status").text
    assert "Een activiteit van dit verzoek ontbreekt in de mapping" in overview


def test_unreadable_stam_offers_no_retry(seeded: Seeded, client: TestClient) -> None:
    reason = "verzoek: gml:LinearRing is not closed"
    seeded.container.store.record_failure(FAILED_NR, 1, stage="translate", reason=reason, attempts=1)
    login(client, "olga")
    html = client.get(f"/status/verzoeken/{FAILED_NR}").text
    row = html.split('id="versie-1"')[1].split("</tr>")[0]
    assert 'value="opnieuw"' not in row and 'value="afgehandeld"' in row


def test_given_up_retries_lead_with_retry(seeded: Seeded, client: TestClient) -> None:
    reason = "ZGW POST /zaken/api/v1/zaken answered 503 (opgegeven na 6 pogingen)"
    seeded.container.store.record_failure(FAILED_NR, 1, stage="translate", reason=reason, attempts=6)
    login(client, "olga")
    html = client.get(f"/status/verzoeken/{FAILED_NR}").text
    row = html.split('id="versie-1"')[1].split("</tr>")[0]
    assert re.findall(r'<option value="([a-z]+)">', row)[0] == "opnieuw"
    assert '"Pogingen">6</td>' in row  # Pogingen agrees with "opgegeven na 6 pogingen"


def _retrying(seeded: Seeded) -> None:
    seeded.container.store.record_attempt(
        RETRYING_NR,
        1,
        stage="fetch",
        reason="GET verzoekreferenties: HTTP 503",
        attempt=2,
        max_attempts=6,
        next_at=datetime(2026, 12, 1, 21, 45, tzinfo=UTC),  # 22:45 in the Netherlands
    )


def test_retrying_is_visible_in_list_detail_and_api(seeded: Seeded, client: TestClient) -> None:
    _retrying(seeded)
    text = "wordt opnieuw geprobeerd – poging 2 van 6, volgende om 22:45"
    login(client, "vera")
    assert text in client.get("/status").text
    detail = client.get(f"/status/verzoeken/{RETRYING_NR}").text
    assert text in detail and "Mislukt bij ophalen bij het Omgevingsloket, wordt opnieuw geprobeerd" in detail
    assert "retry-fetch" not in detail
    assert '"Pogingen">2</td>' in detail.split('id="versie-1"')[1].split("</tr>")[0]
    r = client.get(f"/v1/verzoeken/{RETRYING_NR}", headers=API)
    body = r.json()
    assert body["herhaling"]["tekst"] == text and body["herhaling"]["pogingen"] == 2
    assert body["versies"][0]["pogingen"] == 2 and body["versies"][0]["herhaling"]["maxPogingen"] == 6
    listed = client.get("/v1/verzoeken", params={"status": "received"}, headers=API).json()
    assert [v["herhaling"]["tekst"] for v in listed["resultaten"] if v["verzoeknummer"] == RETRYING_NR] == [
        text
    ]


def test_a_successful_step_ends_the_retry_notice(seeded: Seeded) -> None:
    from gateway.store import State

    _retrying(seeded)
    store = seeded.container.store
    store.transition(RETRYING_NR, 1, to=State.FETCHED, event="fetched")
    assert store.pogingen_for([RETRYING_NR]) == {}


def test_api_explains_a_failure_in_dutch(seeded: Seeded, client: TestClient) -> None:
    seeded.container.store.record_failure(FAILED_NR, 1, stage="translate", reason=MAPPING_GAP, attempts=1)
    body = client.get(f"/v1/verzoeken/{FAILED_NR}", headers=API).json()
    assert body["foutUitleg"]["wie"] == FUNCTIONEEL_BEHEER and body["foutUitleg"]["blijvend"] is True
    assert body["laatsteFout"] == MAPPING_GAP and body["versies"][0]["pogingen"] == 1


def test_status_is_an_enum(client: TestClient) -> None:
    assert client.get("/v1/verzoeken", params={"status": "kapot"}, headers=API).status_code == 400
    assert client.get("/v1/verzoeken", params={"status": "failed"}, headers=API).status_code == 200


def test_dead_letters_are_explained_in_dutch_in_dutch_time(seeded: Seeded, client: TestClient) -> None:
    from gateway.events import FETCH, StageJob
    from message_queue.base import Message

    c = seeded.container
    job = c.context.job(FETCH, StageJob(RETRYING_NR, 1))
    c.queue.publish(FETCH, job.body, message_id=job.message_id, headers=job.headers)
    msg = c.queue.receive(FETCH, 1.0)
    assert isinstance(msg, Message)
    c.queue.dead_letter(msg, "GET verzoekreferenties: HTTP 503 (opgegeven na 6 pogingen)")
    login(client, "vera")
    html = client.get("/status").text.split('id="h-dood"')[1]
    assert "Het Omgevingsloket (DSO) was niet bereikbaar of gaf een storing." in html
    assert "<summary>Technische details</summary>" in html
    assert re.search(r'datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00"', html)  # Dutch offset
