"""The integration test harness run in-process against a LocalStack: every shipped scenario
passes, a deliberately wrong expectation fails, and the CLI reports, writes JUnit and exits."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from lxml import etree

from gateway.cli.harness import add_harness_commands
from gateway.harness import HarnessResult, Scenario, load_scenarios, run_harness
from gateway.harness.junit import junit_xml
from gateway.harness.numbers import VerzoeknummerGenerator
from gateway.harness.scenario import parse_scenario
from gateway.settings import Settings
from gateway.stack import external_zgw_settings
from tests.integration.external_zgw import external_zgw

WRONG = """
name: deliberately-wrong
description: the plain flow, expecting two zaken where there is one and a status never shown
steps:
  - submit: {example: kap-percelen}
  - wait: [1]
expect:
  versions: {1: reported}
  zgw: {zaken: 2}
  api: {never_shows: ["reported"]}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[HarnessResult, list[str]]:
    lines: list[str] = []
    scenarios = [*load_scenarios(), parse_scenario(WRONG)]
    data_dir = tmp_path_factory.mktemp("harness")
    result = run_harness(Settings(data_dir=data_dir), scenarios, data_dir=data_dir, out=lines.append)
    return result, lines


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_harness_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


@pytest.mark.timeout(240)
def test_every_shipped_scenario_passes(run: tuple[HarnessResult, list[str]]) -> None:
    result, lines = run
    shipped = [r for r in result.results if r.name != "deliberately-wrong"]
    assert len(shipped) >= 12
    assert [r.problems for r in shipped if not r.passed] == []
    for outcome in shipped:
        assert f"harness: {outcome.name} ... ok" in "\n".join(lines)
    # Fresh verzoeknummers per scenario: YYYYMMDD + 5 digits, no two alike.
    numbers = [r.verzoeknummer for r in result.results]
    assert len(set(numbers)) == len(numbers) and all(len(n) == 13 and n.isdigit() for n in numbers)


@pytest.mark.timeout(240)
def test_a_wrong_expectation_fails_the_scenario_and_the_run(run: tuple[HarnessResult, list[str]]) -> None:
    result, lines = run
    [wrong] = [r for r in result.results if r.name == "deliberately-wrong"]
    assert not wrong.passed and wrong.problems == [
        "1 zaken at ZGW, expected 2",
        "status API shows forbidden text #1",
    ]
    assert lines[-1] == f"harness: {len(result.results) - 1} passed, 1 failed"
    assert any(line.startswith("harness: deliberately-wrong ... FAILED (1 zaken at ZGW") for line in lines)

    report = etree.fromstring(junit_xml(result))
    suite = report.find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    assert suite.get("tests") == str(len(result.results))
    failures = report.findall(".//testcase/failure/..")
    assert [case.get("name") for case in failures] == ["deliberately-wrong"]


@pytest.mark.timeout(120)
def test_cli_runs_one_scenario_writes_junit_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _parse(["harness", "run", "--only", "plain-flow", "--junit", str(tmp_path / "junit.xml")])
    assert args.func(Settings(data_dir=tmp_path), args) == 0
    # Log lines share stdout with the report; the report lines are the ones starting "harness:".
    out = [line for line in capsys.readouterr().out.splitlines() if line.startswith("harness:")]
    assert out[0].startswith("harness: plain-flow ... ok") and out[-1] == "harness: 1 passed, 0 failed"
    cases = etree.parse(str(tmp_path / "junit.xml")).findall(".//testcase")
    assert [c.get("name") for c in cases] == ["plain-flow"]


def test_cli_refuses_unknown_scenarios_and_incomplete_preproduction_arguments_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _parse(["harness", "run", "--only", "no-such-scenario"])
    assert args.func(Settings(data_dir=tmp_path), args) == 2
    assert "no-such-scenario" in capsys.readouterr().out
    cert = tmp_path / "client.pem"
    cert.write_text("not used")
    argv = ["harness", "run", "--dso-url", "https://pre.example", "--cert", str(cert), "--oin", "0" * 20]
    args = _parse(argv)
    assert args.func(Settings(data_dir=tmp_path), args) == 2
    assert "--gateway-url" in capsys.readouterr().out
    args = _parse([*argv[:-2], "--gateway-url", "https://gateway.example"])
    assert args.func(Settings(data_dir=tmp_path), args) == 2
    assert "--oin" in capsys.readouterr().out


def test_scenario_files_are_validated() -> None:
    with pytest.raises(ValueError, match="exactly one of example or template"):
        parse_scenario("name: x\nsteps:\n  - submit: {}\nexpect: {}\n")
    with pytest.raises(ValueError, match="extra"):
        parse_scenario("name: x\nsteps: []\nexpect: {zaken: 1}\n")
    assert isinstance(load_scenarios()[0], Scenario)


def test_verzoeknummers_are_date_plus_five_digits_and_wrap() -> None:
    from datetime import date

    numbers = VerzoeknummerGenerator(date(2026, 3, 1), start=99_999)
    assert [numbers(), numbers()] == ["2026030199999", "2026030100000"]


EXTERNAL = [
    "plain-flow",
    "doel-aanvullen",
    "doel-intrekken",
    "bedrijf-met-gemachtigde",
    "zgw-antwoord-verloren",
]
WRONG_AT_ZGW = """
name: wrong-at-the-external-zgw
description: the plain flow, expecting a document and a rol more than the external ZGW holds
steps:
  - submit: {example: verbouwing-initieren}
  - wait: [1]
expect:
  versions: {1: reported}
  zgw: {zaken: 1, documenten: 3, rollen: 2, statussen: 1}
"""


@pytest.mark.timeout(240)
def test_harness_runs_against_an_external_zgw_and_reads_it_through_the_apis(tmp_path: Path) -> None:
    blobs = tmp_path / "zgw-blobs"
    blobs.mkdir()
    with external_zgw(blobs) as zgw:
        settings = external_zgw_settings(
            Settings(data_dir=tmp_path, zgw_client_id=zgw.client_id, zgw_secret=zgw.secret), zgw.url
        )
        scenarios = [s for s in load_scenarios() if s.name in EXTERNAL] + [parse_scenario(WRONG_AT_ZGW)]
        lines: list[str] = []
        result = run_harness(
            settings, scenarios, data_dir=tmp_path / "data", out=lines.append, external_zgw=True
        )
        counts = zgw.counts()
    # Every zaak went to the external ZGW (its own process: only its APIs could be read).
    assert counts["zaken"] == 5 and counts["rollen"] == 1 + 1 + 1 + 2 + 1
    passed = {r.name for r in result.results if r.passed}
    assert passed == set(EXTERNAL) - {"zgw-antwoord-verloren"}, [r.problems for r in result.results]
    [wrong] = [r for r in result.results if not r.passed]
    assert wrong.problems == ["2 documenten at ZGW, expected 3", "1 rollen at ZGW, expected 2"]
    assert result.skipped == ["zgw-antwoord-verloren"]
    assert "harness: zgw-antwoord-verloren ... skipped (needs the ZGW test server's fault switches)" in lines
    assert lines[-1] == "harness: 4 passed, 1 failed"
    skipped = etree.fromstring(junit_xml(result)).findall(".//testcase/skipped")
    assert [s.get("message") for s in skipped] == ["needs the ZGW test server's fault switches"]


def test_cli_harness_with_zgw_url_goes_to_that_zgw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blobs = tmp_path / "zgw-blobs"
    blobs.mkdir()
    with external_zgw(blobs) as zgw:
        argv = [
            "harness",
            "run",
            "--zgw-url",
            zgw.url,
            "--only",
            "plain-flow",
            "--only",
            "zgw-antwoord-verloren",
        ]
        args = _parse([*argv, "--junit", str(tmp_path / "junit.xml"), "--data-dir", str(tmp_path / "data")])
        settings = Settings(data_dir=tmp_path, zgw_client_id=zgw.client_id, zgw_secret=zgw.secret)
        assert args.func(settings, args) == 0
        assert zgw.counts()["zaken"] == 1
    out = [line for line in capsys.readouterr().out.splitlines() if line.startswith("harness:")]
    assert out[0].startswith("harness: plain-flow ... ok")
    assert out[1] == "harness: zgw-antwoord-verloren ... skipped (needs the ZGW test server's fault switches)"
    assert out[-2:] == [
        "harness: 1 scenario skipped: this environment cannot stage them",
        "harness: 1 passed, 0 failed",
    ]
    suite = etree.parse(str(tmp_path / "junit.xml")).find("testsuite")
    assert suite is not None and suite.get("skipped") == "1" and suite.get("tests") == "2"


def test_a_wrong_zgw_secret_fails_the_scenario_with_the_reason(tmp_path: Path) -> None:
    blobs = tmp_path / "zgw-blobs"
    blobs.mkdir()
    with external_zgw(blobs) as zgw:
        settings = external_zgw_settings(
            Settings(data_dir=tmp_path, zgw_client_id=zgw.client_id, zgw_secret="not-the-secret-" * 3),
            zgw.url,
        )
        scenario = [s for s in load_scenarios() if s.name == "plain-flow"]
        lines: list[str] = []
        result = run_harness(
            settings, scenario, data_dir=tmp_path / "data", out=lines.append, external_zgw=True
        )
        assert zgw.counts()["zaken"] == 0
    [outcome] = result.results
    assert not outcome.passed and any("403" in p for p in outcome.problems), outcome.problems
    assert lines[-1] == "harness: 0 passed, 1 failed"
