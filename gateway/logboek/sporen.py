"""trace_id and span_id for a logboek record (Logboek Dataverwerkingen builds on W3C Trace Context).

Taken from the active OpenTelemetry span when there is one, so a record links to the trace of
the verzoek. Without tracing (off, or opentelemetry-api not installed) the record gets fresh
random ids of the standard's sizes (16 and 8 bytes): the fields are required, and a random id
links to nothing rather than to something wrong."""

from __future__ import annotations

import functools
import importlib
import secrets
from collections.abc import Callable


@functools.cache
def _telemetry_helper() -> Callable[[], object] | None:
    # h/otel's gateway.telemetry.current_trace_ids() is the one place that knows the tracer
    # setup; looked up by name so that this works with and without that module. Once: a failed
    # import searches the file system again on every call.
    try:
        helper = getattr(importlib.import_module("gateway.telemetry"), "current_trace_ids", None)
    except ImportError:
        return None
    return helper if callable(helper) else None


def _active_span_ids() -> tuple[str, str] | None:
    helper = _telemetry_helper()
    found: object = helper() if helper is not None else ...
    if found is ...:
        return _from_opentelemetry()
    if found is None:
        return None
    if isinstance(found, dict):  # accept either shape the helper may settle on
        return str(found["trace_id"]), str(found["span_id"])
    if isinstance(found, tuple) and len(found) == 2 and found[0] and found[1]:
        return str(found[0]), str(found[1])
    return None  # h/otel's helper gives (None, None) without an active span


def _from_opentelemetry() -> tuple[str, str] | None:
    try:
        from opentelemetry import trace
    except ImportError:
        return None
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def trace_ids() -> tuple[str, str]:
    return _active_span_ids() or (secrets.token_hex(16), secrets.token_hex(8))
