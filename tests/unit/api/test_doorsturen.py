"""Doorsturen by staff: in /v1 and on the status page, DSO's refusal recorded locally and flagged."""

from __future__ import annotations

import httpx2
from fastapi.testclient import TestClient

from dso_client import DsoClient
from gateway.doorsturen import OPVOLGING, doorsturen
from gateway.operations import OperationError
from gateway.reporting import DsoStatusReporter, RecordingStatusReporter
from tests.unit.api.conftest import API_TOKEN, FAILED_NR, Seeded, csrf_of, login

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
ODS = "00000001823288444000"
ELDERS = "00000001002220647000"


def test_v1_doorsturen_accepted(client: TestClient, seeded: Seeded) -> None:
    reporter = RecordingStatusReporter()
    seeded.container.reporter = reporter
    r = client.post(
        f"/v1/verzoeken/{FAILED_NR}/doorsturen",
        json={"naarOin": ODS, "reden": "omgevingsdienst"},
        headers=AUTH,
    )
    assert r.status_code == 200, r.text
    assert r.json()["geaccepteerd"] is True
    assert reporter.doorgestuurd == [(FAILED_NR, ODS, "omgevingsdienst")]
    store = seeded.container.store
    record = store.get_verzoek(FAILED_NR)
    assert record is not None and record.state == "rerouted" and record.bevoegd_gezag_oin == ODS
    assert store.checkpoint_get(FAILED_NR, OPVOLGING) is None
    # Once is enough: a second doorsturen is refused by us, DSO is not called again.
    again = client.post(
        f"/v1/verzoeken/{FAILED_NR}/doorsturen", json={"naarOin": ODS, "reden": "x"}, headers=AUTH
    )
    assert again.status_code == 409 and len(reporter.doorgestuurd) == 1


def test_v1_doorsturen_refused_by_dso_is_recorded_locally_and_flagged(
    client: TestClient, seeded: Seeded
) -> None:
    seeded.container.reporter = RecordingStatusReporter(weiger_naar={ELDERS})
    r = client.post(
        f"/v1/verzoeken/{FAILED_NR}/doorsturen", json={"naarOin": ELDERS, "reden": "elders"}, headers=AUTH
    )
    assert r.status_code == 200 and r.json()["geaccepteerd"] is False
    store = seeded.container.store
    assert store.checkpoint_get(FAILED_NR, OPVOLGING) == {
        "naar": ELDERS,
        "reden": "POST _rerouteer: 422 Het verzoek is al van dit bevoegd gezag",
    }
    kinds = [e.kind for e in store.events_for(FAILED_NR)]
    assert "doorgestuurd-lokaal" in kinds and "opvolging-nodig" in kinds
    login(client, "vera")
    assert FAILED_NR in client.get("/status").text.split('id="opvolgingen"')[1]
    assert 'id="opvolging"' in client.get(f"/status/verzoeken/{FAILED_NR}").text


def test_dso_unreachable_records_nothing(tmp_path: object, seeded: Seeded) -> None:
    def down(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("refused", request=request)

    dso = DsoClient(
        "https://dso.test/overheid/verzoeken/api/afhandelen/v2", transport=httpx2.MockTransport(down)
    )
    c = seeded.container
    before = len(c.store.events_for(FAILED_NR))
    try:
        doorsturen(
            c.context,
            DsoStatusReporter(dso, kenmerk_systeem="x"),
            FAILED_NR,
            naar_oin=ODS,
            reden="r",
            actor="olga",
        )
    except OperationError as exc:
        assert "niet bereikbaar" in str(exc)
    else:
        raise AssertionError("an unreachable DSO must not be reported as done")
    assert len(c.store.events_for(FAILED_NR)) == before
    record = c.store.get_verzoek(FAILED_NR)
    assert record is not None and record.state == "failed"


def test_bad_input_is_refused(client: TestClient, seeded: Seeded) -> None:
    seeded.container.reporter = RecordingStatusReporter()
    bad_oin = client.post(
        f"/v1/verzoeken/{FAILED_NR}/doorsturen", json={"naarOin": "123", "reden": "r"}, headers=AUTH
    )
    assert bad_oin.status_code == 400
    unknown = client.post(
        "/v1/verzoeken/2099010100001/doorsturen", json={"naarOin": ODS, "reden": "r"}, headers=AUTH
    )
    assert unknown.status_code == 404
    blank = client.post(
        f"/v1/verzoeken/{FAILED_NR}/doorsturen", json={"naarOin": ODS, "reden": "   "}, headers=AUTH
    )
    assert blank.status_code == 409 and "reden" in blank.json()["detail"]


def test_status_page_form_for_operators_only(client: TestClient, seeded: Seeded) -> None:
    reporter = RecordingStatusReporter()
    seeded.container.reporter = reporter
    login(client, "vera")
    assert 'id="doorsturen"' not in client.get(f"/status/verzoeken/{FAILED_NR}").text
    client.cookies.clear()
    login(client, "olga")
    page = client.get(f"/status/verzoeken/{FAILED_NR}").text
    assert 'id="doorsturen"' in page
    r = client.post(
        f"/status/verzoeken/{FAILED_NR}/doorsturen",
        data={"csrf": csrf_of(page), "naarOin": ODS, "reden": "omgevingsdienst"},
        follow_redirects=True,
    )
    assert "Doorsturen: doorgestuurd naar" in r.text
    assert reporter.doorgestuurd == [(FAILED_NR, ODS, "omgevingsdienst")]
    [event] = [e for e in seeded.container.store.events_for(FAILED_NR) if e.kind == "doorgestuurd"]
    assert event.actor and "olga" in event.actor
