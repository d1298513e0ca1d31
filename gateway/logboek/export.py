"""Reading the logboek: the JSON lines export, the privacy officer's page, and the retention.

Export lines follow the standard's field names (trace_id, operation_id, status_code, name,
start_time, end_time, attributes with dpl.core.*). The standard gives one data subject per
record; a record here may name several (initiatiefnemer and gemachtigde), so the line carries
them as a list under "dpl.core.data_subjects", each with the standard's two attribute names. The
export itself is a processing (of the hashes and who did what) and is recorded as one."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

import sqlalchemy as sa
import structlog

from gateway.logboek import register as r
from gateway.logboek.vastleggen import voor
from gateway.settings import Settings
from gateway.store import SqlStore
from gateway.store import schema as t

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Vastlegging:
    id: int
    trace_id: str
    span_id: str
    name: str
    status_code: str
    start_time: datetime
    end_time: datetime
    verwerkingsactiviteit: str
    processing_activity_id: str
    doel: str
    betrokkenen: list[dict[str, Any]]
    actor: str
    verzoeknummer: str | None
    attributes: dict[str, Any]

    def as_export(self) -> dict[str, Any]:
        return {
            "trace_id": self.trace_id,
            "operation_id": self.span_id,
            "status_code": self.status_code,
            "name": self.name,
            "start_time": self.start_time.isoformat(),
            "end_time": self.end_time.isoformat(),
            "attributes": {
                "dpl.core.processing_activity_id": self.processing_activity_id,
                "dpl.core.data_subjects": [
                    {
                        "soort": b.get("soort"),
                        "dpl.core.data_subject_id_type": b.get("id_type"),
                        "dpl.core.data_subject_id": b.get("id"),
                    }
                    for b in self.betrokkenen
                ],
                "verwerkingsactiviteit": self.verwerkingsactiviteit,
                "doel": self.doel,
                "actor": self.actor,
                "verzoeknummer": self.verzoeknummer,
                **self.attributes,
            },
        }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite gives naive UTC back


def vastleggingen(
    store: SqlStore,
    *,
    since: datetime | None = None,
    subject_id: str | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> Iterator[Vastlegging]:
    lb = t.logboek
    query = sa.select(lb)
    if since is not None:
        query = query.where(lb.c.start_time >= since)
    if subject_id is not None:
        # The hash is hex: no LIKE metacharacters, and it cannot match across JSON fields.
        query = query.where(sa.cast(lb.c.betrokkenen, sa.Text).contains(subject_id))
    query = query.order_by(lb.c.id.desc() if newest_first else lb.c.id)
    if limit is not None:
        query = query.limit(limit)
    with store.reading() as conn:
        rows = conn.execute(query).mappings().all()
    for row in rows:
        values = dict(row)
        values["start_time"] = _aware(values["start_time"])
        values["end_time"] = _aware(values["end_time"])
        values["betrokkenen"] = list(values["betrokkenen"] or [])
        values["attributes"] = dict(values["attributes"] or {})
        yield Vastlegging(**values)


def exporteer(store: SqlStore, out: TextIO, *, since: datetime, actor: str) -> int:
    """Write every record from `since` as JSON lines; record the export itself afterwards."""
    started = datetime.now(UTC)
    count = 0
    for v in vastleggingen(store, since=since):
        out.write(json.dumps(v.as_export(), ensure_ascii=False) + "\n")
        count += 1
    out.flush()
    voor(store).vastleggen(
        r.LOGBOEK_EXPORT, name="export", actor=actor, betrokkenen=[], start_time=started,
        attributes={"since": since.isoformat(), "vastleggingen": count},
    )  # fmt: skip
    return count


def purge(store: SqlStore, *, retention_days: float, now: datetime | None = None) -> int:
    """Delete records older than the retention. The only delete the table ever sees."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    with store.engine.begin() as conn:
        deleted = conn.execute(t.logboek.delete().where(t.logboek.c.start_time < cutoff)).rowcount
    if deleted:
        log.info("logboek.purged", deleted=deleted, retention_days=retention_days)
    return int(deleted or 0)


def periodic_jobs(settings: Settings, store: SqlStore) -> list[tuple[float, Callable[[], object]]]:
    """The workers' scheduled retention, every archive_purge_interval (any worker may run it)."""
    days = settings.logboek_retention_days
    if days is None or settings.archive_purge_interval <= 0:
        return []
    return [(settings.archive_purge_interval, lambda: purge(store, retention_days=days))]
