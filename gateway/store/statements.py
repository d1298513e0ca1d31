"""The statements of SqlStore's hot paths, built once and executed with a parameter dict.

A statement built per call (`sa.select(t.versies).where(t.versies.c.volgnummer == n)`) pays for
coercing every element and for a fresh cache key before SQLAlchemy's compiled cache is even
asked; a profile of a worker found that about half of its Python CPU. A statement object built
once keeps its cache key (memoized on the object), so executing it costs the cache lookup and
the execution only. The values come in through bindparam()s named in the parameter dict.

Names of bound parameters in a WHERE clause start with "k_": in an UPDATE or INSERT executed
with a parameter dict, a key that names a column of the table becomes a SET or VALUES entry
(`UPDATE_VERSIE` takes its SET columns from the dict that way), so a WHERE value must not.

Dialect-specific statements (row locks on PostgreSQL, ON CONFLICT) live in `Statements`, built
once per dialect by `for_dialect`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam

from gateway.store import schema as t

_v, _vz, _cp, _ar, _ob, _pg = t.versies, t.verzoeken, t.checkpoints, t.archive, t.outbox, t.pogingen

VERSIE_COLUMNS = frozenset(_v.c.keys())
VERZOEK_COLUMNS = frozenset(_vz.c.keys())


def check_columns(columns: frozenset[str], values: Mapping[str, Any]) -> None:
    """Refuse a caller's key that names no column, as .values() did: executed with a parameter
    dict, SQLAlchemy ignores a key it has no use for, and a misspelt summary field would be
    dropped without a word."""
    unknown = values.keys() - columns
    if unknown:
        raise sa.exc.CompileError(f"Unconsumed column names: {', '.join(sorted(unknown))}")


_VERSIE_KEY = (
    _v.c.verzoeknummer == bindparam("k_verzoeknummer"),
    _v.c.volgnummer == bindparam("k_volgnummer"),
)
_VERZOEK_KEY = _vz.c.verzoeknummer == bindparam("k_verzoeknummer")

# Inserts: the VALUES columns are the keys of the parameter dict (columns left out get their
# schema default, as with .values()); a list of dicts runs as an executemany.
INSERT_EVENT = t.events.insert()
INSERT_OUTBOX = _ob.insert()
INSERT_VERSIE = _v.insert()
INSERT_VERZOEK = _vz.insert()
INSERT_ARCHIVE = _ar.insert()
INSERT_CHECKPOINT = _cp.insert()

# Updates: the SET columns are the column keys of the parameter dict, the row its k_ keys.
UPDATE_VERSIE = _v.update().where(*_VERSIE_KEY)
UPDATE_VERSIE_IN_STATE = _v.update().where(
    *_VERSIE_KEY, _v.c.state.in_(bindparam("k_states", expanding=True))
)
# A transition's UPDATE, telling whether the version was ever retried: only then can it have a
# pogingen row to clear (record_attempt writes both in one transaction).
TRANSITION_VERSIE = UPDATE_VERSIE.returning(_v.c.attempts)
TRANSITION_VERSIE_IN_STATE = UPDATE_VERSIE_IN_STATE.returning(_v.c.attempts)
UPDATE_VERZOEK = _vz.update().where(_VERZOEK_KEY)
# A version's news on its verzoek row (SqlStore._touch_verzoek): the summary columns of the
# parameter dict always; its volgnummer and state (and a cleared last_error) only when it is the
# newest version, decided inside the UPDATE, which locks the row itself.
_NEWEST = sa.or_(_vz.c.volgnummer.is_(None), _vz.c.volgnummer <= bindparam("k_newest", type_=sa.Integer))
TOUCH_VERZOEK = UPDATE_VERZOEK.values(
    volgnummer=sa.case((_NEWEST, bindparam("k_newest", type_=sa.Integer)), else_=_vz.c.volgnummer),
    state=sa.case((_NEWEST, bindparam("k_state", type_=sa.String)), else_=_vz.c.state),
)
TOUCH_VERZOEK_CLEARING = TOUCH_VERZOEK.values(
    last_error=sa.case((_NEWEST, sa.null()), else_=_vz.c.last_error)
)
MARK_PUBLISHED = _ob.update().where(_ob.c.id.in_(bindparam("k_ids", expanding=True)))

DELETE_POGING = _pg.delete().where(
    _pg.c.verzoeknummer == bindparam("k_verzoeknummer"), _pg.c.volgnummer == bindparam("k_volgnummer")
)
DELETE_ARCHIVE_PATHS = _ar.delete().where(
    _ar.c.verzoeknummer == bindparam("k_verzoeknummer"),
    _ar.c.volgnummer == bindparam("k_volgnummer"),
    _ar.c.path.in_(bindparam("k_paths", expanding=True)),
)
DELETE_ARCHIVE_PATH = _ar.delete().where(
    _ar.c.verzoeknummer == bindparam("k_verzoeknummer"),
    _ar.c.volgnummer == bindparam("k_volgnummer"),
    _ar.c.path == bindparam("k_path"),
)

VERSIE = sa.select(_v).where(*_VERSIE_KEY)
VERSIE_STATE = sa.select(_v.c.state).where(*_VERSIE_KEY)
VERSIES_FOR = (
    sa.select(_v).where(_v.c.verzoeknummer == bindparam("k_verzoeknummer")).order_by(_v.c.volgnummer)
)
VERZOEK = sa.select(_vz).where(_VERZOEK_KEY)
KNOWN_VERSIES = sa.select(_v.c.verzoeknummer, _v.c.volgnummer).where(
    sa.tuple_(_v.c.verzoeknummer, _v.c.volgnummer).in_(bindparam("k_keys", expanding=True))
)

CHECKPOINT = sa.select(_cp.c.value).where(
    _cp.c.verzoeknummer == bindparam("k_verzoeknummer"), _cp.c.key == bindparam("k_key")
)
CHECKPOINTS_FOR = (
    sa.select(_cp.c.key, _cp.c.value)
    .where(_cp.c.verzoeknummer == bindparam("k_verzoeknummer"))
    .order_by(_cp.c.created_at)
)
CHECKPOINTS_OF_KEYS = sa.select(_cp.c.key, _cp.c.value).where(
    _cp.c.verzoeknummer == bindparam("k_verzoeknummer"), _cp.c.key.in_(bindparam("k_keys", expanding=True))
)

ARCHIVE_FOR = sa.select(_ar).where(_ar.c.verzoeknummer == bindparam("k_verzoeknummer")).order_by(_ar.c.id)
ARCHIVE_FOR_VERSIE = (
    sa.select(_ar)
    .where(_ar.c.verzoeknummer == bindparam("k_verzoeknummer"), _ar.c.volgnummer == bindparam("k_volgnummer"))
    .order_by(_ar.c.id)
)

# Pending: not published, and not held by a worker that runs it itself (or its hold ran out).
_OUTBOX_DUE = (
    _ob.c.published_at.is_(None),
    sa.or_(_ob.c.held_until.is_(None), _ob.c.held_until <= bindparam("k_now")),
)
OUTBOX_ANY_PENDING = sa.select(_ob.c.id).where(*_OUTBOX_DUE).limit(1)
_HELD = (_ob.c.message_id == bindparam("k_message_id"), _ob.c.published_at.is_(None))
OUTBOX_HELD = sa.select(_ob.c.held_until).where(*_HELD, _ob.c.held_until.is_not(None))
# A held job, still unpublished: handed over (published_at set: the worker ran it) or released
# to the relay (held_until moved or cleared), its SET columns from the parameter dict.
UPDATE_HELD = _ob.update().where(*_HELD)
RENEW_HOLDS = _ob.update().where(
    _ob.c.message_id.in_(bindparam("k_message_ids", expanding=True)),
    _ob.c.published_at.is_(None),
    _ob.c.held_until.is_not(None),
)


@dataclass(frozen=True)
class Statements:
    """The statements whose SQL differs between SQLite and PostgreSQL."""

    # Row locks (FOR UPDATE) on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the database.
    current_verzoeken_locked: sa.Select[Any]
    # SKIP LOCKED on PostgreSQL: several relays at once never publish a row twice.
    outbox_pending: sa.Select[Any]
    # INSERT ... ON CONFLICT DO NOTHING RETURNING key: the keys it inserted come back. Any
    # number of checkpoints in one fixed statement: their values as one JSON object, unpacked
    # by the database (json_each). A multi-row INSERT ("insertmanyvalues") is
    # new SQL for every row count, built and converted each time: on PostgreSQL 5 % of a
    # worker's CPU went into the ~10 write-behind checkpoints of a delivery.
    insert_checkpoints_json: sa.TextualSelect


@cache
def for_dialect(postgres: bool) -> Statements:
    def lock(stmt: sa.Select[Any]) -> sa.Select[Any]:
        return stmt.with_for_update() if postgres else stmt

    outbox_pending = (
        sa.select(_ob).where(*_OUTBOX_DUE).order_by(_ob.c.id).limit(bindparam("k_limit", type_=sa.Integer))
    )
    if postgres:
        outbox_pending = outbox_pending.with_for_update(skip_locked=True)
    return Statements(
        current_verzoeken_locked=lock(
            sa.select(_vz.c.verzoeknummer, _vz.c.volgnummer).where(
                _vz.c.verzoeknummer.in_(bindparam("k_nummers", expanding=True))
            )
        ),
        outbox_pending=outbox_pending,
        insert_checkpoints_json=_insert_checkpoints_json(postgres),
    )


def _insert_checkpoints_json(postgres: bool) -> sa.TextualSelect:
    # json_each on both: PostgreSQL's yields json values for the json column; SQLite's yields an
    # object's members as JSON text, which is how the column is stored there. SQLite needs the
    # WHERE to parse ON CONFLICT after INSERT ... SELECT (its documented upsert ambiguity).
    sql = (
        "INSERT INTO checkpoints (verzoeknummer, key, value, created_at)"
        " SELECT :k_verzoeknummer, e.key, e.value, :k_now FROM json_each(CAST(:k_values AS json)) AS e"
        " ON CONFLICT DO NOTHING RETURNING key"
        if postgres
        else "INSERT INTO checkpoints (verzoeknummer, key, value, created_at)"
        " SELECT :k_verzoeknummer, e.key, e.value, :k_now FROM json_each(:k_values) AS e WHERE true"
        " ON CONFLICT DO NOTHING RETURNING key"
    )
    return (
        sa.text(sql)
        .bindparams(
            bindparam("k_verzoeknummer", type_=sa.String),
            bindparam("k_values", type_=sa.Text),
            bindparam("k_now", type_=sa.DateTime(timezone=True)),
        )
        .columns(key=sa.String)
    )


@cache
def describe_postgres(summary_keys: tuple[str, ...]) -> Any:
    """SqlStore.describe on PostgreSQL as one statement, run in autocommit: the verzoek's summary
    (UPDATE in a data-modifying CTE) and its search row (upsert, which also settles two workers
    writing the same new row at once). Five round trips became one."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    zi = t.zoekindex
    nummer = bindparam("k_verzoeknummer", type_=sa.String)
    summary = {key: bindparam(f"k_summary_{key}", type_=_vz.c[key].type) for key in summary_keys}
    beschreven = (
        _vz.update()
        .where(_vz.c.verzoeknummer == nummer)
        .values(updated_at=bindparam("k_updated_at", type_=_vz.c.updated_at.type), **summary)
        .cte("beschreven")
    )
    zoekrij = pg_insert(zi).values(
        verzoeknummer=nummer,
        tekst=bindparam("k_tekst", type_=sa.Text),
        bsn_digests=bindparam("k_bsn_digests", type_=sa.Text),
    )
    return zoekrij.on_conflict_do_update(
        index_elements=[zi.c.verzoeknummer],
        set_={"tekst": zoekrij.excluded.tekst, "bsn_digests": zoekrij.excluded.bsn_digests},
    ).add_cte(beschreven)


@cache
def event_and_job_postgres(hands_over: bool) -> Any:
    """A transition's event and its job (and, with hand-off, the held job it takes over) as one
    statement on PostgreSQL, in data-modifying CTEs: one round trip instead of two or three in
    every transition that queues a job. Parameters: the event's as e_*, the job's as o_*, the
    taken-over job's message id and moment as k_message_id and h_published_at."""
    e, o = t.events, _ob

    def typed(prefix: str, column: sa.Column[Any]) -> Any:
        return bindparam(f"{prefix}_{column.key}", type_=column.type)

    gebeurd = (
        e.insert()
        .values(
            {
                c.key: typed("e", c)
                for c in (e.c.verzoeknummer, e.c.volgnummer, e.c.at, e.c.kind, e.c.detail, e.c.actor)
            }
        )
        .cte("gebeurd")
    )
    job = o.insert().values(
        {
            c.key: typed("o", c)
            for c in (o.c.queue, o.c.message_id, o.c.body, o.c.headers, o.c.created_at, o.c.held_until)
        }
    )
    job = job.add_cte(gebeurd)
    if hands_over:
        overgedragen = (
            o.update()
            .where(*_HELD)
            .values(published_at=bindparam("h_published_at", type_=o.c.published_at.type), held_until=None)
            .cte("overgedragen")
        )
        job = job.add_cte(overgedragen)
    return job


@cache
def transition_in_states(count: int) -> Any:
    """TRANSITION_VERSIE_IN_STATE for `count` expected states as k_state_0 ..., without an
    expanding parameter, so it compiles once (gateway/store/driver_sql.py)."""
    states = [bindparam(f"k_state_{n}", type_=sa.String) for n in range(count)]
    met = _v.c.state.in_(states) if states else sa.false()  # an empty IN is an expanding parameter
    return _v.update().where(*_VERSIE_KEY, met).returning(_v.c.attempts)


@lru_cache(maxsize=512)  # one per shape (table, rows, keys): group sizes vary
def insert_rows(table: sa.Table, count: int, keys: tuple[str, ...]) -> Any:
    """One INSERT of `count` rows with the columns `keys`, their values bound as <key>_<row>:
    built and compiled once per shape (gateway/store/driver_sql.py), where `.values(rows)` was
    a new statement, with a new cache key over every value, on each call."""
    return table.insert().values(
        [{key: bindparam(f"{key}_{n}", type_=table.c[key].type) for key in keys} for n in range(count)]
    )


WAITING = (
    sa.select(_v.c.verzoeknummer, _v.c.volgnummer, _v.c.updated_at)
    .where(_v.c.state == bindparam("k_state", type_=sa.String))
    .order_by(_v.c.verzoeknummer, _v.c.volgnummer)
)
WAITING_OF = WAITING.where(_v.c.verzoeknummer == bindparam("k_verzoeknummer"))


@cache
def transition_postgres(
    versie_keys: tuple[str, ...], states: int | None, touch: str, summary_keys: tuple[str, ...]
) -> Any:
    """A transition's version UPDATE and its verzoek row's (SqlStore._touch_verzoek) as one
    statement on PostgreSQL: the version moves (when in one of `states` k_state_0 ..., if any),
    and only then the verzoek row follows, in a data-modifying CTE that reads the first one's
    RETURNING. One row back, (attempts, verzoek rows touched), or none when the version did not
    move (`states` None: whatever its state). Parameters: the version's SET values as
    v_<column>, the verzoek row's as z_<column>, the keys as k_verzoeknummer, k_volgnummer (and
    k_newest, k_state for `touch`)."""
    where = list(_VERSIE_KEY)
    if states == 0:  # an empty expectation, which no state meets
        where.append(sa.false())
    elif states is not None:  # None: no expectation
        where.append(_v.c.state.in_([bindparam(f"k_state_{n}", type_=sa.String) for n in range(states)]))
    moved = (
        _v.update()
        .where(*where)
        .values({key: bindparam(f"v_{key}", type_=_v.c[key].type) for key in versie_keys})
        .returning(_v.c.attempts)
        .cte("verplaatst")
    )
    base = {"update": UPDATE_VERZOEK, "touch": TOUCH_VERZOEK, "clearing": TOUCH_VERZOEK_CLEARING}[touch]
    touched = (
        base.where(sa.exists(sa.select(moved.c.attempts)))
        .values({key: bindparam(f"z_{key}", type_=_vz.c[key].type) for key in ("updated_at", *summary_keys)})
        .returning(_vz.c.verzoeknummer)
        .cte("aangeraakt")
    )
    return sa.select(moved.c.attempts, sa.select(sa.func.count()).select_from(touched).scalar_subquery())


@lru_cache(maxsize=512)  # one per shape (table, rows, keys): group sizes vary
def insert_tables_postgres(shape: tuple[tuple[sa.Table, int, tuple[str, ...]], ...]) -> Any:
    """Rows into several tables in one statement on PostgreSQL: each table's multi-row INSERT
    (as insert_rows, values bound as t<part>_<key>_<row>) a data-modifying CTE of the last one.
    `shape`: per part the table, its number of rows and their keys."""
    inserts = [
        table.insert().values(
            [
                {key: bindparam(f"t{part}_{key}_{n}", type_=table.c[key].type) for key in keys}
                for n in range(count)
            ]
        )
        for part, (table, count, keys) in enumerate(shape)
    ]
    statement = inserts[-1]
    for part, insert in enumerate(inserts[:-1]):
        statement = statement.add_cte(insert.cte(f"deel_{part}"))
    return statement
