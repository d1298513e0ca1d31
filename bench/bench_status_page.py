"""Server time of the status page's list with many verzoeken in the store.

    .venv/bin/python bench/bench_status_page.py [--rows 100000] [--store-url URL|postgres]
        [--queue-url memory://|stomp://...] [--repeat 30]

Fills a fresh store (SQLite in a temp dir by default; `--store-url postgres` makes a fresh
PostgreSQL database on 127.0.0.1 and drops it afterwards) with --rows verzoeken, one version and
three events each, logs in as an operator and times, in process (no network), GET /status for:
the first page, a search by verzoeknummer, a search by project name, a state filter, and page
200. With a STOMP --queue-url (the production setup) the page's dead letters come from the
background browse (gateway/dead_letter_view.py); the queues get a prefix of their own, so other
users of the broker are not disturbed. Prints median and p95 in ms and the ratio against the raw
SQL the first page needs, run on the same connection pool (target: first page and verzoeknummer
search under 100 ms median)."""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from faults import fresh_database  # bench/, as bench_end_to_end.py does

from gateway.api.app import create_app
from gateway.auth.users import UserStore
from gateway.bootstrap import bootstrap
from gateway.settings import Settings
from gateway.store import schema as t
from gateway.zoektermen import normalise

STATES = ["reported"] * 90 + ["failed"] * 4 + ["parked"] * 2 + ["received", "fetched", "delivered", "handled"]
DOELEN = ["Initiëren", "Aanvullen", "Intrekken"]
TYPES = ["Aanvraag vergunning", "Melding", "Informatie"]
STREETS = ["Dorpsstraat", "Kerkweg", "Deventerstraat", "Loolaan", "Parklaan", "Stationsplein"]
SURNAMES = ["Jansen", "de Vries", "Bakker", "Öztürk", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos"]
WORKS = ["Dakkapel", "Aanbouw", "Kappen van eiken", "Sloop schuur", "Opslagtank", "Verbouwing"]


def fill(engine: object, rows: int) -> str:
    rnd = random.Random(20240314)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    verzoeken, versies, events, zoek = [], [], [], []
    for i in range(rows):
        nr = f"2024{i:09d}"
        at = start + timedelta(minutes=5 * i + rnd.randint(0, 4))
        state = rnd.choice(STATES)
        naam = f"{rnd.choice(WORKS)} {rnd.choice(STREETS)} {rnd.randint(1, 200)}"
        zaak = f"DSO-{nr}" if state in ("reported", "delivered") else None
        verzoeken.append(
            {
                "verzoeknummer": nr,
                "volgnummer": 1,
                "state": state,
                "doel": rnd.choice(DOELEN),
                "type": rnd.choice(TYPES),
                "naam": naam,
                "bevoegd_gezag_oin": "00000001001600820000",
                "zaak_url": f"http://zgw/zaken/{nr}" if zaak else None,
                "zaak_identificatie": zaak,
                "activiteiten": "nl.imow-gm0200.activiteit.Bouwactiviteit",
                "last_error": "ZRC antwoordde 503" if state == "failed" else None,
                "created_at": at,
                "updated_at": at + timedelta(minutes=1),
            }
        )
        versies.append(
            {
                "verzoeknummer": nr,
                "volgnummer": 1,
                "state": state,
                "doel": "Initiëren",
                "attempts": 0,
                "created_at": at,
                "updated_at": at + timedelta(minutes=1),
            }
        )
        # What gateway.zoektermen would write for such a verzoek: aanvrager, adres, perceel.
        postcode = f"{rnd.randint(1000, 9999)}{rnd.choice('ABCDEFGH')}{rnd.choice('KLMNPRST')}"
        tekst = "\n".join(
            [nr, f"p-{i}", naam, f"j. {rnd.choice(SURNAMES)}-{i % 997}", postcode, "apeldoorn", f"k {i}"]
        )
        zoek.append({"verzoeknummer": nr, "tekst": normalise(tekst), "bsn_digests": ""})
        for kind in ("received", "fetched", "delivered"):
            events.append({"verzoeknummer": nr, "volgnummer": 1, "at": at, "kind": kind, "detail": None})
    with engine.begin() as conn:  # type: ignore[attr-defined]
        tables = ((t.verzoeken, verzoeken), (t.versies, versies), (t.events, events), (t.zoekindex, zoek))
        for table, data in tables:
            for k in range(0, len(data), 5000):
                conn.execute(table.insert(), data[k : k + 5000])
    return f"2024{rows // 2:09d}"


def timed(client: TestClient, filters: dict[str, str], repeat: int) -> tuple[float, float]:
    """Set the search (a POST into the session, as the page does), then time GET /status."""
    page = filters.pop("pagina", "1")
    csrf = client.get("/status").text.split('name="csrf" value="')[1].split('"')[0]
    client.post("/status/zoeken", data={**filters, "csrf": csrf})
    client.get("/status", params={"pagina": page})  # warm-up
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = client.get("/status", params={"pagina": page})
        samples.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.status_code
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def raw_baseline(engine: object, repeat: int) -> float:
    """The SQL the first page needs, as plain statements on one connection: the page of
    verzoeken, its total, the overview's counts per state and the throughput of the last hour.
    The floor any render of the page stands on."""
    statements = [
        "SELECT * FROM verzoeken ORDER BY updated_at DESC, verzoeknummer DESC LIMIT 25",
        "SELECT count(*) FROM verzoeken",
        "SELECT state, count(*) FROM verzoeken GROUP BY state",
        "SELECT kind, count(*) FROM events WHERE at >= CURRENT_TIMESTAMP GROUP BY kind",
    ]
    samples = []
    with engine.connect() as conn:  # type: ignore[attr-defined]
        for _ in range(repeat + 1):
            t0 = time.perf_counter()
            for sql in statements:
                conn.exec_driver_sql(sql).all()
            samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples[1:])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--store-url", default="", help="a URL, or 'postgres' for a fresh database")
    parser.add_argument("--queue-url", default="memory://")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        store_url = stack.enter_context(fresh_database()) if args.store_url == "postgres" else args.store_url
        settings = Settings(
            _env_file=None,
            data_dir=Path(tmp),
            store_url=store_url,
            queue_url=args.queue_url,
            queue_prefix=f"bench{os.getpid()}" if args.queue_url.startswith("stomp") else "",
            session_secure_cookie=False,
        )
        c = bootstrap(settings)
        t0 = time.perf_counter()
        nr = fill(c.store.engine, args.rows)
        took = time.perf_counter() - t0
        # What autovacuum / a long-running database would have done by now: fresh statistics.
        with c.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE")
        print(f"filled {args.rows} verzoeken in {took:.1f} s ({c.store.engine.url.drivername})")
        UserStore(c.store.engine, PasswordHasher(time_cost=1, memory_cost=1024)).add(
            "bench", "bench-wachtwoord", ["operator"]
        )
        with TestClient(create_app(c)) as client:
            csrf = client.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
            client.post(
                "/login", data={"gebruikersnaam": "bench", "wachtwoord": "bench-wachtwoord", "csrf": csrf}
            )
            # The very first view, before any browse of the dead-letter queues has finished: it
            # must not wait for one (a STOMP browse waits 0.5 s per queue).
            t0 = time.perf_counter()
            assert client.get("/status").status_code == 200
            first = (time.perf_counter() - t0) * 1000
            print(
                f"queue {c.queue.__class__.__name__}: dead letters "
                f"{'from a background browse' if c.dead_letters.cached else 'read directly'};"
                f" first view {first:.1f} ms"
            )
            cases = {
                "first page": {},
                "search verzoeknummer": {"zoek": nr},
                "search project name": {"zoek": "Deventerstraat 12"},
                "search achternaam": {"zoek": f"Öztürk-{(args.rows // 2) % 997}"},
                "search postcode": {"zoek": "1234 ak"},
                "search project ID": {"zoek": f"P-{args.rows // 3}"},
                "filter state=failed": {"status": "failed"},
                "page 200": {"pagina": "200"},
            }
            raw = raw_baseline(c.store.engine, args.repeat)
            print(f"raw SQL of the first page: {raw:.2f} ms median (baseline)")
            print(f"{'case':24} {'median ms':>10} {'p95 ms':>8} {'x raw':>8}")
            for name, params in cases.items():
                median, p95 = timed(client, dict(params), args.repeat)
                print(f"{name:24} {median:10.1f} {p95:8.1f} {median / raw:8.1f}")
        c.close()


if __name__ == "__main__":
    main()
