"""Read queries for the status page and the operations API (filters, paging, throughput).

Kept apart from SqlStore: these are reporting reads over the same tables, with no writes. They
build on SqlStore and SqlStore does not use them, so the store never imports this module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway import logboek
from gateway.store import schema as t
from gateway.store.records import VerzoekRecord
from gateway.store.sql_store import SqlStore, _aware, _verzoek
from gateway.tijd import AMSTERDAM
from gateway.zoektermen import bsn_digest, looks_like_bsn, words

# Event kinds that mean a version reached the case system / was reported back.
DELIVERED_EVENTS = ("delivered",)
REPORTED_EVENTS = ("reported",)


@dataclass(frozen=True)
class VerzoekFilter:
    # verzoeknummer or zaak identificatie (prefix), or words found in project name, names of
    # aanvrager and gemachtigde, KvK number, adressen, percelen, projectId (gateway.zoektermen)
    zoek: str | None = None
    # Only for the privacy officer (the caller records the search): `zoek` may be a BSN.
    zoek_bsn: bool = False
    actor: str | None = None  # who searches, for the Logboek Dataverwerkingen
    status: str | None = None
    doel: str | None = None
    type: str | None = None
    activiteit: str | None = None  # activiteitId (part)
    van: date | None = None  # received on or after this day (Dutch time)
    tot: date | None = None  # received on or before this day (Dutch time)


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
        elif f.zoek_bsn and looks_like_bsn(q):
            z = t.zoekindex.c
            digest = bsn_digest(q)
            conditions.append(
                v.verzoeknummer.in_(sa.select(z.verzoeknummer).where(z.bsn_digests.contains(digest)))
            )
        else:
            # One set of verzoeknummers per way of finding, united: each part can use its own
            # index (primary key, zaak index, trigram indexes), where one OR over them all
            # makes PostgreSQL scan every verzoek.
            ways = [
                sa.select(v.verzoeknummer).where(_prefix(v.verzoeknummer, q)),
                sa.select(v.verzoeknummer).where(_prefix(v.zaak_identificatie, q)),
                sa.select(v.verzoeknummer).where(v.naam.ilike(f"%{_escape(q)}%", escape="\\")),
                *_in_search_text(q),
            ]
            conditions.append(v.verzoeknummer.in_(sa.union(*ways)))
    if f.status:
        conditions.append(v.state == f.status)
    if f.doel:
        conditions.append(v.doel == f.doel)
    if f.type:
        conditions.append(v.type == f.type)
    if f.activiteit:
        conditions.append(v.activiteiten.ilike(f"%{_escape(f.activiteit)}%", escape="\\"))
    # Staff mean Dutch days: 1 March runs from 23:00 UTC on 28 February (00:00 in Amsterdam).
    if f.van:
        conditions.append(v.created_at >= _dutch_midnight(f.van))
    if f.tot and f.tot < date.max:  # date.max + 1 day overflows; "up to the end of time" is no filter
        conditions.append(v.created_at < _dutch_midnight(f.tot + timedelta(days=1)))
    return conditions


def _in_search_text(query: str) -> list[Any]:
    """Verzoeken with every word of the query in their normalised search text (any order)."""
    found = words(query)
    if not found:
        return []
    z = t.zoekindex.c
    each = [z.tekst.like(f"%{_escape(w)}%", escape="\\") for w in found]
    return [sa.select(z.verzoeknummer).where(*each)]


def _dutch_midnight(day: date) -> datetime:
    # In UTC: SQLite stores times as naive UTC text and would ignore another offset.
    return datetime.combine(day, time.min, AMSTERDAM).astimezone(UTC)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_verzoeken(
    store: SqlStore, f: VerzoekFilter, *, offset: int = 0, limit: int = 50
) -> tuple[list[VerzoekRecord], int]:
    """Newest first (by last change), with the total number of matches for paging."""
    conditions = _conditions(f)
    if f.zoek_bsn and f.zoek and looks_like_bsn(f.zoek.strip()):  # Logboek Dataverwerkingen
        logboek.bsn_gezocht(store, f.zoek.strip(), f.actor)
    v = t.verzoeken
    page = sa.select(v).where(*conditions).order_by(v.c.updated_at.desc(), v.c.verzoeknummer.desc())
    count = sa.select(sa.func.count()).select_from(v).where(*conditions)
    rows: list[Any]
    with store.reading() as conn:
        if f.zoek and f.zoek.strip():
            # A search finds its matches once, the total riding along on each row: as a count
            # and a page apart, PostgreSQL found them twice (a search by street and house number
            # at 100,000 verzoeken: 145 ms instead of 75). Not for the unfiltered list or a
            # state filter: there the page comes from the updated_at index without the rest.
            found = conn.execute(
                page.add_columns(sa.func.count().over().label("_totaal")).offset(offset).limit(limit)
            ).all()
            rows = [dict(r._mapping) for r in found]
            # Past the last page (or nothing found) no row carries the total.
            total = conn.execute(count).scalar_one() if offset and not rows else 0
            for row in rows:
                total = row.pop("_totaal")
        else:
            total = conn.execute(count).scalar_one()
            rows = list(conn.execute(page.offset(offset).limit(limit)).all())
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
    with store.reading() as conn:
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
