"""Peak memory while fetching a large PDF: DsoClient.pdf_to against a raw baseline.

Issue 14 saw a 300 MB PDF take a worker from 116 MB to 818 MB: the PDF (and the samenvatting)
were read whole. Now every download is streamed to disk. Each variant runs in its own fresh
process (so one's high-water mark cannot hide another's); the server runs in yet another.

- raw:   httpx streaming the body to a file, nothing else (the floor)
- ours:  DsoClient.pdf_to (limit, sniffing, sha256, rename into place)
- whole: httpx reading the body into memory (what the gateway did before)

Prints each one's peak RSS growth and the ratios to raw, measured in the same run.

    .venv/bin/python bench/bench_pdf.py [--size-mb 300]
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil

OIN = "00000001001600820000"
CHUNK = b"%PDF-1.7\n" + b"0" * (1024 * 1024 - 9)


def serve(port: int, size: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            sent = 0
            while sent < size:
                piece = CHUNK[: min(len(CHUNK), size - sent)]
                self.wfile.write(piece)
                sent += len(piece)

        def log_message(self, *args: object) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def measure(variant: str, base: str, size_mb: int, out: Any) -> None:
    import httpx2

    from dso_client import DsoClient
    from dso_client.models import Verzoekreferenties

    process = psutil.Process()
    start = process.memory_info().rss
    peak = [start]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            peak[0] = max(peak[0], process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    url = f"{base}/verzoeken/2026031000101/pdf"
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / "verzoek.pdf"
        client = DsoClient(base, max_pdf_bytes=(size_mb + 1) * 1024 * 1024, timeout=120)
        refs = Verzoekreferenties("2026031000101", 1, f"{base}/s", url, ())
        sampler.start()
        if variant == "raw":
            with httpx2.stream("GET", url, timeout=120) as response, dest.open("wb") as fh:
                for chunk in response.iter_bytes():
                    fh.write(chunk)
        elif variant == "ours":
            result = client.pdf_to(refs, dest, oin=OIN)
            assert result is not None and result.size == size_mb * 1024 * 1024
        else:
            body = httpx2.get(url, timeout=120).content
            assert len(body) == size_mb * 1024 * 1024
            del body
        stop.set()
        sampler.join()
        client.close()
    peak[0] = max(peak[0], process.memory_info().rss)
    out.put((variant, (peak[0] - start) / 1024**2))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=300)
    args = parser.parse_args()
    from dso_client.sandbox.server import free_port

    ctx = multiprocessing.get_context("spawn")
    port = free_port()
    server = ctx.Process(target=serve, args=(port, args.size_mb * 1024 * 1024), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{port}/afhandelen/v2"
    results: dict[str, float] = {}
    try:
        import time

        time.sleep(0.5)
        for variant in ("raw", "ours", "whole"):
            out = ctx.Queue()
            child = ctx.Process(target=measure, args=(variant, base, args.size_mb, out))
            child.start()
            name, growth = out.get(timeout=300)
            child.join(30)
            results[name] = growth
    finally:
        server.terminate()
        server.join(5)
    raw = max(results["raw"], 1.0)
    print(f"PDF of {args.size_mb} MB, peak RSS growth of the fetching process:")
    for name in ("raw", "ours", "whole"):
        print(f"  {name:5}: {results[name]:7.1f} MB  ({results[name] / raw:5.1f} x raw)")
    print(f"pdf: ours/raw = {results['ours'] / raw:.1f}, whole/raw = {results['whole'] / raw:.1f}")


if __name__ == "__main__":
    main()
