"""A worker process runs at a lower CPU priority than the api (DSOGW_WORKER_NICENESS), so where
they share CPUs DSO's notifications are answered first."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _nice(pid: int) -> int:
    # Field 19 of /proc/<pid>/stat, counted after the command name (which may hold spaces).
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


@pytest.mark.parametrize(("setting", "expected"), [(None, 5), ("0", 0), ("12", 12)])
def test_a_worker_lowers_its_own_priority_by_the_setting(
    tmp_path: Path, setting: str | None, expected: int
) -> None:
    env = {
        **os.environ,
        "DSOGW_DATA_DIR": str(tmp_path),
        "DSOGW_QUEUE_URL": "memory://",
    }
    env.pop("DSOGW_WORKER_NICENESS", None)
    if setting is not None:
        env["DSOGW_WORKER_NICENESS"] = setting
    base = os.nice(0)
    with subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "worker"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    ) as worker:  # fmt: skip
        try:
            # The store is made after the priority was set: once it is there, the nice value is.
            deadline = time.monotonic() + 30
            while not (tmp_path / "gateway.db").exists() and time.monotonic() < deadline:
                assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
                time.sleep(0.05)
            assert _nice(worker.pid) == min(base + expected, 19)
        finally:
            worker.terminate()
            worker.wait(30)
