"""`dso-gateway demo`: the whole chain on one laptop, on the embedded defaults.

Starts the DSO sandbox, the ZGW test server, the API and the workers on 127.0.0.1, pushes the
example verzoeken through the sandbox (which notifies the gateway as DSO-LV would), and shows
where each one ends up. With --once it exits when all reached a final state. With --zgw-url the
verzoeken go to that external ZGW (e.g. a municipality's Open Zaak test environment, set up as
docs/open-zaak.md describes) and no ZGW test server starts."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import httpx2

from dso_client.sandbox.examples import Example, list_examples
from gateway.auth.users import ensure_demo_users
from gateway.harness.numbers import VerzoeknummerGenerator
from gateway.settings import Settings
from gateway.stack import LocalStack, external_zgw_settings
from gateway.store import SqlStore, State


@dataclass
class DemoOutcome:
    delivered: int
    failed: int
    lines: list[str]


def run_demo(
    settings: Settings,
    *,
    once: bool,
    data_dir: Path | None = None,
    timeout: float = 180.0,
    stop: threading.Event | None = None,
    zgw_url: str | None = None,
) -> DemoOutcome:
    """`zgw_url`: an external ZGW's root URL (see gateway.stack.external_zgw_settings)."""
    # The demo serves plain HTTP on 127.0.0.1, where a Secure cookie would never be sent back.
    settings = settings.model_copy(update={"session_secure_cookie": False})
    external = zgw_url is not None
    if external:
        settings = external_zgw_settings(settings, zgw_url).model_copy(update={"delivery": "zgw"})
    api_port = None if once else settings.api_port
    stack = LocalStack(settings, data_dir=data_dir, api_port=api_port, external_zgw=external).start()
    try:
        print(f"demo: data in      {stack.settings.data_dir}", flush=True)
        print(f"demo: DSO sandbox  {stack.sandbox.url}", flush=True)
        label = "ZGW external" if external else "ZGW server  "
        print(f"demo: {label} {stack.zgw_url}", flush=True)
        print(f"demo: status page  {stack.api.url}/status", flush=True)
        for name, password in ensure_demo_users(stack.container):
            print(f"demo: login        {name} / {password}", flush=True)
        examples = [(e, e.verzoeknummer) for e in list_examples()]
        if external:
            examples = _renumbered(examples)
        with httpx2.Client(base_url=stack.sandbox.url, timeout=30) as client:
            for example, nummer in examples:
                if nummer == example.verzoeknummer:
                    client.post(f"/_sandbox/examples/{example.name}").raise_for_status()
                else:
                    xml = example.xml.replace(example.verzoeknummer.encode(), nummer.encode())
                    sizes = [
                        f"{d.replace(example.verzoeknummer, nummer)}={size}"
                        for d, size in example.bijlage_sizes.items()
                    ]
                    client.post(
                        "/_sandbox/verzoeken", content=xml, params={"bijlage": sizes}
                    ).raise_for_status()
        stack.wait_final([(nummer, e.volgnummer) for e, nummer in examples], timeout)
        outcome = summarise(stack.container.store, [(e.name, nummer, e.volgnummer) for e, nummer in examples])
        outcome = _berichten(stack, [nummer for _, nummer in examples], outcome)
        for line in outcome.lines:
            print(line, flush=True)
        if not once:
            print("demo: serving until Ctrl-C", flush=True)
            (stop or threading.Event()).wait()
        return outcome
    finally:
        stack.stop()


def _renumbered(examples: list[tuple[Example, str]]) -> list[tuple[Example, str]]:
    """Fresh verzoeknummers (one per verzoek; its versions share it): an external ZGW outlives
    the demo's store, and a second run under the same numbers would find the first run's zaken."""
    fresh = VerzoeknummerGenerator()
    numbers: dict[str, str] = {}
    return [(e, numbers.setdefault(e.verzoeknummer, fresh())) for e, _ in examples]


def _berichten(stack: LocalStack, verzoeknummers: list[str], outcome: DemoOutcome) -> DemoOutcome:
    """A case worker sets a status on two zaken; the lines on what the initiatiefnemers were
    told go just before the summary line (gateway/demo_berichten.py)."""
    from gateway.demo_berichten import tel, zet_statussen

    # Only the ZGW APIs tell us about statuses (Notificaties API); StUF-ZKN has no such channel.
    # An external ZGW calls us back only when a callback is configured (see LocalStack.start):
    # without one, setting statuses there would change its zaken and wait for news that never
    # comes.
    zgw = stack.settings.delivery == "zgw"
    hoort = stack.hears_zaakstatus
    gehandeld = zet_statussen(stack, verzoeknummers, aantal=2, timeout=30) if hoort else 0
    verteld = tel(stack, verzoeknummers)
    status_line = f"demo: {verteld.statusberichten} statusberichten after a status change in the case system"
    if zgw and not hoort:
        status_line = (
            "demo: no status changes set: the external ZGW cannot tell this gateway about them "
            "(set DSOGW_ZGW_NOTIFICATIES_URL, DSOGW_ZGW_CALLBACK_URL and DSOGW_ZGW_CALLBACK_AUTH)"
        )
    lines = [
        *outcome.lines[:-1],
        f"demo: {verteld.ontvangst_email} ontvangstbevestigingen e-mailed, {verteld.ontvangst_post} by post",
        status_line,
    ]
    failed = outcome.failed
    if hoort and (gehandeld < 2 or verteld.statusberichten < 2):
        failed += 1
        lines.append(
            f"demo: FAILED: {gehandeld} of 2 status changes handled within 30 s, "
            f"{verteld.statusberichten} statusberichten sent"
        )
    return DemoOutcome(outcome.delivered, failed, [*lines, outcome.lines[-1]])


def summarise(store: SqlStore, examples: list[tuple[str, str, int]]) -> DemoOutcome:
    lines, delivered, failed = [], 0, 0
    for name, vnr, volgnummer in examples:
        versie = store.get_versie(vnr, volgnummer)
        record = store.get_verzoek(vnr)
        state = versie.state if versie else "unknown"
        ok = state == State.REPORTED
        delivered += ok
        failed += not ok
        zaak = record.zaak_identificatie if record and record.zaak_identificatie else "-"
        why = f"  ({versie.last_error})" if versie and versie.last_error and not ok else ""
        lines.append(f"demo: {name:<28} {vnr}/{volgnummer}  {state:<10} zaak {zaak}{why}")
    lines.append(f"demo: {delivered} verzoeken delivered, {failed} failed")
    return DemoOutcome(delivered, failed, lines)
