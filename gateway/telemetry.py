"""OpenTelemetry tracing: off unless configured, one trace per verzoek across processes.

The API's request span for a DSO notification is the root. Its W3C trace context travels in the
CloudEvents queue messages (the distributed-tracing extension: `traceparent`, `tracestate`, see
gateway/events.py), and each worker stage continues it as a child span, whose own context goes
into the next stage's message. DSO, ZGW and StUF-ZKN calls are traced by the global httpx
instrumentation, so dso_client and adapters stay free of any import of ours (import-linter);
queries by the SQLAlchemy instrumentation.

Choices worth knowing:
- A `traceparent` sent *to* the API is not followed: DSO and other callers are outside our trust
  boundary, and a caller must not pick our trace ids. Every request starts a trace of its own;
  outbound calls do carry ours.
- Client spans without a parent (queue polling, heartbeats, periodic jobs' queries) are not
  recorded: a trace starts at a request or a queue message.
- Spans carry verzoeknummers and stage names, never a BSN: the exporter is wrapped by one that
  masks any BSN-shaped value in span names and attributes, as the log scrubber does."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import CarrierT, Getter, Setter, TextMapPropagator, default_setter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes

from gateway.bsn_mask import mask_bsns

if TYPE_CHECKING:
    from fastapi import FastAPI

    from gateway.settings import Settings

DEFAULT_SERVICE_NAME = "dso-gateway"
W3C = TraceContextTextMapPropagator()

_lock = threading.Lock()


class _State:
    provider: TracerProvider | None = None
    previous_textmap: TextMapPropagator | None = None
    lean_original: Callable[..., Any] | None = None  # LeanTransport.handle_request, untraced


_state = _State()


def current_trace_ids() -> tuple[str | None, str | None]:
    """(trace_id, span_id) of the active span as W3C lowercase hex, or (None, None) without one.

    Works whether tracing is configured or not: with the no-op provider there is no valid span."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None, None
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


# -- trace context in queue messages -------------------------------------------------------------


def inject_trace_context() -> dict[str, str]:
    """The active span's `traceparent` (and `tracestate`) for a CloudEvent; empty without one."""
    carrier: dict[str, str] = {}
    W3C.inject(carrier)
    return carrier


def extract_trace_context(carrier: Mapping[str, str]) -> Context:
    """The context a message's `traceparent` names (an empty one when absent or malformed)."""
    return W3C.extract(dict(carrier))


# -- setup ---------------------------------------------------------------------------------------


def is_enabled() -> bool:
    return _state.provider is not None


def configure(settings: Settings, *, exporter: SpanExporter | None = None) -> bool:
    """Start tracing for this process when settings.otel_enabled; once per process (a second
    call keeps the first setup). `exporter` replaces OTLP (tests: InMemorySpanExporter) and
    exports each span as it ends. Returns whether tracing is on."""
    if not settings.otel_enabled:
        return is_enabled()
    with _lock:
        if _state.provider is not None:
            return True
        from gateway.metrics import install_transport_timer

        # The metrics' transport timer first: the httpx instrumentation then wraps it, and
        # undoing the instrumentation (shutdown) leaves the timer in place.
        install_transport_timer()
        provider = TracerProvider(resource=_resource(settings), sampler=ParentBased(root=_RootSampler()))
        if exporter is not None:
            provider.add_span_processor(SimpleSpanProcessor(ScrubbingExporter(exporter)))
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            endpoint = settings.otel_exporter_otlp_endpoint
            otlp = OTLPSpanExporter(endpoint=_traces_url(endpoint) if endpoint else None)
            provider.add_span_processor(BatchSpanProcessor(ScrubbingExporter(otlp)))
        _instrument(provider)
        _state.provider = provider
    return True


def shutdown() -> None:
    """Flush and stop tracing, undoing the instrumentation (tests; the CLI at exit)."""
    with _lock:
        provider, _state.provider = _state.provider, None
        if provider is None:
            return
        from opentelemetry.instrumentation.httpx import HTTPX2ClientInstrumentor
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
        from opentelemetry.propagate import set_global_textmap

        HTTPX2ClientInstrumentor().uninstrument()
        _untrace_lean_transport()
        SQLAlchemyInstrumentor().uninstrument()
        if _state.previous_textmap is not None:
            set_global_textmap(_state.previous_textmap)
        provider.shutdown()


def instrument_app(app: FastAPI) -> None:
    """Trace the API's requests (not the probes, metrics or static files)."""
    provider = _state.provider
    if provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, excluded_urls="/health/,/metrics,/static/"
    )


def _instrument(provider: TracerProvider) -> None:
    from opentelemetry.instrumentation.httpx import HTTPX2ClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.propagate import get_global_textmap, set_global_textmap

    _state.previous_textmap = get_global_textmap()
    set_global_textmap(_OutboundOnly())
    HTTPX2ClientInstrumentor().instrument(tracer_provider=provider)
    _trace_lean_transport()
    # The instrumentation declares SQLAlchemy < 2.1 and would silently do nothing on 2.1; it only
    # listens to the engine's cursor events, which 2.1 keeps (the tracing test proves the spans).
    SQLAlchemyInstrumentor().instrument(tracer_provider=provider, skip_dep_check=True)
    # Deliberately not the global tracer provider: FastAPI's own telemetry would then trace every
    # FastAPI app in the process a second time (and the test servers beside ours in the stack).


def _trace_lean_transport() -> None:
    """Our HTTP transport (gateway/http11.py) gets the span wrapper the instrumentation put on
    httpx's transport class (a wrapt wrapper: wrapper(wrapped, instance, args, kwargs)), so a call
    through it is the same client span. The tracing test proves it."""
    import httpx2

    from gateway.http11 import LeanTransport

    wrapper = getattr(httpx2.HTTPTransport.__dict__["handle_request"], "_self_wrapper", None)
    if wrapper is None or _state.lean_original is not None:
        return
    original = LeanTransport.handle_request

    def handle_request(self: LeanTransport, request: httpx2.Request) -> httpx2.Response:
        return wrapper(original.__get__(self), self, (request,), {})  # type: ignore[no-any-return]

    _state.lean_original = original
    LeanTransport.handle_request = handle_request  # type: ignore[method-assign]


def _untrace_lean_transport() -> None:
    from gateway.http11 import LeanTransport

    if _state.lean_original is not None:
        LeanTransport.handle_request = _state.lean_original  # type: ignore[method-assign]
        _state.lean_original = None


def _resource(settings: Settings) -> Resource:
    name = settings.otel_service_name or os.environ.get("OTEL_SERVICE_NAME") or DEFAULT_SERVICE_NAME
    return Resource.create({"service.name": name})


def _traces_url(endpoint: str) -> str:
    # DSOGW_OTEL_EXPORTER_OTLP_ENDPOINT is the collector's base URL, as OTEL_EXPORTER_OTLP_ENDPOINT
    # is: the traces path is added unless the URL already names it.
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else endpoint + "/v1/traces"


def tracer() -> trace.Tracer:
    provider = _state.provider
    return provider.get_tracer("gateway") if provider is not None else trace.NoOpTracer()


# -- a worker stage as a span --------------------------------------------------------------------


class StageSpan:
    """One stage on one message: a CONSUMER span, child of the context the message carries,
    active (so log lines, queries, HTTP calls and the next message's traceparent belong to it)
    from `StageSpan(...)` until `end()`."""

    def __init__(
        self, stage: str, queue: str, carrier: Mapping[str, str], verzoeknummer: str, volgnummer: int | None
    ) -> None:
        attributes: dict[str, str | int] = {
            "messaging.operation.type": "process",
            "messaging.destination.name": queue,
            "dsogw.stage": stage,
            "dsogw.verzoeknummer": verzoeknummer,  # never a BSN: a DSO verzoeknummer
        }
        if volgnummer is not None:
            attributes["dsogw.volgnummer"] = volgnummer
        self._span = tracer().start_span(
            f"process {queue}",
            context=extract_trace_context(carrier),
            kind=SpanKind.CONSUMER,
            attributes=attributes,
        )
        self._token = otel_context.attach(trace.set_span_in_context(self._span))

    def end(self, outcome: str) -> None:
        """outcome: ok, retry or failed (the reason stays in the store and log, not the span)."""
        self._span.set_attribute("dsogw.outcome", outcome)
        if outcome != "ok":
            self._span.set_status(Status(StatusCode.ERROR, outcome))
        self._span.end()
        otel_context.detach(self._token)


# -- helpers -------------------------------------------------------------------------------------


class _OutboundOnly(TextMapPropagator):
    """W3C trace context on outbound calls; incoming headers are ignored (see the module doc)."""

    def extract(
        self, carrier: CarrierT, context: Context | None = None, getter: Getter[CarrierT] | None = None
    ) -> Context:
        return context if context is not None else Context()

    def inject(
        self, carrier: CarrierT, context: Context | None = None, setter: Setter[CarrierT] = default_setter
    ) -> None:
        W3C.inject(carrier, context, setter)

    @property
    def fields(self) -> set[str]:
        return W3C.fields


class _RootSampler(Sampler):
    """Record roots that start a unit of work (a request, a message); drop parentless client
    spans: queue polls, heartbeats and housekeeping queries would each be a trace of one span."""

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        if kind in (SpanKind.CLIENT, SpanKind.INTERNAL, None):
            return SamplingResult(Decision.DROP)
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)

    def get_description(self) -> str:
        return "DsoGatewayRootSampler"


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_bsns(value)
    if isinstance(value, tuple | list):
        return tuple(_mask(v) for v in value)
    if isinstance(value, int) and not isinstance(value, bool) and 100_000_000 <= value <= 999_999_999:
        masked = mask_bsns(str(value))
        return value if masked == str(value) else masked
    return value


def _masked_attributes(attributes: Attributes) -> dict[str, Any] | None:
    if not attributes:
        return None
    masked = {k: _mask(v) for k, v in attributes.items()}
    return masked if masked != dict(attributes) else None


class ScrubbingExporter(SpanExporter):
    """Masks BSN-shaped values in span names, attributes and event attributes before export."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([self._scrub(s) for s in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)

    @staticmethod
    def _scrub(span: ReadableSpan) -> ReadableSpan:
        name = mask_bsns(span.name)
        attributes = _masked_attributes(span.attributes)
        events_changed = any(_masked_attributes(e.attributes) is not None for e in span.events)
        if name == span.name and attributes is None and not events_changed:
            return span
        from opentelemetry.sdk.trace import Event

        events = [
            Event(e.name, _masked_attributes(e.attributes) or e.attributes, e.timestamp) for e in span.events
        ]
        return ReadableSpan(
            name=name,
            context=span.context,
            parent=span.parent,
            resource=span.resource,
            attributes=attributes if attributes is not None else span.attributes,
            events=events,
            links=span.links,
            kind=span.kind,
            status=span.status,
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=span.instrumentation_scope,
        )
