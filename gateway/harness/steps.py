"""Running a scenario's steps against a LocalStack: submit at the sandbox, set faults (sandbox or ZGW
test server), reconcile, wait."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx2
import jinja2
import structlog

from adapters.zgw.testserver.app import store_of
from dso_client.sandbox.examples import get_example
from gateway.harness.scenario import Step, Submit, template_text
from gateway.reconcile import reconcile
from gateway.stack import LocalStack
from gateway.store import FINAL_STATES, VersieRecord

log = structlog.get_logger(__name__)


class StepError(Exception):
    """A step could not be carried out (the scenario fails with this reason)."""


@dataclass
class ScenarioRun:
    stack: LocalStack
    sandbox: httpx2.Client
    verzoeknummer: str
    started: datetime


def render_submit(submit: Submit, verzoeknummer: str) -> tuple[bytes, dict[str, int]]:
    """The STAM XML and bijlage sizes for one submit step, with the scenario's verzoeknummer."""
    if submit.example is not None:
        example = get_example(submit.example)
        if example is None:
            raise StepError(f"unknown example {submit.example!r}")
        text = example.xml.decode("utf-8").replace(example.verzoeknummer, verzoeknummer)
        sizes = {k.replace(example.verzoeknummer, verzoeknummer): v for k, v in example.bijlage_sizes.items()}
    else:
        assert submit.template is not None
        env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        text = env.from_string(template_text(submit.template)).render(
            nr=verzoeknummer, volgnummer=submit.volgnummer, **submit.vars
        )
        sizes = {}
    for old, new in submit.replace.items():
        if old not in text:
            raise StepError(f"replace: {old!r} not in the STAM text")
        text = text.replace(old, new)
    sizes.update({k.replace("{nr}", verzoeknummer): v for k, v in submit.bijlagen.items()})
    return text.encode("utf-8"), sizes


def run_step(run: ScenarioRun, step: Step) -> None:
    if step.submit is not None:
        xml, sizes = render_submit(step.submit, run.verzoeknummer)
        params = {"bijlage": [f"{doc}={size}" for doc, size in sizes.items()]}
        _ok(run.sandbox.post("/_sandbox/verzoeken", content=xml, params=params), "submit")
    elif step.faults is not None:
        _ok(run.sandbox.post("/_sandbox/faults", json=step.faults), "faults")
    elif step.zgw_fault is not None:
        if run.stack.external_zgw:
            raise StepError("zgw_fault: an external ZGW has no fault switches")
        store_of(run.stack.zgw_app).inject_fault(**step.zgw_fault.model_dump())
    elif step.flush:
        _ok(run.sandbox.post("/_sandbox/notificaties/flush"), "flush")
    elif step.reconcile:
        container = run.stack.container
        # A minute of slack: the sandbox stamps beschikbaarOp with its own clock.
        result = reconcile(container.context, container.dso, since=run.started - timedelta(minutes=1))
        log.info("harness.reconciled", seen=result.seen, taken_in=result.taken_in)
    elif step.doorsturen is not None:
        from gateway.doorsturen import doorsturen
        from gateway.operations import OperationError

        c = run.stack.container
        try:
            uitkomst = doorsturen(
                c.context,
                c.reporter,
                run.verzoeknummer,
                naar_oin=step.doorsturen.naar,
                reden=step.doorsturen.reden,
                actor="harness",
            )
        except OperationError as exc:
            raise StepError(f"doorsturen: {exc}") from exc
        log.info("harness.doorgestuurd", geaccepteerd=uitkomst.geaccepteerd)
    elif step.zaakstatus is not None:
        _zaakstatus(run, step.zaakstatus.status, step.zaakstatus.toelichting, step.zaakstatus.wachten)
    elif step.zgw_notificaties_pauze is not None:
        from adapters.zgw.testserver.notificaties import state_of

        state_of(run.stack.zgw_app).pauze = step.zgw_notificaties_pauze
    elif step.zaakstatus_reconcile:
        from gateway.zaakstatus import reconcile_open_zaken

        volger = run.stack.container.zaakstatus
        if volger is None:
            raise StepError("zaakstatus_reconcile: the stack does not deliver to ZGW")
        log.info("harness.zaakstatus_reconciled", nieuw=reconcile_open_zaken(volger))
    elif step.wait is not None:
        versions = [(run.verzoeknummer, n) for n in step.wait.volgnummers]
        found = run.stack.wait_final(versions, timeout=step.wait.timeout)
        late = [f"{n}={r.state if r else 'unknown'}" for (_, n), r in found.items() if not _final(r)]
        if late:
            raise StepError(f"not final after {step.wait.timeout:g}s: {', '.join(late)}")


def _zaakstatus(run: ScenarioRun, status: str, toelichting: str, wachten: bool) -> None:
    from gateway.bootstrap import build_zgw_client
    from gateway.zaakstatus import zet_status

    store = run.stack.container.store
    record = store.get_verzoek(run.verzoeknummer)
    if record is None or not record.zaak_url:
        raise StepError("zaakstatus: the verzoek has no zaak")
    with build_zgw_client(run.stack.settings) as client:
        url = zet_status(client, record.zaak_url, status, toelichting)
    deadline = time.monotonic() + 30
    while wachten and store.checkpoint_get(run.verzoeknummer, f"zaakstatus:{url}") is None:
        if time.monotonic() > deadline:
            raise StepError(f"zaakstatus: the gateway did not handle status {status!r} within 30 s")
        time.sleep(0.1)


def _final(record: VersieRecord | None) -> bool:
    return record is not None and record.state in FINAL_STATES


def _ok(response: httpx2.Response, what: str) -> None:
    if response.is_error:
        raise StepError(f"{what}: sandbox answered {response.status_code} {response.text[:200]}")
