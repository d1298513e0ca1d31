"""The Store: verzoeken, versions, timeline, checkpoints, outbox and archive index.

One implementation on SQLAlchemy Core serves SQLite (the embedded default, also used in-memory
as the test fake) and PostgreSQL (several gateway machines sharing one store). Every state
change that causes work for a next stage writes that job into the outbox in the same
transaction, so a crash between any two steps loses nothing and creates nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from gateway.store import schema as t
from gateway.store.records import (
    ArchiveRecord,
    EventRecord,
    OutboxMessage,
    OutboxRow,
    PogingRecord,
    VersieRecord,
    VerzoekRecord,
    row_dict,
)
from gateway.store.states import State

log = structlog.get_logger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    # SQLite hands datetimes back naive; they were written as UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


READ_ONLY = "dsogw_read_only"  # execution option: this connection only reads


def create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            engine = sa.create_engine(
                "sqlite://", connect_args={"check_same_thread": False}, poolclass=sa.pool.StaticPool
            )
        else:
            path = url.removeprefix("sqlite:///")
            if path:
                from pathlib import Path

                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            # A transaction that may write takes the write lock at BEGIN: read-then-write
            # transactions would otherwise fail with "database is locked" when two threads
            # upgrade at once. A read (SqlStore.reading) takes none: in WAL mode it neither
            # waits for a writer nor makes one wait.
            read_only = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        # Let SQLAlchemy's begin events drive transactions instead of pysqlite's own.
        @sa.event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection: Any, _: Any) -> None:
            dbapi_connection.isolation_level = None

        return engine
    # No pre-ping: it is one more round trip on every checkout. Connections are recycled before
    # a server or proxy idle timeout can drop them; a connection that died anyway fails its
    # statement, SQLAlchemy invalidates the pool, and the stage is retried.
    return sa.create_engine(url, pool_recycle=1800, pool_size=10, max_overflow=10)


class SqlStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    @classmethod
    def from_url(cls, url: str) -> SqlStore:
        store = cls(create_engine(url))
        store.create_schema()
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
        self.engine.dispose()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads only: on SQLite it takes no write lock."""
        with self.engine.connect().execution_options(**{READ_ONLY: True}) as conn:
            yield conn

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    def _lock(self, stmt: sa.Select[Any]) -> sa.Select[Any]:
        return stmt.with_for_update() if self._postgres else stmt

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
        conn.execute(
            t.events.insert().values(
                verzoeknummer=verzoeknummer,
                volgnummer=volgnummer,
                at=_now(),
                kind=kind,
                detail=detail,
                actor=actor,
            )
        )

    def _outbox(self, conn: Connection, job: OutboxMessage) -> None:
        conn.execute(
            t.outbox.insert().values(
                queue=job.queue,
                message_id=job.message_id,
                body=job.body,
                headers=dict(job.headers),
                created_at=_now(),
            )
        )

    def _touch_verzoek(
        self,
        conn: Connection,
        verzoeknummer: str,
        volgnummer: int | None,
        state: State,
        summary: Mapping[str, Any] | None = None,
    ) -> None:
        now = _now()
        current = conn.execute(
            self._lock(sa.select(t.verzoeken).where(t.verzoeken.c.verzoeknummer == verzoeknummer))
        ).first()
        values: dict[str, Any] = {k: v for k, v in (summary or {}).items() if v is not None}
        if current is None:
            conn.execute(
                t.verzoeken.insert().values(
                    verzoeknummer=verzoeknummer,
                    volgnummer=volgnummer,
                    state=state.value,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
            return
        # The summary follows the newest version; an older version's news only adds facts
        # (such as the zaak URL) and never moves the state backwards.
        newest = current.volgnummer
        if volgnummer is not None and (newest is None or volgnummer >= newest):
            values["volgnummer"] = volgnummer
            values["state"] = state.value
            if state not in (State.FAILED,):
                values.setdefault("last_error", None)
        values["updated_at"] = now
        conn.execute(
            t.verzoeken.update().where(t.verzoeken.c.verzoeknummer == verzoeknummer).values(**values)
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
                    sa.select(t.versies.c.state).where(
                        t.versies.c.verzoeknummer == verzoeknummer, t.versies.c.volgnummer == volgnummer
                    )
                ).first()
                if existing is not None:
                    self._event(conn, verzoeknummer, volgnummer, "duplicate-notification", detail)
                    return False
                now = _now()
                conn.execute(
                    t.versies.insert().values(
                        verzoeknummer=verzoeknummer,
                        volgnummer=volgnummer,
                        state=State.RECEIVED.value,
                        oin=oin,
                        attempts=0,
                        created_at=now,
                        updated_at=now,
                    )
                )
            self._touch_verzoek(conn, verzoeknummer, volgnummer, State.RECEIVED, {"bevoegd_gezag_oin": oin})
            self._event(conn, verzoeknummer, volgnummer, "received", detail)
            self._outbox(conn, job)
            return True

    def ensure_versie(self, verzoeknummer: str, volgnummer: int, oin: str | None, state: State) -> bool:
        """Create the version row if it does not exist yet (a notification without volgnummer,
        or reconciliation). Returns True if it was created."""
        with self._tx() as conn:
            exists = conn.execute(
                sa.select(t.versies.c.state).where(
                    t.versies.c.verzoeknummer == verzoeknummer, t.versies.c.volgnummer == volgnummer
                )
            ).first()
            if exists is not None:
                return False
            now = _now()
            conn.execute(
                t.versies.insert().values(
                    verzoeknummer=verzoeknummer,
                    volgnummer=volgnummer,
                    state=state.value,
                    oin=oin,
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                )
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
    ) -> bool:
        """Move a version to `to`, record the event and queue `job`, all in one transaction.

        With `expect`, a version in another state is left alone and False is returned: that is
        how a redelivered message becomes a no-op."""
        with self._tx() as conn:
            row = conn.execute(
                self._lock(
                    sa.select(t.versies).where(
                        t.versies.c.verzoeknummer == verzoeknummer, t.versies.c.volgnummer == volgnummer
                    )
                )
            ).first()
            if row is None:
                raise KeyError(f"unknown version {verzoeknummer}/{volgnummer}")
            if expect is not None and State(row.state) not in expect:
                return False
            values: dict[str, Any] = {"state": to.value, "updated_at": _now(), **(versie_values or {})}
            if to is not State.FAILED:
                values.setdefault("last_error", None)
                values.setdefault("failed_stage", None)
            conn.execute(
                t.versies.update()
                .where(t.versies.c.verzoeknummer == verzoeknummer, t.versies.c.volgnummer == volgnummer)
                .values(**values)
            )
            self._clear_poging(conn, verzoeknummer, volgnummer)
            self._touch_verzoek(conn, verzoeknummer, volgnummer, to, summary)
            self._event(conn, verzoeknummer, volgnummer, event, detail, actor)
            if job is not None:
                self._outbox(conn, job)
            return True

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
                    t.versies.update()
                    .where(t.versies.c.verzoeknummer == verzoeknummer, t.versies.c.volgnummer == volgnummer)
                    .values(attempts=attempt, last_error=reason, updated_at=_now())
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
            p = t.pogingen.c
            conn.execute(
                t.pogingen.delete().where(p.verzoeknummer == verzoeknummer, p.volgnummer == volgnummer)
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
        with self._tx() as conn:
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
            with self._tx() as conn:
                write(conn)
        except IntegrityError:
            with self._tx() as conn:
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
            row = conn.execute(
                sa.select(t.checkpoints.c.value).where(
                    t.checkpoints.c.verzoeknummer == verzoeknummer, t.checkpoints.c.key == key
                )
            ).first()
        return None if row is None else dict(row.value)

    def checkpoint_put(self, verzoeknummer: str, key: str, value: Mapping[str, Any]) -> dict[str, Any]:
        """Write `value` under `key` unless a value is there already; return the value that stands.

        One INSERT transaction, no read before it: the read happens only on a conflict."""
        try:
            with self._tx() as conn:
                conn.execute(
                    t.checkpoints.insert().values(
                        verzoeknummer=verzoeknummer, key=key, value=dict(value), created_at=_now()
                    )
                )
        except IntegrityError:
            # Written by an earlier delivery of the same message: the first result stands.
            stored = self.checkpoint_get(verzoeknummer, key)
            if stored is not None:
                return stored
            raise
        return dict(value)

    def checkpoints_for(self, verzoeknummer: str) -> dict[str, dict[str, Any]]:
        with self.reading() as conn:
            rows = conn.execute(
                sa.select(t.checkpoints.c.key, t.checkpoints.c.value)
                .where(t.checkpoints.c.verzoeknummer == verzoeknummer)
                .order_by(t.checkpoints.c.created_at)
            ).all()
        return {r.key: dict(r.value) for r in rows}

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
        published = 0
        with self._tx() as conn:
            stmt = (
                sa.select(t.outbox)
                .where(t.outbox.c.published_at.is_(None))
                .order_by(t.outbox.c.id)
                .limit(limit)
            )
            if self._postgres:
                stmt = stmt.with_for_update(skip_locked=True)
            rows = conn.execute(stmt).all()
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
                conn.execute(t.outbox.update().where(t.outbox.c.id == row.id).values(published_at=_now()))
                published += 1
        if failure is not None:
            raise failure
        return published

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
        a = t.archive
        with self._tx() as conn:
            conn.execute(
                a.delete().where(
                    a.c.verzoeknummer == verzoeknummer, a.c.volgnummer == volgnummer, a.c.path == path
                )
            )
            result = conn.execute(
                t.archive.insert().values(
                    verzoeknummer=verzoeknummer,
                    volgnummer=volgnummer,
                    kind=kind,
                    path=path,
                    size=size,
                    sha256=sha256,
                    document_id=document_id,
                    bestandsnaam=bestandsnaam,
                    media_type=media_type,
                    created_at=_now(),
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def archive_for(self, verzoeknummer: str, volgnummer: int | None = None) -> list[ArchiveRecord]:
        stmt = sa.select(t.archive).where(t.archive.c.verzoeknummer == verzoeknummer)
        if volgnummer is not None:
            stmt = stmt.where(t.archive.c.volgnummer == volgnummer)
        with self.reading() as conn:
            rows = conn.execute(stmt.order_by(t.archive.c.id)).all()
        return [ArchiveRecord(**{k: v for k, v in row_dict(r).items() if k != "created_at"}) for r in rows]

    # -- reading -------------------------------------------------------------------------------

    def get_verzoek(self, verzoeknummer: str) -> VerzoekRecord | None:
        with self.reading() as conn:
            row = conn.execute(
                sa.select(t.verzoeken).where(t.verzoeken.c.verzoeknummer == verzoeknummer)
            ).first()
        return None if row is None else _verzoek(row)

    def get_versie(self, verzoeknummer: str, volgnummer: int) -> VersieRecord | None:
        with self.reading() as conn:
            row = conn.execute(
                sa.select(t.versies).where(
                    t.versies.c.verzoeknummer == verzoeknummer, t.versies.c.volgnummer == volgnummer
                )
            ).first()
        return None if row is None else _versie(row)

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

    def versies_for(self, verzoeknummer: str) -> list[VersieRecord]:
        with self.reading() as conn:
            rows = conn.execute(
                sa.select(t.versies)
                .where(t.versies.c.verzoeknummer == verzoeknummer)
                .order_by(t.versies.c.volgnummer)
            ).all()
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
