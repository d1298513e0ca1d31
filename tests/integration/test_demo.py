"""`dso-gateway demo --once` on every queue backend and on both stores: every example delivered."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.demo import run_demo
from gateway.settings import Settings
from tests.services import port_open, require_service

BACKENDS = {
    "sqlite": (None, None),
    "rabbitmq": ("stomp://guest:guest@127.0.0.1:61613?flavour=rabbitmq", 61613),
    "activemq": ("stomp://127.0.0.1:61614?flavour=activemq", 61614),
}


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_demo_delivers_every_example(backend: str, tmp_path: Path) -> None:
    url, port = BACKENDS[backend]
    if port is not None:
        require_service(f"{backend} STOMP on 127.0.0.1:{port}", port_open("127.0.0.1", port))
    settings = Settings(data_dir=tmp_path, queue_url=url or "")
    outcome = run_demo(settings, once=True, data_dir=tmp_path, timeout=120)
    assert outcome.failed == 0, outcome.lines
    assert outcome.delivered == 6
    assert outcome.lines[-3:] == [
        "demo: 4 ontvangstbevestigingen e-mailed, 1 by post",
        "demo: 2 statusberichten after a status change in the case system",
        "demo: 6 verzoeken delivered, 0 failed",
    ]


@pytest.mark.postgres
def test_demo_on_postgresql_store(postgres_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, store_url=postgres_url)
    outcome = run_demo(settings, once=True, data_dir=tmp_path, timeout=120)
    assert outcome.failed == 0, outcome.lines


def test_demo_delivers_every_example_over_stuf_zkn(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, delivery="stuf-zkn")
    outcome = run_demo(settings, once=True, data_dir=tmp_path, timeout=120)
    assert outcome.failed == 0, outcome.lines
    assert outcome.delivered == 6
