"""With DSOGW_OTEL_ENABLED and an endpoint, spans reach an OTLP/HTTP collector at /v1/traces
(a real server on 127.0.0.1 standing in for the collector)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from gateway import telemetry
from gateway.events import FETCH
from gateway.settings import Settings

received: list[tuple[str, str, bytes]] = []


class _Collector(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[str]:
    received.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_spans_go_to_the_configured_collector(collector: str, tmp_path: Path) -> None:
    assert not telemetry.is_enabled(), "another test left tracing on"
    settings = Settings(
        data_dir=tmp_path,
        otel_enabled=True,
        otel_exporter_otlp_endpoint=collector,
        otel_service_name="gemeente-test-gateway",
    )
    try:
        assert telemetry.configure(settings)
        span = telemetry.StageSpan("fetch", FETCH, {}, "2024031400042", 1)
        assert telemetry.current_trace_ids()[0] is not None
        span.end("ok")
    finally:
        telemetry.shutdown()  # flushes the batch
    assert not telemetry.is_enabled()
    [(path, content_type, body)] = received
    assert path == "/v1/traces" and content_type == "application/x-protobuf"
    request = ExportTraceServiceRequest.FromString(body)
    [resource_spans] = request.resource_spans
    service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}["service.name"]
    assert service == "gemeente-test-gateway"
    [span_msg] = [s for ss in resource_spans.scope_spans for s in ss.spans]
    assert span_msg.name == "process dso.fetch"
    attrs = {a.key: a.value for a in span_msg.attributes}
    assert attrs["dsogw.verzoeknummer"].string_value == "2024031400042"
    assert attrs["dsogw.outcome"].string_value == "ok"
