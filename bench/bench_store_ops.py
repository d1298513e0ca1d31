"""CPU the store spends per verzoek on the worker's hot paths, next to raw sqlite3 doing the same.

    .venv/bin/python bench/bench_store_ops.py [--verzoeken 500] [--rounds 3]

Per verzoek the sequence a worker runs through the store: record_notifications, three
transitions (fetched, delivered with two write-behind checkpoints, reported), two add_archive,
two archive_for, seven checkpoints_put, checkpoints_for, checkpoint_get, get_versie, three
add_event and one relay_outbox round. Against a SQLite file store (WAL, synchronous=NORMAL so
fsync stays out of the figure), measured with time.process_time. The baseline runs the same
transactions and statements through a bare sqlite3 connection in the same process and run, so
the ratio store/raw is the overhead of the layer on this machine; no timing is asserted."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.store import Notification, OutboxMessage, OutboxRow, SqlStore, State

CHECKPOINT = {"url": "https://zaken.example/api/v1/objecten/0123456789", "status": 201}


def _job(n: int, stage: str) -> OutboxMessage:
    return OutboxMessage(queue=stage, message_id=f"{stage}-{n}", body=b'{"v": 1}', headers={"a": "b"})


def run_store(path: Path, count: int) -> float:
    store = SqlStore.from_url(f"sqlite:///{path}", sqlite_synchronous="normal")
    published: list[int] = []

    def publish(row: OutboxRow) -> None:
        published.append(row.id)

    started = time.process_time()
    for i in range(count):
        nr = f"{i:013d}"
        store.record_notifications([Notification(nr, 1, "00000001234567890000", _job(i, "fetch"))])
        store.transition(nr, 1, to=State.FETCHED, event="fetched", expect={State.RECEIVED}, job=_job(i, "tr"))
        for kind in ("stam", "pdf"):
            store.add_archive(nr, 1, kind=kind, path=f"{nr}/1/{kind}", size=1000, sha256="0" * 64)
        store.archive_for(nr, 1)
        store.get_versie(nr, 1)
        store.checkpoints_for(nr)
        for k in range(7):
            store.checkpoints_put(nr, {f"stap-{k}": CHECKPOINT})
        store.checkpoint_get(nr, "stap-0")
        for k in range(3):
            store.add_event(nr, 1, "delivery-step", f"stap {k}")
        store.transition(
            nr,
            1,
            to=State.DELIVERED,
            event="delivered",
            expect={State.FETCHED},
            job=_job(i, "report"),
            summary={"zaak_url": f"https://zaken.example/{nr}", "naam": "Bouwen"},
            checkpoints={"behind-1": CHECKPOINT, "behind-2": CHECKPOINT},
        )
        store.archive_for(nr)
        store.transition(nr, 1, to=State.REPORTED, event="reported", expect={State.DELIVERED})
        store.relay_outbox(publish)
    elapsed = time.process_time() - started
    store.close()
    assert len(published) == 3 * count, len(published)
    return elapsed


def run_raw(path: Path, count: int) -> float:
    """The same transactions and statements, through sqlite3 with hand-written SQL."""
    SqlStore.from_url(f"sqlite:///{path}").close()  # the same schema and indexes
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")

    def now() -> str:
        return datetime.now(UTC).isoformat(sep=" ")

    def tx(statements: list[tuple[str, tuple[object, ...]]]) -> None:
        conn.execute("BEGIN IMMEDIATE")
        for sql, params in statements:
            conn.execute(sql, params).fetchall()
        conn.execute("COMMIT")

    def read(sql: str, params: tuple[object, ...]) -> list[object]:
        conn.execute("BEGIN")
        rows = conn.execute(sql, params).fetchall()
        conn.execute("COMMIT")
        return rows

    event = (
        "INSERT INTO events (verzoeknummer, volgnummer, at, kind, detail, actor) VALUES (?, ?, ?, ?, ?, ?)"
    )
    outbox = "INSERT INTO outbox (queue, message_id, body, headers, created_at) VALUES (?, ?, ?, ?, ?)"
    versie = "SELECT * FROM versies WHERE verzoeknummer = ? AND volgnummer = ?"
    verzoek = "SELECT * FROM verzoeken WHERE verzoeknummer = ?"
    put = (
        "INSERT INTO checkpoints (verzoeknummer, key, value, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING RETURNING key"
    )
    value = json.dumps(CHECKPOINT)

    def transition(nr: str, to: str, kind: str, job: str | None) -> None:
        statements: list[tuple[str, tuple[object, ...]]] = [
            (versie, (nr, 1)),
            (
                "UPDATE versies SET state = ?, updated_at = ?, last_error = NULL WHERE verzoeknummer = ?",
                (to, now(), nr),
            ),
            ("DELETE FROM pogingen WHERE verzoeknummer = ? AND volgnummer = ?", (nr, 1)),
            (verzoek, (nr,)),
            ("UPDATE verzoeken SET state = ?, updated_at = ? WHERE verzoeknummer = ?", (to, now(), nr)),
            (event, (nr, 1, now(), kind, None, None)),
        ]
        if job is not None:
            statements.append((outbox, (job, f"{job}-{nr}", b"{}", "{}", now())))
        tx(statements)

    started = time.process_time()
    for i in range(count):
        nr = f"{i:013d}"
        tx(
            [
                (
                    "SELECT verzoeknummer, volgnummer FROM versies"
                    " WHERE verzoeknummer = ? AND volgnummer = ?",
                    (nr, 1),
                ),
                ("SELECT verzoeknummer, volgnummer FROM verzoeken WHERE verzoeknummer = ?", (nr,)),
                (
                    "INSERT INTO versies (verzoeknummer, volgnummer, state, oin, attempts,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (nr, 1, "received", "oin", 0, now(), now()),
                ),
                (
                    "INSERT INTO verzoeken (verzoeknummer, volgnummer, state, bevoegd_gezag_oin, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (nr, 1, "received", "oin", now(), now()),
                ),
                (event, (nr, 1, now(), "received", None, None)),
                (outbox, ("fetch", f"fetch-{nr}", b"{}", "{}", now())),
            ]
        )
        transition(nr, "fetched", "fetched", "tr")
        for kind in ("stam", "pdf"):
            path_ = f"{nr}/1/{kind}"
            tx(
                [
                    (
                        "DELETE FROM archive WHERE verzoeknummer = ? AND volgnummer = ? AND path = ?",
                        (nr, 1, path_),
                    ),
                    (
                        "INSERT INTO archive (verzoeknummer, volgnummer, kind, path, size, sha256,"
                        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (nr, 1, kind, path_, 1000, "0" * 64, now()),
                    ),
                ]
            )
        read("SELECT * FROM archive WHERE verzoeknummer = ? AND volgnummer = ? ORDER BY id", (nr, 1))
        read(versie, (nr, 1))
        read("SELECT key, value FROM checkpoints WHERE verzoeknummer = ? ORDER BY created_at", (nr,))
        for k in range(7):
            tx([(put, (nr, f"stap-{k}", value, now()))])
        read("SELECT value FROM checkpoints WHERE verzoeknummer = ? AND key = ?", (nr, "stap-0"))
        for k in range(3):
            tx([(event, (nr, 1, now(), "delivery-step", f"stap {k}", None))])
        tx([(put, (nr, "behind-1", value, now())), (put, (nr, "behind-2", value, now()))])
        transition(nr, "delivered", "delivered", "report")
        read("SELECT * FROM archive WHERE verzoeknummer = ? ORDER BY id", (nr,))
        transition(nr, "reported", "reported", None)
        if read("SELECT id FROM outbox WHERE published_at IS NULL LIMIT 1", ()):
            conn.execute("BEGIN IMMEDIATE")
            rows = conn.execute(
                "SELECT * FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 100"
            ).fetchall()
            ids = [r[0] for r in rows]
            conn.execute(
                f"UPDATE outbox SET published_at = ? WHERE id IN ({', '.join('?' * len(ids))})", (now(), *ids)
            )
            conn.execute("COMMIT")
    elapsed = time.process_time() - started
    conn.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verzoeken", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n = args.verzoeken
    store_ms: list[float] = []
    raw_ms: list[float] = []
    for r in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            store_ms.append(run_store(Path(tmp) / "store.db", n) * 1000 / n)
            raw_ms.append(run_raw(Path(tmp) / "raw.db", n) * 1000 / n)
        print(f"round {r + 1}: store {store_ms[-1]:.2f} ms/verzoek, raw sqlite3 {raw_ms[-1]:.2f} ms/verzoek")
    best_store, best_raw = min(store_ms), min(raw_ms)
    print(
        f"best of {args.rounds}, {n} verzoeken: store {best_store:.2f} ms CPU/verzoek,"
        f" raw sqlite3 {best_raw:.2f} ms CPU/verzoek, store/raw {best_store / best_raw:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
