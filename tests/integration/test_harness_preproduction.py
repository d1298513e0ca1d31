"""The harness in its pre-production shape: submitting only through the Verzoek indienen API and
following a gateway it did not start, with our sandbox in DSO's place and a LocalStack as the
deployed gateway. Also the CLI's `--dso-url` path end to end."""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from lxml import etree

from dso_client.indienen import IndienenClient
from dso_client.sandbox.certs import SandboxPki, make_certs
from dso_client.sandbox.config import DEFAULT_INDIENEN_PATH
from gateway.bootstrap import build_zgw_client
from gateway.cli.harness import add_harness_commands
from gateway.harness import load_scenarios
from gateway.harness.junit import junit_xml
from gateway.harness.preproduction import RemoteTarget, run_remote_harness
from gateway.harness.scenario import parse_scenario
from gateway.settings import APELDOORN_OIN, Settings
from gateway.stack import LocalStack

TOKEN = "harness-preproduction-test-token"
# The 500 MB scenario runs in the sandbox harness test; here it would only repeat the upload.
SKIPPED_HERE = {"bijlage-500mb"}
WRONG = """
name: deliberately-wrong
steps:
  - submit: {example: kap-percelen}
  - wait: [1]
expect:
  versions: {1: reported}
  zgw: {zaken: 1, documenten: 5, zaaktype: DSO-MELDING}
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    data_dir = tmp_path_factory.mktemp("deployed-gateway")
    settings = Settings(
        data_dir=data_dir,
        api_token_sha256=[hashlib.sha256(TOKEN.encode()).hexdigest()],
        retry_base_delay=0.2,
        retry_max_delay=1.0,
        session_secure_cookie=False,
    )
    with LocalStack(settings, data_dir=data_dir) as running:
        yield running


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> SandboxPki:
    return make_certs(tmp_path_factory.mktemp("pki"))


def _target(stack: LocalStack) -> Iterator[RemoteTarget]:
    with (
        IndienenClient(stack.sandbox.url + DEFAULT_INDIENEN_PATH, oin=APELDOORN_OIN) as indienen,
        httpx2.Client(base_url=stack.api.url, headers={"Authorization": f"Bearer {TOKEN}"}) as gateway,
        build_zgw_client(stack.settings) as zgw,
    ):
        yield RemoteTarget(indienen=indienen, gateway=gateway, zgw=zgw, poll_interval=0.2)


@pytest.mark.timeout(300)
def test_scenarios_that_need_no_sandbox_switches_pass_through_the_indienen_api(stack: LocalStack) -> None:
    scenarios = [s for s in load_scenarios() if s.name not in SKIPPED_HERE] + [parse_scenario(WRONG)]
    lines: list[str] = []
    for target in _target(stack):
        result = run_remote_harness(target, scenarios, out=lines.append)

    ran = {r.name for r in result.results}
    assert {"plain-flow", "doel-aanvullen", "doel-intrekken", "bedrijf-met-gemachtigde"} <= ran
    assert [
        (r.name, r.problems) for r in result.results if not r.passed and r.name != "deliberately-wrong"
    ] == []
    # What only the sandbox can stage is skipped, each with its reason, and not counted as passed.
    assert set(result.skipped) >= {
        "dso-429-storm",
        "dso-5xx-storm",
        "gemiste-notificatie-reconciliatie",
        "verkeerd-bevoegd-gezag",
        "intrekking-onbekend-verzoek",
    }
    assert "harness: dso-429-storm ... skipped (needs the sandbox's fault switches)" in lines
    assert (
        "harness: gemiste-notificatie-reconciliatie ... skipped"
        " (needs the sandbox to withhold a notification)" in lines
    )

    # The deliberately wrong expectation is caught at the real ZGW API, not in a test server's memory.
    [wrong] = [r for r in result.results if r.name == "deliberately-wrong"]
    assert wrong.problems == [
        "1 documenten at ZGW, expected 5",
        "zaaktype DSO-OMGEVINGSVERGUNNING, expected DSO-MELDING",
    ]
    assert lines[-1] == f"harness: {len(result.results) - 1} passed, 1 failed"

    # DSO, not the harness, numbered the verzoeken: the gateway knows them under those numbers.
    for outcome in result.results:
        assert stack.container.store.get_versie(outcome.verzoeknummer, 1) is not None

    report = etree.fromstring(junit_xml(result))
    suite = report.find("testsuite")
    assert suite is not None and suite.get("skipped") == str(len(result.skipped))


@pytest.mark.timeout(120)
def test_cli_with_dso_url_runs_against_the_given_gateway(
    stack: LocalStack, pki: SandboxPki, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    add_harness_commands(parser.add_subparsers(dest="command", required=True))
    client = pki.clients[APELDOORN_OIN]
    args = parser.parse_args(
        [
            "harness",
            "run",
            "--dso-url",
            stack.sandbox.url + DEFAULT_INDIENEN_PATH,
            "--cert",
            str(client.cert),
            "--key",
            str(client.key),
            "--oin",
            APELDOORN_OIN,
            "--gateway-url",
            stack.api.url,
            "--poll-interval",
            "0.2",
            "--only",
            "plain-flow",
            "--only",
            "dso-5xx-storm",
            "--junit",
            str(tmp_path / "junit.xml"),
        ]
    )
    s = stack.settings
    settings = Settings(
        harness_api_token=TOKEN,
        zgw_zaken_url=s.zgw_zaken_url,
        zgw_documenten_url=s.zgw_documenten_url,
        zgw_catalogi_url=s.zgw_catalogi_url,
    )
    assert args.func(settings, args) == 0
    # Log lines share stdout here; the harness's own lines all start with "harness:".
    out = [line for line in capsys.readouterr().out.splitlines() if line.startswith("harness:")]
    assert out[0].startswith("harness: plain-flow ... ok")
    assert out[1] == "harness: dso-5xx-storm ... skipped (needs the sandbox's fault switches)"
    assert out[-1] == "harness: 1 passed, 0 failed"
    assert (tmp_path / "junit.xml").exists()

    # Without a token for the gateway the run does not start, and says why.
    assert args.func(Settings(), args) == 2
    assert "DSOGW_HARNESS_API_TOKEN" in capsys.readouterr().out
