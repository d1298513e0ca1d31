"""Notification intake under an open-loop load, next to a trivial FastAPI endpoint.

    .venv/bin/python bench/bench_intake.py [--seconds 8] [--rates 100,200,300,400,600]

Two servers run as separate processes under the same uvicorn settings: `dso-gateway api` (SQLite
store, with a worker and the DSO sandbox running beside it, so the store is busy as in
production) and a trivial FastAPI app whose POST endpoint reads the body and answers 202. A
load generator sends requests on a fixed schedule, whatever the answers do (open loop), and
measures each latency from the moment the request was due, so a server that falls behind
cannot hide its queue (no coordinated omission).

Prints p50/p99 at 200 req/s and, per offered rate, the rate answered. The highest sustainable
rate is the highest offered rate answered at >= 95 % with p99 under one second. Targets: intake
>= 0.7 x the trivial endpoint's sustainable rate; p99 < 50 ms at 200 req/s; past saturation the
answered rate levels off instead of falling."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"

TRIVIAL_APP = textwrap.dedent(
    """
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    app = FastAPI()

    @app.post("/v1/dso/verzoeknotificaties")
    async def receive(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"status": "ontvangen"}, status_code=202)
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"bench_intake: nothing answers on 127.0.0.1:{port}")


def notification(n: int) -> bytes:
    return (
        '<vn:verzoeknotificatie xmlns:vn="http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoeknotificatie">'
        f"<vn:verzoeknummer>2099{n:09d}</vn:verzoeknummer><vn:volgnummer>1</vn:volgnummer>"
        "</vn:verzoeknotificatie>"
    ).encode()


@dataclass
class Step:
    offered: float
    answered: float
    p50_ms: float
    p99_ms: float
    errors: int


async def load(url: str, rate: float, seconds: float, offset: int) -> Step:
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    limits = httpx2.Limits(max_connections=512, max_keepalive_connections=512)
    async with httpx2.AsyncClient(limits=limits, timeout=30) as client:
        start = time.perf_counter() + 0.2

        async def one(i: int) -> None:
            nonlocal errors
            due = start + i / rate
            await asyncio.sleep(max(due - time.perf_counter(), 0))
            try:
                response = await client.post(
                    url, content=notification(offset + i), headers={"Content-Type": "application/xml"}
                )
                if response.status_code != 202:
                    errors += 1
            except httpx2.HTTPError:
                errors += 1
                return
            latencies.append(time.perf_counter() - due)

        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    if not latencies:
        return Step(rate, 0.0, float("inf"), float("inf"), errors)
    return Step(
        rate,
        len(latencies) / elapsed,
        latencies[len(latencies) // 2] * 1000,
        latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        errors,
    )


def sustainable(steps: list[Step]) -> float:
    ok = [s.offered for s in steps if s.answered >= 0.95 * s.offered and s.p99_ms < 1000 and not s.errors]
    return max(ok, default=0.0)


def measure(name: str, url: str, rates: list[float], seconds: float, offset: int) -> list[Step]:
    steps = []
    for i, rate in enumerate(rates):
        step = asyncio.run(load(url, rate, seconds, offset + i * 1_000_000))
        steps.append(step)
        print(
            f"  {name:9} offered {step.offered:5.0f}/s answered {step.answered:6.1f}/s"
            f" p50 {step.p50_ms:7.1f} ms p99 {step.p99_ms:7.1f} ms errors {step.errors}",
            flush=True,
        )
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rates", default="100,200,300,400,600")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    if 200.0 not in rates:
        rates.append(200.0)
        rates.sort()
    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            trivial_port, api_port, sandbox_port = free_port(), free_port(), free_port()
            (Path(tmp) / "trivial.py").write_text(TRIVIAL_APP)
            uvicorn = [str(BIN / "python"), "-m", "uvicorn", "--host", "127.0.0.1", "--log-level", "warning"]
            processes.append(
                subprocess.Popen([*uvicorn, "--port", str(trivial_port), "trivial:app"], cwd=tmp)
            )
            env = {
                **os.environ,
                "DSOGW_DATA_DIR": str(Path(tmp) / "gw"),
                "DSOGW_API_PORT": str(api_port),
                "DSOGW_DSO_BASE_URL": f"http://127.0.0.1:{sandbox_port}/overheid/verzoeken/api/afhandelen/v2",
                "DSOGW_LOG_LEVEL": "WARNING",
            }
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            processes.append(
                subprocess.Popen(
                    [str(BIN / "dso-gateway"), "sandbox", "dso", "--port", str(sandbox_port)], **quiet
                )
            )
            processes.append(subprocess.Popen([str(BIN / "dso-gateway"), "api"], env=env, **quiet))
            wait_port(trivial_port)
            wait_port(api_port)
            wait_port(sandbox_port)
            # The worker takes every notification on: fetch finds no such verzoek at the sandbox.
            processes.append(subprocess.Popen([str(BIN / "dso-gateway"), "worker"], env=env, **quiet))
            path = "/v1/dso/verzoeknotificaties"
            print(f"open-loop load, {args.seconds:.0f} s per rate", flush=True)
            trivial = measure("trivial", f"http://127.0.0.1:{trivial_port}{path}", rates, args.seconds, 0)
            intake = measure("intake", f"http://127.0.0.1:{api_port}{path}", rates, args.seconds, 500_000)
        finally:
            for p in processes:
                p.terminate()
            for p in processes:
                p.wait(timeout=15)
    at200 = {s.offered: s for s in intake}[200.0]
    base200 = {s.offered: s for s in trivial}[200.0]
    t_rate, i_rate = sustainable(trivial), sustainable(intake)
    peak = max(s.answered for s in intake)
    last = intake[-1].answered
    ratio = i_rate / t_rate if t_rate else 0.0
    print(
        f"at 200 req/s: intake p50 {at200.p50_ms:.1f} ms, p99 {at200.p99_ms:.1f} ms"
        f" (trivial p50 {base200.p50_ms:.1f} ms, p99 {base200.p99_ms:.1f} ms)"
    )
    print(f"sustainable: intake {i_rate:.0f}/s, trivial {t_rate:.0f}/s, ratio {ratio:.2f} (target >= 0.7)")
    print(f"past saturation: peak answered {peak:.0f}/s, at the highest offered rate {last:.0f}/s")
    met = ratio >= 0.7 and at200.p99_ms < 50 and last >= 0.8 * peak
    print("intake targets:", "met" if met else "MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
