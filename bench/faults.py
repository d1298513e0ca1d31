"""`make faults`: the gateway as separate processes, under worker kills, broker cuts and outages.

    .venv/bin/python bench/faults.py [--backends sqlite,rabbitmq,activemq] [--verzoeken N]
                                     [--kills K] [--outage SECONDS] [--window SECONDS]

Per queue backend, with a fresh PostgreSQL database as the store, it starts the DSO sandbox, the
ZGW test server, `dso-gateway api` and two `dso-gateway worker` processes, each its own process
as in production. Every connection from the gateway to DSO, to ZGW and to the broker goes through
a small TCP proxy of this script, so an outage is a cut at that proxy: no broker that other tests
may share is ever restarted. Over a submission window it files N verzoeken at the sandbox (the
sandbox's examples with fresh verzoeknummers: aanvullingen and intrekkingen included, follow-up
versions sometimes before their predecessor was handled), and meanwhile:

- SIGKILLs a random worker at least K times, and starts a new one each time;
- cuts the broker connection twice (STOMP backends; the SQLite queue has no connection to cut);
- makes ZGW and DSO unavailable for --outage seconds each;
- lets DSO answer 5xx on a share of its calls all along (the sandbox's fault switch).

Then it waits until every version is final, and counts at the target through the ZGW APIs: one
zaak per verzoek, every bijlage of every version once, and in the store every version delivered
and reported exactly once. Last line:
`faults: N verzoeken, K kills, 0 lost, 0 duplicates, 0 missing, 0 failed`; exit 1 otherwise."""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "queue")]

from dso_client.sandbox.examples import list_examples  # noqa: E402
from gateway.bootstrap import build_zgw_client  # noqa: E402
from gateway.harness.numbers import VerzoeknummerGenerator  # noqa: E402
from gateway.logging import configure_logging  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from gateway.store import SqlStore  # noqa: E402
from stam_mapping.parser import parse_verzoek  # noqa: E402

BIN = ROOT / ".venv" / "bin" / "dso-gateway"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
BROKERS = {
    "rabbitmq": (61613, "stomp://guest:guest@127.0.0.1:{port}?flavour=rabbitmq"),
    "activemq": (61614, "stomp://127.0.0.1:{port}?flavour=activemq"),
}
DSO_BASE = "/overheid/verzoeken/api/afhandelen/v2"
ZGW_SECRET = "faults-run-secret-0123456789abcdef"  # shared by the test server and us
FINAL = {"reported", "failed", "parked", "rerouted", "skipped", "superseded", "handled"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise SystemExit(f"faults: {what} did not come up on 127.0.0.1:{port} within {seconds:.0f} s")


# -- a TCP proxy whose connection can be cut ------------------------------------------------------


class CuttableProxy:
    """Forwards 127.0.0.1:port to a target. `cut(seconds)` closes every open connection and
    refuses new ones (accept, then close at once) until the time is up: for the gateway, the
    peer is gone, as in a network partition or a restarting server."""

    def __init__(self, target_port: int, name: str) -> None:
        self.name = name
        self.target_port = target_port
        self.port = free_port()
        self._down_until = 0.0
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True, name=f"proxy-{name}").start()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if time.monotonic() < self._down_until:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
                with self._lock:
                    self._open.discard(s)

    def cut(self, seconds: float) -> None:
        self._down_until = time.monotonic() + seconds
        with self._lock:
            victims = list(self._open)
        for s in victims:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def close(self) -> None:
        self._stopped = True
        self._server.close()
        self.cut(0)


# -- the processes ----------------------------------------------------------------------------------


@dataclass
class Processes:
    env: dict[str, str]
    logs: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    others: list[subprocess.Popen[bytes]] = field(default_factory=list)
    started: int = 0

    def spawn(self, *args: str) -> subprocess.Popen[bytes]:
        self.started += 1
        log = (self.logs / f"{self.started:03d}-{args[0]}.log").open("wb")
        return subprocess.Popen([str(BIN), *args], env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def start_worker(self) -> None:
        self.workers.append(self.spawn("worker"))

    def kill_random_worker(self, rng: random.Random) -> None:
        victim = self.workers.pop(rng.randrange(len(self.workers)))
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        self.start_worker()

    def stop(self) -> None:
        for p in self.workers + self.others:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.workers + self.others:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@dataclass
class Unit:
    """One verzoek: its versions' STAM XML and bijlage sizes, in volgnummer order."""

    verzoeknummer: str
    versions: list[tuple[int, bytes, dict[str, int]]]

    def bestandsnamen(self) -> set[str]:
        names: set[str] = set()
        for _, xml, _ in self.versions:
            names.update(d.bestandsnaam for d in parse_verzoek(xml).documenten() if d.bestandsnaam)
        return names


def make_units(count: int) -> list[Unit]:
    groups: dict[str, list[tuple[int, bytes, dict[str, int]]]] = defaultdict(list)
    for example in list_examples():
        groups[example.verzoeknummer].append((example.volgnummer, example.xml, dict(example.bijlage_sizes)))
    templates = [(nr, sorted(versions, key=lambda v: v[0])) for nr, versions in sorted(groups.items())]
    numbers = VerzoeknummerGenerator()
    units = []
    for i in range(count):
        old, versions = templates[i % len(templates)]
        new = numbers()
        units.append(
            Unit(
                new,
                [
                    (
                        volgnummer,
                        xml.replace(old.encode(), new.encode()),
                        {k.replace(old, new): v for k, v in sizes.items()},
                    )
                    for volgnummer, xml, sizes in versions
                ],
            )
        )
    return units


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    name = f"dsogw_faults_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- one run ----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    backend: str
    verzoeken: int
    versions: int
    kills: int
    cuts: int
    lost: int = 0
    duplicates: int = 0
    missing: int = 0
    failed: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def run_backend(backend: str, args: argparse.Namespace, workdir: Path) -> Outcome:
    rng = random.Random(args.seed)
    data = workdir / backend
    logs = data / "logs"
    logs.mkdir(parents=True)
    sandbox_port, zgw_port, api_port = free_port(), free_port(), free_port()
    dso_proxy = CuttableProxy(sandbox_port, "dso")
    zgw_proxy = CuttableProxy(zgw_port, "zgw")
    broker_proxy: CuttableProxy | None = None
    if backend == "sqlite":
        queue_url = f"sqlite:///{data / 'queue.db'}"
    else:
        broker_port, template = BROKERS[backend]
        broker_proxy = CuttableProxy(broker_port, backend)
        queue_url = template.format(port=broker_proxy.port)
    zgw_origin = f"http://127.0.0.1:{zgw_proxy.port}"
    units = make_units(args.verzoeken)
    outcome = Outcome(backend, len(units), sum(len(u.versions) for u in units), 0, 0)
    started = time.monotonic()
    with fresh_database() as store_url:
        env = {
            **os.environ,
            "DSOGW_DATA_DIR": str(data),
            "DSOGW_STORE_URL": store_url,
            "DSOGW_QUEUE_URL": queue_url,
            # Our own names on a broker other runs share: nothing of an earlier run is consumed.
            "DSOGW_QUEUE_PREFIX": f"faults-{uuid.uuid4().hex[:8]}",
            "DSOGW_DSO_BASE_URL": f"http://127.0.0.1:{dso_proxy.port}{DSO_BASE}",
            "DSOGW_ZGW_ZAKEN_URL": f"{zgw_origin}/zaken/api/v1",
            "DSOGW_ZGW_DOCUMENTEN_URL": f"{zgw_origin}/documenten/api/v1",
            "DSOGW_ZGW_CATALOGI_URL": f"{zgw_origin}/catalogi/api/v1",
            "DSOGW_ZGW_SECRET": ZGW_SECRET,
            "DSOGW_API_PORT": str(api_port),
            "DSOGW_MAX_ATTEMPTS": "40",
            "DSOGW_RETRY_BASE_DELAY": "0.5",
            "DSOGW_RETRY_MAX_DELAY": "5",
            "DSOGW_DSO_TIMEOUT": "10",
            "DSOGW_ZGW_TIMEOUT": "10",
            "DSOGW_LOG_LEVEL": "WARNING",
        }
        procs = Processes(env, logs)
        try:
            notify = f"http://127.0.0.1:{api_port}/v1/dso/verzoeknotificaties"
            procs.others.append(
                procs.spawn(
                    "sandbox", "dso", "--port", str(sandbox_port), "--notify-url", notify,
                    "--public-url", f"http://127.0.0.1:{dso_proxy.port}",
                )
            )  # fmt: skip
            procs.others.append(
                procs.spawn("sandbox", "zgw", "--port", str(zgw_port), "--secret", ZGW_SECRET)
            )
            wait_port(sandbox_port, 60, "the DSO sandbox")
            wait_port(zgw_port, 60, "the ZGW test server")
            procs.others.append(procs.spawn("api"))
            wait_port(api_port, 60, "dso-gateway api")
            for _ in range(2):
                procs.start_worker()
            control = httpx2.Client(base_url=f"http://127.0.0.1:{sandbox_port}/_sandbox", timeout=30)
            control.post("/faults", json={"error_rate": args.dso_error_rate}).raise_for_status()
            outcome.kills, outcome.cuts = drive(
                units, args, rng, procs, control, dso_proxy, zgw_proxy, broker_proxy
            )
            settle(outcome, units, store_url, args.settle_timeout)
            count_at_target(outcome, units, zgw_origin)
            count_in_store(outcome, units, store_url)
        finally:
            procs.stop()
            for proxy in (dso_proxy, zgw_proxy, broker_proxy):
                if proxy:
                    proxy.close()
    outcome.seconds = time.monotonic() - started
    return outcome


def drive(
    units: list[Unit],
    args: argparse.Namespace,
    rng: random.Random,
    procs: Processes,
    control: httpx2.Client,
    dso: CuttableProxy,
    zgw: CuttableProxy,
    broker: CuttableProxy | None,
) -> tuple[int, int]:
    """Submit every version over the window while the fault schedule runs; returns (kills, cuts)."""
    window = args.window
    # Follow-up versions go in a little after their first, some before it was handled.
    submissions: list[tuple[float, Unit, int]] = []
    for i, unit in enumerate(units):
        at = window * 0.85 * i / max(len(units), 1)
        for n, _ in enumerate(unit.versions):
            submissions.append((at + n * rng.uniform(0.0, 3.0), unit, n))
    submissions.sort(key=lambda s: s[0])
    schedule: list[tuple[float, str]] = [(window * 0.20, "zgw"), (window * 0.55, "dso")]
    if broker is not None:
        schedule += [(window * 0.10, "broker"), (window * 0.70, "broker")]
    schedule.sort()
    kill_every = window / (args.kills + 1)
    next_kill, kills, cuts = kill_every, 0, 0
    t0 = time.monotonic()
    while submissions or schedule or kills < args.kills:
        now = time.monotonic() - t0
        while submissions and submissions[0][0] <= now:
            _, unit, n = submissions.pop(0)
            _, xml, sizes = unit.versions[n]
            params = [("bijlage", f"{k}={v}") for k, v in sizes.items()]
            control.post("/verzoeken", content=xml, params=params).raise_for_status()
        while schedule and schedule[0][0] <= now:
            _, what = schedule.pop(0)
            if what == "broker" and broker is not None:
                broker.cut(args.broker_cut)
            elif what == "zgw":
                zgw.cut(args.outage)
            elif what == "dso":
                dso.cut(args.outage)
            cuts += 1
            print(f"  t={now:5.1f}s cut {what}", flush=True)
        if now >= next_kill and kills < args.kills:
            procs.kill_random_worker(rng)
            kills += 1
            next_kill += kill_every
        time.sleep(0.05)
    return kills, cuts


def settle(outcome: Outcome, units: list[Unit], store_url: str, timeout: float) -> None:
    wanted = {(u.verzoeknummer, v[0]) for u in units for v in u.versions}
    store = SqlStore.from_url(store_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            states = {(v.verzoeknummer, v.volgnummer): str(v.state) for v in store.all_versies()}
            waiting = [k for k in wanted if states.get(k) not in FINAL]
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(1.0)
    finally:
        store.close()
    if waiting:
        outcome.problems.append(
            f"{len(waiting)} version(s) not final after {timeout:.0f} s: {sorted(waiting)[:5]}"
        )


def count_at_target(outcome: Outcome, units: list[Unit], zgw_origin: str) -> None:
    settings = Settings(
        zgw_zaken_url=f"{zgw_origin}/zaken/api/v1",
        zgw_documenten_url=f"{zgw_origin}/documenten/api/v1",
        zgw_catalogi_url=f"{zgw_origin}/catalogi/api/v1",
        zgw_secret=ZGW_SECRET,
    )
    with build_zgw_client(settings) as zgw:
        zaken_by_nr: dict[str, list[dict[str, object]]] = defaultdict(list)
        for zaak in zgw.list_all(zgw.zaken("/zaken")):
            for kenmerk in zaak.get("kenmerken") or []:
                zaken_by_nr[str(kenmerk.get("kenmerk"))].append(zaak)
        for unit in units:
            zaken = zaken_by_nr.get(unit.verzoeknummer, [])
            if not zaken:
                outcome.lost += 1
                outcome.problems.append(f"{unit.verzoeknummer}: no zaak")
                continue
            if len(zaken) > 1:
                outcome.duplicates += len(zaken) - 1
                outcome.problems.append(f"{unit.verzoeknummer}: {len(zaken)} zaken")
            titels: Counter[str] = Counter()
            for zio in zgw.list_all(zgw.zaken("/zaakinformatieobjecten"), {"zaak": str(zaken[0]["url"])}):
                document = zgw.get(str(zio["informatieobject"]))
                titels[str(document.get("titel"))] += 1
            wanted = unit.bestandsnamen()
            gone = wanted - set(titels)
            twice = [t for t in wanted if titels[t] > 1]
            outcome.missing += len(gone)
            outcome.duplicates += sum(titels[t] - 1 for t in twice)
            if gone or twice:
                outcome.problems.append(f"{unit.verzoeknummer}: missing {sorted(gone)}, twice {twice}")


def count_in_store(outcome: Outcome, units: list[Unit], store_url: str) -> None:
    store = SqlStore.from_url(store_url)
    try:
        for unit in units:
            states = {v.volgnummer: str(v.state) for v in store.versies_for(unit.verzoeknummer)}
            events = Counter((e.volgnummer, e.kind) for e in store.events_for(unit.verzoeknummer))
            for volgnummer, _, _ in unit.versions:
                state = states.get(volgnummer)
                if state is None:
                    outcome.lost += 1
                    outcome.problems.append(f"{unit.verzoeknummer}/{volgnummer}: never received")
                elif state != "reported":
                    outcome.failed += 1
                    outcome.problems.append(f"{unit.verzoeknummer}/{volgnummer}: ended {state}")
                for kind in ("delivered", "reported"):
                    if events[(volgnummer, kind)] > 1:
                        outcome.duplicates += events[(volgnummer, kind)] - 1
                        outcome.problems.append(f"{unit.verzoeknummer}/{volgnummer}: {kind} twice")
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,rabbitmq,activemq")
    parser.add_argument("--verzoeken", type=int, default=70, help="verzoeken per backend")
    parser.add_argument("--kills", type=int, default=20, help="worker SIGKILLs per backend")
    parser.add_argument("--window", type=float, default=75.0, help="seconds over which verzoeken are filed")
    parser.add_argument("--outage", type=float, default=30.0, help="seconds ZGW and DSO are each unavailable")
    parser.add_argument("--broker-cut", type=float, default=10.0, help="seconds of each broker cut")
    parser.add_argument("--dso-error-rate", type=float, default=0.1, help="share of DSO calls answered 5xx")
    parser.add_argument("--settle-timeout", type=float, default=240.0)
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args(argv)
    configure_logging("WARNING")
    if not BIN.exists():
        raise SystemExit(f"faults: {BIN} is missing; run `make .venv/.installed` first")
    outcomes = []
    # Logs stay for reading after a failed run; the bijlagen and databases of a run are gone.
    workdir = ROOT / "var" / "faults" / time.strftime("%Y%m%dT%H%M%S")
    workdir.mkdir(parents=True)
    for backend in args.backends.split(","):
        if backend != "sqlite":
            port = BROKERS[backend][0]
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) != 0:
                    raise SystemExit(f"faults: {backend} STOMP does not answer on 127.0.0.1:{port}")
        print(f"faults: {backend}: {args.verzoeken} verzoeken over {args.window:.0f} s", flush=True)
        outcome = run_backend(backend, args, workdir)
        outcomes.append(outcome)
        print(
            f"faults: {backend}: {outcome.verzoeken} verzoeken ({outcome.versions} versions),"
            f" {outcome.kills} kills, {outcome.cuts} cuts, {outcome.lost} lost,"
            f" {outcome.duplicates} duplicates, {outcome.missing} missing, {outcome.failed} failed,"
            f" {outcome.seconds:.0f} s",
            flush=True,
        )
        for problem in outcome.problems[:20]:
            print(f"  {problem}")
        if outcome.problems:
            print(f"  logs: {workdir / backend / 'logs'}")
    total = Outcome("all", 0, 0, 0, 0)
    for o in outcomes:
        total.verzoeken += o.verzoeken
        total.kills += o.kills
        total.lost += o.lost
        total.duplicates += o.duplicates
        total.missing += o.missing
        total.failed += o.failed
    print(
        f"faults: {total.verzoeken} verzoeken, {total.kills} kills, {total.lost} lost,"
        f" {total.duplicates} duplicates, {total.missing} missing, {total.failed} failed"
    )
    bad = total.lost or total.duplicates or total.missing or total.failed or any(o.problems for o in outcomes)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
