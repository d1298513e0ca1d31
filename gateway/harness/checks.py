"""Checking a scenario's expectations: gateway store, ZGW target, DSO sandbox, status API.

The ZGW target is read through its APIs (zgw_checks), whether it is the embedded test server or
an external ZGW. Each check returns human-readable mismatches; an empty list means the scenario
passed."""

from __future__ import annotations

from typing import Any

import httpx2

from adapters.zgw.client import ZgwClient
from gateway.harness.scenario import ApiExpectation, Expect, InitiatiefnemerExpectation
from gateway.harness.steps import ScenarioRun
from gateway.harness.zgw_checks import count_problem, zgw_problems


def check(run: ScenarioRun, expect: Expect, api: httpx2.Client, zgw: ZgwClient) -> list[str]:
    problems = _versions(run, expect.versions)
    problems += zgw_problems(zgw, run.verzoeknummer, expect.zgw)
    problems += _dso(run, "samenwerkingen", expect.samenwerkingen)
    problems += _dso(run, "rerouteringen", expect.rerouteringen)
    problems += initiatiefnemer_problems(run, expect.initiatiefnemer)
    if expect.opvolging is not None:
        from gateway.doorsturen import OPVOLGING

        flagged = run.stack.container.store.checkpoint_get(run.verzoeknummer, OPVOLGING) is not None
        if flagged != expect.opvolging:
            problems.append(f"flagged for follow-up: {flagged}, expected {expect.opvolging}")
    problems += api_problems(run.verzoeknummer, expect.api, api)
    return problems


def _versions(run: ScenarioRun, wanted: dict[int, str]) -> list[str]:
    problems = []
    for volgnummer, state in sorted(wanted.items()):
        record = run.stack.container.store.get_versie(run.verzoeknummer, volgnummer)
        got = record.state if record else "unknown"
        if got != state:
            why = f": {record.last_error}" if record and record.last_error else ""
            problems.append(f"version {volgnummer} is {got}, expected {state}{why}")
    return problems


def initiatiefnemer_problems(run: ScenarioRun, wanted: InitiatiefnemerExpectation) -> list[str]:
    """What the initiatiefnemer was told: mails at the in-process SMTP server, letters, events."""
    if wanted == InitiatiefnemerExpectation():
        return []
    smtp = run.stack.smtp
    mails = [m for m in (smtp.ontvangen if smtp else []) if run.verzoeknummer in str(m.message["Subject"])]
    events = run.stack.container.store.events_for(run.verzoeknummer)
    problems = count_problem(
        "ontvangstbevestigingen e-mailed",
        sum("Ontvangstbevestiging" in str(m.message["Subject"]) for m in mails),
        wanted.ontvangstbevestigingen_email,
    )
    problems += count_problem(
        "statusberichten e-mailed",
        sum("Ontvangstbevestiging" not in str(m.message["Subject"]) for m in mails),
        wanted.statusberichten_email,
    )
    problems += count_problem(
        "letters per post", sum(e.kind == "per-post-te-versturen" for e in events), wanted.per_post
    )
    problems += count_problem(
        "refusals on the timeline", sum(e.kind == "bericht-geweigerd" for e in events), wanted.geweigerd
    )
    if wanted.aan is not None:
        aan = sorted({r for m in mails for r in m.rcpt_tos})
        if aan != sorted(wanted.aan):
            problems.append(f"mail went to {aan}, expected {sorted(wanted.aan)}")
    for i, text in enumerate(wanted.never_in_messages):
        if any(text in m.data.decode("utf-8", "replace") for m in mails):
            problems.append(f"a message contains forbidden text #{i + 1}")
    return problems


def _dso(run: ScenarioRun, what: str, wanted: int | None) -> list[str]:
    if wanted is None:
        return []
    entries = run.sandbox.get(f"/_sandbox/{what}").json()
    return count_problem(
        f"{what} at DSO", sum(e["verzoeknummer"] == run.verzoeknummer for e in entries), wanted
    )


def api_problems(verzoeknummer: str, wanted: ApiExpectation, api: httpx2.Client) -> list[str]:
    """The gateway's own status API (`api` has its base URL and credentials) against `wanted`."""
    if wanted == ApiExpectation():
        return []
    answer = api.get(f"/v1/verzoeken/{verzoeknummer}")
    if answer.status_code != 200:
        return [f"status API answered {answer.status_code}"]
    body: dict[str, Any] = answer.json()
    problems = []
    if wanted.status is not None and body.get("status") != wanted.status:
        problems.append(f"status API says {body.get('status')}, expected {wanted.status}")
    # Never echo the forbidden text itself: it is a BSN.
    problems += [
        f"status API shows forbidden text #{i + 1}"
        for i, t in enumerate(wanted.never_shows)
        if t in answer.text
    ]
    versies = {v["volgnummer"]: v["status"] for v in body.get("versies", [])}
    for volgnummer, state in sorted(wanted.versies.items()):
        if versies.get(volgnummer) != state:
            problems.append(f"status API version {volgnummer} is {versies.get(volgnummer)}, expected {state}")
    # The archive lists the STAM XML too (soort "stam"); only bijlagen count here.
    bijlagen = [d for d in body.get("documenten", []) if d.get("soort") == "document"]
    problems += count_problem("bijlagen in status API", len(bijlagen), wanted.documenten)
    return problems
