"""What metrics and tracing cost per outbound call: httpx GETs to a local HTTP server, raw, then
timed by the metrics' transport timer, then also traced (a span per call, in-memory exporter,
each call under a parent span as in a worker stage). The raw baseline is measured in the same
run; the figures are ratios against it.

    .venv/bin/python bench/bench_telemetry.py [--calls 2000]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx2
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from gateway import telemetry
from gateway.metrics import GatewayMetrics
from gateway.settings import Settings


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per answer, sent at once: otherwise delayed ACKs make every call 40 ms.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _rate(client: httpx2.Client, url: str, calls: int, parent: bool = False) -> float:
    tracer = telemetry.tracer()
    started = time.perf_counter()
    for _ in range(calls):
        if parent:
            with tracer.start_as_current_span("stage", kind=SpanKind.CONSUMER):
                client.get(url).raise_for_status()
        else:
            client.get(url).raise_for_status()
    return calls / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/zaken/api/v1"
    url = f"{base}/zaken"
    with httpx2.Client() as client:
        _rate(client, url, 200)  # warm up the connection and the server
        raw = _rate(client, url, args.calls)
        metrics = GatewayMetrics()
        metrics.time_http({"zgw": [base]})
        timed = _rate(client, url, args.calls)
        exporter = InMemorySpanExporter()
        settings = Settings(data_dir=Path(tempfile.mkdtemp()), otel_enabled=True)
        telemetry.configure(settings, exporter=exporter)
        traced = _rate(client, url, args.calls, parent=True)
        spans = len(exporter.get_finished_spans())
        telemetry.shutdown()
    server.shutdown()
    labels = {"target": "zgw", "outcome": "ok"}
    observed = metrics.registry.get_sample_value("dsogw_outbound_duration_seconds_count", labels)
    print(
        f"calls per mode: {args.calls}; spans exported: {spans}; timed calls (timer + traced): {observed:.0f}"
    )
    print(f"raw httpx            {raw:8.0f} calls/s  1.00")
    print(f"+ metrics timer      {timed:8.0f} calls/s  {timed / raw:.2f} of raw")
    print(f"+ tracing (2 spans)  {traced:8.0f} calls/s  {traced / raw:.2f} of raw")


if __name__ == "__main__":
    main()
