"""Trace context in the CloudEvents, the BSN mask on exported spans, trace ids in log lines,
and tracing off unless configured."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import structlog
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway import telemetry
from gateway.events import FETCH, StageJob, make_job, parse_job, trace_context_of
from gateway.logging import configure_logging
from gateway.settings import Settings

OIN = "00000001001600820000"
BSN = "999993653"
JOB = StageJob("2024031400042", 1, OIN)


@pytest.fixture
def provider() -> TracerProvider:
    return TracerProvider()  # private: the process-wide setup stays untouched


def test_event_carries_the_active_span_as_traceparent(provider: TracerProvider) -> None:
    with provider.get_tracer("t").start_as_current_span("notification") as span:
        message = make_job(FETCH, JOB, source_oin=OIN, system="test")
        ctx = span.get_span_context()
    envelope = orjson.loads(message.body)
    assert envelope["traceparent"].startswith(f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-")
    assert trace_context_of(message.body)["traceparent"] == envelope["traceparent"]
    # The job itself is read as before.
    assert parse_job(message.body)[1] == JOB


def test_tracestate_travels_too(provider: TracerProvider) -> None:
    parent = telemetry.extract_trace_context(
        {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "gem=1"}
    )
    with provider.get_tracer("t").start_as_current_span("stage", context=parent):
        body = make_job(FETCH, JOB, source_oin=OIN, system="test").body
    carried = trace_context_of(body)
    assert carried["traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c-")
    assert carried["tracestate"] == "gem=1"


def test_no_span_no_trace_attributes() -> None:
    envelope = orjson.loads(make_job(FETCH, JOB, source_oin=OIN, system="test").body)
    assert "traceparent" not in envelope and "tracestate" not in envelope


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'{"traceparent": 42}', b'{"data": {}}', b"\xff\xfe"]
)
def test_unreadable_trace_context_is_no_context(body: bytes) -> None:
    assert trace_context_of(body) == {}


def test_malformed_traceparent_starts_a_new_trace(provider: TracerProvider) -> None:
    parent = telemetry.extract_trace_context({"traceparent": "00-zz-nonsense-01"})
    with provider.get_tracer("t").start_as_current_span("stage", context=parent) as span:
        assert span.get_span_context().is_valid
    assert isinstance(span, ReadableSpan) and span.parent is None


def test_exported_spans_have_bsns_masked(provider: TracerProvider) -> None:
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(telemetry.ScrubbingExporter(memory)))
    with provider.get_tracer("t").start_as_current_span(f"zoek {BSN}") as span:
        span.set_attribute("url.query", f"bsn={BSN}")
        span.set_attribute("dsogw.number", int(BSN))
        span.set_attribute("dsogw.verzoeknummer", "2024031400042")  # 13 digits: no BSN, kept
        span.add_event("gevonden", {"wie": BSN})
    [exported] = memory.get_finished_spans()
    text = json.dumps(
        [exported.name, dict(exported.attributes or {}), [dict(e.attributes or {}) for e in exported.events]]
    )
    assert BSN not in text
    assert "*****3653" in exported.name
    assert (exported.attributes or {})["dsogw.verzoeknummer"] == "2024031400042"
    assert exported.context == span.get_span_context()


def test_spans_without_a_bsn_are_exported_unchanged(provider: TracerProvider) -> None:
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(telemetry.ScrubbingExporter(memory)))
    with provider.get_tracer("t").start_as_current_span("process dso.fetch") as span:
        span.set_attribute("dsogw.stage", "fetch")
    [exported] = memory.get_finished_spans()
    assert exported.name == "process dso.fetch"
    assert dict(exported.attributes or {}) == {"dsogw.stage": "fetch"}
    assert exported.context == span.get_span_context()


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    out = io.StringIO()
    configure_logging("INFO", "json")
    config = structlog.get_config()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=out))
    yield out
    structlog.configure(**config)
    structlog.reset_defaults()


def test_log_lines_in_a_span_carry_trace_and_span_ids(
    provider: TracerProvider, log_output: io.StringIO
) -> None:
    log = structlog.get_logger("t")
    with provider.get_tracer("t").start_as_current_span("stage") as span:
        log.info("inside", bsn=BSN)
    log.info("outside")
    inside, outside = (json.loads(line) for line in log_output.getvalue().splitlines())
    ctx = span.get_span_context()
    assert inside["trace_id"] == f"{ctx.trace_id:032x}" and inside["span_id"] == f"{ctx.span_id:016x}"
    assert inside["bsn"] == "*****3653"  # the scrubber still runs after the ids are added
    assert "trace_id" not in outside and "span_id" not in outside


def test_tracing_is_off_unless_enabled(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.otel_enabled is False
    assert telemetry.configure(settings) is False
    assert not telemetry.is_enabled()
    span = telemetry.StageSpan("fetch", FETCH, {}, "2024031400042", 1)
    assert telemetry.current_trace_ids() == (None, None)  # a no-op span: nothing recorded
    span.end("ok")


def test_otlp_endpoint_gets_the_traces_path() -> None:
    assert telemetry._traces_url("http://collector:4318") == "http://collector:4318/v1/traces"
    assert telemetry._traces_url("http://collector:4318/v1/traces/") == "http://collector:4318/v1/traces"
