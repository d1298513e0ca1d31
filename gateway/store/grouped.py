"""Group commit: small write transactions from many requests, committed together.

Each notification DSO sends us is one short write transaction (the version, the verzoek, the
timeline event and the fetch job in the outbox), and it must be durable before we answer 202.
One commit per request makes the intake as fast as the disk's fsync, one at a time (SQLite has
one write lock per database; every worker shares it). Here one thread takes the writes that are
waiting, runs them one after another inside a single transaction (SqlStore.together(): each its
own savepoint, so one that fails fails alone) and commits once; every caller gets its own result
or error only after that commit. Under load, a commit carries as many requests as arrived during
the previous one; alone, a request waits for nothing but its own commit."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

import structlog

from gateway.store.sql_store import SqlStore

log = structlog.get_logger(__name__)

T = TypeVar("T")

_STOP = object()


@dataclass
class _Write:
    write: Callable[[], Any]
    future: Future[Any] = field(default_factory=Future)
    result: Any = None
    error: BaseException | None = None


class GroupedWrites:
    def __init__(self, store: SqlStore, max_batch: int = 100) -> None:
        self._store = store
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Write | object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, write: Callable[[], T]) -> Future[T]:
        """Run `write` (store writes of this SqlStore only) in the next group; its Future is
        done once the group is committed."""
        item = _Write(write)
        with self._lock:
            if self._closed:
                raise RuntimeError("GroupedWrites is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="grouped-writes", daemon=True)
                self._thread.start()
            self._queue.put(item)
        return item.future

    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(10)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            assert isinstance(first, _Write)
            batch = [first]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stop = True
                    break
                assert isinstance(more, _Write)
                batch.append(more)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[_Write]) -> None:
        try:
            with self._store.together():
                for item in batch:
                    try:
                        item.result = item.write()
                    except Exception as exc:  # noqa: BLE001 - handed to its own caller below
                        item.error = exc
        except BaseException as exc:  # noqa: BLE001 - the commit failed: nothing of the group stands
            log.warning("store.grouped_commit_failed", writes=len(batch), error=type(exc).__name__)
            for item in batch:
                item.future.set_exception(exc)
            return
        for item in batch:
            if item.error is not None:
                item.future.set_exception(item.error)
            else:
                item.future.set_result(item.result)
