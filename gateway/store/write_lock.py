"""One queue for SQLite's write lock, shared by every thread and process on a database file.

SQLite has one write lock per database. A BEGIN IMMEDIATE that finds it taken does not wait in
line: its busy handler sleeps and tries again, in steps growing to 100 ms. With the api, two
workers and their stage threads all writing short transactions, a py-spy profile of a worker
showed the stage threads spending about two thirds of their time asleep in that handler while
the lock itself was free most of the time (a write transaction holds it for a few ms).

So before BEGIN IMMEDIATE a writer takes this lock: a threading.Lock for the threads of one
process, then flock() on `<database>.writelock` between processes. Both wake a waiter the moment
the holder lets go (flock waiters are queued by the kernel, not polled), and a process that dies
while holding it loses the flock with its file descriptor. The lock is let go after COMMIT or
ROLLBACK returns, so the BEGIN IMMEDIATE behind it normally finds SQLite's lock free at once.
SQLite's own lock stays the guarantee; this only orders the waiting. A writer that does not take
it (another program on the same file) is still safe, it just waits the old way.

A holder that lives on but never lets go (a process stopped with SIGSTOP, hung in a write on a
dead disk) must not stall every writer for good: the busy timeout bounds the wait, between the
threads of a process and between processes, and then the write fails as retryable (the stage
goes back to the queue; the intake answers 503). flock() has no timeout of its own, and asking
again after a sleep (LOCK_NB in a loop) loses the kernel's queue: measured, the intake's p99
with workers running tripled. So a writer that finds the file locked hands the blocking flock()
to the lock's waiter thread and waits for it with the timeout; the kernel still wakes the waiter
the moment the holder lets go. A writer that gave up leaves the waiter blocked; when the flock
comes, the waiter hands it to whoever waits now, or lets it go at once.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path


class WriteLockTimeout(Exception):
    """Waited longer than the busy timeout for another thread's or process's write transaction."""

    retryable = True  # the lock is busy, not broken: the stage goes back to the queue


class _Request:
    """One writer waiting for the flock: granted by the waiter thread, or given up."""

    granted = False
    cancelled = False


class WriteLock:
    def __init__(self, database: Path, timeout: float) -> None:
        self._path = Path(f"{database}.writelock")
        self._timeout = timeout
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = os.getpid()
        # id() of each DBAPI connection whose write transaction holds the lock (sqlite3
        # connections take no weak references; a held connection is alive, so its id is unique).
        self._holder: int | None = None
        # The waiter thread and what it serves (all under _cv). While it is inside a blocking
        # flock() no writer may call flock() itself: on the same open file description a second
        # flock() succeeds at once, and the waiter would then let go of a lock a writer holds.
        self._cv = threading.Condition()
        self._pending: _Request | None = None
        self._waiting = False  # the waiter thread is in (or about to enter) flock()
        self._waiter: threading.Thread | None = None

    def _file(self) -> int:
        # A forked child must not share its parent's open file description: flock() belongs to
        # that description, so parent and child would not exclude each other.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
            self._waiter = None  # threads do not survive a fork
            self._pending, self._waiting = None, False
        return self._fd

    def acquire(self, connection: object) -> None:
        deadline = time.monotonic() + self._timeout
        if not self._threads.acquire(timeout=self._timeout):
            raise self._timed_out()
        try:
            self._flock(deadline)
        except BaseException:
            self._threads.release()
            raise
        self._holder = id(connection)

    def _flock(self, deadline: float) -> None:
        fd = self._file()
        with self._cv:
            if not self._waiting:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free: the usual case
                    return
                except BlockingIOError:
                    pass  # another process's write transaction: wait in the kernel's queue
            request = _Request()
            self._pending = request
            self._waiting = True
            self._start_waiter(fd)
            self._cv.notify_all()
            while not request.granted:
                left = deadline - time.monotonic()
                if left <= 0:
                    request.cancelled = True
                    raise self._timed_out()
                self._cv.wait(left)

    def _start_waiter(self, fd: int) -> None:
        if self._waiter is None or not self._waiter.is_alive():
            self._waiter = threading.Thread(
                target=self._wait_for_flock, args=(fd,), name="sqlite-writelock", daemon=True
            )
            self._waiter.start()

    def _wait_for_flock(self, fd: int) -> None:
        while True:
            with self._cv:
                while not self._waiting:
                    self._cv.wait()
            fcntl.flock(fd, fcntl.LOCK_EX)  # blocking, in the kernel's queue; no timeout here
            with self._cv:
                request, self._pending, self._waiting = self._pending, None, False
                if request is not None and not request.cancelled:
                    request.granted = True
                    self._cv.notify_all()
                else:  # the writer gave up meanwhile, and no other one waits: not ours to keep
                    fcntl.flock(fd, fcntl.LOCK_UN)

    def _timed_out(self) -> WriteLockTimeout:
        return WriteLockTimeout(f"no write lock on {self._path} within {self._timeout:g} s")

    def release(self, connection: object) -> None:
        """Let go if `connection` holds the lock; any other connection (a read) is a no-op."""
        # SQLAlchemy hands commit and rollback the pool's proxy, close the DBAPI connection.
        connection = getattr(connection, "dbapi_connection", connection)
        if self._holder != id(connection):
            return
        self._holder = None
        try:
            fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self._threads.release()
