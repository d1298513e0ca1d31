"""The API's request spans: a trace of their own, whatever `traceparent` a caller sends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from gateway import telemetry
from gateway.api.app import create_app
from gateway.bootstrap import Container
from tests.unit.api.conftest import API_TOKEN

FOREIGN_TRACE = "0af7651916cd43dd8448eb211c80319c"


@pytest.fixture
def traced(container: Container) -> Iterator[tuple[TestClient, InMemorySpanExporter]]:
    assert not telemetry.is_enabled(), "another test left tracing on"
    exporter = InMemorySpanExporter()
    telemetry.configure(container.settings.model_copy(update={"otel_enabled": True}), exporter=exporter)
    try:
        with TestClient(create_app(container)) as client:
            yield client, exporter
    finally:
        telemetry.shutdown()


def test_a_callers_traceparent_is_not_followed(traced: tuple[TestClient, InMemorySpanExporter]) -> None:
    client, exporter = traced
    r = client.get(
        "/v1/verzoeken",
        headers={
            "Authorization": f"Bearer {API_TOKEN}",
            "traceparent": f"00-{FOREIGN_TRACE}-b7ad6b7169203331-01",
        },
    )
    assert r.status_code == 200
    [server] = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert server.parent is None
    assert server.context is not None and format(server.context.trace_id, "032x") != FOREIGN_TRACE


def test_probes_and_metrics_are_not_traced(traced: tuple[TestClient, InMemorySpanExporter]) -> None:
    client, exporter = traced
    assert client.get("/health/live").status_code == 200
    assert client.get("/metrics", headers={"Authorization": f"Bearer {API_TOKEN}"}).status_code == 200
    assert [s for s in exporter.get_finished_spans() if s.kind == SpanKind.SERVER] == []
