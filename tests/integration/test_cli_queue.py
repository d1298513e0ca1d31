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


def test_replay_reopens_a_failed_version_and_refuses_an_outdated_letter(tmp_path: Path) -> None:
    """Issue 14, item 1: the CLI replay is a retry of the failed version, and only once."""
    from gateway.bootstrap import bootstrap
    from gateway.events import FETCH, StageJob
    from gateway.settings import Settings

    nr = "2024031400042"
    c = bootstrap(Settings(_env_file=None, data_dir=tmp_path, delivery="memory"))
    try:
        job = c.context.job(FETCH, StageJob(nr, 1, c.settings.default_oin))
        c.store.record_notification(nr, 1, c.settings.default_oin, job)
        c.store.relay_outbox(lambda row: None)
        c.store.record_failure(nr, 1, stage="fetch", reason="DSO antwoordde 503")
        c.queue.publish(FETCH, job.body, message_id=job.message_id, headers=job.headers)
        message = c.queue.receive(FETCH, timeout=1)
        assert message is not None
        c.queue.dead_letter(message, "opgegeven na 6 pogingen")
    finally:
        c.close()

    first = _cli(tmp_path, "replay", FETCH, "--id", job.message_id, "--note", "DSO weer up")
    assert first.returncode == 0, first.stderr
    assert "1 message(s) replayed" in first.stdout
    again = _cli(tmp_path, "replay", FETCH, "--id", job.message_id)
    assert again.returncode == 1 and "achterhaald" in again.stderr

    c = bootstrap(Settings(_env_file=None, data_dir=tmp_path, delivery="memory"))
    try:
        versie = c.store.get_versie(nr, 1)
        assert versie is not None and versie.state == "received"
        queued: list[str] = []
        c.store.relay_outbox(lambda row: queued.append(row.queue))
        assert queued == [FETCH]  # exactly one new fetch job
        assert any(e.kind == "dead-letter-replayed" and e.actor for e in c.store.events_for(nr))
    finally:
        c.close()
