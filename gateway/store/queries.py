"""Read queries for the status page and the operations API (filters, paging, throughput).

Kept apart from SqlStore: these are reporting reads over the same tables, with no writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.store import schema as t
from gateway.store.records import VerzoekRecord
from gateway.store.sql_store import SqlStore, _aware, _verzoek

# Event kinds that mean a version reached the case system / was reported back.
DELIVERED_EVENTS = ("delivered",)
REPORTED_EVENTS = ("reported",)


@dataclass(frozen=True)
class VerzoekFilter:
    zoek: str | None = None  # verzoeknummer or zaak identificatie (prefix), or project name (part)
    status: str | None = None
    doel: str | None = None
    type: str | None = None
    activiteit: str | None = None  # activiteitId (part)
    van: date | None = None  # received on or after this day (UTC)
    tot: date | None = None  # received on or before this day (UTC)


def _prefix(column: Any, value: str) -> Any:
    # A range instead of LIKE 'x%': SQLite and PostgreSQL can both use the index for it.
    return sa.and_(column >= value, column < value + "\uffff")


def _conditions(f: VerzoekFilter) -> list[Any]:
    v = t.verzoeken.c
    conditions: list[Any] = []
    if f.zoek and f.zoek.strip():
        q = f.zoek.strip()
        if q.isdigit() and len(q) == 13:
            conditions.append(sa.or_(v.verzoeknummer == q, _prefix(v.zaak_identificatie, q)))
        else:
            conditions.append(
                sa.or_(
                    _prefix(v.verzoeknummer, q),
                    _prefix(v.zaak_identificatie, q),
                    v.naam.ilike(f"%{_escape(q)}%", escape="\\"),
                )
            )
    if f.status:
        conditions.append(v.state == f.status)
    if f.doel:
        conditions.append(v.doel == f.doel)
    if f.type:
        conditions.append(v.type == f.type)
    if f.activiteit:
        conditions.append(v.activiteiten.ilike(f"%{_escape(f.activiteit)}%", escape="\\"))
    if f.van:
        conditions.append(v.created_at >= datetime.combine(f.van, time.min, UTC))
    if f.tot and f.tot < date.max:  # date.max + 1 day overflows; "up to the end of time" is no filter
        conditions.append(v.created_at < datetime.combine(f.tot + timedelta(days=1), time.min, UTC))
    return conditions


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_verzoeken(
    store: SqlStore, f: VerzoekFilter, *, offset: int = 0, limit: int = 50
) -> tuple[list[VerzoekRecord], int]:
    """Newest first (by last change), with the total number of matches for paging."""
    conditions = _conditions(f)
    v = t.verzoeken
    with store.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(v).where(*conditions)).scalar_one()
        rows = conn.execute(
            sa.select(v)
            .where(*conditions)
            .order_by(v.c.updated_at.desc(), v.c.verzoeknummer.desc())
            .offset(offset)
            .limit(limit)
        ).all()
    return [_verzoek(r) for r in rows], int(total)


@dataclass(frozen=True)
class Throughput:
    ontvangen: int
    geregistreerd: int
    teruggemeld: int
    mislukt: int


def throughput(store: SqlStore, *, since: datetime | None = None) -> Throughput:
    """Events of the last hour (or since `since`), counted by what they mean."""
    start = since or datetime.now(UTC) - timedelta(hours=1)
    e = t.events.c
    with store.engine.connect() as conn:
        first = _first_event_id_since(conn, start)
        rows = conn.execute(
            sa.select(e.kind, sa.func.count()).where(e.id >= first, e.at >= start).group_by(e.kind)
        ).all()
    counts = {str(kind): int(n) for kind, n in rows}
    return Throughput(
        ontvangen=counts.get("received", 0),
        geregistreerd=sum(counts.get(k, 0) for k in DELIVERED_EVENTS),
        teruggemeld=sum(counts.get(k, 0) for k in REPORTED_EVENTS),
        mislukt=sum(n for k, n in counts.items() if k.startswith("failed-")),
    )


def _first_event_id_since(conn: Connection, start: datetime) -> int:
    """The lowest event id at or after `start`, by binary search over the primary key.

    Event ids grow with time (one writer commits at a time), so this finds the last hour's
    events with ~20 key lookups instead of scanning the whole timeline (events.at has no index).
    The `at >= start` condition on the final count keeps the answer exact for stragglers."""
    e = t.events.c
    # Two queries: SQLite answers a lone min() or max() from the key, but scans for both at once.
    lo = conn.execute(sa.select(sa.func.min(e.id))).scalar()
    hi = conn.execute(sa.select(sa.func.max(e.id))).scalar()
    if lo is None or hi is None:
        return 0
    lo, hi = int(lo), int(hi) + 1
    while lo < hi:
        mid = (lo + hi) // 2
        row = conn.execute(sa.select(e.id, e.at).where(e.id >= mid).order_by(e.id).limit(1)).first()
        if row is None or _aware(row.at) >= start:
            hi = mid
        else:
            lo = int(row.id) + 1
    return lo
