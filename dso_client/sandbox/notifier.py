"""Sends verzoeknotificaties to the gateway as DSO-LV would: in the background, with retry and
backoff. A notification that still fails is logged and dropped (DSO-LV gives up too; the
gateway's reconciliation with `_zoek` is what finds it then)."""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass

import httpx2
import structlog

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SentNotification:
    verzoeknummer: str
    volgnummer: int
    status: int | None  # None: never got an HTTP answer
    attempts: int


class Notifier:
    def __init__(
        self,
        url: str,
        *,
        attempts: int = 5,
        backoff: float = 0.2,
        timeout: float = 10.0,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.attempts = attempts
        self.backoff = backoff
        self.sent: list[SentNotification] = []
        self._queue: queue.Queue[tuple[str, int, bytes] | None] = queue.Queue()
        self._http = httpx2.Client(timeout=timeout, transport=transport)
        self._thread = threading.Thread(target=self._run, name="sandbox-notifier", daemon=True)
        self._thread.start()

    def send(self, verzoeknummer: str, volgnummer: int, xml: bytes) -> None:
        self._queue.put((verzoeknummer, volgnummer, xml))

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until everything queued so far was delivered or given up (tests, the demo)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(5)
        self._http.close()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self.sent.append(self._deliver(*item))
            finally:
                self._queue.task_done()

    def _deliver(self, verzoeknummer: str, volgnummer: int, xml: bytes) -> SentNotification:
        status: int | None = None
        for attempt in range(1, self.attempts + 1):
            try:
                response = self._http.post(self.url, content=xml, headers={"Content-Type": "application/xml"})
                status = response.status_code
                if status < 500 and status != 429:
                    if status >= 400:
                        log.warning("sandbox.notify_rejected", verzoeknummer=verzoeknummer, status=status)
                    return SentNotification(verzoeknummer, volgnummer, status, attempt)
            except httpx2.HTTPError as exc:
                log.warning(
                    "sandbox.notify_failed",
                    verzoeknummer=verzoeknummer,
                    attempt=attempt,
                    error=type(exc).__name__,
                )
            if attempt < self.attempts:
                time.sleep(self.backoff * 2 ** (attempt - 1))
        log.error("sandbox.notify_gave_up", verzoeknummer=verzoeknummer, volgnummer=volgnummer, status=status)
        return SentNotification(verzoeknummer, volgnummer, status, self.attempts)
