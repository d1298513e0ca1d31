"""Count what the report stage costs per verzoek: store transactions, SQL statements, ZGW calls.

Runs gateway.stack.LocalStack (sandbox, ZGW test server, SMTP, workers in-process), submits N
verzoeken of the example "verbouwing-initieren" with fresh verzoeknummers, waits until every one
is reported and prints the counts of the report stage's threads (stage-report-N) per verzoek.

    .venv/bin/python scripts/count_report_stage.py [-n 20]

A measuring aid, not a test: the ZGW calls are counted by wrapping httpx2.Client.send, and the
zaakstatus jobs (queued by the ZGW test server's notifications, handled by the same threads) are
told apart by wrapping ReportStage.handle."""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy import event

from dso_client.sandbox.examples import list_examples
from gateway.events import StageJob
from gateway.harness.numbers import VerzoeknummerGenerator
from gateway.pipeline.report import ReportStage
from gateway.settings import Settings
from gateway.stack import LocalStack
from gateway.store.sql_store import READ_ONLY
from gateway.zaakstatus import ACTION as ZAAKSTATUS

TEMPLATE = "verbouwing-initieren"
REPORT = "stage-report-"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--trace", action="store_true", help="print the report stage's statements")
    args = parser.parse_args()

    lock = threading.Lock()
    statements: Counter[str] = Counter()
    transactions: Counter[str] = Counter()
    writes: Counter[str] = Counter()
    zgw: Counter[str] = Counter()
    zgw_calls: Counter[tuple[str, str]] = Counter()

    job = threading.local()

    def thread() -> str:
        name = threading.current_thread().name
        if name.startswith(REPORT):
            # The report thread also handles the zaakstatus jobs the ZGW notifications queue:
            # counted apart, they are not the report of a version.
            return "report" if getattr(job, "action", None) != ZAAKSTATUS else "zaakstatus"
        return name.split("-")[1] if "-" in name else name

    handle = ReportStage.handle

    def tagged_handle(self: ReportStage, stage_job: StageJob) -> None:
        job.action = stage_job.action
        try:
            handle(self, stage_job)
        finally:
            job.action = None

    ReportStage.handle = tagged_handle  # type: ignore[method-assign]

    send = httpx2.Client.send

    def counting_send(self: httpx2.Client, request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
        if thread() == "report":
            path = request.url.path
            for api in ("/zaken/api/v1/", "/documenten/api/v1/", "/catalogi/api/v1/"):
                if api in path:
                    resource = path.split(api, 1)[1].split("/", 1)[0]
                    with lock:
                        zgw["report"] += 1
                        zgw_calls[(request.method, resource)] += 1
        return send(self, request, **kwargs)

    httpx2.Client.send = counting_send  # type: ignore[method-assign]

    example = next(e for e in list_examples() if e.name == TEMPLATE)
    numbers = VerzoeknummerGenerator()
    with tempfile.TemporaryDirectory(prefix="count-report-") as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), log_level="WARNING")  # type: ignore[call-arg]
        with LocalStack(settings) as stack:
            engine = stack.container.store.engine

            @event.listens_for(engine, "before_cursor_execute")
            def _statement(conn: Any, cursor: Any, sql: str, *_: Any) -> None:
                with lock:
                    statements[thread()] += 1
                if args.trace and thread() == "report":
                    print("SQL", " ".join(sql.split())[:110])

            @event.listens_for(engine, "begin")
            def _begin(conn: Any) -> None:
                with lock:
                    transactions[thread()] += 1
                    if not conn.get_execution_options().get(READ_ONLY, False):
                        writes[thread()] += 1
                if args.trace and thread() == "report":
                    print("BEGIN", "read" if conn.get_execution_options().get(READ_ONLY, False) else "write")

            control = httpx2.Client(base_url=f"{stack.sandbox.url}/_sandbox", timeout=30)
            wanted = []
            for _ in range(args.n):
                nr = numbers()
                xml = example.xml.replace(example.verzoeknummer.encode(), nr.encode())
                sizes = {k.replace(example.verzoeknummer, nr): v for k, v in example.bijlage_sizes.items()}
                control.post(
                    "/verzoeken", content=xml, params=[("bijlage", f"{k}={v}") for k, v in sizes.items()]
                ).raise_for_status()
                wanted.append((nr, example.volgnummer))
            deadline = time.monotonic() + 300
            while True:
                states = [stack.container.store.get_versie(*v) for v in wanted]
                if all(s is not None and s.state == "reported" for s in states):
                    break
                failed = [s for s in states if s is not None and s.state == "failed"]
                if failed or time.monotonic() > deadline:
                    raise SystemExit(f"not all reported: {[(s.verzoeknummer, s.state) for s in states if s]}")
                time.sleep(0.2)
            time.sleep(1.0)  # let the stage threads finish acking
            with lock:
                n = args.n
                print(f"{n} verzoeken reported; report stage per verzoek:")
                tx, written = transactions["report"] / n, writes["report"] / n
                print(f"  store transactions: {tx:.2f} (writing: {written:.2f})")
                print(f"  SQL statements:     {statements['report'] / n:.2f}")
                print(f"  ZGW calls:          {zgw['report'] / n:.2f}")
                for (method, resource), count in sorted(zgw_calls.items()):
                    print(f"    {method:6} {resource:32} {count / n:.2f}")
                others = {k: v for k, v in transactions.items() if k != "report"}
                print(f"  (other threads, transactions in total: {dict(others)})")


if __name__ == "__main__":
    main()
