"""The store's hottest statements on the driver's own cursor, compiled by SQLAlchemy once.

`Connection.execute` costs about 80 us of Python per statement on top of the driver's own work:
a cache key, the compiled-cache lookup, an execution context and a result object. Measured on
PostgreSQL with psycopg: 122 us of CPU for a six-column INSERT through SQLAlchemy, 43 us on the
bare cursor. A worker runs some forty statements per verzoek, most of them the few simple
writes and lookups here, so that was about a tenth of its CPU.

`execute` compiles a statement once per dialect and set of parameter keys (an INSERT's or an
UPDATE's columns are the keys it is given, as with Connection.execute), keeps the SQL text, the
order of its parameters and SQLAlchemy's bind processors (SQLite's date-time text, JSON), and
then only converts the values and runs the cursor. It runs inside the Connection's transaction,
whatever began it. A driver error goes through SQLAlchemy's own handling, so it is raised as
SQLAlchemy's exception (IntegrityError, OperationalError ...) and a broken connection is
invalidated, as with Connection.execute.

Results: `first` and `column` give values as the driver gives them (an id, a count, a key: no
dates or JSON there); `mappings` gives rows as dicts with SQLAlchemy's result processors applied.
Statements with expanding (IN list) parameters are not for this path. Where anyone listens to
the engine's events (OpenTelemetry's instrumentation, a test counting statements), a statement
goes through Connection.execute as before, so they see it with its execution context."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...] | None  # positional drivers (SQLite): the parameters in order
    processors: Mapping[str, Callable[[Any], Any]]
    fixed: Mapping[str, Any]  # values the statement carries itself (`held_until=None`)
    # Per result column: its key and SQLAlchemy's result processor (SQLite's date-time text and
    # JSON back into Python), for mappings().
    columns: tuple[tuple[str, Callable[[Any], Any] | None], ...]


_KEPT = 2048  # compiled statements kept at most
_compiled: dict[tuple[int, str, tuple[str, ...]], _Compiled] = {}
_keep: dict[int, Any] = {}  # the statements keyed by id(), alive while their compilation is cached


def _compile(stmt: Any, dialect: sa.Dialect, keys: tuple[str, ...]) -> _Compiled:
    if isinstance(stmt, sa.Insert) and not stmt._returning:
        stmt = stmt.inline()  # no RETURNING of the new id: nobody reads it here
    compiled: Any = stmt.compile(dialect=dialect, column_keys=list(keys))
    if compiled.escaped_bind_names or any(b.expanding for b in compiled.binds.values()):
        raise ValueError(f"not a statement for driver_sql: {compiled.string[:80]!r}")
    names = tuple(compiled.positiontup) if compiled.positional else None
    fixed = {name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required}
    columns = tuple(
        (rc.keyname, rc.type._cached_result_processor(dialect, None)) for rc in compiled._result_columns
    )
    return _Compiled(compiled.string, names, dict(compiled._bind_processors), fixed, columns)


def rowcount(conn: Connection, stmt: Any, params: Mapping[str, Any]) -> int:
    """Run a write; the number of rows it changed."""
    cursor = _execute(conn, stmt, params)
    try:
        return int(cursor.rowcount)
    finally:
        cursor.close()


def first(conn: Connection, stmt: Any, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """Run a statement with rows (a RETURNING); its first row as the driver gives it, or None."""
    cursor = _execute(conn, stmt, params)
    try:
        row = cursor.fetchone()
        return None if row is None else tuple(row)
    finally:
        cursor.close()


def column(conn: Connection, stmt: Any, params: Mapping[str, Any]) -> list[Any]:
    """Run a statement with rows; the first column of each."""
    cursor = _execute(conn, stmt, params)
    try:
        return [row[0] for row in cursor.fetchall()]
    finally:
        cursor.close()


def mappings(conn: Connection, stmt: Any, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Run a query; every row as a dict by column key, values as SQLAlchemy would give them."""
    cursor, found = _execute_compiled(conn, stmt, params)
    try:
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if found is None:  # SQLAlchemy ran it (someone listens): its rows
        return [dict(row._mapping) for row in rows]
    columns = found.columns
    return [
        {
            key: (value if process is None else process(value))
            for (key, process), value in zip(columns, row, strict=True)
        }
        for row in rows
    ]


def _execute(conn: Connection, stmt: Any, params: Mapping[str, Any]) -> Any:
    return _execute_compiled(conn, stmt, params)[0]


def _execute_compiled(conn: Connection, stmt: Any, params: Mapping[str, Any]) -> tuple[Any, _Compiled | None]:
    """Run `stmt` with `params` on the connection's DBAPI cursor; the open cursor. `stmt` must
    be a statement built once (a module constant or cached): its compilation is kept by
    identity."""
    if conn._has_events or conn.engine._has_events:
        # Someone listens to the statements (tracing, a test): they see them as SQLAlchemy
        # runs them, with its execution context.
        return conn.execute(stmt, params), None
    dialect = conn.dialect
    keys = tuple(params)
    cache_key = (id(stmt), dialect.name, keys)
    found = _compiled.get(cache_key)
    if found is None:
        if len(_compiled) >= _KEPT:
            # Shapes of multi-row INSERTs vary with group sizes: start over rather than grow.
            _compiled.clear()
            _keep.clear()
        found = _compiled[cache_key] = _compile(stmt, dialect, keys)
        _keep[id(stmt)] = stmt
    processors = found.processors
    values: Sequence[Any] | dict[str, Any]
    converted = {**found.fixed, **params} if found.fixed else dict(params)
    if processors:
        converted = {k: (processors[k](v) if k in processors else v) for k, v in converted.items()}
    values = converted if found.names is None else [converted[name] for name in found.names]
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(found.sql, values)
    except Exception as exc:
        if not isinstance(exc, dialect.loaded_dbapi.Error):
            raise
        # SQLAlchemy's translation and, for a lost connection, invalidation of the pool's.
        conn._handle_dbapi_exception(exc, found.sql, values, cursor, None)  # raises
        raise  # pragma: no cover - _handle_dbapi_exception always raises
    return cursor, found
