"""Hand-off: the next stage of a version runs in the consumer thread that finished this one.

Through the queue, every stage of a verzoek costs an outbox relay round, a publish, a receive
and an ack: on PostgreSQL + RabbitMQ a measurable part of a verzoek's CPU, for a job whose next
step is known the moment its transaction commits. So a stage's job for the next stage of the
same version is still written to the outbox in that transaction, but *held*: the relay leaves it
alone while the worker runs it itself, right away (gateway/pipeline/worker.py).

Nothing is lost and nothing changes for the guarantees: the held row is as durable as any job.
- The next stage succeeds: its row is marked published, as the relay would have done.
- It fails: the failure is recorded as the job's first attempt (a retry with its backoff while
  attempts are left, else FAILED), and the job goes to the queue: released with a hold until the
  backoff is over, counted there as the second attempt; or, failed for good, only to be
  dead-lettered by the consumer. Retries, backoff and dead letters stay as without hand-off.
- The worker dies: the hold runs out (the heartbeat renews it while the stage runs) and the
  relay publishes the job then.
A stage run twice (a hold that ran out under a stage that was still running) is a redelivery,
which every stage already handles by its state check.

Off with DSOGW_STAGE_HANDOFF=false: every job goes through the queue."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from gateway.events import FETCH, REPORT, TRANSLATE, StageJob
from gateway.store import CommitReceipt, OutboxMessage

NEXT_STAGE = {FETCH: TRANSLATE, TRANSLATE: REPORT}
# Headers of a job given to the queue after its hand-off failed: the attempt made in the thread
# counts (the consumer's first attempt is the second), or the job failed for good and is only
# dead-lettered. Not "dsogw-": the STOMP queue's own headers use that prefix.
PRIOR_ATTEMPTS = "gw-prior-attempts"
FAILED = "gw-failed-in-handoff"


@dataclass
class HandOff:
    """The one job a stage may hold for its worker: the next stage, of the same version."""

    queue: str
    verzoeknummer: str
    volgnummer: int | None
    held_until: datetime
    # The held job this thread runs now, if any: the next job's transaction marks it handed over,
    # or (the last stage) the stage's own last transaction, whose receipt is `taken_over`.
    running: str | None = None
    message: OutboxMessage | None = None
    taken_over: CommitReceipt | None = None

    def takes(self, queue: str, job: StageJob) -> bool:
        return (
            self.message is None
            and queue == self.queue
            and job.verzoeknummer == self.verzoeknummer
            and (self.volgnummer is None or job.volgnummer == self.volgnummer)
        )


_current: ContextVar[HandOff | None] = ContextVar("handoff", default=None)


def current() -> HandOff | None:
    return _current.get()


@contextmanager
def offering(handoff: HandOff | None) -> Iterator[None]:
    token = _current.set(handoff)
    try:
        yield
    finally:
        _current.reset(token)
