"""Fetch a large generated bijlage from the DSO sandbox through DsoClient.download_document.

Prints the throughput and the peak RSS of this (fetching) process. The sandbox runs in a child
process, so its memory is not counted. Target: peak RSS < 150 MB for a 500 MB bijlage.

    .venv/bin/python bench/bench_fetch.py [--size-mb 500]
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import threading
import time
from pathlib import Path

import httpx2
import psutil

OIN = "00000001001600820000"
VNR = "2026031000101"
DOC = "DOC-2026031000101-0001"


def run_sandbox(port: int, size: int) -> None:
    from dso_client.sandbox.config import SandboxConfig
    from dso_client.sandbox.examples import get_example
    from dso_client.sandbox.server import SandboxServer

    example = get_example("verbouwing-initieren")
    assert example is not None
    with SandboxServer(SandboxConfig(), port=port) as server:
        server.sandbox.submit(example.xml, {DOC: size})
        threading.Event().wait()


class PeakRss:
    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=500)
    args = parser.parse_args()
    size = args.size_mb * 1024 * 1024

    from dso_client import DsoClient
    from dso_client.sandbox.server import free_port

    port = free_port()
    child = multiprocessing.get_context("spawn").Process(target=run_sandbox, args=(port, size), daemon=True)
    child.start()
    base = f"http://127.0.0.1:{port}/overheid/verzoeken/api/afhandelen/v2"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx2.get(f"http://127.0.0.1:{port}/_sandbox/examples", timeout=1)
            break
        except httpx2.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    try:
        with DsoClient(base, timeout=60) as client, tempfile.TemporaryDirectory() as tmp:
            started = time.monotonic()
            refs = client.verzoekreferenties(VNR, 1, oin=OIN)  # the sandbox hashes the document here
            ref = next(r for r in refs.documenten if r.document_id == DOC)
            print(
                f"referenties (incl. sandbox sha256 of {args.size_mb} MB): {time.monotonic() - started:.1f} s"
            )
            rss_before = psutil.Process().memory_info().rss
            with PeakRss() as rss:
                started = time.monotonic()
                result = client.download_document(ref, Path(tmp) / "doc.pdf", oin=OIN)
                elapsed = time.monotonic() - started
            assert result.size == size and result.sha256 == ref.sha256
            mb = result.size / 1024**2
            print(f"document: {mb:.0f} MB in {elapsed:.1f} s = {mb / elapsed:.0f} MB/s")
            print(f"RSS before download: {rss_before / 1024**2:.0f} MB")
            print(f"peak RSS of the fetching process: {rss.peak / 1024**2:.0f} MB (target < 150 MB)")
    finally:
        child.terminate()
        child.join(5)


if __name__ == "__main__":
    main()
