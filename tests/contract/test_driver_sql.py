"""gateway/store/driver_sql.py: the store's hot statements on the driver's cursor behave as
through Connection.execute, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from gateway.store import SqlStore, driver_sql
from gateway.store import schema as t
from gateway.store import statements as q

VNR = "2024031400042"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'gateway.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    s = SqlStore.from_url(url)
    with s.engine.begin() as conn:
        for table in reversed(t.metadata.sorted_tables):
            conn.execute(table.delete())
    yield s
    s.close()


def _seen(store: SqlStore) -> list[str]:
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda _c, _k, sql, *_: statements.append(sql))
    return statements


def test_values_go_in_as_sqlalchemy_would_write_them(store: SqlStore) -> None:
    """Dates, bytes and JSON through SQLAlchemy's bind processors (SQLite stores dates and JSON
    as text), read back with SQLAlchemy. (A value the statement carries itself, like the
    hand-off's held_until=None: test_store_contract's transition that takes over a held job.)"""
    at = datetime(2026, 3, 14, 9, 30, 5, 123456, tzinfo=UTC)
    job = {
        "queue": "dso.fetch",
        "message_id": "m-1",
        "body": b"\x00body",
        "headers": {"ce-id": "m-1", "n": 3},
        "created_at": at,
        "held_until": at,
    }
    with store.engine.begin() as conn:
        assert driver_sql.rowcount(conn, q.INSERT_OUTBOX, job) == 1
        changed = driver_sql.rowcount(
            conn, q.UPDATE_HELD, {"published_at": at, "held_until": None, "k_message_id": "m-1"}
        )
    assert changed == 1
    with store.reading() as conn:
        row = conn.execute(sa.select(t.outbox)).one()
    assert (row.body, row.headers, row.held_until) == (b"\x00body", {"ce-id": "m-1", "n": 3}, None)
    assert row.created_at.replace(tzinfo=UTC) == at and row.published_at.replace(tzinfo=UTC) == at


def test_rows_and_columns_come_back(store: SqlStore) -> None:
    store.record_notification(VNR, 1, None, _job())
    params = {"state": "fetched", "updated_at": datetime.now(UTC), "k_verzoeknummer": VNR, "k_volgnummer": 1}
    with store.engine.begin() as conn:
        stale = {"k_state_0": "delivered"}
        assert driver_sql.first(conn, q.transition_in_states(1), {**params, **stale}) is None
        assert driver_sql.first(conn, q.transition_in_states(1), {**params, "k_state_0": "received"}) == (0,)
    values = '{"a": {"x": 1}, "b": {}}'
    now = {"k_verzoeknummer": VNR, "k_values": values, "k_now": datetime.now(UTC)}
    with store.engine.begin() as conn:
        assert sorted(driver_sql.column(conn, store._q.insert_checkpoints_json, now)) == ["a", "b"]
        assert driver_sql.column(conn, store._q.insert_checkpoints_json, now) == []  # both there


def test_a_driver_error_is_sqlalchemys_and_the_transaction_rolls_back(store: SqlStore) -> None:
    row = {
        "verzoeknummer": VNR,
        "volgnummer": 1,
        "at": datetime.now(UTC),
        "kind": "x",
        "detail": None,
        "actor": None,
    }
    store.record_notification(VNR, 1, None, _job())
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        driver_sql.rowcount(conn, q.INSERT_EVENT, row)
        driver_sql.rowcount(conn, q.INSERT_OUTBOX, {**_job_row(), "message_id": "m-1"})  # taken
    assert [e.kind for e in store.events_for(VNR)] == ["received"]  # the event went with it


def test_the_driver_path_is_taken_unless_someone_listens(store: SqlStore) -> None:
    row = {
        "verzoeknummer": VNR,
        "volgnummer": 1,
        "at": datetime.now(UTC),
        "kind": "x",
        "detail": None,
        "actor": None,
    }
    with store.engine.begin() as conn:
        driver_sql.rowcount(conn, q.INSERT_EVENT, row)
    seen = _seen(store)  # from here on SQLAlchemy runs them, for its listeners
    with store.engine.begin() as conn:
        driver_sql.rowcount(conn, q.INSERT_EVENT, row)
    assert len(seen) == 1 and seen[0].startswith("INSERT INTO events")
    assert len(store.events_for(VNR)) == 2


def test_an_expanding_parameter_is_refused(store: SqlStore) -> None:
    with store.engine.begin() as conn, pytest.raises(ValueError, match="not a statement for driver_sql"):
        driver_sql.rowcount(
            conn, q.DELETE_ARCHIVE_PATHS, {"k_verzoeknummer": VNR, "k_volgnummer": 1, "k_paths": ["/a"]}
        )


def _job_row() -> dict[str, object]:
    return {
        "queue": "dso.fetch",
        "message_id": "m-9",
        "body": b"b",
        "headers": {},
        "created_at": datetime.now(UTC),
        "held_until": None,
    }


def _job() -> object:
    from gateway.store import OutboxMessage

    return OutboxMessage(queue="dso.fetch", message_id="m-1", body=b"b", headers={})


def test_the_compiled_statements_kept_are_bounded(store: SqlStore) -> None:
    """Shapes of multi-row INSERTs vary with group sizes: the cache starts over at its bound."""
    statements = [sa.select(sa.literal_column(str(n)).label("n")) for n in range(driver_sql._KEPT + 50)]
    with store.reading() as conn:
        values = [driver_sql.first(conn, stmt, {}) for stmt in statements]
    assert values == [(n,) for n in range(driver_sql._KEPT + 50)]
    assert len(driver_sql._compiled) <= driver_sql._KEPT
