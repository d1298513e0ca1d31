"""POST /v1/zgw/notificaties: checks the abonnement's header, queues work, never does it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from gateway.api.app import create_app
from gateway.bootstrap import Container, bootstrap
from gateway.events import REPORT, parse_job
from tests.unit.api.conftest import make_settings

AUTH = "Bearer geheim-van-het-abonnement"
ZAAK = "http://zgw.test/zaken/api/v1/zaken/abc"
VNR = "2026031000101"


def notificatie(**overrides: object) -> dict[str, object]:
    return {
        "kanaal": "zaken",
        "hoofdObject": ZAAK,
        "resource": "status",
        "resourceUrl": "http://zgw.test/zaken/api/v1/statussen/1",
        "actie": "create",
        "aanmaakdatum": "2026-04-01T10:00:00Z",
        "kenmerken": {"bronorganisatie": "002220647"},
        **overrides,
    }


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[tuple[Container, TestClient]]:
    c = bootstrap(make_settings(tmp_path, zgw_callback_auth=AUTH))
    with TestClient(create_app(c), base_url="http://testserver") as client:
        yield c, client
    c.close()


def _queued(c: Container) -> list[tuple[str, str | None, str | None]]:
    jobs: list[tuple[str, str | None, str | None]] = []

    def take(row: object) -> None:
        _, job = parse_job(row.body)  # type: ignore[attr-defined]
        jobs.append((row.queue, job.verzoeknummer, job.action))  # type: ignore[attr-defined]

    c.store.relay_outbox(take)
    return jobs


def _with_zaak(c: Container) -> None:
    from gateway.events import FETCH, StageJob

    c.store.record_notification(VNR, 1, c.settings.default_oin, c.context.job(FETCH, StageJob(VNR, 1)))
    c.store.update_summary(VNR, zaak_url=ZAAK, zaak_identificatie="ZAAK-1")
    _queued(c)  # the fetch job is not what this test is about


def test_a_status_on_our_zaak_queues_one_job_and_does_nothing_else(
    gateway: tuple[Container, TestClient],
) -> None:
    c, client = gateway
    _with_zaak(c)
    before = len(c.store.events_for(VNR))
    r = client.post("/v1/zgw/notificaties", json=notificatie(), headers={"Authorization": AUTH})
    assert r.status_code == 204
    assert _queued(c) == [(REPORT, VNR, "zaakstatus")]
    assert len(c.store.events_for(VNR)) == before  # the work is the worker's, not the request's


def test_other_zaken_and_other_resources_are_acknowledged_and_ignored(
    gateway: tuple[Container, TestClient],
) -> None:
    c, client = gateway
    _with_zaak(c)
    for body in (
        notificatie(hoofdObject="http://zgw.test/zaken/api/v1/zaken/elders"),
        notificatie(resource="rol"),
    ):
        assert (
            client.post("/v1/zgw/notificaties", json=body, headers={"Authorization": AUTH}).status_code == 204
        )
    assert _queued(c) == []


def test_the_header_is_checked(gateway: tuple[Container, TestClient]) -> None:
    c, client = gateway
    _with_zaak(c)
    assert client.post("/v1/zgw/notificaties", json=notificatie()).status_code == 401
    wrong = client.post("/v1/zgw/notificaties", json=notificatie(), headers={"Authorization": "Bearer fout"})
    assert wrong.status_code == 403 and wrong.headers["content-type"].startswith("application/problem+json")
    assert _queued(c) == []


def test_a_bad_notification_is_a_clear_400(gateway: tuple[Container, TestClient]) -> None:
    _, client = gateway
    r = client.post(
        "/v1/zgw/notificaties",
        content=orjson.dumps({"kanaal": "zaken"}),
        headers={"Authorization": AUTH, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert {p["name"] for p in r.json()["invalidParams"]} >= {"hoofdObject", "resourceUrl", "aanmaakdatum"}


def test_without_an_abonnement_the_callback_is_off(tmp_path: Path) -> None:
    c = bootstrap(make_settings(tmp_path))
    with TestClient(create_app(c), base_url="http://testserver") as client:
        r = client.post("/v1/zgw/notificaties", json=notificatie(), headers={"Authorization": AUTH})
    c.close()
    assert r.status_code == 404
