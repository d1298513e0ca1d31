"""Worker heartbeats: each worker process keeps one row in the store fresh while it runs.

Queue depth says what waits, not whether anything is working on it (and STOMP cannot even say
what waits). A row per worker, refreshed every few seconds and removed on a clean stop, answers
"is any worker alive?" for the status page and /metrics, whatever the queue backend."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from gateway.store import SqlStore
from gateway.store import schema as t
from gateway.store.sql_store import _aware

FORGET_AFTER = timedelta(days=1)  # rows of workers that died without a clean stop


@dataclass(frozen=True)
class WorkerSeen:
    name: str
    host: str
    pid: int
    started_at: datetime
    last_seen: datetime


def new_worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def beat(store: SqlStore, name: str, started_at: datetime, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    w = t.workers
    with store.engine.begin() as conn:
        updated = conn.execute(w.update().where(w.c.name == name).values(last_seen=now)).rowcount
        if not updated:
            host = socket.gethostname()[:200]
            conn.execute(
                w.insert().values(name=name, host=host, pid=os.getpid(), started_at=started_at, last_seen=now)
            )
        conn.execute(w.delete().where(w.c.last_seen < now - FORGET_AFTER))


def forget(store: SqlStore, name: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(t.workers.delete().where(t.workers.c.name == name))


def workers_seen(store: SqlStore, within: timedelta, now: datetime | None = None) -> list[WorkerSeen]:
    """Workers whose last heartbeat is at most `within` old, most recent first."""
    since = (now or datetime.now(UTC)) - within
    w = t.workers
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(w).where(w.c.last_seen >= since).order_by(w.c.last_seen.desc())).all()
    return [
        WorkerSeen(
            name=str(r.name),
            host=str(r.host),
            pid=int(r.pid),
            started_at=_aware(r.started_at),
            last_seen=_aware(r.last_seen),
        )
        for r in rows
    ]
