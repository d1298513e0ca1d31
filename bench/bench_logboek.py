"""What the Logboek Dataverwerkingen costs the fetch stage per verzoek.

The fetch hook (gateway.logboek.opgehaald) parses the just-archived STAM once more to learn its
data subjects, then writes two rows (ophalen, archiveren) in one transaction. Baselines measured
in the same run: a plain parse_verzoek of the same file, and a plain one-row insert (one
transaction) into the same SQLite store. The figures swing with the machine's load (fsync).

    .venv/bin/python bench/bench_logboek.py [--n 300] [--stam FILE.xml]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from gateway import logboek
from gateway.logging import configure_logging
from gateway.settings import Settings
from gateway.store import SqlStore
from gateway.store import schema as t
from stam_mapping import parse_verzoek

DEFAULT_STAM = Path(__file__).resolve().parents[1] / "tests/fixtures/stam/valid/01-dakkapel-initieren.xml"


def _per_call(n: int, call: object) -> float:
    assert callable(call)
    start = time.perf_counter()
    for i in range(n):
        call(i)
    return (time.perf_counter() - start) / n


def _raw_insert(store: SqlStore, i: int) -> None:
    # One row, one transaction, nothing else: what any record costs at the least.
    row = {"verzoeknummer": f"{i:013d}", "at": datetime.now(UTC), "kind": "bench", "detail": "bench"}
    with store.engine.begin() as conn:
        conn.execute(t.events.insert().values(**row))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--stam", type=Path, default=DEFAULT_STAM)
    args = parser.parse_args()
    configure_logging("WARNING")  # one info line per record would be measured too
    with tempfile.TemporaryDirectory() as tmp:
        store = SqlStore.from_url(f"sqlite:///{Path(tmp) / 'gateway.db'}")
        settings = Settings(_env_file=None, data_dir=Path(tmp), logboek_sleutel=SecretStr("bench"))
        logboek.installeer(settings, store)
        raw = args.stam.read_bytes()
        parse = _per_call(args.n, lambda i: parse_verzoek(args.stam.read_bytes()))
        event = _per_call(args.n, lambda i: _raw_insert(store, i))
        hook = _per_call(
            args.n, lambda i: logboek.opgehaald(store, f"{i:013d}", 1, args.stam, 2, max_stam_bytes=64 << 20)
        )
        store.close()
    print(f"STAM {args.stam.name} ({len(raw) / 1024:.1f} KiB), n={args.n}")
    print(f"baseline parse_verzoek:        {parse * 1000:7.2f} ms")
    print(f"baseline one raw row insert:    {event * 1000:7.2f} ms")
    print(f"logboek fetch hook (2 records): {hook * 1000:7.2f} ms")
    # The hook writes both rows in one transaction: the floor is one parse and one commit.
    print(f"ratio hook / (parse + one insert): {hook / (parse + event):.2f}")


if __name__ == "__main__":
    main()
