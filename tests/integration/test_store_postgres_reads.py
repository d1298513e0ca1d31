"""On PostgreSQL a read is no transaction block: one round trip per statement, no BEGIN before
it and no ROLLBACK after it (SqlStore.reading); writes still are one transaction."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.store import SqlStore


def _in_a_block(conn: sa.Connection) -> bool:
    # now() is the start of the transaction, statement_timestamp() of this statement: they
    # differ for a statement after the first of a transaction block.
    conn.execute(sa.text("SELECT pg_sleep(0.01)"))
    return bool(conn.execute(sa.text("SELECT now() <> statement_timestamp()")).scalar_one())


def test_reads_run_outside_a_transaction_block_and_writes_inside_one(postgres_url: str) -> None:
    store = SqlStore.from_url(postgres_url)
    try:
        with store.reading() as conn:
            assert not _in_a_block(conn)
        with store.engine.begin() as conn:
            assert _in_a_block(conn)
        # The pool hands the same connections out again: a write after a read is still a block.
        with store.reading() as conn:
            assert not _in_a_block(conn)
        with store.engine.begin() as conn:
            assert _in_a_block(conn)
    finally:
        store.close()
