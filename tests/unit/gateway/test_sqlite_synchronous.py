"""DSOGW_SQLITE_SYNCHRONOUS: FULL (a commit survives a power cut) unless "normal" is chosen, for
the SQLite store and the SQLite queue alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.bootstrap import bootstrap
from gateway.settings import Settings
from gateway.store import create_engine
from message_queue.sqlite import SqliteQueue

FULL, NORMAL = 2, 1  # what PRAGMA synchronous answers


def _pragmas(settings: Settings) -> tuple[int, int]:
    container = bootstrap(settings)
    try:
        with container.store.engine.connect() as conn:
            store = int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())
        assert isinstance(container.queue, SqliteQueue)
        queue = int(container.queue._conn().execute("PRAGMA synchronous").fetchone()[0])
    finally:
        container.close()
    return store, queue


def test_full_unless_told_otherwise(tmp_path: Path) -> None:
    assert _pragmas(Settings(_env_file=None, data_dir=tmp_path)) == (FULL, FULL)


def test_normal_when_chosen(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, sqlite_synchronous="normal")
    assert _pragmas(settings) == (NORMAL, NORMAL)


def test_nothing_else_is_taken(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="full or normal"):
        SqliteQueue(tmp_path / "q.db", synchronous="off")
    with pytest.raises(ValueError, match="full or normal"):
        create_engine(f"sqlite:///{tmp_path / 'g.db'}", sqlite_synchronous="off")
