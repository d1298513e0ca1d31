"""`dso-gateway queue dead-letters` and `queue replay` on the embedded queue."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import message_queue


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"DSOGW_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "queue", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_list_and_replay_dead_letters(tmp_path: Path) -> None:
    queue = message_queue.connect(f"sqlite:///{tmp_path / 'queue.db'}")
    for n in range(2):
        queue.publish("dso.translate", b"{}", message_id=f"m-{n}")
        message = queue.receive("dso.translate", timeout=1)
        assert message is not None
        queue.dead_letter(message, f"mapping gap {n}")
    queue.close()

    listed = _cli(tmp_path, "dead-letters")
    assert listed.returncode == 0, listed.stderr
    assert "mapping gap 0" in listed.stdout and "2 dead letter(s)" in listed.stdout

    one = _cli(tmp_path, "replay", "dso.translate", "--id", "m-1")
    assert one.returncode == 0 and "1 message(s) replayed" in one.stdout
    rest = _cli(tmp_path, "replay", "dso.translate", "--all")
    assert "1 message(s) replayed" in rest.stdout
    queue = message_queue.connect(f"sqlite:///{tmp_path / 'queue.db'}")
    received = {m.message_id for m in iter(lambda: queue.receive("dso.translate", timeout=0.5), None)}
    assert received == {"m-0", "m-1"}
    queue.close()
