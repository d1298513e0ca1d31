"""Queue messages are CloudEvents (NL GOV profile, structured JSON) carrying references only.

Claim check: the data names the verzoek version and, where relevant, the archive entry; never
STAM XML, never a BSN. `id` and `type` are also copied into headers (ce-id, ce-type) so brokers
and operators can route and deduplicate without parsing the body.

With tracing on, the event carries the CloudEvents distributed-tracing extension: `traceparent`
(and `tracestate`) of the span that made it, so the next stage continues the same trace. The
outbox stores and relays the body as it is, so the context survives a restart in between."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from gateway.store import OutboxMessage
from gateway.telemetry import inject_trace_context

TYPE_PREFIX = "nl.overheid.omgevingswet.verzoeken"

# Stage queues, in processing order.
FETCH = "dso.fetch"
TRANSLATE = "dso.translate"
REPORT = "dso.report"
STAGES = (FETCH, TRANSLATE, REPORT)


def stage_of_queue(queue: str) -> str:
    """The stage name (fetch, translate, report) a stage queue belongs to."""
    return queue.rsplit(".", 1)[-1]


EVENT_TYPES = {
    FETCH: f"{TYPE_PREFIX}.verzoek-ontvangen",
    TRANSLATE: f"{TYPE_PREFIX}.verzoek-opgehaald",
    REPORT: f"{TYPE_PREFIX}.verzoek-geregistreerd",
}


@dataclass(frozen=True)
class StageJob:
    """What a stage needs to know: which verzoek version, and for `report` what to report."""

    verzoeknummer: str
    volgnummer: int | None
    oin: str | None = None
    action: str | None = None  # report stage: "link" or "reroute"

    def to_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def make_job(queue: str, job: StageJob, *, source_oin: str, system: str) -> OutboxMessage:
    event_id = str(uuid.uuid4())
    event_type = EVENT_TYPES[queue]
    envelope = {
        "specversion": "1.0",
        "id": event_id,
        "source": f"urn:nld:oin:{source_oin}:systeem:{system}",
        "type": event_type,
        "time": datetime.now(UTC).isoformat(),
        "subject": job.verzoeknummer,  # a verzoeknummer, never a BSN
        "datacontenttype": "application/json",
        "data": job.to_data(),
    }
    # Distributed-tracing extension attributes; absent without an active span (tracing off).
    envelope.update(inject_trace_context())
    return OutboxMessage(
        queue=queue,
        message_id=event_id,
        body=orjson.dumps(envelope),
        headers={
            "ce-id": event_id,
            "ce-type": event_type,
            "content-type": "application/cloudevents+json",
        },
    )


class BadMessage(ValueError):
    """A queue message that is not one of our CloudEvents."""


def parse_job(body: bytes) -> tuple[str, StageJob]:
    try:
        envelope = orjson.loads(body)
        data = envelope["data"]
        job = StageJob(
            verzoeknummer=str(data["verzoeknummer"]),
            volgnummer=int(data["volgnummer"]) if data.get("volgnummer") is not None else None,
            oin=data.get("oin"),
            action=data.get("action"),
        )
        return str(envelope["id"]), job
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise BadMessage(f"not a gateway CloudEvent: {type(exc).__name__}") from exc


TRACE_EXTENSIONS = ("traceparent", "tracestate")


def trace_context_of(body: bytes) -> dict[str, str]:
    """The distributed-tracing extension attributes of a CloudEvent (empty when it has none or
    is unreadable: a message is never refused for its trace context)."""
    try:
        envelope = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(envelope, dict):
        return {}
    return {k: v for k in TRACE_EXTENSIONS if isinstance(v := envelope.get(k), str)}
