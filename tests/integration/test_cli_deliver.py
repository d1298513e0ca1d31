"""`dso-gateway deliver FILE.xml` against a running ZGW test server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from adapters.zgw.testserver import ZgwTestServerConfig, create_app
from adapters.zgw.testserver.app import store_of
from gateway.servers import ServerThread

SECRET = "deliver-test-secret-of-32-bytes-min"
EXAMPLE = resources.files("dso_client.sandbox.examples").joinpath("verbouwing-initieren.xml")


@pytest.fixture
def zgw() -> Iterator[ServerThread]:
    with ServerThread(create_app(ZgwTestServerConfig(secret=SECRET))) as server:
        yield server


def _deliver(zgw: ServerThread, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "DSOGW_ZGW_ZAKEN_URL": f"{zgw.url}/zaken/api/v1",
        "DSOGW_ZGW_DOCUMENTEN_URL": f"{zgw.url}/documenten/api/v1",
        "DSOGW_ZGW_CATALOGI_URL": f"{zgw.url}/catalogi/api/v1",
        "DSOGW_ZGW_SECRET": SECRET,
        "DSOGW_DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "deliver", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_deliver_prints_the_zaak_url(zgw: ServerThread, tmp_path: Path) -> None:
    stam = tmp_path / "verzoek.xml"
    stam.write_bytes(EXAMPLE.read_bytes())
    bijlagen = tmp_path / "bijlagen"
    bijlagen.mkdir()
    (bijlagen / "DOC-2026031000101-0001").write_bytes(b"%PDF-1.4 real enough")
    result = _deliver(zgw, tmp_path, str(stam), "--bijlagen", str(bijlagen), "--placeholders")
    assert result.returncode == 0, result.stderr
    [zaak] = store_of(zgw.server.config.app).zaken.values()  # type: ignore[attr-defined]
    assert result.stdout.strip() == zaak["url"]
    assert len(store_of(zgw.server.config.app).documenten) == 2  # type: ignore[attr-defined]


def test_missing_bijlagen_and_bad_input_are_one_clear_line(zgw: ServerThread, tmp_path: Path) -> None:
    stam = tmp_path / "verzoek.xml"
    stam.write_bytes(EXAMPLE.read_bytes())
    missing = _deliver(zgw, tmp_path, str(stam))
    assert missing.returncode == 2 and "DOC-2026031000101-0001" in missing.stderr
    assert "Traceback" not in missing.stderr
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<verzoek")
    bad = _deliver(zgw, tmp_path, str(broken))
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
