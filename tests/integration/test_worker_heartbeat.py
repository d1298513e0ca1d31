"""Worker heartbeats: a running worker is visible in the store, the overview and /metrics, and
leaves on a clean stop; one that died stops counting after three missed beats."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from gateway import heartbeat
from gateway.api.app import create_app
from gateway.bootstrap import bootstrap
from gateway.settings import Settings
from tests.prometheus import prometheus_samples

TOKEN = "heartbeat-test-token-0123456789"


def test_a_running_worker_is_seen_and_leaves_on_stop(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        worker_heartbeat_interval=0.05,
        api_token_sha256=[hashlib.sha256(TOKEN.encode()).hexdigest()],
    )
    container = bootstrap(settings)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        with TestClient(create_app(container)) as client:
            assert client.get("/v1/overzicht", headers=auth).json()["werkers"] == []
            worker = container.worker()
            worker.start()
            try:
                deadline = time.monotonic() + 5
                while not heartbeat.workers_seen(container.store, timedelta(seconds=1)):
                    assert time.monotonic() < deadline, "no heartbeat within 5 s"
                    time.sleep(0.02)
                [seen] = client.get("/v1/overzicht", headers=auth).json()["werkers"]
                assert seen["naam"] == worker.name
                alive = prometheus_samples(client.get("/metrics", headers=auth).text)
                assert alive[("dsogw_workers_alive", ())] == 1
            finally:
                worker.stop()
            assert heartbeat.workers_seen(container.store, timedelta(days=1)) == []
            alive = prometheus_samples(client.get("/metrics", headers=auth).text)
            assert alive[("dsogw_workers_alive", ())] == 0
    finally:
        container.close()


def test_a_worker_that_died_stops_counting_and_is_forgotten_after_a_day(tmp_path: Path) -> None:
    container = bootstrap(Settings(data_dir=tmp_path))
    try:
        store = container.store
        start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
        heartbeat.beat(store, "dead-worker", start, now=start)
        heartbeat.beat(store, "dead-worker", start, now=start + timedelta(seconds=10))  # updates, no 2nd row
        later = start + timedelta(seconds=50)
        [seen] = heartbeat.workers_seen(store, timedelta(seconds=60), now=later)
        assert (seen.name, seen.last_seen) == ("dead-worker", start + timedelta(seconds=10))
        assert heartbeat.workers_seen(store, timedelta(seconds=30), now=later) == []
        # Any beat a day later clears rows of workers that never stopped cleanly.
        heartbeat.beat(store, "alive", start, now=start + timedelta(days=2))
        names = [
            w.name for w in heartbeat.workers_seen(store, timedelta(days=10), now=start + timedelta(days=2))
        ]
        assert names == ["alive"]
    finally:
        container.close()
