"""current_trace_ids(): the ids of the active span, or None without one."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider

from gateway.telemetry import current_trace_ids


def test_no_active_span_gives_none() -> None:
    assert current_trace_ids() == (None, None)


def test_active_span_gives_w3c_hex_ids() -> None:
    tracer = TracerProvider().get_tracer("test")  # a private provider: the global one stays no-op
    with tracer.start_as_current_span("s") as span:
        trace_id, span_id = current_trace_ids()
        ctx = span.get_span_context()
    assert trace_id == format(ctx.trace_id, "032x") and len(trace_id) == 32
    assert span_id == format(ctx.span_id, "016x") and len(span_id) == 16
    assert current_trace_ids() == (None, None)
