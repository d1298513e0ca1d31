"""The notification endpoint's limits: an oversized body is refused without being buffered."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient

from gateway.api.notifications import MAX_NOTIFICATION_BYTES
from gateway.bootstrap import Container

XML = {"Content-Type": "application/xml"}


def test_an_announced_oversized_body_is_refused_with_413(client: TestClient, container: Container) -> None:
    r = client.post("/v1/dso/verzoeknotificaties", content=b"<" * (MAX_NOTIFICATION_BYTES + 1), headers=XML)
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")
    assert container.store.list_verzoeken()[1] == 0


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(client: TestClient, container: Container) -> None:
    def chunks() -> Iterator[bytes]:
        # No Content-Length (chunked): the server only learns the size by reading.
        for _ in range(1000):
            yield b"x" * 1024

    r = client.post("/v1/dso/verzoeknotificaties", content=chunks(), headers=XML)
    assert r.status_code == 413
    assert container.store.list_verzoeken()[1] == 0
