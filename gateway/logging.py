"""structlog configuration, with a processor that keeps BSNs out of every log line.

Context (verzoeknummer, volgnummer, message_id, stage) is bound by the callers; the scrubber
masks any 9-digit number that passes the 11-proef, wherever it appears in the event. With tracing
on, every line written inside a span carries its `trace_id` and `span_id` (W3C hex), so a tracing
backend and the logs point at each other."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from gateway.bsn_mask import mask_bsns
from gateway.telemetry import current_trace_ids


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return mask_bsns(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrub(v) for v in value)
    if isinstance(value, int) and not isinstance(value, bool) and 100_000_000 <= value <= 999_999_999:
        return _scrub(str(value))
    return value


def scrub_bsn(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event_dict.items()):
        event_dict[key] = _scrub(value)
    return event_dict


def add_trace_ids(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    trace_id, span_id = current_trace_ids()
    if trace_id is not None:
        event_dict.setdefault("trace_id", trace_id)
        event_dict.setdefault("span_id", span_id)
    return event_dict


class _CurrentStderr:
    """Whatever sys.stderr is at the moment of writing: a stream bound at configuration time
    goes stale when it is swapped later (pytest's capture, a daemon redirecting its output)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=level.upper())
    # httpx2 logs every request line at INFO; our clients log their own calls with context.
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    # alembic announces its plugins and checks at INFO on every start; `db upgrade` turns its
    # migration steps back on.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # stomp.py warns on every failed connect attempt; the worker reports a broker outage itself,
    # once per backoff (gateway.pipeline.worker.BrokerOutage).
    logging.getLogger("stomp.py").setLevel(logging.ERROR)
    renderer: Any = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            add_trace_ids,
            scrub_bsn,  # last before rendering, so nothing added earlier escapes it
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
