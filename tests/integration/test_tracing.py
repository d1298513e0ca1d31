"""One verzoek through a real LocalStack with tracing on (in-memory exporter) and the worker's
metrics port open: one connected trace from the notification to the report, log lines that name
it, no BSN in any span, and latency histograms filled by the delivery."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
import structlog
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from gateway import telemetry
from gateway.demo_berichten import zet_statussen
from gateway.logging import configure_logging
from gateway.servers import free_port
from gateway.settings import Settings
from gateway.stack import LocalStack
from tests.prometheus import prometheus_samples

TOKEN = "trace-test-token"
BSN = "999993653"  # the aanvrager in the example; it reaches the ZGW rol, never a span
VNR, VOLGNUMMER = "2026031000101", 1
NOTIFICATION_ROUTE = "/v1/dso/verzoeknotificaties"
ZGW_CALLBACK_ROUTE = "/v1/zgw/notificaties"


@dataclass
class Run:
    stack: LocalStack
    spans: list[ReadableSpan]
    worker_metrics: str
    api_metrics: str
    log: str


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp_path: Path = tmp_path_factory.mktemp("tracing")
    settings = Settings(
        data_dir=tmp_path,
        api_token_sha256=[hashlib.sha256(TOKEN.encode()).hexdigest()],
        retry_base_delay=0.2,
        otel_enabled=True,
        worker_metrics_port=free_port(),
        worker_metrics_addr="127.0.0.1",
        log_format="json",
    )
    exporter = InMemorySpanExporter()
    assert telemetry.configure(settings, exporter=exporter)
    log_file = tmp_path / "log.jsonl"
    try:
        with log_file.open("w") as sink, LocalStack(settings, data_dir=tmp_path) as stack:
            configure_logging("INFO", "json")
            structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sink))
            httpx2.post(
                f"{stack.sandbox.url}/_sandbox/examples/verbouwing-initieren", timeout=30
            ).raise_for_status()
            found = stack.wait_final([(VNR, VOLGNUMMER)], timeout=90)
            versie = found[(VNR, VOLGNUMMER)]
            assert versie is not None and versie.state == "reported", versie
            # A case worker sets a status (as their case system would): our ZGW test server calls
            # the gateway back, and the status job that follows has a trace of its own.
            assert zet_statussen(stack, [VNR], aantal=1, timeout=60) == 1
            # A caller who puts a BSN in a URL (the gateway itself never does): the request span
            # records the target, and the exporter must mask it.
            auth = {"Authorization": f"Bearer {TOKEN}"}
            httpx2.get(f"{stack.api.url}/v1/verzoeken", params={"bsn": BSN}, headers=auth, timeout=10)
            httpx2.get(f"{stack.api.url}/v1/verzoeken/{BSN}", headers=auth, timeout=10)
            port = settings.worker_metrics_port
            worker_metrics = httpx2.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
            api_metrics = httpx2.get(
                f"{stack.api.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
            ).text
            yield_value = Run(stack, [], worker_metrics, api_metrics, "")
        yield_value.spans = list(exporter.get_finished_spans())
        yield_value.log = log_file.read_text()
        yield yield_value
    finally:
        telemetry.shutdown()
        structlog.reset_defaults()


def _hex(n: int, width: int) -> str:
    return format(n, f"0{width}x")


def _url(span: ReadableSpan) -> str:
    # The httpx instrumentation writes `http.url` (old semantic conventions) or `url.full`.
    attrs = span.attributes or {}
    return str(attrs.get("url.full") or attrs.get("http.url") or "")


def _stage_spans(run: Run) -> dict[str, list[ReadableSpan]]:
    """The stage spans of the verzoek's way from DSO's notification to the report. A status the
    case system sets (our ZGW test server calls the gateway back) is handled by a report job of
    its own, in the trace of that callback: not part of this one (see the test below)."""
    root = _notification_span(run).context
    found: dict[str, list[ReadableSpan]] = {}
    for span in run.spans:
        attrs = span.attributes or {}
        if (
            attrs.get("dsogw.verzoeknummer") == VNR
            and span.kind == SpanKind.CONSUMER
            and span.context is not None
            and span.context.trace_id == root.trace_id
        ):
            found.setdefault(str(attrs["dsogw.stage"]), []).append(span)
    return found


def _notification_span(run: Run) -> ReadableSpan:
    [span] = [
        s
        for s in run.spans
        if s.kind == SpanKind.SERVER and (s.attributes or {}).get("http.route") == NOTIFICATION_ROUTE
    ]
    return span


def _callback_traces(run: Run) -> set[int]:
    """The traces the case system's callbacks (POST /v1/zgw/notificaties) started."""
    return {
        s.context.trace_id
        for s in run.spans
        if s.kind == SpanKind.SERVER
        and s.context is not None
        and str((s.attributes or {}).get("http.route", "")).startswith(ZGW_CALLBACK_ROUTE)
    }


def test_one_connected_trace_from_notification_to_report(run: Run) -> None:
    root = _notification_span(run)
    assert root.parent is None, "the notification request starts the trace"
    assert root.context is not None
    trace_id = root.context.trace_id
    stages = _stage_spans(run)
    assert set(stages) == {"fetch", "translate", "report"}, stages.keys()
    for name, spans in stages.items():
        for span in spans:
            assert span.context is not None and span.context.trace_id == trace_id, name
            assert (span.attributes or {}).get("dsogw.outcome") == "ok"
    in_trace = [s for s in run.spans if s.context is not None and s.context.trace_id == trace_id]
    by_id = {s.context.span_id: s for s in in_trace if s.context is not None}
    # Connected: every span but the root has its parent in the same trace.
    for span in in_trace:
        if span is root:
            continue
        assert span.parent is not None and span.parent.span_id in by_id, span.name
    # The stages follow each other: fetch under the request, translate under fetch, report under translate.
    [fetch], [translate], [report] = stages["fetch"], stages["translate"], stages["report"]
    assert fetch.parent is not None and translate.parent is not None and report.parent is not None

    def ancestors(span: ReadableSpan) -> list[ReadableSpan]:
        out = []
        while span.parent is not None:
            span = by_id[span.parent.span_id]
            out.append(span)
        return out

    assert root in ancestors(fetch) and fetch in ancestors(translate) and translate in ancestors(report)


def test_a_status_from_the_case_system_is_traced_from_its_callback(run: Run) -> None:
    """Every stage span of the verzoek outside the notification's trace belongs to a trace that
    the case system's callback (POST /v1/zgw/notificaties) started; none floats free."""
    root = _notification_span(run).context
    callbacks = _callback_traces(run)
    others = [
        s
        for s in run.spans
        if (s.attributes or {}).get("dsogw.verzoeknummer") == VNR
        and s.kind == SpanKind.CONSUMER
        and s.context is not None
        and s.context.trace_id != root.trace_id
    ]
    assert others, "the callback's status job was traced"
    for span in others:
        assert span.context is not None and span.context.trace_id in callbacks, span.attributes


def test_dso_and_zgw_calls_are_client_spans_in_the_same_trace(run: Run) -> None:
    trace_id = _notification_span(run).context.trace_id
    stack = run.stack
    clients = [(s, _url(s)) for s in run.spans if s.kind == SpanKind.CLIENT and _url(s)]
    # A callback's status job reads the zaak's statussen in the callback's own trace.
    callback_traces = _callback_traces(run)
    clients = [
        (s, url) for s, url in clients if s.context is None or s.context.trace_id not in callback_traces
    ]
    dso = [s for s, url in clients if url.startswith(stack.settings.dso_base_url)]
    zgw = [s for s, url in clients if url.startswith(stack.zgw.url)]
    assert dso and zgw, "the DSO fetch and the ZGW delivery are traced"
    stage_ids = {s.context.span_id for spans in _stage_spans(run).values() for s in spans if s.context}
    for span in dso + zgw:
        assert span.context is not None and span.context.trace_id == trace_id, span.attributes
    assert any(s.parent is not None and s.parent.span_id in stage_ids for s in dso + zgw)
    # Queries are traced too, inside the same trace.
    assert any(
        s.context is not None and s.context.trace_id == trace_id and "db.statement" in (s.attributes or {})
        for s in run.spans
    )


def test_no_bsn_in_any_span(run: Run) -> None:
    asked = [
        s
        for s in run.spans
        if s.kind == SpanKind.SERVER and "*****3653" in json.dumps(dict(s.attributes or {}))
    ]
    assert asked, "the requests with a BSN in the URL were traced, masked"
    for span in run.spans:
        text = json.dumps(
            {
                "name": span.name,
                "attributes": dict(span.attributes or {}),
                "events": [dict(e.attributes or {}) for e in span.events],
                "resource": dict(span.resource.attributes),
            },
            default=str,
        )
        assert BSN not in text, span.name


def test_log_lines_in_a_stage_carry_its_trace_and_span_ids(run: Run) -> None:
    stages = _stage_spans(run)
    span_ids = {
        _hex(s.context.span_id, 16): name for name, spans in stages.items() for s in spans if s.context
    }
    trace_id = _hex(_notification_span(run).context.trace_id, 32)
    lines = [json.loads(line) for line in run.log.splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("verzoeknummer") == VNR and "span_id" in line]
    assert mine, "stage log lines name their span"
    # Each line names the trace of its own span: the notification's for the DSO flow, the
    # callback's for the status job.
    trace_of = {_hex(s.context.span_id, 16): _hex(s.context.trace_id, 32) for s in run.spans if s.context}
    assert all(trace_of.get(line["span_id"], line["trace_id"]) == line["trace_id"] for line in mine)
    assert any(line["trace_id"] == trace_id and line["span_id"] in span_ids for line in mine)
    assert {span_ids.get(line["span_id"]) for line in mine} >= {"fetch"}
    assert BSN not in run.log


def test_delivery_fills_the_latency_histograms(run: Run) -> None:
    for text in (run.worker_metrics, run.api_metrics):  # one Container here: both show them
        values = prometheus_samples(text)
        for stage in ("fetch", "translate", "report"):
            key = ("dsogw_stage_duration_seconds_count", (("outcome", "ok"), ("stage", stage)))
            assert values.get(key, 0) >= 1, (stage, text)
        for target in ("dso", "zgw", "smtp"):
            key = ("dsogw_outbound_duration_seconds_count", (("outcome", "ok"), ("target", target)))
            assert values.get(key, 0) >= 1, target
        # The store gauges come from the API only.
    assert ("dsogw_verzoeken", (("state", "reported"),)) in prometheus_samples(run.api_metrics)
    assert "dsogw_verzoeken" not in run.worker_metrics
