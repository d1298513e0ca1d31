"""Writers of a SQLite store wait in line on `<database>.writelock` (gateway/store/write_lock.py):
held from before BEGIN IMMEDIATE until COMMIT or ROLLBACK returned, never by a read.

Another process's view is what counts (flock between processes), so each check asks a child
process whether it could take the lock right now."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from gateway.errors import classify
from gateway.events import FETCH
from gateway.store import OutboxMessage, SqlStore
from gateway.store.write_lock import WriteLock, WriteLockTimeout

_TRY = (
    "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
    " fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)"
)


def _free(db: Path) -> bool:
    """True when another process could take the write lock at this moment."""
    child = subprocess.run([sys.executable, "-c", _TRY, f"{db}.writelock"], check=False, capture_output=True)
    return child.returncode == 0


@pytest.fixture
def store(tmp_path: Path) -> SqlStore:
    return SqlStore.from_url(f"sqlite:///{tmp_path / 'gateway.db'}")


def test_a_write_transaction_holds_the_lock_until_it_commits(store: SqlStore, tmp_path: Path) -> None:
    db = tmp_path / "gateway.db"
    assert _free(db)
    with store.engine.begin():
        assert not _free(db)
    assert _free(db)
    store.checkpoint_put("2024031400042", "zaak", {"url": "http://zrc/zaken/1"})
    assert _free(db)
    store.close()


def test_a_read_in_between_does_not_let_go_of_a_write(store: SqlStore, tmp_path: Path) -> None:
    db = tmp_path / "gateway.db"
    with store.engine.begin():
        assert store.checkpoints_for("2024031400042") == {}  # another connection, read only
        assert not _free(db)
    assert _free(db)
    store.close()


def test_a_read_takes_no_lock(store: SqlStore, tmp_path: Path) -> None:
    with store.reading():
        assert _free(tmp_path / "gateway.db")
    store.close()


def test_a_rolled_back_write_lets_go(store: SqlStore, tmp_path: Path) -> None:
    store.record_notification("2024031400042", 1, None, OutboxMessage(FETCH, "m-1", b"{}"))
    with pytest.raises(ValueError, match="on purpose"), store.engine.begin():
        raise ValueError("on purpose")
    assert _free(tmp_path / "gateway.db")
    # And the next writer of this process gets it (a lock left held would wait 30 s and raise).
    assert not store.record_notification("2024031400042", 1, None, OutboxMessage(FETCH, "m-2", b"{}"))
    store.close()


_HOLD = (
    "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
    " fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)"
)


def test_a_holder_that_never_lets_go_times_out_the_wait_and_the_lock_stays_usable(tmp_path: Path) -> None:
    """A process that holds the lock and hangs (stopped, a dead disk): writers give up after the
    busy timeout with a retryable error instead of waiting for ever, and take the lock once it
    is free."""
    db = tmp_path / "gateway.db"
    lock = WriteLock(db, timeout=0.3)
    with subprocess.Popen([sys.executable, "-c", _HOLD, f"{db}.writelock"], stdout=subprocess.PIPE) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
            started = time.monotonic()
            with pytest.raises(WriteLockTimeout, match=r"within 0\.3 s"):
                lock.acquire(object())
            waited = time.monotonic() - started
            assert 0.3 <= waited < 5
            assert classify(WriteLockTimeout("x")).retryable  # the stage goes back to the queue
        finally:
            holder.kill()
    # The holder is gone: the lock is free again, for this process's threads too.
    connection = object()
    lock.acquire(connection)
    assert not _free(db)
    lock.release(connection)
    assert _free(db)


def test_a_waiter_gets_the_lock_soon_after_another_process_lets_go(tmp_path: Path) -> None:
    db = tmp_path / "gateway.db"
    lock = WriteLock(db, timeout=10)
    release_after = (
        "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
        " fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(0.3)"
    )
    with subprocess.Popen(
        [sys.executable, "-c", release_after, f"{db}.writelock"], stdout=subprocess.PIPE
    ) as holder:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        connection = object()
        lock.acquire(connection)  # waits for the holder to let go, well within the timeout
        assert holder.wait(5) == 0  # it had: its sleep ended and it exited
        lock.release(connection)
