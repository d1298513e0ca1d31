"""The worker: `stage_consumers` threads per stage plus the outbox relay, sharing one queue and store.

Several consumers of one stage are as safe as several worker processes: every stage is
idempotent per (verzoeknummer, volgnummer), and a newer version waits for an older one in the
store, not in the order of the queue.

The ack/nack/dead-letter decision rests on `classify()` alone: retryable errors go back with
exponential backoff and jitter until max_attempts; permanent errors and exhausted retries are
dead-lettered and the version is recorded FAILED with a reason a person can read."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from gateway import heartbeat
from gateway.bsn_mask import mask_bsns
from gateway.errors import classify
from gateway.events import BadMessage, StageJob, parse_job, trace_context_of
from gateway.metrics import GatewayMetrics
from gateway.pipeline import handoff
from gateway.settings import Settings
from gateway.store import OutboxMessage, OutboxRow, SqlStore, State
from gateway.telemetry import StageSpan
from message_queue.base import Message, MessageQueue
from message_queue.errors import QueueError

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class StageRunner:
    queue: str
    name: str
    handle: Callable[[StageJob], None]


def backoff_delay(settings: Settings, attempt: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter on the upper half, honouring a server's Retry-After."""
    ceiling = min(settings.retry_max_delay, settings.retry_base_delay * (2 ** max(attempt - 1, 0)))
    delay = ceiling / 2 + random.uniform(0, ceiling / 2)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return float(delay)


class BrokerOutage:
    """A broker that is down, as every stage thread and the relay notice it at once: one warning
    line per backoff (1, 2, 4 ... 60 s), not a traceback per thread per second."""

    MAX_DELAY = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._delay = 0.0
        self._next_warning = 0.0

    def failed(self, exc: Exception) -> float:
        """Record a failure; returns how long the calling thread should wait."""
        with self._lock:
            now = time.monotonic()
            if now >= self._next_warning:
                self._delay = min(self.MAX_DELAY, max(1.0, self._delay * 2))
                self._next_warning = now + self._delay
                log.warning("queue.unavailable", error=str(exc), retry_in=self._delay)
            return self._delay

    def recovered(self) -> None:
        if self._delay:  # unlocked read: a stale 0 only skips one "available" line
            with self._lock:
                if self._delay:
                    log.info("queue.available_again")
                self._delay = 0.0
                self._next_warning = 0.0


class Worker:
    def __init__(
        self,
        settings: Settings,
        store: SqlStore,
        queue: MessageQueue,
        stages: list[StageRunner],
        *,
        periodic: list[tuple[float, Callable[[], object]]] | None = None,
        metrics: GatewayMetrics | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.queue = queue
        self.stages = stages
        self.periodic = periodic or []
        self._threads: list[threading.Thread] = []
        self.stop_event = threading.Event()
        self.name = heartbeat.new_worker_name()
        self._outage = BrokerOutage()
        self.metrics = metrics or GatewayMetrics()
        self._stop_metrics_server: Callable[[], None] | None = None
        self._by_queue = {s.queue: s for s in stages}
        # Held jobs this worker runs now; the heartbeat renews their holds.
        self._holding: set[str] = set()
        self._hold_seconds = max(settings.stage_handoff_hold, 3 * settings.worker_heartbeat_interval)

    # -- one message -----------------------------------------------------------------------------

    def process(self, stage: StageRunner, message: Message) -> None:
        # Attempts made in a hand-off before the job came to the queue count too.
        attempt = message.delivery_count + _int(message.headers.get(handoff.PRIOR_ATTEMPTS))
        bound = log.bind(stage=stage.name, message_id=message.message_id, attempt=attempt)
        try:
            _, job = parse_job(message.body)
        except BadMessage as exc:
            bound.error("message.unreadable", error=str(exc))
            self.queue.dead_letter(message, str(exc))
            return
        if message.headers.get(handoff.FAILED):
            self._dead_letter_failed(message, job)
            return
        bound = bound.bind(verzoeknummer=job.verzoeknummer, volgnummer=job.volgnummer)
        offer = self._offer(stage, job)
        with self._observed(stage, job, message.message_id, message.body) as outcome:
            try:
                with handoff.offering(offer):
                    stage.handle(job)
            except Exception as exc:  # noqa: BLE001 - every failure is classified, none escapes
                if offer is not None and offer.message is not None:
                    self._release(offer.message)  # committed before the failure: queued at once
                outcome.value = "retry"  # unless the bookkeeping below says otherwise
                try:
                    outcome.value, delay, reason = self._record_failed_attempt(
                        stage, job, exc, attempt, bound
                    )
                    if outcome.value == "retry":
                        self.queue.nack(message, delay=delay)
                    else:
                        self.queue.dead_letter(message, reason)
                except Exception:  # noqa: BLE001 - store or broker down: leave it unacked, it comes back
                    bound.exception("stage.bookkeeping_failed")
            else:
                self.queue.ack(message)
        if outcome.value == "ok" and offer is not None and offer.message is not None:
            self._run_held(offer.message)

    @contextmanager
    def _observed(
        self, stage: StageRunner, job: StageJob, message_id: str, body: bytes
    ) -> Iterator[_Outcome]:
        """One stage run, queued or held: the verzoeknummer bound to its log lines, a span that is
        a child of the trace the job carries, and its time in the stage histogram."""
        structlog.contextvars.bind_contextvars(verzoeknummer=job.verzoeknummer, message_id=message_id)
        span = StageSpan(stage.name, stage.queue, trace_context_of(body), job.verzoeknummer, job.volgnummer)
        outcome, started = _Outcome(), time.perf_counter()
        try:
            yield outcome
        finally:
            structlog.contextvars.clear_contextvars()
            span.end(outcome.value)
            self.metrics.observe_stage(stage.name, outcome.value, time.perf_counter() - started)

    def _record_failed_attempt(
        self, stage: StageRunner, job: StageJob, exc: Exception, attempt: int, bound: Any
    ) -> tuple[str, float, str]:
        """Record a failed attempt in the store: ("retry", delay, reason) while attempts are left
        for a retryable error, else ("failed", 0, reason) with the version FAILED."""
        error = classify(exc)
        reason = mask_bsns(str(error))
        if error.retryable and attempt < self.settings.max_attempts:
            delay = backoff_delay(self.settings, attempt, error.retry_after)
            self.store.record_attempt(
                job.verzoeknummer,
                job.volgnummer,
                stage=stage.name,
                reason=reason,
                attempt=attempt,
                max_attempts=self.settings.max_attempts,
                next_at=datetime.now(UTC) + timedelta(seconds=delay),
            )
            bound.warning("stage.retry", reason=reason, delay=round(delay, 2))
            return "retry", delay, reason
        if error.retryable:
            reason = f"{reason} (opgegeven na {attempt} pogingen)"
        # This attempt counts too: "Pogingen" and "opgegeven na N" agree.
        self.store.record_failure(
            job.verzoeknummer, job.volgnummer, stage=stage.name, reason=reason, attempts=attempt
        )
        # An exception no client translated is a bug: keep its traceback for whoever fixes it
        # (the BSN scrubber runs over the rendered traceback too).
        unexpected = getattr(type(exc), "retryable", None) is None and error is not exc
        bound.error("stage.failed", reason=reason, exc_info=exc if unexpected else None)
        return "failed", 0.0, reason

    def _dead_letter_failed(self, message: Message, job: StageJob) -> None:
        """A job whose hand-off failed for good: recorded FAILED then, dead-lettered now (its
        reason from the store), so the dead letters are the same as without hand-off."""
        versie = self.store.get_versie(job.verzoeknummer, job.volgnummer) if job.volgnummer else None
        if versie is None or versie.state != State.FAILED:
            self.queue.ack(message)  # retried or handled meanwhile: nothing left to tell
            return
        self.queue.dead_letter(message, versie.last_error or "mislukt")

    # -- hand-off (gateway/pipeline/handoff.py) ----------------------------------------------------

    def _offer(self, stage: StageRunner, job: StageJob, running: str | None = None) -> handoff.HandOff | None:
        """What the stage may hold for this thread: the next stage's job of the same version."""
        queue = handoff.NEXT_STAGE.get(stage.queue)
        if not self.settings.stage_handoff:
            return None
        if queue not in self._by_queue:
            if running is None:
                return None
            # The last stage holds no job, but its last transaction may mark the one it runs.
            queue = ""
        until = datetime.now(UTC) + timedelta(seconds=self._hold_seconds)
        return handoff.HandOff(queue, job.verzoeknummer, job.volgnummer, until, running)

    def _run_held(self, first: OutboxMessage) -> None:
        """Run the job a stage held for this thread, then the one that job holds, and so on. Any
        failure gives the job to the queue (its retries and dead letters are the queue's)."""
        message: OutboxMessage | None = first
        checked = False  # whether `message` is known to be committed and still held
        while message is not None:
            held, message = message, None
            self._holding.add(held.message_id)
            try:
                if not checked and not self._committed(held):
                    continue  # its transaction did not commit it, or the relay has it now
                stage = self._by_queue[held.queue]
                _, job = parse_job(held.body)
                offer = self._offer(stage, job, running=held.message_id)
                with self._observed(stage, job, held.message_id, held.body) as outcome:
                    try:
                        with handoff.offering(offer):
                            stage.handle(job)
                    except Exception as exc:  # noqa: BLE001 - recorded as the queue's first attempt
                        if offer is not None and offer.message is not None:
                            self._release(offer.message)
                        outcome.value = "retry"  # if the store is down: the outer except releases it
                        bound = log.bind(stage=stage.name, message_id=held.message_id, attempt=1)
                        outcome.value, delay, _ = self._record_failed_attempt(stage, job, exc, 1, bound)
                        # To the queue: a retry when its backoff is over, counted as the second
                        # attempt; a failure at once, for the consumer to dead-letter.
                        marks = (
                            {handoff.PRIOR_ATTEMPTS: "1"}
                            if outcome.value == "retry"
                            else {handoff.FAILED: "1"}
                        )
                        until = datetime.now(UTC) + timedelta(seconds=delay) if delay else None
                        self._release(held, until=until, headers={**held.headers, **marks})
                if outcome.value != "ok":
                    continue
                following = offer.message if offer is not None else None
                taken = offer.taken_over if offer is not None else None
                if following is not None and self._committed(following):
                    # Committed: the same transaction marked this job handed over.
                    message, checked = following, True
                elif following is None and taken is not None and taken.committed:
                    pass  # the stage's own last transaction marked it handed over
                else:
                    # As published: a crash before this line leaves the hold to run out, and the
                    # relay's message finds the version moved on (a redelivery).
                    self.store.outbox_handed_over(held.message_id)
            except Exception:
                log.exception("stage.handoff_failed", message_id=held.message_id)
                self._release(held)
            finally:
                self._holding.discard(held.message_id)

    def _committed(self, message: OutboxMessage) -> bool:
        """Whether a job the stage held is in the outbox, held: its transaction's receipt says
        so (no read), else the outbox is asked. Just committed, it is still held: the hold
        (DSOGW_STAGE_HANDOFF_HOLD) outlasts the moment until the next stage starts."""
        if message.receipt is not None and message.receipt.committed:
            return True
        return self.store.outbox_held(message.message_id)

    def _release(
        self, message: OutboxMessage, *, until: datetime | None = None, headers: dict[str, str] | None = None
    ) -> None:
        try:
            self.store.outbox_release(message.message_id, until=until, headers=headers)
        except Exception:  # the hold runs out, and the relay publishes the job then
            log.warning("stage.handoff_not_released", message_id=message.message_id, exc_info=True)

    def _renew_holds(self) -> None:
        holding = list(self._holding)
        if holding:
            until = datetime.now(UTC) + timedelta(seconds=self._hold_seconds)
            self.store.outbox_renew_holds(holding, until)

    # -- loops -----------------------------------------------------------------------------------

    def _consume(self, stage: StageRunner) -> None:
        while not self.stop_event.is_set():
            try:
                message = self.queue.receive(stage.queue, timeout=0.5)
            except QueueError as exc:
                self.stop_event.wait(self._outage.failed(exc))
                continue
            except Exception:
                log.exception("queue.receive_failed", stage=stage.name)
                self.stop_event.wait(1.0)
                continue
            self._outage.recovered()
            if message is not None:
                self.process(stage, message)

    def relay_once(self) -> int:
        def publish(row: OutboxRow) -> None:
            self.queue.publish(row.queue, row.body, message_id=row.message_id, headers=row.headers)

        return self.store.relay_outbox(publish)

    def _relay(self) -> None:
        while not self.stop_event.is_set():
            try:
                published = self.relay_once()
            except QueueError as exc:
                published = 0
                self.stop_event.wait(self._outage.failed(exc))
            except Exception:
                log.exception("outbox.relay_failed")
                published = 0
                self.stop_event.wait(1.0)
            if published == 0:
                self.stop_event.wait(0.1)

    def _periodic(self, interval: float, job: Callable[[], object]) -> None:
        while not self.stop_event.wait(interval):
            try:
                job()
            except Exception:
                log.exception("periodic.failed")

    def _heartbeat(self) -> None:
        started = datetime.now(UTC)
        while True:
            try:
                heartbeat.beat(self.store, self.name, started)
                self._renew_holds()
            except Exception:
                log.exception("heartbeat.failed")
            if self.stop_event.wait(self.settings.worker_heartbeat_interval):
                break
        try:
            heartbeat.forget(self.store, self.name)
        except Exception:
            log.exception("heartbeat.forget_failed")

    def start(self) -> None:
        if self.settings.worker_metrics_port is not None and self._stop_metrics_server is None:
            port, addr = self.settings.worker_metrics_port, self.settings.worker_metrics_addr
            self._stop_metrics_server = self.metrics.serve(port, addr)
            log.info("worker.metrics_served", port=port)
        targets: list[tuple[str, Callable[[], None]]] = [
            ("relay", self._relay),
            ("heartbeat", self._heartbeat),
        ]
        targets += [
            (f"stage-{s.name}-{n}", lambda s=s: self._consume(s))  # type: ignore[misc]
            for s in self.stages
            for n in range(self.settings.effective_stage_consumers)
        ]
        targets += [(f"periodic-{i}", lambda p=p: self._periodic(*p)) for i, p in enumerate(self.periodic)]  # type: ignore[misc]
        for name, target in targets:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        self.stop_event.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        if self._stop_metrics_server is not None:
            self._stop_metrics_server()
            self._stop_metrics_server = None


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


class _Outcome:
    """How a stage run ended, for its span and the histogram: ok, retry or failed."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = "ok"
