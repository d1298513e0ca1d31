"""Group commit: small write transactions from many requests, committed together.

Each notification DSO sends us is one short write transaction (the version, the verzoek, the
timeline event and the fetch job in the outbox), and it must be durable before we answer 202.
One commit per request makes the intake as fast as the disk's fsync, one at a time (SQLite has
one write lock per database; every worker shares it). Here one thread takes the writes that are
waiting, writes them in a single transaction (SqlStore.together()) and commits once; every
caller gets its own result or error only after that commit. Under load, a commit carries as
many requests as arrived during the previous one; alone, a request waits for nothing but its
own commit."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import structlog

from gateway.store.sql_store import SqlStore

log = structlog.get_logger(__name__)

A = TypeVar("A")
R = TypeVar("R")

_STOP = object()


@dataclass
class _Write(Generic[A]):
    arg: A
    future: Future[Any] = field(default_factory=Future)


class GroupedWrites(Generic[A, R]):
    """`one(arg)` writes one; `many(args)`, if given, writes a whole group at once with the same
    outcome as `one` for each in turn (SqlStore.record_notifications). Should `many` fail, the
    group is written again with `one` per write, each in its own savepoint, so a write that
    fails fails alone."""

    def __init__(
        self,
        store: SqlStore,
        one: Callable[[A], R],
        many: Callable[[Sequence[A]], list[R]] | None = None,
        max_batch: int = 100,
    ) -> None:
        self._store = store
        self._one = one
        self._many = many
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Write[A] | object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, arg: A) -> Future[R]:
        """Write `arg` in the next group; its Future is done once the group is committed."""
        item: _Write[A] = _Write(arg)
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
            batch: list[_Write[A]] = [first]  # type: ignore[list-item]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stop = True
                    break
                batch.append(more)  # type: ignore[arg-type]
            if not (self._many is not None and len(batch) > 1 and self._all_at_once(batch, self._many)):
                self._one_by_one(batch)
            if stop:
                return

    def _all_at_once(self, batch: list[_Write[A]], many: Callable[[Sequence[A]], list[R]]) -> bool:
        try:
            with self._store.together():
                results = many([item.arg for item in batch])
        except Exception as exc:  # noqa: BLE001 - written again one by one, where it fails alone
            log.warning("store.grouped_write_failed", writes=len(batch), error=type(exc).__name__)
            return False
        for item, result in zip(batch, results, strict=True):
            item.future.set_result(result)
        return True

    def _one_by_one(self, batch: list[_Write[A]]) -> None:
        if len(batch) == 1:
            # Alone in its transaction: its failure rolls back nothing of anyone else's, so no
            # savepoint (on PostgreSQL two round trips per notification at a quiet intake).
            item = batch[0]
            try:
                with self._store.together():
                    value = self._one(item.arg)
            except BaseException as exc:  # noqa: BLE001 - handed to its caller, as below
                item.future.set_exception(exc)
                return
            item.future.set_result(value)
            return
        outcomes: list[tuple[bool, Any]] = []
        try:
            with self._store.together():
                for item in batch:
                    try:
                        with self._store.isolated():  # a savepoint: one that fails fails alone
                            outcomes.append((True, self._one(item.arg)))
                    except Exception as exc:  # noqa: BLE001 - handed to its own caller below
                        outcomes.append((False, exc))
        except BaseException as exc:  # noqa: BLE001 - the commit failed: nothing of the group stands
            log.warning("store.grouped_commit_failed", writes=len(batch), error=type(exc).__name__)
            for item in batch:
                item.future.set_exception(exc)
            return
        for item, (ok, value) in zip(batch, outcomes, strict=True):
            if ok:
                item.future.set_result(value)
            else:
                item.future.set_exception(value)
