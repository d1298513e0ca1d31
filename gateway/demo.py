"""`dso-gateway demo`: the whole chain on one laptop, on the embedded defaults.

Starts the DSO sandbox, the ZGW test server, the API and the workers on 127.0.0.1, pushes the
example verzoeken through the sandbox (which notifies the gateway like DSO-LV would), and shows
where each one ends up. With --once it exits when all reached a final state."""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from adapters.zgw.testserver import ZgwTestServerConfig
from adapters.zgw.testserver import create_app as create_zgw_app
from dso_client.sandbox.app import SandboxConfig
from dso_client.sandbox.app import create_app as create_sandbox_app
from dso_client.sandbox.examples import list_examples
from gateway.api.app import create_app
from gateway.bootstrap import bootstrap
from gateway.servers import ServerThread, free_port
from gateway.settings import Settings
from gateway.store import FINAL_STATES, State

DSO_BASE = "/overheid/verzoeken/api/afhandelen/v2"
SAMENWERKING_BASE = "/overheid/samenwerken/api/behandelen/v4"


@dataclass
class DemoOutcome:
    delivered: int
    failed: int
    lines: list[str]


def demo_settings(settings: Settings, data_dir: Path, sandbox_port: int, zgw_port: int, api_port: int) -> Settings:
    zgw = f"http://127.0.0.1:{zgw_port}"
    dso = f"http://127.0.0.1:{sandbox_port}"
    return settings.model_copy(
        update={
            "data_dir": data_dir,
            "dso_base_url": dso + DSO_BASE,
            "dso_samenwerking_url": dso + SAMENWERKING_BASE,
            "zgw_zaken_url": f"{zgw}/zaken/api/v1",
            "zgw_documenten_url": f"{zgw}/documenten/api/v1",
            "zgw_catalogi_url": f"{zgw}/catalogi/api/v1",
            "api_port": api_port,
        }
    )


def run_demo(
    base: Settings, *, once: bool, data_dir: Path | None = None, timeout: float = 180.0,
    stop: threading.Event | None = None,
) -> DemoOutcome:
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="dso-gateway-demo-"))
    api_port = base.api_port if not once else free_port()
    sandbox_port, zgw_port = free_port(), free_port()
    settings = demo_settings(base, data_dir, sandbox_port, zgw_port, api_port)
    notify_url = f"http://127.0.0.1:{api_port}/v1/dso/verzoeknotificaties"

    zgw = ServerThread(
        create_zgw_app(ZgwTestServerConfig(secret=settings.zgw_secret.get_secret_value())), port=zgw_port
    ).start()
    sandbox = ServerThread(create_sandbox_app(SandboxConfig(notify_url=notify_url)), port=sandbox_port).start()
    container = bootstrap(settings)
    api = ServerThread(create_app(container), port=api_port).start()
    worker = container.worker()
    worker.start()
    print(f"demo: data in {data_dir}", flush=True)
    print(f"demo: DSO sandbox  {sandbox.url}", flush=True)
    print(f"demo: ZGW server   {zgw.url}", flush=True)
    print(f"demo: status page  {api.url}/status", flush=True)
    try:
        examples = list_examples()
        with httpx.Client(base_url=sandbox.url, timeout=30) as client:
            for example in examples:
                client.post(f"/_sandbox/examples/{example.name}").raise_for_status()
        outcome = _wait(container.store, [(e.verzoeknummer, e.volgnummer, e.name) for e in examples], timeout)
        for line in outcome.lines:
            print(line, flush=True)
        if not once:
            print("demo: serving until Ctrl-C", flush=True)
            (stop or threading.Event()).wait()
        return outcome
    finally:
        worker.stop()
        api.stop()
        sandbox.stop()
        zgw.stop()
        container.close()


def _wait(store: object, wanted: list[tuple[str, int, str]], timeout: float) -> DemoOutcome:
    from gateway.store import SqlStore

    assert isinstance(store, SqlStore)
    deadline = time.monotonic() + timeout
    states: dict[tuple[str, int], str] = {}
    while time.monotonic() < deadline:
        states = {}
        for vnr, volgnummer, _ in wanted:
            versie = store.get_versie(vnr, volgnummer)
            states[(vnr, volgnummer)] = versie.state if versie else "unknown"
        if all(s in FINAL_STATES for s in states.values()):
            break
        time.sleep(0.2)
    lines = []
    delivered = failed = 0
    for vnr, volgnummer, name in wanted:
        state = states.get((vnr, volgnummer), "unknown")
        record = store.get_verzoek(vnr)
        zaak = record.zaak_identificatie if record else None
        ok = state == State.REPORTED
        delivered += ok
        failed += not ok
        error = "" if ok or not record or not record.last_error else f" ({record.last_error})"
        lines.append(f"demo: {name:<32} {vnr}/{volgnummer} {state:<10} zaak {zaak or '-'}{error}")
    lines.append(f"demo: {delivered} verzoeken delivered, {failed} failed")
    return DemoOutcome(delivered, failed, lines)
