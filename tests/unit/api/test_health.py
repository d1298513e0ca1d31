"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from gateway.metrics import GatewayMetrics, render
from tests.prometheus import prometheus_samples
from tests.unit.api.conftest import API_TOKEN, Seeded

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def test_live_and_ready_need_no_login(client: TestClient, seeded: Seeded) -> None:
    assert client.get("/health/live").json() == {"status": "ok"}
    assert client.get("/health/ready").status_code == 200


def test_not_ready_when_the_store_is_gone(client: TestClient, seeded: Seeded) -> None:
    seeded.container.store.engine.dispose()
    # Point the engine at a database file in a folder that does not exist: every connect fails.
    seeded.container.store.engine = sa.create_engine("sqlite:////nonexistent-folder/gateway.db")
    r = client.get("/health/ready")
    assert r.status_code == 503 and r.headers["content-type"].startswith("application/problem+json")
    assert client.get("/health/live").status_code == 200


def test_metrics_in_prometheus_format_behind_the_api_token(client: TestClient, seeded: Seeded) -> None:
    assert client.get("/metrics").status_code == 401
    r = client.get("/metrics", headers=AUTH)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=0.0.4")
    values = prometheus_samples(r.text)
    assert values[("dsogw_verzoeken", (("state", "failed"),))] == 1
    assert values[("dsogw_verzoeken", (("state", "received"),))] == 2
    assert values[("dsogw_waiting", (("queue", "dso.fetch"),))] == 2
    assert values[("dsogw_dead_letters", ())] == 0
    assert values[("dsogw_last_hour", (("event", "received"),))] == 3
    # The latency histograms are declared from the start, empty until something was timed.
    assert "# TYPE dsogw_stage_duration_seconds histogram" in r.text
    assert "# TYPE dsogw_outbound_duration_seconds histogram" in r.text
    # Counts only: no verzoeknummer, so nothing that leads to a person.
    assert "2024031400043" not in r.text
    for line in r.text.splitlines():
        assert line.startswith("#") or line.startswith("dsogw_"), line


def test_each_app_has_its_own_registry(client: TestClient, seeded: Seeded) -> None:
    """Observations in one gateway's container never show in another's /metrics."""
    seeded.container.metrics.observe_stage("fetch", "ok", 0.2)
    values = prometheus_samples(client.get("/metrics", headers=AUTH).text)
    assert values[("dsogw_stage_duration_seconds_count", (("outcome", "ok"), ("stage", "fetch")))] == 1
    other = GatewayMetrics()
    assert "dsogw_stage_duration_seconds_count" not in render(other.registry).decode()
