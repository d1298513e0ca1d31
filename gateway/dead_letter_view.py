"""Dead letters as the status page, `/v1` and `/metrics` read them.

A broker has no cheap way to list a queue: the STOMP queue browses by consuming and giving back,
and waits until the queue goes quiet (half a second per queue, even an empty one). Browsing the
three dead-letter queues on every page view made each view take seconds. So on a queue whose
browse is slow, one background thread browses every `interval` seconds and requests read its
last result; a replay takes the letter out of that copy at once. Cheap queues (SQLite, memory)
are read directly, so what staff see there is always current."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import structlog

from message_queue.base import DeadLetter, MessageQueue
from message_queue.errors import QueueError

log = structlog.get_logger(__name__)


class DeadLetterView:
    def __init__(self, queue: MessageQueue, queues: Sequence[str], interval: float) -> None:
        self._queue = queue
        self._queues = tuple(queues)
        self._interval = interval
        self._letters: dict[str, list[DeadLetter]] = {}
        self._refreshed_at: float | None = None  # monotonic time of the last complete browse
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def cached(self) -> bool:
        return self._queue.slow_browse

    def of(self, queue: str) -> list[DeadLetter]:
        """The dead letters of one stage queue; from the last browse where browsing is slow."""
        if not self.cached:
            return self._queue.dead_letters(queue)
        self._ensure_refreshing()
        with self._lock:
            return list(self._letters.get(queue, ()))

    def age(self) -> float | None:
        """Seconds since the copy was made; None before the first browse finished (or uncached)."""
        if not self.cached:
            return 0.0
        with self._lock:
            return None if self._refreshed_at is None else time.monotonic() - self._refreshed_at

    def forget(self, queue: str, message_id: str | None) -> None:
        """A replayed letter leaves the copy at once, so the page does not offer it twice."""
        with self._lock:
            if queue in self._letters:
                self._letters[queue] = [
                    d for d in self._letters[queue] if message_id is not None and d.message_id != message_id
                ]
        self._wake.set()

    def refresh(self) -> None:
        letters = {q: self._queue.dead_letters(q) for q in self._queues}
        with self._lock:
            self._letters = letters
            self._refreshed_at = time.monotonic()

    def _ensure_refreshing(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="dead-letter-view", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                self.refresh()
            except QueueError as exc:  # the broker is down: keep the last copy, try again later
                log.warning("dead_letters.browse_failed", error=str(exc))
            self._wake.wait(self._interval)
            self._wake.clear()

    def close(self) -> None:
        self._stopped.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
