"""What every stage needs, built once by bootstrap() and passed down."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from gateway.archive import Archive
from gateway.events import StageJob, make_job
from gateway.pipeline import handoff
from gateway.settings import Settings
from gateway.store import CommitReceipt, OutboxMessage, SqlStore


@dataclass(frozen=True)
class StageContext:
    settings: Settings
    store: SqlStore
    archive: Archive

    def job(self, queue: str, job: StageJob) -> OutboxMessage:
        message = make_job(queue, job, source_oin=self.settings.default_oin, system=self.settings.system_name)
        offer = handoff.current()
        if offer is not None and offer.takes(queue, job):
            # Held for this worker, which runs it next (gateway/pipeline/handoff.py).
            message = dataclasses.replace(
                message, held_until=offer.held_until, hands_over=offer.running, receipt=CommitReceipt()
            )
            offer.message = message
        return message

    def take_over(self) -> tuple[str, CommitReceipt] | None:
        """For a stage that queues no next job (the last): the held job this thread runs now,
        to be marked handed over in the stage's own last transaction, and the receipt that says
        it was (the worker then writes nothing more). None: no held job, or already taken."""
        offer = handoff.current()
        if offer is None or offer.running is None:
            return None
        if offer.message is not None or offer.taken_over is not None:
            return None
        offer.taken_over = CommitReceipt()
        return offer.running, offer.taken_over

    def our_oin(self, candidate: str | None) -> str:
        """The OIN to act with: the one DSO addressed, when it is ours; otherwise our default."""
        if candidate and candidate in self.settings.our_oins:
            return candidate
        return self.settings.default_oin
