"""The notification endpoint's limits: an oversized body is refused without being buffered."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
from fastapi.testclient import TestClient

from gateway.api.app import create_app
from gateway.api.notifications import MAX_NOTIFICATION_BYTES
from gateway.bootstrap import Container, bootstrap
from gateway.servers import ServerThread
from gateway.store.queries import VerzoekFilter, search_verzoeken
from tests.unit.api.conftest import make_settings

XML = {"Content-Type": "application/xml"}
NOTIFICATIE = (
    b'<vn:verzoeknotificatie xmlns:vn="http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoeknotificatie">'
    b"<vn:verzoeknummer>2024031400042</vn:verzoeknummer><vn:volgnummer>1</vn:volgnummer>"
    b"</vn:verzoeknotificatie>"
)


def test_an_announced_oversized_body_is_refused_with_413(client: TestClient, container: Container) -> None:
    r = client.post("/v1/dso/verzoeknotificaties", content=b"<" * (MAX_NOTIFICATION_BYTES + 1), headers=XML)
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")
    assert search_verzoeken(container.store, VerzoekFilter())[1] == 0


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(client: TestClient, container: Container) -> None:
    def chunks() -> Iterator[bytes]:
        # No Content-Length (chunked): the server only learns the size by reading.
        for _ in range(1000):
            yield b"x" * 1024

    r = client.post("/v1/dso/verzoeknotificaties", content=chunks(), headers=XML)
    assert r.status_code == 413
    assert search_verzoeken(container.store, VerzoekFilter())[1] == 0


def test_a_slow_store_write_does_not_stall_other_requests(tmp_path: Path) -> None:
    """While SQLite makes the notification wait for its write lock, the event loop keeps
    answering: the store transaction runs in the store's group-commit thread."""
    container = bootstrap(make_settings(tmp_path))
    server = ServerThread(create_app(container)).start()
    db = tmp_path / "gateway.db"
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # hold the write lock, as a busy worker would
    try:
        with ThreadPoolExecutor(1) as pool:
            notify = pool.submit(
                httpx2.post,
                f"{server.url}/v1/dso/verzoeknotificaties",
                content=NOTIFICATIE,
                headers=XML,
                timeout=30,
            )
            time.sleep(0.3)  # the notification is now waiting for the lock
            started = time.monotonic()
            live = httpx2.get(f"{server.url}/health/live", timeout=10)
            answered_in = time.monotonic() - started
            assert live.status_code == 200
            assert not notify.done()
            blocker.execute("COMMIT")
            assert notify.result().status_code == 202
        assert answered_in < 1.0, f"/health/live waited {answered_in:.2f} s behind the store write"
    finally:
        if blocker.in_transaction:
            blocker.execute("ROLLBACK")
        blocker.close()
        server.stop()
        container.close()


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    accepted = client.post("/v1/dso/verzoeknotificaties", content=NOTIFICATIE, headers=XML)
    refused = client.post("/v1/dso/verzoeknotificaties", content=b"<geen/>", headers=XML)
    missing = client.get("/v1/bestaat-niet")
    docs = client.get("/v1/docs")
    assert (accepted.status_code, refused.status_code, missing.status_code) == (202, 400, 404)
    for r in (accepted, refused, missing, docs):
        assert r.headers["API-Version"] and r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY" and r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["Cache-Control"]
    assert accepted.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert docs.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
