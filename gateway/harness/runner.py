"""Run scenarios on one LocalStack: one line per scenario, a summary line, exit status by failures.

The ZGW target is the stack's own ZGW test server, or (`external_zgw`) the ZGW the settings name
(DSOGW_ZGW_*), e.g. a municipality's Open Zaak test environment. Either way the results are read
through the ZGW APIs; scenarios that need the test server's fault switches are skipped there."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx2
import structlog

from adapters.zgw.client import ZgwClient
from adapters.zgw.testserver.app import store_of
from gateway.bootstrap import build_zgw_client
from gateway.harness.checks import check
from gateway.harness.numbers import VerzoeknummerGenerator
from gateway.harness.scenario import Scenario
from gateway.harness.steps import ScenarioRun, StepError, run_step
from gateway.http11 import LeanTransport
from gateway.settings import APELDOORN_OIN, OMGEVINGSDIENST_OIN, Settings
from gateway.stack import LocalStack

log = structlog.get_logger(__name__)

# Short retries so that fault storms settle in seconds; enough attempts to outlast them.
# The stack is always the embedded one (SQLite store and queue in a temp dir; the ZGW test server
# unless an external ZGW is named): the harness must never write into a configured production
# database or queue.
HARNESS_OVERRIDES: dict[str, object] = {
    "store_url": "",
    "queue_url": "",
    "archive_dir": None,
    "delivery": "zgw",
    "our_oins": [APELDOORN_OIN, OMGEVINGSDIENST_OIN],
    "retry_base_delay": 0.2,
    "retry_max_delay": 1.0,
    "max_attempts": 10,
    "reconcile_interval": 0.0,
    "notification_auth": "none",
    "session_secure_cookie": False,
}


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    verzoeknummer: str
    seconds: float
    problems: list[str]

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass
class HarnessResult:
    results: list[ScenarioResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # scenarios this environment cannot stage
    skip_reasons: dict[str, str] = field(default_factory=dict)  # scenario name -> why

    def skipped_line(self) -> str:
        n = len(self.skipped)
        return f"harness: {n} scenario{'' if n == 1 else 's'} skipped: this environment cannot stage them"

    def skip(self, name: str, reason: str, out: Callable[[str], None]) -> None:
        self.skipped.append(name)
        self.skip_reasons[name] = reason
        out(f"harness: {name} ... skipped ({reason})")

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    def summary(self) -> str:
        return f"harness: {self.passed} passed, {self.failed} failed"


def run_harness(
    settings: Settings,
    scenarios: list[Scenario],
    *,
    data_dir: Path | None = None,
    out: Callable[[str], None] = print,
    external_zgw: bool = False,
) -> HarnessResult:
    """Run `scenarios`; with `external_zgw`, against the ZGW in `settings` instead of a test server."""
    token = secrets.token_urlsafe(24)
    base = settings.model_copy(
        update={**HARNESS_OVERRIDES, "api_token_sha256": [hashlib.sha256(token.encode()).hexdigest()]}
    )
    numbers = VerzoeknummerGenerator()
    result = HarnessResult()
    with contextlib.ExitStack() as cleanup:
        if data_dir is None:
            # The 500 MB scenario leaves half a gigabyte in the archive: never leave it behind.
            data_dir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="dso-harness-")))
        _run_all(base, data_dir, token, scenarios, numbers, result, out, external_zgw)
    if result.skipped:
        out(result.skipped_line())
    out(result.summary())
    return result


def _run_all(
    base: Settings,
    data_dir: Path,
    token: str,
    scenarios: list[Scenario],
    numbers: VerzoeknummerGenerator,
    result: HarnessResult,
    out: Callable[[str], None],
    external_zgw: bool,
) -> None:
    settings = base.model_copy(update={"data_dir": data_dir})
    with (
        LocalStack(settings, data_dir=data_dir, external_zgw=external_zgw) as stack,
        # Our transport: a scenario that waits about as long as the servers keep an idle
        # connection (uvicorn: 5 s) met a connection reset on httpx's, which never tries again;
        # ours tries a GET once more on a fresh connection (gateway/http11.py).
        httpx2.Client(base_url=stack.sandbox.url, timeout=30, transport=LeanTransport()) as sandbox,
        httpx2.Client(
            base_url=stack.api.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
            transport=LeanTransport(),
        ) as api,
        build_zgw_client(
            stack.settings, user_id="dso-gateway-harness", user_representation="DSO gateway test harness"
        ) as zgw,
    ):
        for scenario in scenarios:
            reason = scenario.needs_zgw_testserver() if external_zgw else None
            if reason is not None:
                result.skip(scenario.name, reason, out)
                continue
            outcome = run_scenario(stack, sandbox, api, zgw, scenario, numbers())
            result.results.append(outcome)
            verdict = "ok" if outcome.passed else f"FAILED ({'; '.join(outcome.problems)})"
            out(f"harness: {scenario.name} ... {verdict} [{outcome.seconds:.1f}s]")


def run_scenario(
    stack: LocalStack,
    sandbox: httpx2.Client,
    api: httpx2.Client,
    zgw: ZgwClient,
    scenario: Scenario,
    verzoeknummer: str,
) -> ScenarioResult:
    started = time.monotonic()
    run = ScenarioRun(stack, sandbox, verzoeknummer, datetime.now(UTC))
    bound = log.bind(scenario=scenario.name, verzoeknummer=verzoeknummer)
    problems: list[str] = []
    try:
        # Faults of an earlier scenario must not leak into this one.
        sandbox.delete("/_sandbox/faults").raise_for_status()
        _clear_zgw_faults(stack)
        for number, step in enumerate(scenario.steps, start=1):
            try:
                run_step(run, step)
            except StepError as exc:
                problems.append(f"step {number}: {exc}")
                break
        problems += check(run, scenario.expect, api, zgw)
    except httpx2.HTTPError as exc:
        problems.append(f"HTTP error: {type(exc).__name__}: {exc}")
    finally:
        sandbox.delete("/_sandbox/faults")
        _clear_zgw_faults(stack)
    seconds = time.monotonic() - started
    bound.info("harness.scenario", passed=not problems, seconds=round(seconds, 2))
    return ScenarioResult(scenario.name, verzoeknummer, seconds, problems)


def _clear_zgw_faults(stack: LocalStack) -> None:
    if not stack.external_zgw:
        store_of(stack.zgw_app).faults.clear()
