"""On SQLite a read takes no write lock: a busy writer never makes the status page or a
checkpoint lookup wait, and a read never makes a writer wait."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gateway.events import FETCH
from gateway.store import OutboxMessage, SqlStore, State
from gateway.store.queries import VerzoekFilter, search_verzoeken


def test_reads_go_on_while_another_connection_holds_the_write_lock(tmp_path: Path) -> None:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gateway.db'}")
    store.record_notification("2024031400042", 1, "00000001001", OutboxMessage(FETCH, "m-1", b"{}"))
    store.checkpoint_put("2024031400042", "zaak", {"url": "http://zrc/zaken/1"})
    writer = sqlite3.connect(tmp_path / "gateway.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a worker in the middle of a write transaction
    try:
        with ThreadPoolExecutor(1) as pool:
            # Before: every read began with BEGIN IMMEDIATE and waited for the 30 s busy timeout.
            versie = pool.submit(store.get_versie, "2024031400042", 1).result(timeout=5)
            checkpoint = pool.submit(store.checkpoint_get, "2024031400042", "zaak").result(timeout=5)
            counts = pool.submit(store.counts_by_state).result(timeout=5)
            page = pool.submit(search_verzoeken, store, VerzoekFilter()).result(timeout=5)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert versie is not None and versie.state == State.RECEIVED
    assert checkpoint == {"url": "http://zrc/zaken/1"}
    assert counts == {"received": 1} and page[1] == 1
    store.close()


def test_a_write_still_takes_the_lock_at_begin(tmp_path: Path) -> None:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gateway.db'}")
    reader = sqlite3.connect(tmp_path / "gateway.db", isolation_level=None, timeout=0.1)
    with store.engine.begin():
        # The store's write transaction holds the write lock from its BEGIN on.
        try:
            reader.execute("BEGIN IMMEDIATE")
            raise AssertionError("the write lock was free during the store's transaction")
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
    reader.close()
    store.close()


def test_an_empty_outbox_relay_takes_no_write_lock(tmp_path: Path) -> None:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gateway.db'}")
    writer = sqlite3.connect(tmp_path / "gateway.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a stage in the middle of a write transaction
    try:
        with ThreadPoolExecutor(1) as pool:
            # Before: every relay round (ten a second per worker) began with BEGIN IMMEDIATE.
            published = pool.submit(store.relay_outbox, lambda row: None).result(timeout=5)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert published == 0
    store.record_notification("2024031400042", 1, None, OutboxMessage(FETCH, "m-1", b"{}"))
    sent: list[str] = []
    assert store.relay_outbox(lambda row: sent.append(row.message_id)) == 1
    assert sent == ["m-1"]
    store.close()


def test_a_read_holds_no_transaction_and_the_engine_dispatches_no_statement_events(tmp_path: Path) -> None:
    # A read runs in autocommit, as on PostgreSQL: no BEGIN, no ROLLBACK, each statement its own
    # snapshot. And the engine has no connection event listener: with one, SQLAlchemy dispatches
    # before_execute and its kin for every statement (a tenth of the store's CPU).
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gateway.db'}")
    store.record_notification("2024031400042", 1, "00000001001", OutboxMessage(FETCH, "m-1", b"{}"))
    with store.reading() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        conn.exec_driver_sql("SELECT count(*) FROM versies").scalar_one()
        assert not raw.in_transaction
    with store.engine.begin() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM versies").scalar_one()
        raw = conn.connection.dbapi_connection
        assert raw is not None and raw.in_transaction  # a write transaction: BEGIN IMMEDIATE
    assert not store.engine._has_events
    store.close()
