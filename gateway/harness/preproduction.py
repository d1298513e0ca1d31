"""Scenarios against a real DSO environment (pre-production) and a deployed gateway.

There the harness controls nothing but what an initiatiefnemer could do: it submits through the
public "Verzoek indienen" API (dso_client.indienen). DSO then notifies the gateway under test,
which fetches, delivers and reports as in production. The harness follows the verzoek in the
gateway's status API and checks the zaak at the municipal ZGW target, read with the gateway's own
ZGW credentials (DSOGW_ZGW_*). Scenarios that need the sandbox's switches are skipped, with why.

What the sandbox run checks and this one cannot: the gateway's store directly (we read its API
instead) and what DSO recorded of case links and reroutes (DSO has no API to read them back).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx2
import structlog

from adapters.errors import DeliveryError
from adapters.zgw.client import ZgwClient
from dso_client.errors import DsoError
from dso_client.indienen import IndienenClient
from dso_client.sandbox.content import GeneratedDocument
from dso_client.sandbox.stam import StamInputError, read_verzoek
from gateway.harness.checks import api_problems
from gateway.harness.runner import HarnessResult, ScenarioResult
from gateway.harness.scenario import Scenario, Submit, ZgwExpectation
from gateway.harness.steps import StepError, render_submit
from gateway.harness.zgw_checks import zgw_problems
from gateway.store import FINAL_STATES

log = structlog.get_logger(__name__)

DEFAULT_BIJLAGE_SIZE = 48 * 1024  # what the sandbox generates when a scenario names no size
POLL_INTERVAL = 2.0
_FINAL = {str(s) for s in FINAL_STATES}


@dataclass
class RemoteTarget:
    """Where a pre-production run submits, and where it looks for the result."""

    indienen: IndienenClient
    gateway: httpx2.Client  # base URL of the gateway under test, with its API token
    zgw: ZgwClient | None  # None: the municipal target is not ZGW, so it is not checked
    poll_interval: float = POLL_INTERVAL


@dataclass
class _RemoteRun:
    target: RemoteTarget
    verzoeknummer: str | None = None
    uploaded: set[str] | None = None


def run_remote_harness(
    target: RemoteTarget, scenarios: list[Scenario], *, out: Callable[[str], None] = print
) -> HarnessResult:
    result = HarnessResult()
    for scenario in scenarios:
        reason = scenario.needs_sandbox()
        if reason is not None:
            result.skip(scenario.name, reason, out)
            continue
        outcome = run_remote_scenario(target, scenario)
        result.results.append(outcome)
        verdict = "ok" if outcome.passed else f"FAILED ({'; '.join(outcome.problems)})"
        out(f"harness: {scenario.name} ... {verdict} [{outcome.seconds:.1f}s]")
    if result.skipped:
        out(result.skipped_line())
    out(result.summary())
    return result


def run_remote_scenario(target: RemoteTarget, scenario: Scenario) -> ScenarioResult:
    started = time.monotonic()
    run = _RemoteRun(target, uploaded=set())
    problems: list[str] = []
    try:
        for number, step in enumerate(scenario.steps, start=1):
            try:
                if step.submit is not None:
                    _submit(run, step.submit)
                elif step.wait is not None:
                    _wait(run, step.wait.volgnummers, step.wait.timeout)
            except (StepError, DsoError) as exc:
                problems.append(f"step {number}: {exc}")
                break
        if run.verzoeknummer is None:
            problems.append("no verzoek was submitted")
        elif not problems:
            problems += _check(run, scenario)
    except httpx2.HTTPError as exc:
        problems.append(f"HTTP error: {type(exc).__name__}: {exc}")
    seconds = time.monotonic() - started
    log.info("harness.remote_scenario", scenario=scenario.name, verzoeknummer=run.verzoeknummer,
             passed=not problems, seconds=round(seconds, 2))  # fmt: skip
    return ScenarioResult(scenario.name, run.verzoeknummer or "", seconds, problems)


def _submit(run: _RemoteRun, submit: Submit) -> None:
    indienen = run.target.indienen
    # The first submit opens a new verzoek (DSO picks its number); later ones are its next versions.
    werkmap = indienen.open_werkmap(run.verzoeknummer)
    run.verzoeknummer = werkmap.verzoeknummer
    xml, sizes = render_submit(submit, werkmap.verzoeknummer)
    try:
        documenten = read_verzoek(xml).documenten
    except StamInputError as exc:
        raise StepError(f"the scenario's STAM is not a verzoek: {exc}") from exc
    assert run.uploaded is not None
    for doc in documenten:
        if doc.document_id in run.uploaded:
            continue  # kept from an earlier version: DSO has it already
        content = GeneratedDocument(doc.document_id, sizes.get(doc.document_id, DEFAULT_BIJLAGE_SIZE))
        indienen.upload_bijlage(
            werkmap,
            doc.document_id,
            doc.bestandsnaam,
            content.size,
            functools.partial(content.iter_range, 0, content.size),
        )
        run.uploaded.add(doc.document_id)
    ingediend = indienen.indienen(werkmap, xml)
    if ingediend.verzoeknummer != werkmap.verzoeknummer:
        raise StepError(f"DSO filed it as {ingediend.verzoeknummer}, not {werkmap.verzoeknummer}")
    log.info("harness.ingediend", verzoeknummer=ingediend.verzoeknummer, volgnummer=ingediend.volgnummer)


def _versies(run: _RemoteRun) -> dict[int, str]:
    answer = run.target.gateway.get(f"/v1/verzoeken/{run.verzoeknummer}")
    if answer.status_code == 404:
        return {}  # the notification has not reached the gateway yet
    if answer.status_code != 200:
        raise StepError(f"status API answered {answer.status_code}")
    return {v["volgnummer"]: v["status"] for v in answer.json().get("versies", [])}


def _wait(run: _RemoteRun, volgnummers: list[int], timeout: float) -> None:
    if run.verzoeknummer is None:
        raise StepError("wait before any submit")
    deadline = time.monotonic() + timeout
    while True:
        versies = _versies(run)
        late = [n for n in volgnummers if versies.get(n) not in _FINAL]
        if not late:
            return
        if time.monotonic() > deadline:
            states = ", ".join(f"{n}={versies.get(n, 'unknown')}" for n in late)
            raise StepError(f"not final after {timeout:g}s: {states}")
        time.sleep(run.target.poll_interval)


def _check(run: _RemoteRun, scenario: Scenario) -> list[str]:
    assert run.verzoeknummer is not None
    expect = scenario.expect
    versies = _versies(run)
    problems = [
        f"version {n} is {versies.get(n, 'unknown')}, expected {state}"
        for n, state in sorted(expect.versions.items())
        if versies.get(n) != state
    ]
    problems += api_problems(run.verzoeknummer, expect.api, run.target.gateway)
    if run.target.zgw is not None and expect.zgw != ZgwExpectation():
        try:
            problems += zgw_problems(run.target.zgw, run.verzoeknummer, expect.zgw)
        except DeliveryError as exc:
            problems.append(f"reading the zaak at ZGW failed: {exc}")
    return problems
