"""The Store: verzoeken, versions, timeline, checkpoints, outbox and archive index.

One implementation on SQLAlchemy Core serves SQLite (the embedded default, also used in-memory
as the test fake) and PostgreSQL (several gateway machines sharing one store). Every state
change that causes work for a next stage writes that job into the outbox in the same
transaction, so a crash between any two steps loses nothing and creates nothing twice.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from gateway.store import driver_sql
from gateway.store import schema as t
from gateway.store import statements as q
from gateway.store.records import (
    ArchiveRecord,
    CommitReceipt,
    EventRecord,
    OutboxMessage,
    OutboxRow,
    PogingRecord,
    VersieRecord,
    VerzoekRecord,
    row_dict,
)
from gateway.store.states import State
from gateway.store.write_lock import WriteLock

log = structlog.get_logger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    # SQLite hands datetimes back naive; they were written as UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# SQLite: the DBAPI connections (by id) that SqlStore.reading() holds now; they begin no transaction.
_READERS: set[int] = set()


def _sqlite_begin(engine: Engine, lock: WriteLock | None) -> None:
    """How a SQLite transaction begins. One that may write takes the write lock (a file's,
    gateway/store/write_lock.py) and BEGIN IMMEDIATE: read-then-write transactions would
    otherwise fail with "database is locked" when two threads upgrade at once. A read
    (SqlStore.reading) begins none: each statement is its own snapshot, as on PostgreSQL where
    reads run in autocommit, and in WAL mode it neither waits for a writer nor makes one wait.

    The dialect's do_begin, not a "begin" event listener: an engine with any connection event
    listener dispatches before_execute, before_cursor_execute and the rest for every statement,
    about a tenth of the store's CPU; BEGIN through the execute path cost as much again."""

    def do_begin(connection: Any) -> None:  # the pool's proxy of the DBAPI connection
        raw = connection.dbapi_connection
        if id(raw) in _READERS:
            return
        if lock is not None:
            lock.acquire(raw)
        try:
            raw.execute("BEGIN IMMEDIATE")
        except BaseException:
            if lock is not None:
                lock.release(raw)
            raise

    engine.dialect.do_begin = do_begin  # type: ignore[method-assign,assignment]


def _queue_writers(engine: Engine, lock: WriteLock) -> None:
    """Writers of a SQLite file wait in line for its write lock (gateway/store/write_lock.py):
    taken before BEGIN IMMEDIATE (_sqlite_begin), let go once COMMIT or ROLLBACK has returned."""
    dialect = engine.dialect
    commit, rollback, close = dialect.do_commit, dialect.do_rollback, dialect.do_close

    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            lock.release(dbapi_connection)

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            lock.release(dbapi_connection)

    def do_close(dbapi_connection: Any) -> None:
        try:
            close(dbapi_connection)
        finally:
            lock.release(dbapi_connection)

    # Per engine: the dialect object belongs to this engine alone.
    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]
    dialect.do_close = do_close  # type: ignore[method-assign]


def create_engine(url: str, *, sqlite_synchronous: str = "full") -> Engine:
    """`sqlite_synchronous`: "full" or "normal" (Settings.sqlite_synchronous)."""
    if sqlite_synchronous not in ("full", "normal"):
        raise ValueError(f"sqlite_synchronous: full or normal, not {sqlite_synchronous!r}")
    if url.startswith("sqlite"):
        lock: WriteLock | None = None
        if url in ("sqlite://", "sqlite:///:memory:"):
            engine = sa.create_engine(
                "sqlite://", connect_args={"check_same_thread": False}, poolclass=sa.pool.StaticPool
            )
        else:
            path = url.removeprefix("sqlite:///")
            if path:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Room for every thread of a worker (DSOGW_STAGE_CONSUMERS per stage, the relay, the
            # heartbeat and periodic jobs), as on PostgreSQL below: a thread that waits for a pooled
            # connection holds up its verzoek for the pool's timeout.
            engine = sa.create_engine(
                url,
                connect_args={"check_same_thread": False, "timeout": 30},
                pool_size=10,
                max_overflow=30,
            )
            if path:
                lock = WriteLock(Path(path).resolve(), timeout=30)
                _queue_writers(engine, lock)
        _sqlite_begin(engine, lock)

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={sqlite_synchronous.upper()}")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        # Let our do_begin (_sqlite_begin) drive transactions instead of pysqlite's own.
        @sa.event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection: Any, _: Any) -> None:
            dbapi_connection.isolation_level = None

        return engine
    # No pre-ping: it is one more round trip on every checkout. Connections are recycled before
    # a server or proxy idle timeout can drop them; a connection that died anyway fails its
    # statement, SQLAlchemy invalidates the pool, and the stage is retried.
    return sa.create_engine(url, pool_recycle=1800, pool_size=10, max_overflow=10)


def _autocommit_engine(engine: Engine) -> Engine:
    """PostgreSQL connections of their own for reading(), in autocommit from the moment they are
    made. Per-use AUTOCOMMIT on the write pool set and reset the connection's isolation level
    around every read, and the pool rolled it back on return: a worker paid five driver calls
    and SQLAlchemy's bookkeeping for each of its ~15 lookups per verzoek. A read leaves no
    transaction behind to reset, so neither the pool nor the connection rolls back."""
    return sa.create_engine(
        engine.url,
        isolation_level="AUTOCOMMIT",
        skip_autocommit_rollback=True,
        pool_reset_on_return=None,
        pool_recycle=1800,
        pool_size=5,
        max_overflow=15,
    )


@dataclass(frozen=True)
class Notification:
    """What record_notification takes, for record_notifications."""

    verzoeknummer: str
    volgnummer: int | None
    oin: str | None
    job: OutboxMessage
    detail: str | None = None


@dataclass
class _Together:
    conn: Connection | None = None


class SqlStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._reader = _autocommit_engine(engine) if self._postgres else engine
        self._q = q.for_dialect(self._postgres)
        self._together = threading.local()  # see together()

    @classmethod
    def from_url(cls, url: str, *, sqlite_synchronous: str = "full") -> SqlStore:
        store = cls(create_engine(url, sqlite_synchronous=sqlite_synchronous))
        try:
            store.create_schema()
        except BaseException:
            store.close()  # a refused schema (SchemaNotCurrent) leaves no connection open
            raise
        return store

    def create_schema(self) -> None:
        """An empty database is created at the head revision and one at head is used as it is;
        any other schema raises SchemaNotCurrent (see gateway/store/migrate.py)."""
        # Imported here: migrate registers the auth tables, which build on this package.
        from gateway.store import migrate

        migrate.prepare(self.engine)
        if self._postgres:
            self._trigram_indexes()

    def _trigram_indexes(self) -> None:
        """Staff search for a word in the project name or activiteiten (ILIKE '%word%'): without a
        trigram index PostgreSQL scans every row (about 280 ms at 100,000 verzoeken). pg_trgm is a
        trusted extension, but a locked-down database user may still not create it: then search
        works, only slower, and we say so once."""
        statements = [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "CREATE INDEX IF NOT EXISTS ix_verzoeken_naam_trgm ON verzoeken USING gin (naam gin_trgm_ops)",
            "CREATE INDEX IF NOT EXISTS ix_verzoeken_activiteiten_trgm "
            "ON verzoeken USING gin (activiteiten gin_trgm_ops)",
            "CREATE INDEX IF NOT EXISTS ix_zoekindex_tekst_trgm ON zoekindex USING gin (tekst gin_trgm_ops)",
            "CREATE INDEX IF NOT EXISTS ix_zoekindex_bsn_trgm "
            "ON zoekindex USING gin (bsn_digests gin_trgm_ops)",
        ]
        try:
            with self.engine.begin() as conn:
                for statement in statements:
                    conn.execute(sa.text(statement))
        except DBAPIError as exc:
            log.warning("store.trigram_index_unavailable", error=type(exc.orig).__name__)

    def close(self) -> None:
        if self._reader is not self.engine:
            self._reader.dispose()
        self.engine.dispose()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads only, in autocommit: on SQLite no BEGIN and no write lock; on
        PostgreSQL no BEGIN before the reads and no ROLLBACK after them, one round trip per
        statement instead of three for a lookup. Nothing is lost by it: at READ COMMITTED,
        PostgreSQL's default and ours, every statement takes its own snapshot inside a
        transaction too."""
        if self._postgres:
            with self._reader.connect() as conn:
                yield conn
            return
        with self.engine.connect() as conn:
            raw = id(conn.connection.dbapi_connection)
            _READERS.add(raw)
            try:
                yield conn
            finally:
                _READERS.discard(raw)

    @contextmanager
    def _tx(self, *, isolated: bool = False) -> Iterator[Connection]:
        """A write transaction; inside together(), part of the one transaction. `isolated`: a
        write whose failure its caller handles (an IntegrityError caught) gets a savepoint
        there, so it undoes only itself, on PostgreSQL too (where a failed statement spoils the
        whole transaction). Any other failure inside together() rolls the block back whole, so
        those writes need none, and on PostgreSQL a savepoint costs two round trips."""
        together: _Together | None = getattr(self._together, "block", None)
        pending = self._receipts()
        mark = len(pending)
        if together is None:
            try:
                with self.engine.begin() as conn:
                    yield conn
                for receipt in pending[mark:]:
                    receipt.committed = True
            finally:
                del pending[mark:]
            return
        if together.conn is None:
            # Begun at the first write, not at the start of the block: on SQLite the write lock
            # is taken here, so whatever the block does before its first write is not under it.
            together.conn = self.engine.connect()
            together.conn.begin()
        if isolated:
            try:
                with together.conn.begin_nested():
                    yield together.conn
            except BaseException:
                del pending[mark:]  # its savepoint was rolled back, and its jobs with it
                raise
        else:
            yield together.conn

    @contextmanager
    def _one_statement(self, *, isolated: bool = False) -> Iterator[Connection]:
        """A write of a single statement (reads after it allowed): on PostgreSQL, outside
        together(), it runs in autocommit, where the statement is its own transaction, as
        atomic and as durable as BEGIN; statement; COMMIT, and two round trips shorter (a round
        trip costs the database about as much CPU as the statement). Elsewhere as _tx()."""
        if self._postgres and getattr(self._together, "block", None) is None:
            with self._reader.connect() as conn:
                yield conn
            return
        with self._tx(isolated=isolated) as conn:
            yield conn

    def _receipts(self) -> list[CommitReceipt]:
        """The receipts of jobs this thread wrote in its open transaction (see CommitReceipt)."""
        pending: list[CommitReceipt] | None = getattr(self._together, "receipts", None)
        if pending is None:
            pending = self._together.receipts = []
        return pending

    def transaction(self) -> AbstractContextManager[Connection]:
        """A write transaction for writers outside this class (the Logboek, heartbeats):
        joins together() like the store's own writes."""
        return self._tx()

    def isolated(self) -> AbstractContextManager[Connection]:
        """Inside together(): a savepoint, for a write whose failure the caller handles."""
        return self._tx(isolated=True)

    @contextmanager
    def together(self) -> Iterator[None]:
        """Every store write this thread makes in the block goes into one transaction, committed
        at the end of the block (rolled back whole on an exception). For writes that belong
        together anyway, such as a stage's archive index rows, its Logboek rows and its
        transition: one commit (one fsync, one turn at SQLite's write lock) instead of several.
        Reads in the block see what was committed before it, not its own writes."""
        if getattr(self._together, "block", None) is not None:
            yield  # already inside one: part of that
            return
        block = _Together()
        self._together.block = block
        pending = self._receipts()
        mark = len(pending)
        try:
            yield
        except BaseException:
            if block.conn is not None:
                block.conn.rollback()
            raise
        else:
            if block.conn is not None:
                block.conn.commit()
            for receipt in pending[mark:]:
                receipt.committed = True
        finally:
            del pending[mark:]
            self._together.block = None
            if block.conn is not None:
                block.conn.close()

    # -- writing -----------------------------------------------------------------------------

    def _event(
        self,
        conn: Connection,
        verzoeknummer: str,
        volgnummer: int | None,
        kind: str,
        detail: str | None,
        actor: str | None = None,
    ) -> None:
        driver_sql.rowcount(
            conn,
            q.INSERT_EVENT,
            {
                "verzoeknummer": verzoeknummer,
                "volgnummer": volgnummer,
                "at": _now(),
                "kind": kind,
                "detail": detail,
                "actor": actor,
            },
        )

    def _outbox(self, conn: Connection, job: OutboxMessage) -> None:
        driver_sql.rowcount(
            conn,
            q.INSERT_OUTBOX,
            {
                "queue": job.queue,
                "message_id": job.message_id,
                "body": job.body,
                "headers": dict(job.headers),
                "created_at": _now(),
                "held_until": job.held_until,
            },
        )
        if job.receipt is not None:
            self._receipts().append(job.receipt)
        if job.hands_over is not None:
            driver_sql.rowcount(
                conn,
                q.UPDATE_HELD,
                {"published_at": _now(), "held_until": None, "k_message_id": job.hands_over},
            )

    def _touch_verzoek(
        self,
        conn: Connection,
        verzoeknummer: str,
        volgnummer: int | None,
        state: State,
        summary: Mapping[str, Any] | None = None,
    ) -> None:
        variant, values = self._touch_params(volgnummer, state, summary)
        params: dict[str, Any] = {**values, "k_verzoeknummer": verzoeknummer}
        if variant != "update":
            params.update(k_newest=volgnummer, k_state=state.value)
        statement = {
            "update": q.UPDATE_VERZOEK,
            "touch": q.TOUCH_VERZOEK,
            "clearing": q.TOUCH_VERZOEK_CLEARING,
        }
        if driver_sql.rowcount(conn, statement[variant], params) == 0:
            self._insert_verzoek(conn, verzoeknummer, volgnummer, state, values)

    @staticmethod
    def _touch_params(
        volgnummer: int | None, state: State, summary: Mapping[str, Any] | None
    ) -> tuple[str, dict[str, Any]]:
        """Which UPDATE of the verzoek row a version's news takes ("update", "touch" or
        "clearing": statements.TOUCH_VERZOEK*), and its SET values (updated_at included)."""
        values: dict[str, Any] = {k: v for k, v in (summary or {}).items() if v is not None}
        q.check_columns(q.VERZOEK_COLUMNS, values)
        values["updated_at"] = _now()
        if volgnummer is None:
            return "update", values
        # The summary follows the newest version; an older version's news only adds facts
        # (such as the zaak URL) and never moves the state backwards: decided by the UPDATE
        # itself, not by a locked read before it (one statement per transition fewer).
        clears = state is not State.FAILED and "last_error" not in values
        return ("clearing" if clears else "touch"), values

    def _insert_verzoek(
        self,
        conn: Connection,
        verzoeknummer: str,
        volgnummer: int | None,
        state: State,
        values: Mapping[str, Any],
    ) -> None:
        """The verzoek row a version's news found missing (its notification wrote none)."""
        conn.execute(
            q.INSERT_VERZOEK,
            {
                **values,
                "verzoeknummer": verzoeknummer,
                "volgnummer": volgnummer,
                "state": state.value,
                "created_at": values["updated_at"],
            },
        )

    def record_notification(
        self,
        verzoeknummer: str,
        volgnummer: int | None,
        oin: str | None,
        job: OutboxMessage,
        *,
        detail: str | None = None,
    ) -> bool:
        """Store a notification and its fetch job. A version we already know is a duplicate:
        recorded on the timeline, no new job, returns False."""
        with self._tx() as conn:
            if volgnummer is not None:
                existing = conn.execute(
                    q.VERSIE_STATE, {"k_verzoeknummer": verzoeknummer, "k_volgnummer": volgnummer}
                ).first()
                if existing is not None:
                    self._event(conn, verzoeknummer, volgnummer, "duplicate-notification", detail)
                    return False
                now = _now()
                conn.execute(
                    q.INSERT_VERSIE,
                    {
                        "verzoeknummer": verzoeknummer,
                        "volgnummer": volgnummer,
                        "state": State.RECEIVED.value,
                        "oin": oin,
                        "attempts": 0,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
            self._touch_verzoek(conn, verzoeknummer, volgnummer, State.RECEIVED, {"bevoegd_gezag_oin": oin})
            self._event(conn, verzoeknummer, volgnummer, "received", detail)
            self._outbox(conn, job)
            return True

    def record_notifications(self, notifications: Sequence[Notification]) -> list[bool]:
        """record_notification for several notifications, in order, in one transaction, with a
        statement per table instead of five or six per notification (the intake's group commit,
        gateway/store/grouped.py). The same outcome as one record_notification after another:
        a version known before, or earlier in the list, is a duplicate."""
        keys = {(n.verzoeknummer, n.volgnummer) for n in notifications if n.volgnummer is not None}
        nummers = sorted({n.verzoeknummer for n in notifications})
        now = _now()
        outcome: list[bool] = []
        versies: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        outbox: list[dict[str, Any]] = []
        with self._tx() as conn:
            known = set()
            if keys:
                known = {
                    (r.verzoeknummer, r.volgnummer)
                    for r in conn.execute(q.KNOWN_VERSIES, {"k_keys": sorted(keys)})
                }
            current = {
                r.verzoeknummer: r.volgnummer
                for r in conn.execute(self._q.current_verzoeken_locked, {"k_nummers": nummers})
            }
            new_verzoeken: dict[str, dict[str, Any]] = {}
            updates: dict[str, dict[str, Any]] = {}
            for n in notifications:
                event = {
                    "verzoeknummer": n.verzoeknummer,
                    "volgnummer": n.volgnummer,
                    "at": now,
                    "actor": None,
                }
                key = (n.verzoeknummer, n.volgnummer)
                if n.volgnummer is not None and key in known:
                    events.append({**event, "kind": "duplicate-notification", "detail": n.detail})
                    outcome.append(False)
                    continue
                if n.volgnummer is not None:
                    known.add(key)
                    versies.append(
                        {
                            "verzoeknummer": n.verzoeknummer,
                            "volgnummer": n.volgnummer,
                            "state": State.RECEIVED.value,
                            "oin": n.oin,
                            "attempts": 0,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                # As _touch_verzoek, one notification after another.
                summary = {"bevoegd_gezag_oin": n.oin} if n.oin is not None else {}
                if n.verzoeknummer in new_verzoeken:
                    row = new_verzoeken[n.verzoeknummer]
                    row.update(summary)
                    if n.volgnummer is not None and (
                        row["volgnummer"] is None or n.volgnummer >= row["volgnummer"]
                    ):
                        row.update(volgnummer=n.volgnummer, state=State.RECEIVED.value)
                elif n.verzoeknummer not in current:
                    new_verzoeken[n.verzoeknummer] = {
                        "verzoeknummer": n.verzoeknummer,
                        "volgnummer": n.volgnummer,
                        "state": State.RECEIVED.value,
                        "created_at": now,
                        "updated_at": now,
                        "bevoegd_gezag_oin": n.oin,
                    }
                else:
                    values = updates.setdefault(n.verzoeknummer, {"updated_at": now})
                    values.update(summary)
                    newest = current[n.verzoeknummer]
                    if n.volgnummer is not None and (newest is None or n.volgnummer >= newest):
                        values.update(volgnummer=n.volgnummer, state=State.RECEIVED.value, last_error=None)
                        current[n.verzoeknummer] = n.volgnummer
                events.append({**event, "kind": "received", "detail": n.detail})
                job = n.job
                outbox.append(
                    {
                        "queue": job.queue,
                        "message_id": job.message_id,
                        "body": job.body,
                        "headers": dict(job.headers),
                        "created_at": now,
                    }
                )
                outcome.append(True)
            for nummer, values in updates.items():
                conn.execute(q.UPDATE_VERZOEK, {**values, "k_verzoeknummer": nummer})
            self.insert_tables(
                conn,
                [
                    (t.versies, versies),
                    (t.verzoeken, list(new_verzoeken.values())),
                    (t.events, events),
                    (t.outbox, outbox),
                ],
            )
        return outcome

    def ensure_versie(self, verzoeknummer: str, volgnummer: int, oin: str | None, state: State) -> bool:
        """Create the version row if it does not exist yet (a notification without volgnummer,
        or reconciliation). Returns True if it was created."""
        with self._tx() as conn:
            exists = conn.execute(
                q.VERSIE_STATE, {"k_verzoeknummer": verzoeknummer, "k_volgnummer": volgnummer}
            ).first()
            if exists is not None:
                return False
            now = _now()
            conn.execute(
                q.INSERT_VERSIE,
                {
                    "verzoeknummer": verzoeknummer,
                    "volgnummer": volgnummer,
                    "state": state.value,
                    "oin": oin,
                    "attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            self._touch_verzoek(conn, verzoeknummer, volgnummer, state, {"bevoegd_gezag_oin": oin})
            return True

    def transition(
        self,
        verzoeknummer: str,
        volgnummer: int,
        *,
        to: State,
        event: str,
        detail: str | None = None,
        expect: Collection[State] | None = None,
        job: OutboxMessage | None = None,
        summary: Mapping[str, Any] | None = None,
        versie_values: Mapping[str, Any] | None = None,
        actor: str | None = None,
        checkpoints: Mapping[str, Mapping[str, Any]] | None = None,
        taken_over: tuple[str, CommitReceipt] | None = None,
    ) -> bool:
        """Move a version to `to`, record the event and queue `job`, all in one transaction.

        With `expect`, a version in another state is left alone and False is returned: that is
        how a redelivered message becomes a no-op. `checkpoints` (of the verzoek, written behind
        by the delivery that led here: gateway/pipeline/checkpoints.py) are written in the same
        transaction whatever the outcome, where a value already stored stands. `taken_over`: a
        held job (message id) this transition marks handed over when it moves the version, and
        the receipt set when that commits (the last stage's hand-off, StageContext.take_over)."""
        with self._tx() as conn:
            if checkpoints:
                self._put_checkpoints(conn, verzoeknummer, checkpoints)
            key = {"k_verzoeknummer": verzoeknummer, "k_volgnummer": volgnummer}
            values: dict[str, Any] = {"state": to.value, "updated_at": _now(), **(versie_values or {})}
            q.check_columns(q.VERSIE_COLUMNS, values)
            if to is not State.FAILED:
                values.setdefault("last_error", None)
                values.setdefault("failed_stage", None)
            # One UPDATE that checks `expect` itself, instead of a locked SELECT before it: it
            # takes the same row lock on PostgreSQL and sees the row as committed by whoever held
            # it. Only when it changed nothing does a read tell an unknown version (KeyError)
            # from one in another state (False).
            if self._postgres:
                moved = self._transition_postgres(
                    conn, key, values, expect, to, summary, (event, detail, actor), job
                )
                if moved and taken_over is not None:
                    self._take_over(conn, *taken_over)
                return moved
            if expect is None:
                changed = driver_sql.first(conn, q.TRANSITION_VERSIE, {**values, **key})
            else:
                states = {f"k_state_{n}": v for n, v in enumerate(sorted(s.value for s in expect))}
                changed = driver_sql.first(
                    conn, q.transition_in_states(len(states)), {**values, **key, **states}
                )
            if changed is None:
                if conn.execute(q.VERSIE_STATE, key).first() is None:
                    raise KeyError(f"unknown version {verzoeknummer}/{volgnummer}")
                return False
            # A version never retried has no poging to clear: one statement fewer per transition.
            # The new attempts come back, so a caller that resets them clears as before.
            if changed[0] or "attempts" in values:
                self._clear_poging(conn, verzoeknummer, volgnummer)
            self._touch_verzoek(conn, verzoeknummer, volgnummer, to, summary)
            if job is not None and self._postgres:
                self._event_and_job(conn, verzoeknummer, volgnummer, event, detail, actor, job)
                return True
            self._event(conn, verzoeknummer, volgnummer, event, detail, actor)
            if job is not None:
                self._outbox(conn, job)
            if taken_over is not None:
                self._take_over(conn, *taken_over)
            return True

    def _take_over(self, conn: Connection, message_id: str, receipt: CommitReceipt) -> None:
        driver_sql.rowcount(
            conn, q.UPDATE_HELD, {"published_at": _now(), "held_until": None, "k_message_id": message_id}
        )
        self._receipts().append(receipt)

    def _transition_postgres(
        self,
        conn: Connection,
        key: Mapping[str, Any],
        values: Mapping[str, Any],
        expect: Collection[State] | None,
        to: State,
        summary: Mapping[str, Any] | None,
        event: tuple[str, str | None, str | None],
        job: OutboxMessage | None,
    ) -> bool:
        """transition() on PostgreSQL: the version and its verzoek row in one statement
        (statements.transition_postgres), the event with the job in another."""
        verzoeknummer, volgnummer = key["k_verzoeknummer"], key["k_volgnummer"]
        states = sorted(s.value for s in expect) if expect is not None else []
        variant, touch = self._touch_params(volgnummer, to, summary)
        statement = q.transition_postgres(
            tuple(values),
            len(states) if expect is not None else None,
            variant,
            tuple(k for k in touch if k != "updated_at"),
        )
        params: dict[str, Any] = {f"v_{k}": v for k, v in values.items()}
        params.update({f"z_{k}": v for k, v in touch.items()})
        params.update({f"k_state_{n}": v for n, v in enumerate(states)}, **key)
        if variant != "update":
            params.update(k_newest=volgnummer, k_state=to.value)
        changed = driver_sql.first(conn, statement, params)
        if changed is None:
            if conn.execute(q.VERSIE_STATE, key).first() is None:
                raise KeyError(f"unknown version {verzoeknummer}/{volgnummer}")
            return False
        attempts, touched = changed
        if attempts or "attempts" in values:
            self._clear_poging(conn, verzoeknummer, volgnummer)
        if not touched:
            self._insert_verzoek(conn, verzoeknummer, volgnummer, to, touch)
        kind, detail, actor = event
        if job is not None:
            self._event_and_job(conn, verzoeknummer, volgnummer, kind, detail, actor, job)
        else:
            self._event(conn, verzoeknummer, volgnummer, kind, detail, actor)
        return True

    def _event_and_job(
        self,
        conn: Connection,
        verzoeknummer: str,
        volgnummer: int,
        kind: str,
        detail: str | None,
        actor: str | None,
        job: OutboxMessage,
    ) -> None:
        """_event and _outbox in one statement (PostgreSQL: statements.event_and_job_postgres)."""
        now = _now()
        params: dict[str, Any] = {
            "e_verzoeknummer": verzoeknummer,
            "e_volgnummer": volgnummer,
            "e_at": now,
            "e_kind": kind,
            "e_detail": detail,
            "e_actor": actor,
            "o_queue": job.queue,
            "o_message_id": job.message_id,
            "o_body": job.body,
            "o_headers": dict(job.headers),
            "o_created_at": now,
            "o_held_until": job.held_until,
        }
        if job.hands_over is not None:
            params.update(k_message_id=job.hands_over, h_published_at=now)
        driver_sql.rowcount(conn, q.event_and_job_postgres(job.hands_over is not None), params)
        if job.receipt is not None:
            self._receipts().append(job.receipt)

    def record_attempt(
        self,
        verzoeknummer: str,
        volgnummer: int | None,
        *,
        stage: str,
        reason: str,
        attempt: int,
        max_attempts: int | None = None,
        next_at: datetime | None = None,
    ) -> None:
        """A retryable failure: on the timeline, counted on the version, and (with `next_at`) the
        next attempt announced, so staff see the version is being retried."""
        of = f" van {max_attempts}" if max_attempts else ""
        with self._tx() as conn:
            if volgnummer is not None:
                conn.execute(
                    q.UPDATE_VERSIE,
                    {
                        "attempts": attempt,
                        "last_error": reason,
                        "updated_at": _now(),
                        "k_verzoeknummer": verzoeknummer,
                        "k_volgnummer": volgnummer,
                    },
                )
                if next_at is not None and max_attempts is not None:
                    self._set_poging(conn, verzoeknummer, volgnummer, stage, attempt, max_attempts, next_at)
            self._event(conn, verzoeknummer, volgnummer, f"retry-{stage}", f"poging {attempt}{of}: {reason}")

    def _set_poging(
        self,
        conn: Connection,
        verzoeknummer: str,
        volgnummer: int,
        stage: str,
        attempt: int,
        max_attempts: int,
        next_at: datetime,
    ) -> None:
        p = t.pogingen
        key = (p.c.verzoeknummer == verzoeknummer, p.c.volgnummer == volgnummer)
        values = {"stap": stage, "poging": attempt, "max_pogingen": max_attempts, "volgende_om": next_at}
        if conn.execute(p.update().where(*key).values(**values)).rowcount == 0:
            conn.execute(p.insert().values(verzoeknummer=verzoeknummer, volgnummer=volgnummer, **values))

    def _clear_poging(self, conn: Connection, verzoeknummer: str, volgnummer: int | None) -> None:
        if volgnummer is not None:
            driver_sql.rowcount(
                conn, q.DELETE_POGING, {"k_verzoeknummer": verzoeknummer, "k_volgnummer": volgnummer}
            )

    def record_failure(
        self,
        verzoeknummer: str,
        volgnummer: int | None,
        *,
        stage: str,
        reason: str,
        attempts: int | None = None,
    ) -> None:
        """A permanent failure or exhausted retries: the version becomes FAILED with the reason.
        `attempts` is every attempt made, this last one included (1 for a permanent failure)."""
        values: dict[str, Any] = {} if attempts is None else {"attempts": attempts}
        with self._tx() as conn:
            if volgnummer is not None:
                conn.execute(
                    t.versies.update()
                    .where(t.versies.c.verzoeknummer == verzoeknummer, t.versies.c.volgnummer == volgnummer)
                    .values(
                        state=State.FAILED.value,
                        last_error=reason,
                        failed_stage=stage,
                        updated_at=_now(),
                        **values,
                    )
                )
            self._clear_poging(conn, verzoeknummer, volgnummer)
            self._touch_verzoek(conn, verzoeknummer, volgnummer, State.FAILED, {"last_error": reason})
            self._event(conn, verzoeknummer, volgnummer, f"failed-{stage}", reason)

    def add_event(
        self,
        verzoeknummer: str,
        volgnummer: int | None,
        kind: str,
        detail: str | None,
        actor: str | None = None,
    ) -> None:
        with self._one_statement() as conn:
            self._event(conn, verzoeknummer, volgnummer, kind, detail, actor)

    def update_summary(self, verzoeknummer: str, **summary: Any) -> None:
        with self._tx() as conn:
            conn.execute(
                t.verzoeken.update()
                .where(t.verzoeken.c.verzoeknummer == verzoeknummer)
                .values(updated_at=_now(), **summary)
            )

    def set_search_terms(self, verzoeknummer: str, tekst: str, bsn_digests: str) -> None:
        """Replace what the verzoek can be found by (the newest parsed version wins)."""
        self._once_more_on_conflict(lambda conn: self._search_terms(conn, verzoeknummer, tekst, bsn_digests))

    def describe(self, verzoeknummer: str, summary: Mapping[str, Any], tekst: str, bsn_digests: str) -> None:
        """update_summary and set_search_terms in one transaction: what a parsed version tells
        the status page and the search, written once per translate instead of twice."""
        if self._postgres and getattr(self._together, "block", None) is None:
            keys = tuple(sorted(summary))
            params = {f"k_summary_{key}": summary[key] for key in keys}
            params.update(
                k_verzoeknummer=verzoeknummer, k_updated_at=_now(), k_tekst=tekst, k_bsn_digests=bsn_digests
            )
            with self._one_statement() as conn:
                driver_sql.rowcount(conn, q.describe_postgres(keys), params)
            return

        def write(conn: Connection) -> None:
            conn.execute(
                t.verzoeken.update()
                .where(t.verzoeken.c.verzoeknummer == verzoeknummer)
                .values(updated_at=_now(), **summary)
            )
            self._search_terms(conn, verzoeknummer, tekst, bsn_digests)

        self._once_more_on_conflict(write)

    def _once_more_on_conflict(self, write: Callable[[Connection], None]) -> None:
        # Another worker may insert the same search row between our update and our insert
        # (PostgreSQL's read committed; `make faults` met it). Then the row exists, and the
        # transaction run again updates it.
        try:
            with self._tx(isolated=True) as conn:
                write(conn)
        except IntegrityError:
            with self._tx(isolated=True) as conn:
                write(conn)

    def _search_terms(self, conn: Connection, verzoeknummer: str, tekst: str, bsn_digests: str) -> None:
        done = conn.execute(
            t.zoekindex.update()
            .where(t.zoekindex.c.verzoeknummer == verzoeknummer)
            .values(tekst=tekst, bsn_digests=bsn_digests)
        )
        if done.rowcount == 0:
            conn.execute(
                t.zoekindex.insert().values(verzoeknummer=verzoeknummer, tekst=tekst, bsn_digests=bsn_digests)
            )

    # -- checkpoints ---------------------------------------------------------------------------

    def checkpoint_get(self, verzoeknummer: str, key: str) -> dict[str, Any] | None:
        with self.reading() as conn:
            row = conn.execute(q.CHECKPOINT, {"k_verzoeknummer": verzoeknummer, "k_key": key}).first()
        return None if row is None else dict(row.value)

    def checkpoint_put(self, verzoeknummer: str, key: str, value: Mapping[str, Any]) -> dict[str, Any]:
        """Write `value` under `key` unless a value is there already; return the value that stands.

        One INSERT ... ON CONFLICT DO NOTHING, no read before it: the read happens only on a
        conflict. No savepoint inside together() either, as nothing fails there."""
        with self._one_statement() as conn:
            return self._put_checkpoints(conn, verzoeknummer, {key: value})[key]

    def checkpoints_put(
        self, verzoeknummer: str, values: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        """checkpoint_put for several keys in one statement; returns the values that stand."""
        with self._one_statement() as conn:
            return self._put_checkpoints(conn, verzoeknummer, values)

    def _put_checkpoints(
        self, conn: Connection, verzoeknummer: str, values: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        if not values:
            return {}
        # The keys it inserted come back; any other was written by an earlier delivery of the
        # same message, and the first result stands. Every row in one fixed statement.
        params = {
            "k_verzoeknummer": verzoeknummer,
            "k_values": json.dumps({key: dict(value) for key, value in values.items()}),
            "k_now": _now(),
        }
        inserted = set(driver_sql.column(conn, self._q.insert_checkpoints_json, params))
        stood = {key: dict(value) for key, value in values.items() if key in inserted}
        if len(stood) < len(values):
            taken = [key for key in values if key not in inserted]
            for row in conn.execute(
                q.CHECKPOINTS_OF_KEYS, {"k_verzoeknummer": verzoeknummer, "k_keys": taken}
            ):
                stood[row.key] = dict(row.value)
        return stood

    def checkpoints_for(self, verzoeknummer: str) -> dict[str, dict[str, Any]]:
        with self.reading() as conn:
            rows = driver_sql.mappings(conn, q.CHECKPOINTS_FOR, {"k_verzoeknummer": verzoeknummer})
        return {r["key"]: dict(r["value"]) for r in rows}

    def recent_events(self, kind: str, since: datetime, limit: int = 50) -> list[EventRecord]:
        """Events of one kind since a moment, newest first (e.g. letters "per post te versturen")."""
        with self.reading() as conn:
            rows = conn.execute(
                sa.select(t.events)
                .where(t.events.c.kind == kind, t.events.c.at >= since)
                .order_by(t.events.c.id.desc())
                .limit(limit)
            ).all()
        return [EventRecord(**{**row_dict(r), "at": _aware(r.at)}) for r in rows]

    def enqueue(self, job: OutboxMessage) -> None:
        """Queue a job through the outbox on its own (no state change goes with it)."""
        with self._tx() as conn:
            self._outbox(conn, job)

    def verzoek_by_zaak_url(self, zaak_url: str) -> VerzoekRecord | None:
        """The verzoek whose zaak this is (a ZGW notification names the zaak by URL)."""
        with self.reading() as conn:
            row = conn.execute(sa.select(t.verzoeken).where(t.verzoeken.c.zaak_url == zaak_url)).first()
        return None if row is None else _verzoek(row)

    def open_zaken(self) -> list[VerzoekRecord]:
        """Verzoeken with a zaak that the case system has not closed yet (no "zaak-afgesloten")."""
        closed = sa.select(t.checkpoints.c.verzoeknummer).where(t.checkpoints.c.key == "zaak-afgesloten")
        with self.reading() as conn:
            rows = conn.execute(
                sa.select(t.verzoeken).where(
                    t.verzoeken.c.zaak_url.is_not(None), t.verzoeken.c.verzoeknummer.not_in(closed)
                )
            ).all()
        return [_verzoek(r) for r in rows]

    def checkpoints_named(self, key: str) -> list[tuple[str, dict[str, Any]]]:
        """(verzoeknummer, value) of every verzoek that has a checkpoint `key`, e.g. "beslistermijn"."""
        with self.reading() as conn:
            rows = conn.execute(
                sa.select(t.checkpoints.c.verzoeknummer, t.checkpoints.c.value).where(
                    t.checkpoints.c.key == key
                )
            ).all()
        return [(r.verzoeknummer, dict(r.value)) for r in rows]

    # -- outbox --------------------------------------------------------------------------------

    def relay_outbox(self, publish: Callable[[OutboxRow], None], limit: int = 100) -> int:
        """Publish pending outbox rows in id order and mark each one only after `publish`
        returned (the broker confirmed). Rows are locked (SKIP LOCKED on PostgreSQL) so several
        relays can run at once without publishing a row twice."""
        # Look before locking: every relay polls ten times a second, and on SQLite an empty
        # round in a write transaction still took the database-wide write lock and an fsync.
        with self.reading() as conn:
            pending = driver_sql.first(conn, q.OUTBOX_ANY_PENDING, {"k_now": _now()})
        if pending is None:
            return 0
        published: list[int] = []
        with self._tx() as conn:
            rows = conn.execute(self._q.outbox_pending, {"k_limit": limit, "k_now": _now()}).all()
            failure: Exception | None = None
            for row in rows:
                try:
                    publish(
                        OutboxRow(
                            id=row.id,
                            queue=row.queue,
                            message_id=row.message_id,
                            body=bytes(row.body),
                            headers=dict(row.headers),
                        )
                    )
                except Exception as exc:  # noqa: BLE001 - re-raised below, after committing
                    # Keep the marks of the rows the broker did confirm, so they are not sent
                    # twice; the rest stays pending, in order, for the next round.
                    failure = exc
                    break
                published.append(row.id)
            # One UPDATE for the round instead of one per row; it is in the same transaction as
            # before, so a crash before the commit still leaves every row of the round pending.
            if published:
                conn.execute(q.MARK_PUBLISHED, {"published_at": _now(), "k_ids": published})
        if failure is not None:
            raise failure
        return len(published)

    # -- hand-off (gateway/pipeline/handoff.py) ---------------------------------------------------

    def outbox_held(self, message_id: str) -> bool:
        """Whether the job is in the outbox, unpublished and held: committed with its stage's
        transition, and not yet given to the relay."""
        with self.reading() as conn:
            return driver_sql.first(conn, q.OUTBOX_HELD, {"k_message_id": message_id}) is not None

    def outbox_handed_over(self, message_id: str) -> bool:
        """The worker ran the held job itself: it is done as if published (False: it was not
        held any more, the relay had it)."""
        with self._one_statement() as conn:
            changed = driver_sql.rowcount(
                conn, q.UPDATE_HELD, {"published_at": _now(), "held_until": None, "k_message_id": message_id}
            )
        return bool(changed)

    def outbox_release(
        self, message_id: str, *, until: datetime | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        """Give a held job to the relay (its worker did not run it to the end): now, or at
        `until`; `headers` replace the job's headers."""
        values: dict[str, Any] = {"held_until": until, "k_message_id": message_id}
        if headers is not None:
            values["headers"] = dict(headers)
        with self._tx() as conn:
            conn.execute(q.UPDATE_HELD, values)

    def outbox_renew_holds(self, message_ids: Collection[str], until: datetime) -> None:
        if not message_ids:
            return
        with self._tx() as conn:
            conn.execute(q.RENEW_HOLDS, {"held_until": until, "k_message_ids": list(message_ids)})

    def pending_outbox(self) -> int:
        with self.reading() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(t.outbox).where(t.outbox.c.published_at.is_(None))
                ).scalar_one()
            )

    # -- archive -------------------------------------------------------------------------------

    def add_archive(
        self,
        verzoeknummer: str,
        volgnummer: int,
        *,
        kind: str,
        path: str,
        size: int,
        sha256: str,
        document_id: str | None = None,
        bestandsnaam: str | None = None,
        media_type: str | None = None,
    ) -> int:
        """Index one archived file. A file written again at the same path (a retried fetch
        archives the STAM XML and PDF anew) replaces its row instead of listing it twice."""
        with self._tx() as conn:
            conn.execute(
                q.DELETE_ARCHIVE_PATH,
                {"k_verzoeknummer": verzoeknummer, "k_volgnummer": volgnummer, "k_path": path},
            )
            result = conn.execute(
                q.INSERT_ARCHIVE,
                {
                    "verzoeknummer": verzoeknummer,
                    "volgnummer": volgnummer,
                    "kind": kind,
                    "path": path,
                    "size": size,
                    "sha256": sha256,
                    "document_id": document_id,
                    "bestandsnaam": bestandsnaam,
                    "media_type": media_type,
                    "created_at": _now(),
                },
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def add_archive_files(
        self, verzoeknummer: str, volgnummer: int, files: Sequence[Mapping[str, Any]]
    ) -> None:
        """add_archive for several files of one version: one DELETE of their paths and one
        executemany INSERT, instead of both per file (a fetch indexes five files or more).
        Each file is a mapping of the archive columns kind, path, size, sha256, document_id,
        bestandsnaam and media_type."""
        if not files:
            return
        now = _now()
        rows = [
            {**f, "verzoeknummer": verzoeknummer, "volgnummer": volgnummer, "created_at": now} for f in files
        ]
        with self._tx() as conn:
            conn.execute(
                q.DELETE_ARCHIVE_PATHS,
                {
                    "k_verzoeknummer": verzoeknummer,
                    "k_volgnummer": volgnummer,
                    "k_paths": [f["path"] for f in files],
                },
            )
            self.insert_rows(conn, t.archive, rows)

    def insert_rows(self, conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Several rows (with the same keys) into `table` on `conn`: multi-row INSERTs of up to
        100 rows, each shape compiled once. An executemany on PostgreSQL is psycopg's pipeline
        mode, which cost a fetch more than its other statements together (the archive index,
        the Logboek's two records); a `.values(rows)` statement is a new cache key per call."""
        if not rows:
            return
        keys = tuple(rows[0])
        for start in range(0, len(rows), 100):
            chunk = rows[start : start + 100]
            params = {f"{key}_{n}": row[key] for n, row in enumerate(chunk) for key in keys}
            driver_sql.rowcount(conn, q.insert_rows(table, len(chunk), keys), params)

    def insert_tables(
        self, conn: Connection, parts: Sequence[tuple[sa.Table, Sequence[Mapping[str, Any]]]]
    ) -> None:
        """insert_rows for several tables, in order; on PostgreSQL in one statement
        (statements.insert_tables_postgres): one round trip instead of one per table. Tables
        with no rows are left out; many rows go table by table, as insert_rows chunks them."""
        parts = [(table, rows) for table, rows in parts if rows]
        if not self._postgres or len(parts) < 2 or any(len(rows) > 100 for _, rows in parts):
            for table, rows in parts:
                self.insert_rows(conn, table, rows)
            return
        shape = tuple((table, len(rows), tuple(rows[0])) for table, rows in parts)
        params = {
            f"t{part}_{key}_{n}": row[key]
            for part, (_, rows) in enumerate(parts)
            for n, row in enumerate(rows)
            for key in rows[0]
        }
        driver_sql.rowcount(conn, q.insert_tables_postgres(shape), params)

    def archive_for(self, verzoeknummer: str, volgnummer: int | None = None) -> list[ArchiveRecord]:
        with self.reading() as conn:
            if volgnummer is None:
                rows = driver_sql.mappings(conn, q.ARCHIVE_FOR, {"k_verzoeknummer": verzoeknummer})
            else:
                rows = driver_sql.mappings(
                    conn, q.ARCHIVE_FOR_VERSIE, {"k_verzoeknummer": verzoeknummer, "k_volgnummer": volgnummer}
                )
        return [ArchiveRecord(**{k: v for k, v in r.items() if k != "created_at"}) for r in rows]

    # -- reading -------------------------------------------------------------------------------

    def get_verzoek(self, verzoeknummer: str) -> VerzoekRecord | None:
        with self.reading() as conn:
            rows = driver_sql.mappings(conn, q.VERZOEK, {"k_verzoeknummer": verzoeknummer})
        return _verzoek(rows[0]) if rows else None

    def get_versie(self, verzoeknummer: str, volgnummer: int) -> VersieRecord | None:
        with self.reading() as conn:
            rows = driver_sql.mappings(
                conn, q.VERSIE, {"k_verzoeknummer": verzoeknummer, "k_volgnummer": volgnummer}
            )
        return _versie(rows[0]) if rows else None

    def pogingen_for(self, verzoeknummers: Iterable[str]) -> dict[tuple[str, int], PogingRecord]:
        """Versions waiting for their next automatic attempt, by (verzoeknummer, volgnummer)."""
        nrs = list(verzoeknummers)
        if not nrs:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(t.pogingen.select().where(t.pogingen.c.verzoeknummer.in_(nrs))).all()
        return {
            (r.verzoeknummer, r.volgnummer): PogingRecord(
                verzoeknummer=r.verzoeknummer,
                volgnummer=r.volgnummer,
                stap=r.stap,
                poging=r.poging,
                max_pogingen=r.max_pogingen,
                volgende_om=_aware(r.volgende_om),
            )
            for r in rows
        }

    def waiting(self, verzoeknummer: str | None = None) -> list[tuple[str, int, datetime]]:
        """(verzoeknummer, volgnummer, since) of every WAITING version (of one verzoek), in order."""
        params = {"k_state": State.WAITING.value}
        with self.reading() as conn:  # no write lock on SQLite
            if verzoeknummer is None:
                rows = driver_sql.mappings(conn, q.WAITING, params)
            else:
                rows = driver_sql.mappings(conn, q.WAITING_OF, {**params, "k_verzoeknummer": verzoeknummer})
        return [(r["verzoeknummer"], r["volgnummer"], r["updated_at"]) for r in rows]

    def versies_for(self, verzoeknummer: str) -> list[VersieRecord]:
        with self.reading() as conn:
            rows = driver_sql.mappings(conn, q.VERSIES_FOR, {"k_verzoeknummer": verzoeknummer})
        return [_versie(r) for r in rows]

    def all_versies(self) -> list[VersieRecord]:
        with self.reading() as conn:
            rows = conn.execute(
                sa.select(t.versies).order_by(t.versies.c.verzoeknummer, t.versies.c.volgnummer)
            ).all()
        return [_versie(r) for r in rows]

    def events_for(self, verzoeknummer: str) -> list[EventRecord]:
        with self.reading() as conn:
            rows = conn.execute(
                sa.select(t.events).where(t.events.c.verzoeknummer == verzoeknummer).order_by(t.events.c.id)
            ).all()
        return [EventRecord(**{**row_dict(r), "at": _aware(r.at)}) for r in rows]

    def counts_by_state(self) -> dict[str, int]:
        with self.reading() as conn:
            rows = conn.execute(
                sa.select(t.verzoeken.c.state, sa.func.count()).group_by(t.verzoeken.c.state)
            ).all()
        return {str(state): int(n) for state, n in rows}


def _verzoek(row: Any) -> VerzoekRecord:
    d = row_dict(row)
    d.pop("activiteiten", None)
    d["created_at"] = _aware(d["created_at"])
    d["updated_at"] = _aware(d["updated_at"])
    return VerzoekRecord(**d)


def _versie(row: Any) -> VersieRecord:
    d = row_dict(row)
    d["created_at"] = _aware(d["created_at"])
    d["updated_at"] = _aware(d["updated_at"])
    return VersieRecord(**d)
