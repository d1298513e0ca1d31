"""An "external" ZGW for tests: the ZGW test server in its own process (`dso-gateway sandbox zgw`),
so nothing in the test process can read its memory; only its HTTP APIs reach it."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2

from gateway.servers import free_port
from tests.services import port_open


@dataclass(frozen=True)
class ExternalZgw:
    url: str
    client_id: str
    secret: str

    def counts(self) -> dict[str, int]:
        """The server's own inspection endpoint, over HTTP like any other client."""
        answer = httpx2.get(f"{self.url}/_testserver/counts", timeout=10)
        answer.raise_for_status()
        counts: dict[str, int] = answer.json()
        return counts


@contextmanager
def external_zgw(blob_dir: Path, client_id: str = "gemeente-test", secret: str = "") -> Iterator[ExternalZgw]:
    secret = secret or "external-zgw-secret-of-at-least-32-bytes"
    port = free_port()
    command = [sys.executable, "-m", "gateway.cli", "sandbox", "zgw", "--port", str(port)]
    command += ["--client-id", client_id, "--blob-dir", str(blob_dir), "--part-size", str(256 * 1024)]
    log = blob_dir.parent / f"external-zgw-{port}.log"  # a file, not a pipe: a full pipe would block it
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            env={"ZGW_TESTSERVER_SECRET": secret, "PATH": "/usr/bin:/bin"},
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
        try:
            deadline = time.monotonic() + 30
            while not port_open("127.0.0.1", port, timeout=0.2):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the external ZGW did not start: {log.read_text()[-2000:]}")
                time.sleep(0.1)
            yield ExternalZgw(f"http://127.0.0.1:{port}", client_id, secret)
        finally:
            process.terminate()
            process.wait(timeout=10)
