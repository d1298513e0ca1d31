"""The embedded SQLite queue draining a backlog, next to a raw sqlite3 loop with the same semantics.

    .venv/bin/python bench/bench_sqlite_queue.py [--backlogs 500,20000] [--take 2000] [--rounds 3]

For each backlog size, the queue is filled with that many due 20 KB messages, then --take of
them are received and acked one by one (claim in BEGIN IMMEDIATE, delete on ack), through
SqliteQueue and through a bare sqlite3 loop on the same schema, WAL and synchronous=FULL. Prints
messages/s for both and the ratio layer/raw (target >= 0.5 at 20,000). A claim whose cost grew
with the backlog would show as a falling ratio and a falling rate from 500 to 20,000."""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "queue"))

from message_queue.sqlite import SqliteQueue

BODY = b"x" * 20_000


def fill(path: Path, backlog: int) -> None:
    queue = SqliteQueue(path)  # creates the schema and its indexes
    queue.close()
    conn = sqlite3.connect(path)
    now = time.time() - 60
    conn.executemany(
        "INSERT INTO queue_messages (queue, message_id, body, headers, not_before) VALUES (?, ?, ?, ?, ?)",
        (("bench", f"m-{i}", BODY, "{}", now + i * 1e-6) for i in range(backlog)),
    )
    conn.commit()
    conn.close()


def run_layer(path: Path, take: int) -> float:
    queue = SqliteQueue(path)
    started = time.perf_counter()
    for _ in range(take):
        message = queue.receive("bench", timeout=1.0)
        assert message is not None
        queue.ack(message)
    elapsed = time.perf_counter() - started
    queue.close()
    return take / elapsed


def run_raw(path: Path, take: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    started = time.perf_counter()
    for n in range(take):
        now = time.time()
        conn.execute("BEGIN IMMEDIATE")
        row_id, _body = conn.execute(
            "SELECT id, body FROM queue_messages WHERE queue = ? AND not_before <= ?"
            " ORDER BY not_before, id LIMIT 1",
            ("bench", now),
        ).fetchone()
        conn.execute(
            "UPDATE queue_messages SET claim = ?, delivery_count = delivery_count + 1, not_before = ?"
            " WHERE id = ?",
            (f"raw:{n}", now + 300, row_id),
        )
        conn.execute("COMMIT")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM queue_messages WHERE id = ? AND claim = ?", (row_id, f"raw:{n}"))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return take / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backlogs", default="500,20000")
    parser.add_argument("--take", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ok = True
    for backlog in (int(b) for b in args.backlogs.split(",")):
        take = min(args.take, backlog)
        layer_rates, raw_rates = [], []
        for _ in range(args.rounds):
            for runner, rates in ((run_layer, layer_rates), (run_raw, raw_rates)):
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / "q.db"
                    fill(path, backlog)
                    rates.append(runner(path, take))
        layer, raw = max(layer_rates), max(raw_rates)
        ratio = layer / raw
        print(
            f"backlog {backlog:>6}: SqliteQueue {layer:7.0f} msg/s, raw sqlite3 {raw:7.0f} msg/s,"
            f" ratio {ratio:.2f} (best of {args.rounds})"
        )
        ok = ok and (ratio >= 0.5 or backlog < 20_000)
    print("sqlite queue: target ratio >= 0.5 at a backlog of 20,000:", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
