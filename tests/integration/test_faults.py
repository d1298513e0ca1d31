"""`make faults` in a reduced form: the same invariants (nothing lost, nothing twice, nothing
missing, nothing failed) on every queue backend, with fewer verzoeken and kills."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import port_open, require_service

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.broker
@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_reduced_fault_run_loses_nothing_and_does_nothing_twice() -> None:
    require_service("PostgreSQL on 127.0.0.1:5432", port_open("127.0.0.1", 5432))
    require_service("RabbitMQ STOMP on 127.0.0.1:61613", port_open("127.0.0.1", 61613))
    require_service("ActiveMQ STOMP on 127.0.0.1:61614", port_open("127.0.0.1", 61614))
    result = subprocess.run(
        [
            sys.executable, str(ROOT / "bench" / "faults.py"),
            "--backends", "sqlite,rabbitmq,activemq",
            "--verzoeken", "8", "--kills", "4", "--window", "20",
            "--outage", "5", "--broker-cut", "3", "--settle-timeout", "180",
        ],
        capture_output=True, text=True, timeout=880, check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    last = result.stdout.strip().splitlines()[-1]
    expected = r"faults: (\d+) verzoeken, (\d+) kills, 0 lost, 0 duplicates, 0 missing, 0 failed"
    match = re.fullmatch(expected, last)
    assert match, last
    assert int(match[1]) == 24 and int(match[2]) >= 12, last
