"""`dso-gateway demo --once` on every queue backend, on both stores and against an external ZGW:
every example delivered."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.demo import run_demo
from gateway.settings import Settings
from tests.integration.external_zgw import external_zgw
from tests.services import port_open, require_service
from tests.stuf_schemas import require_stuf_schemas

BACKENDS = {
    "sqlite": (None, None),
    "rabbitmq": ("stomp://guest:guest@127.0.0.1:61613?flavour=rabbitmq", 61613),
    "activemq": ("stomp://127.0.0.1:61614?flavour=activemq", 61614),
}


@pytest.mark.parametrize(
    "backend",
    # The broker variants carry the broker mark, so `-m "not broker"` leaves them out.
    [pytest.param(b, marks=[pytest.mark.broker] if BACKENDS[b][1] else []) for b in BACKENDS],
)
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
    # The stack's StUF endpoint validates every message against the official schemas, as a strict
    # zaaksysteem would: a message they refuse fails the delivery (permanently) and this test.
    schemas = require_stuf_schemas()
    settings = Settings(data_dir=tmp_path, delivery="stuf-zkn", stuf_zkn_schemas=schemas.directory)
    outcome = run_demo(settings, once=True, data_dir=tmp_path, timeout=120)
    assert outcome.failed == 0, outcome.lines
    assert outcome.delivered == 6


def test_demo_against_an_external_zgw_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blobs = tmp_path / "zgw-blobs"
    blobs.mkdir()
    with external_zgw(blobs) as zgw:
        settings = Settings(data_dir=tmp_path, zgw_client_id=zgw.client_id, zgw_secret=zgw.secret)
        first = run_demo(settings, once=True, data_dir=tmp_path / "run-1", timeout=120, zgw_url=zgw.url)
        assert first.lines[-1] == "demo: 6 verzoeken delivered, 0 failed", first.lines
        assert first.failed == 0
        # No callback configured: the external ZGW cannot tell us about a status, so the demo
        # leaves its zaken open instead of setting statuses and waiting for news that never comes.
        assert first.lines[-2].startswith("demo: no status changes set: the external ZGW cannot tell")
        assert "DSOGW_ZGW_CALLBACK_URL" in first.lines[-2]
        # The delivery's statuses only (default mapping): 4 zaken "Ontvangen", the aanvulling's
        # "Aangevuld", the intrekking's "Afgehandeld"; the demo's two "Afgehandeld" are not set.
        assert zgw.counts()["statussen"] == 4 + 1 + 1
        assert zgw.counts()["zaken"] == 4  # 6 versions of 4 verzoeken, all at the external ZGW
        # A second demo has a fresh store but the same ZGW: fresh verzoeknummers, four new zaken.
        second = run_demo(settings, once=True, data_dir=tmp_path / "run-2", timeout=120, zgw_url=zgw.url)
        assert second.lines[-1] == "demo: 6 verzoeken delivered, 0 failed", second.lines
        assert zgw.counts()["zaken"] == 8
    assert f"demo: ZGW external {zgw.url}/zaken/api/v1" in capsys.readouterr().out
