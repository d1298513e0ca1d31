"""The embedded durable default: a SQLite table used as a queue (WAL, synchronous=FULL unless
the `synchronous` option, ?synchronous=normal in the URL, says otherwise).

A receive claims the oldest due row and pushes its `not_before` one visibility timeout ahead,
so a claimed row whose consumer was killed becomes due again by itself: nothing is lost. Claims
are taken inside BEGIN IMMEDIATE, so several worker processes on one machine never claim the same
row. Rows whose claiming process is gone are released sooner (checked by pid on this machine)."""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
import structlog

from message_queue.base import DeadLetter, Message
from message_queue.errors import QueueError, QueueUnavailable

log = structlog.get_logger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queue_messages (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    queue          TEXT    NOT NULL,
    message_id     TEXT    NOT NULL,
    body           BLOB    NOT NULL,
    headers        TEXT    NOT NULL,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    not_before     REAL    NOT NULL,
    claim          TEXT
);
CREATE INDEX IF NOT EXISTS queue_messages_queue_id ON queue_messages (queue, id);
-- The claim reads this index in order and stops at the first row: its cost does not grow with
-- the backlog. (queue, not_before) alone made SQLite sort every due row on each claim.
DROP INDEX IF EXISTS queue_messages_queue_due;
CREATE INDEX IF NOT EXISTS queue_messages_queue_due_id ON queue_messages (queue, not_before, id);
CREATE TABLE IF NOT EXISTS queue_dead_letters (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    queue            TEXT NOT NULL,
    message_id       TEXT NOT NULL,
    body             BLOB NOT NULL,
    headers          TEXT NOT NULL,
    reason           TEXT NOT NULL,
    dead_lettered_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS queue_dead_letters_queue ON queue_dead_letters (queue, id);
"""

_DEAD_SWEEP_INTERVAL = 5.0  # seconds between checks for claims of processes that died

# Publishers wake receivers of the same database file in this process at once; other processes
# are noticed by polling every poll_interval.
_wakeups: dict[Path, threading.Condition] = {}
_wakeups_lock = threading.Lock()


def _wakeup_for(path: Path) -> threading.Condition:
    with _wakeups_lock:
        return _wakeups.setdefault(path.resolve(), threading.Condition())


@dataclass(frozen=True)
class _Claim:
    row_id: int
    claim: str


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class SqliteQueue:
    slow_browse = False

    def __init__(
        self,
        path: str | Path,
        *,
        visibility_timeout: float = 300.0,
        poll_interval: float = 0.2,
        busy_timeout: float = 10.0,
        synchronous: str = "full",
    ) -> None:
        if synchronous not in ("full", "normal"):
            raise ValueError(f"synchronous: full or normal, not {synchronous!r}")
        self.synchronous = synchronous
        self.path = Path(path)
        self.visibility_timeout = visibility_timeout
        self.poll_interval = poll_interval
        self.busy_timeout = busy_timeout
        # Claims carry pid and a per-object id: close() releases this object's claims, and other
        # processes can tell when the claimant died.
        self._owner = f"{os.getpid()}:{uuid.uuid4().hex}"
        self._claim_ids = itertools.count(1)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._last_sweep = 0.0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._wakeup = _wakeup_for(self.path)
        with self._errors():
            self._conn().executescript(_SCHEMA)
            self._release_dead_claims()

    # -- connections ------------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        """One connection per thread: sqlite3 connections must not be shared between threads."""
        if self._closed:
            raise QueueUnavailable("this SqliteQueue is closed")
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed publish, claim or ack survives a power cut; NORMAL (opt-in)
            # survives a crashed process only.
            conn.execute(f"PRAGMA synchronous={self.synchronous.upper()}")
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:  # locked, disk I/O, cannot open
            raise QueueUnavailable(f"queue database {self.path}: {exc}") from exc
        except sqlite3.Error as exc:
            raise QueueError(f"queue database {self.path}: {exc}") from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE takes the write lock up front, so two claimers cannot pick one row."""
        with self._errors():
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _release_dead_claims(self) -> None:
        conn = self._conn()
        claims = conn.execute("SELECT DISTINCT claim FROM queue_messages WHERE claim IS NOT NULL").fetchall()
        dead = {c.split(":", 1)[0] for (c,) in claims if not _pid_alive(int(c.split(":", 1)[0]))}
        for pid in dead:
            released = conn.execute(
                "UPDATE queue_messages SET claim = NULL, not_before = ? WHERE claim LIKE ?",
                (time.time(), f"{pid}:%"),
            ).rowcount
            log.info("queue.released_claims_of_dead_process", pid=int(pid), messages=released)
        self._last_sweep = time.monotonic()

    # -- the port ---------------------------------------------------------------------------------

    def publish(
        self, queue: str, body: bytes, *, message_id: str, headers: Mapping[str, str] | None = None
    ) -> None:
        with self._errors():
            # Autocommit: the INSERT is durable (synchronous=FULL) when execute returns.
            self._conn().execute(
                "INSERT INTO queue_messages (queue, message_id, body, headers, not_before)"
                " VALUES (?, ?, ?, ?, ?)",
                (queue, message_id, bytes(body), orjson.dumps(dict(headers or {})).decode(), time.time()),
            )
        with self._wakeup:
            self._wakeup.notify_all()

    def _claim(self, queue: str) -> tuple[Message | None, float | None]:
        """Claim the oldest due message; else return when the next delayed one becomes due."""
        now = time.time()
        with self._errors():
            # Look before taking the write lock: idle consumers polling must not block writers.
            (next_due,) = (
                self._conn()
                .execute("SELECT MIN(not_before) FROM queue_messages WHERE queue = ?", (queue,))
                .fetchone()
            )
        if next_due is None or next_due > now:
            return None, next_due
        claim = f"{self._owner}:{next(self._claim_ids)}"
        with self._errors():
            # One statement instead of BEGIN IMMEDIATE, SELECT, UPDATE, COMMIT: in autocommit a
            # single UPDATE is its own write transaction, and SQLite begins it holding the write
            # lock (as BEGIN IMMEDIATE did), so the row it picks cannot be claimed by another
            # process in between. Oldest due first. A fresh row is due from its publication, so
            # for messages that were never delayed this is publication order (ties broken by
            # id); a nacked one queues up again from the moment it becomes due. fetchall(): the
            # statement, and with it the transaction, ends only once it has been stepped to the
            # end.
            rows = (
                self._conn()
                .execute(
                    "UPDATE queue_messages SET claim = ?, delivery_count = delivery_count + 1,"
                    " not_before = ? WHERE id = (SELECT id FROM queue_messages"
                    " WHERE queue = ? AND not_before <= ? ORDER BY not_before, id LIMIT 1)"
                    " RETURNING id, message_id, body, headers, delivery_count",
                    (claim, now + self.visibility_timeout, queue, now),
                )
                .fetchall()
            )
            if not rows:  # another consumer took it since we looked
                (next_due,) = (
                    self._conn()
                    .execute("SELECT MIN(not_before) FROM queue_messages WHERE queue = ?", (queue,))
                    .fetchone()
                )
                return None, next_due
        ((row_id, message_id, body, headers, count),) = rows
        message = Message(
            queue=queue,
            body=bytes(body),
            message_id=message_id,
            headers=orjson.loads(headers),
            delivery_count=count,
            token=_Claim(row_id, claim),
        )
        return message, None

    def receive(self, queue: str, timeout: float) -> Message | None:
        deadline = time.monotonic() + timeout
        while True:
            if time.monotonic() - self._last_sweep > _DEAD_SWEEP_INTERVAL:
                with self._errors():
                    self._release_dead_claims()
            message, next_due = self._claim(queue)
            if message is not None:
                return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            wait = min(remaining, self.poll_interval)
            if next_due is not None:
                wait = min(wait, max(next_due - time.time(), 0.001))
            with self._wakeup:
                self._wakeup.wait(wait)

    def _settle(self, message: Message, sql: str, params: tuple[object, ...]) -> bool:
        claim = message.token
        if not isinstance(claim, _Claim):
            raise QueueError("not a message received from a SqliteQueue")
        with self._errors():
            # One statement in autocommit is its own write transaction: no BEGIN IMMEDIATE and
            # COMMIT around it needed.
            changed = self._conn().execute(
                sql + " WHERE id = ? AND claim = ?", (*params, claim.row_id, claim.claim)
            )
            settled = changed.rowcount == 1
        if not settled:  # visibility timeout passed and someone else has it now, or already settled
            log.warning("queue.stale_delivery", queue=message.queue, message_id=message.message_id)
        return settled

    def ack(self, message: Message) -> None:
        self._settle(message, "DELETE FROM queue_messages", ())

    def nack(self, message: Message, delay: float = 0.0) -> None:
        self._settle(
            message,
            "UPDATE queue_messages SET claim = NULL, not_before = ?",
            (time.time() + max(delay, 0.0),),
        )
        with self._wakeup:
            self._wakeup.notify_all()

    def dead_letter(self, message: Message, reason: str) -> None:
        claim = message.token
        if not isinstance(claim, _Claim):
            raise QueueError("not a message received from a SqliteQueue")
        with self._transaction() as conn:
            moved = conn.execute(
                "INSERT INTO queue_dead_letters"
                " (queue, message_id, body, headers, reason, dead_lettered_at)"
                " SELECT queue, message_id, body, headers, ?, ? FROM queue_messages"
                " WHERE id = ? AND claim = ?",
                (reason, time.time(), claim.row_id, claim.claim),
            ).rowcount
            conn.execute("DELETE FROM queue_messages WHERE id = ? AND claim = ?", (claim.row_id, claim.claim))
        if moved != 1:
            log.warning("queue.stale_delivery", queue=message.queue, message_id=message.message_id)

    def dead_letters(self, queue: str | None = None) -> list[DeadLetter]:
        sql = "SELECT queue, message_id, body, headers, reason, dead_lettered_at FROM queue_dead_letters"
        with self._errors():
            if queue is None:
                rows = self._conn().execute(sql + " ORDER BY id").fetchall()
            else:
                rows = self._conn().execute(sql + " WHERE queue = ? ORDER BY id", (queue,)).fetchall()
        return [
            DeadLetter(
                queue=q,
                message_id=mid,
                body=bytes(body),
                headers=orjson.loads(headers),
                reason=reason,
                dead_lettered_at=datetime.fromtimestamp(at, UTC),
            )
            for q, mid, body, headers, reason, at in rows
        ]

    def replay(self, queue: str, message_id: str | None = None) -> int:
        # message_id NULL matches every dead letter of the queue
        params = (queue, message_id, message_id)
        with self._transaction() as conn:
            count = conn.execute(
                "INSERT INTO queue_messages (queue, message_id, body, headers, not_before)"
                " SELECT queue, message_id, body, headers, ? FROM queue_dead_letters"
                " WHERE queue = ? AND (? IS NULL OR message_id = ?) ORDER BY id",
                (time.time(), *params),
            ).rowcount
            conn.execute(
                "DELETE FROM queue_dead_letters WHERE queue = ? AND (? IS NULL OR message_id = ?)", params
            )
        with self._wakeup:
            self._wakeup.notify_all()
        return count

    def depth(self, queue: str) -> int | None:
        with self._errors():
            (count,) = (
                self._conn()
                .execute(
                    "SELECT COUNT(*) FROM queue_messages"
                    " WHERE queue = ? AND (claim IS NULL OR not_before <= ?)",
                    (queue, time.time()),
                )
                .fetchone()
            )
        return int(count)

    def close(self) -> None:
        """Give back this object's unsettled messages now (not after the visibility timeout)."""
        if self._closed:
            return
        try:
            with self._errors():
                self._conn().execute(
                    "UPDATE queue_messages SET claim = NULL, not_before = ? WHERE claim LIKE ?",
                    (time.time(), f"{self._owner}:%"),
                )
        finally:
            self._closed = True
            with self._lock:
                for conn in self._connections:
                    conn.close()
                self._connections.clear()
