"""Which store transactions a piece of code begins on SQLite: "write" (the write lock and
BEGIN IMMEDIATE) or "read" (SqlStore.reading(), which begins none on the database)."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.store import SqlStore
from gateway.store.sql_store import _READERS


def transactions(store: SqlStore) -> list[str]:
    """Every transaction the store begins from now on, in order."""
    begun: list[str] = []

    def record(conn: sa.Connection) -> None:
        # SqlStore.reading() marks its DBAPI connection before its first statement begins.
        begun.append("read" if id(conn.connection.dbapi_connection) in _READERS else "write")

    sa.event.listen(store.engine, "begin", record)
    return begun
