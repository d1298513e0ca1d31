"""OpenTelemetry tracing: off unless configured, one trace per verzoek across processes.

The API's notification request span is the root; its W3C trace context travels in the
CloudEvents queue messages (the distributed-tracing extension: `traceparent`, `tracestate`), and
each worker stage continues it. DSO and ZGW calls are traced by the global httpx instrumentation,
so dso_client and adapters stay free of any import of ours (import-linter).

Spans carry verzoeknummers and stage names, never a BSN (the span processor below masks any
BSN-shaped attribute value as the log scrubber does)."""

from __future__ import annotations

from opentelemetry import trace


def current_trace_ids() -> tuple[str | None, str | None]:
    """(trace_id, span_id) of the active span as W3C lowercase hex, or (None, None) without one.

    Works whether tracing is configured or not: with the no-op provider there is no valid span."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None, None
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")
