"""What only the embedded queue must do: visibility timeout, dead processes, several processes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from message_queue.errors import QueueUnavailable
from message_queue.sqlite import SqliteQueue

ROOT = Path(__file__).resolve().parents[3]


def run_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "queue")}
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_unacked_message_reappears_after_the_visibility_timeout(tmp_path: Path) -> None:
    first = SqliteQueue(tmp_path / "q.db", visibility_timeout=0.4)
    second = SqliteQueue(tmp_path / "q.db", visibility_timeout=0.4)
    first.publish("q", b"x", message_id="m-1")
    claimed = first.receive("q", timeout=1)
    assert claimed is not None
    assert second.receive("q", timeout=0.1) is None  # still invisible
    again = second.receive("q", timeout=2)
    assert again is not None and (again.message_id, again.delivery_count) == ("m-1", 2)
    first.ack(claimed)  # too late: the claim moved on, so this must not delete it
    assert second.depth("q") == 0
    second.ack(again)
    assert first.receive("q", timeout=0.1) is None
    first.close()
    second.close()


def test_claims_of_a_killed_process_come_back_without_waiting(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    queue = SqliteQueue(db)
    queue.publish("q", b"x", message_id="m-1")
    killed = run_python(
        "import os, sys; from message_queue.sqlite import SqliteQueue\n"
        "q = SqliteQueue(sys.argv[1]); m = q.receive('q', 2); print(m.message_id); os._exit(0)",
        str(db),
    )
    assert killed.stdout.strip() == "m-1", killed.stderr
    fresh = SqliteQueue(db)  # the default visibility timeout is minutes; the dead pid releases it
    again = fresh.receive("q", timeout=1)
    assert again is not None and (again.message_id, again.delivery_count) == ("m-1", 2)
    fresh.ack(again)
    fresh.close()
    queue.close()


def test_several_processes_consume_each_message_once(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    queue = SqliteQueue(db)
    for i in range(60):
        queue.publish("q", b"x", message_id=f"m-{i}")
    consumer = (
        "import sys; from message_queue.sqlite import SqliteQueue\n"
        "q = SqliteQueue(sys.argv[1])\n"
        "while (m := q.receive('q', 0.5)) is not None:\n"
        "    print(m.message_id, flush=True); q.ack(m)\n"
        "q.close()"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "queue")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", consumer, str(db)], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    seen = []
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        seen += out.split()
    assert sorted(seen) == sorted(f"m-{i}" for i in range(60))
    queue.close()


def test_messages_survive_reopening(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "q.db")
    queue.publish("q", b"durable", message_id="m-1", headers={"ce-type": "t"})
    queue.close()
    reopened = SqliteQueue(tmp_path / "q.db")
    message = reopened.receive("q", timeout=1)
    assert message is not None and (message.body, dict(message.headers)) == (b"durable", {"ce-type": "t"})
    reopened.close()


def test_wal_and_full_sync_are_on(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "q.db")
    conn = queue._conn()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    queue.close()


def test_database_errors_become_queue_errors(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(QueueUnavailable):
        SqliteQueue(tmp_path / "dir.db")


def test_closed_queue_refuses_work(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "q.db")
    queue.close()
    with pytest.raises(QueueUnavailable):
        queue.publish("q", b"x", message_id="m-1")


def test_receive_waits_without_spinning(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "q.db", poll_interval=0.2)
    started = time.process_time()
    assert queue.receive("q", timeout=1.0) is None
    assert time.process_time() - started < 0.3  # CPU time: polling, not a busy loop
    queue.close()


def _claim_plan(conn: sqlite3.Connection) -> str:
    rows = conn.execute(
        "EXPLAIN QUERY PLAN SELECT id, message_id, body, headers, delivery_count FROM queue_messages"
        " WHERE queue = ? AND not_before <= ? ORDER BY not_before, id LIMIT 1",
        ("q", time.time()),
    ).fetchall()
    return " | ".join(str(row[-1]) for row in rows)


def test_claim_reads_an_index_in_order_instead_of_sorting_the_backlog(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "q.db")
    for i in range(200):
        queue.publish("q", b"x", message_id=f"m-{i}")
    conn = sqlite3.connect(tmp_path / "q.db")
    conn.execute("ANALYZE")  # the plan must hold with statistics too, as on a long-lived database
    plan = _claim_plan(conn)
    conn.close()
    assert "queue_messages_queue_due_id" in plan
    assert "TEMP B-TREE" not in plan, plan
    queue.close()


def test_an_old_database_gets_the_new_claim_index(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE queue_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL,"
        " message_id TEXT NOT NULL, body BLOB NOT NULL, headers TEXT NOT NULL,"
        " delivery_count INTEGER NOT NULL DEFAULT 0, not_before REAL NOT NULL, claim TEXT)"
    )
    conn.execute("CREATE INDEX queue_messages_queue_due ON queue_messages (queue, not_before)")
    conn.execute(
        "INSERT INTO queue_messages (queue, message_id, body, headers, not_before) VALUES"
        " ('q', 'old', x'00', '{}', 0)"
    )
    conn.commit()
    conn.close()
    queue = SqliteQueue(path)
    message = queue.receive("q", timeout=1.0)
    assert message is not None and message.message_id == "old"
    queue.ack(message)
    check = sqlite3.connect(path)
    names = {row[0] for row in check.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    check.close()
    assert "queue_messages_queue_due_id" in names and "queue_messages_queue_due" not in names
    queue.close()


def test_a_delayed_message_waits_behind_due_ones_and_order_is_kept(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "q.db")
    for i in range(3):
        queue.publish("q", b"x", message_id=f"m-{i}")
    first = queue.receive("q", timeout=1.0)
    assert first is not None and first.message_id == "m-0"
    queue.nack(first, delay=0.3)
    got = []
    for _ in range(2):
        message = queue.receive("q", timeout=1.0)
        assert message is not None
        got.append(message.message_id)
        queue.ack(message)
    again = queue.receive("q", timeout=2.0)
    assert got == ["m-1", "m-2"]
    assert again is not None and again.message_id == "m-0" and again.delivery_count == 2
    queue.ack(again)
    queue.close()
