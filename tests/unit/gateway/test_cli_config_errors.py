"""Every configuration mistake ends in one clear line naming the setting: exit 2, no traceback.
`check` reports such mistakes as failed checks; `queue replay` of something unknown exits 1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli import main

MISTAKES = [
    # (command, environment, the setting the line must name)
    (["worker"], {"DSOGW_QUEUE_URL": "rabbit://broker"}, "DSOGW_QUEUE_URL"),
    (["reconcile"], {"DSOGW_STORE_URL": "postgresql+psycopg://gw@127.0.0.1:1/gateway"}, "DSOGW_STORE_URL"),
    (["reconcile"], {"DSOGW_STORE_URL": "no-such-db://x"}, "DSOGW_STORE_URL"),
    (["reconcile"], {"DSOGW_MAPPING_FILE": "/nergens/mapping.yaml"}, "DSOGW_MAPPING_FILE"),
    (["check"], {"DSOGW_API_PORT": "acht-duizend"}, "DSOGW_API_PORT"),
    (["worker"], {"DSOGW_MAX_ATTEMPTS": "0"}, "DSOGW_MAX_ATTEMPTS"),
    (
        ["reconcile"],
        {"DSOGW_DSO_BASE_URL": "http://127.0.0.1:1/overheid", "DSOGW_DSO_TIMEOUT": "2"},
        "DSOGW_DSO_BASE_URL",
    ),
]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("DSOGW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DSOGW_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    return tmp_path


@pytest.mark.parametrize(("argv", "environment", "setting"), MISTAKES)
def test_mistake_is_one_line_naming_the_setting(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    environment: dict[str, str],
    setting: str,
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and setting in lines[0], err
    assert "Traceback" not in out + err


def test_demo_port_in_use(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setenv("DSOGW_API_PORT", str(taken.getsockname()[1]))
        assert main(["demo"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "DSOGW_API_PORT" in err and "already in use" in err


def test_check_reports_mistakes_as_failed_checks(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DSOGW_QUEUE_URL", "rabbit://broker")
    monkeypatch.setenv("DSOGW_MAPPING_FILE", "/nergens/mapping.yaml")
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "check: queue ... FAILED: DSOGW_QUEUE_URL" in out
    assert "check: mapping file ... FAILED: DSOGW_MAPPING_FILE" in out
    assert "check: store ... " not in out  # the store is fine
    assert "Traceback" not in out


def test_queue_replay_of_unknown_queue_or_id_exits_1(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["queue", "replay", "dso.bestaat-niet", "--all"]) == 1
    assert "unknown queue" in capsys.readouterr().err
    assert main(["queue", "replay", "dso.fetch", "--id", "onbekend"]) == 1
    assert "no dead letter onbekend" in capsys.readouterr().err
    assert main(["queue", "replay", "dso.fetch", "--all"]) == 0


def test_as_a_real_process_nothing_but_the_line(env: Path) -> None:
    # The whole process, as an operator runs it: no traceback from any logger either.
    environment = {**os.environ, "DSOGW_STORE_URL": "postgresql+psycopg://gw@127.0.0.1:1/gateway"}
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "reconcile"],
        capture_output=True, text=True, env=environment, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "DSOGW_STORE_URL" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_every_command_and_option_has_help() -> None:
    import argparse

    from gateway.cli import build_parser

    missing: list[str] = []

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                for name, sub in action.choices.items():
                    if not helps.get(name):
                        missing.append(f"{path} {name}")
                    walk(sub, f"{path} {name}")
            elif not isinstance(action, argparse._HelpAction) and not action.help:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")

    walk(build_parser(), "dso-gateway")
    assert missing == []
