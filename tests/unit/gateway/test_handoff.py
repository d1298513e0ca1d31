"""Hand-off (gateway/pipeline/handoff.py): the next stage of a version runs in the thread that
finished this one, its job held in the outbox meanwhile; any failure gives it to the queue."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import message_queue
from gateway.archive import Archive
from gateway.events import FETCH, REPORT, TRANSLATE, StageJob, make_job
from gateway.pipeline import handoff
from gateway.pipeline.context import StageContext
from gateway.pipeline.worker import StageRunner, Worker
from gateway.settings import Settings
from gateway.store import SqlStore, State, schema
from message_queue.base import MessageQueue

VNR = "2024031400042"
OTHER = "2024031400043"
OIN = "00000001001600820000"


class ZgwDown(Exception):
    retryable = True


class MappingGap(Exception):
    retryable = False


class Pipeline:
    """Three stages that move a version through the store as the real ones do."""

    def __init__(self, tmp_path: Path, **settings: Any) -> None:
        settings.setdefault("stage_handoff", True)
        self.settings = Settings(data_dir=tmp_path, retry_base_delay=0.01, retry_max_delay=0.02, **settings)
        self.store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gw.db'}")
        self.queue: MessageQueue = message_queue.connect("memory://")
        self.ctx = StageContext(self.settings, self.store, Archive(tmp_path / "archive", self.store))
        self.ran: list[str] = []
        self.translate_failures = 0
        self.translate_error: type[Exception] = ZgwDown
        self.take_over = False  # whether report marks its own held job (as the real one does)
        self.stages = [
            StageRunner(FETCH, "fetch", self.fetch),
            StageRunner(TRANSLATE, "translate", self.translate),
            StageRunner(REPORT, "report", self.report),
        ]
        self.worker = Worker(self.settings, self.store, self.queue, self.stages)

    def fetch(self, job: StageJob) -> None:
        self.ran.append("fetch")
        self.store.transition(
            job.verzoeknummer,
            1,
            to=State.FETCHED,
            event="fetched",
            expect={State.RECEIVED},
            job=self.ctx.job(TRANSLATE, StageJob(job.verzoeknummer, 1, OIN)),
        )
        # Another verzoek's job (as release_waiting queues): never held, always the queue's.
        self.store.enqueue(self.ctx.job(FETCH, StageJob(OTHER, 1, OIN)))

    def translate(self, job: StageJob) -> None:
        self.ran.append("translate")
        if self.translate_failures:
            self.translate_failures -= 1
            raise self.translate_error("ZGW answered 503")
        self.store.transition(
            job.verzoeknummer,
            1,
            to=State.DELIVERED,
            event="delivered",
            expect={State.FETCHED},
            job=self.ctx.job(REPORT, StageJob(job.verzoeknummer, 1, OIN, action="link")),
        )

    def report(self, job: StageJob) -> None:
        self.ran.append("report")
        self.store.transition(
            job.verzoeknummer,
            1,
            to=State.REPORTED,
            event="reported",
            expect={State.DELIVERED},
            taken_over=self.ctx.take_over() if self.take_over else None,
        )

    def notify(self) -> None:
        job = make_job(FETCH, StageJob(VNR, 1, OIN), source_oin=OIN, system="test")
        self.store.record_notification(VNR, 1, OIN, job)
        assert self.worker.relay_once() == 1

    def run_from(self, queue: str) -> bool:
        message = self.queue.receive(queue, timeout=0.5)
        if message is None:
            return False
        self.worker.process(next(s for s in self.stages if s.queue == queue), message)
        return True

    def state(self) -> str:
        versie = self.store.get_versie(VNR, 1)
        assert versie is not None
        return str(versie.state)


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    return Pipeline(tmp_path)


def test_one_fetch_message_takes_the_version_to_the_end(pipeline: Pipeline) -> None:
    pipeline.notify()
    assert pipeline.run_from(FETCH)
    assert pipeline.ran == ["fetch", "translate", "report"]
    assert pipeline.state() == "reported"
    # The held jobs were handed over, not published; only the other verzoek's job is pending.
    published: list[str] = []
    assert pipeline.store.relay_outbox(lambda row: published.append(row.queue)) == 1
    assert published == [FETCH]
    assert pipeline.queue.receive(TRANSLATE, timeout=0.1) is None
    assert pipeline.queue.receive(REPORT, timeout=0.1) is None


@pytest.mark.parametrize("takes_over", [False, True])
def test_the_last_stage_marks_its_own_job_handed_over_in_its_last_commit(
    tmp_path: Path, takes_over: bool
) -> None:
    """The report stage's REPORTED transition marks the held report job handed over in the same
    commit (StageContext.take_over): the worker writes nothing after it. Without, the worker does."""
    from tests.unit.gateway.transactions import transactions

    pipeline = Pipeline(tmp_path)
    pipeline.take_over = takes_over
    pipeline.notify()
    begun = transactions(pipeline.store)
    assert pipeline.run_from(FETCH)
    assert pipeline.ran == ["fetch", "translate", "report"] and pipeline.state() == "reported"
    # fetch (+ the other verzoek's job), translate, report: and the worker's mark only without.
    assert begun.count("write") == (4 if takes_over else 5)
    published: list[str] = []
    assert pipeline.store.relay_outbox(lambda row: published.append(row.queue)) == 1
    assert published == [FETCH]  # the report job was handed over, not left for the relay


def test_a_committed_hand_off_is_not_read_back(pipeline: Pipeline) -> None:
    # The transaction's receipt says the held job is there: no read of the outbox per stage.
    pipeline.notify()
    statements: list[str] = []
    sa.event.listen(pipeline.store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    assert pipeline.run_from(FETCH)
    assert pipeline.ran == ["fetch", "translate", "report"]
    outbox_reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "outbox" in s]
    assert outbox_reads == []


def test_a_job_whose_transaction_rolled_back_is_not_run(pipeline: Pipeline) -> None:
    # A stage that wrote the next job in a transaction that rolled back, and then ended well:
    # its job does not exist, so the next stage must not run.
    def translate(job: StageJob) -> None:
        pipeline.ran.append("translate")
        try:
            with pipeline.store.together():
                pipeline.store.enqueue(pipeline.ctx.job(REPORT, StageJob(job.verzoeknummer, 1, OIN)))
                raise RuntimeError("undone")
        except RuntimeError:
            pass

    pipeline.stages[1] = StageRunner(TRANSLATE, "translate", translate)
    pipeline.worker = Worker(pipeline.settings, pipeline.store, pipeline.queue, pipeline.stages)
    pipeline.notify()
    assert pipeline.run_from(FETCH)
    assert pipeline.ran == ["fetch", "translate"]
    assert pipeline.store.pending_outbox() == 1  # the other verzoek's fetch job only


def test_a_failing_next_stage_counts_as_the_first_attempt_and_retries_from_the_queue(
    pipeline: Pipeline,
) -> None:
    pipeline.translate_failures = 1
    pipeline.notify()
    assert pipeline.run_from(FETCH)
    assert pipeline.ran == ["fetch", "translate"] and pipeline.state() == "fetched"
    assert [e.detail for e in pipeline.store.events_for(VNR) if e.kind == "retry-translate"] == [
        "poging 1 van 6: ZGW answered 503"
    ]
    # Released with a hold until its backoff is over; then the queue's consumer finishes it,
    # and its attempt is the second.
    time.sleep(0.05)
    assert pipeline.worker.relay_once() == 2
    message = pipeline.queue.receive(TRANSLATE, timeout=0.5)
    assert message is not None and message.headers[handoff.PRIOR_ATTEMPTS] == "1"
    pipeline.worker.process(pipeline.stages[1], message)
    assert pipeline.ran == ["fetch", "translate", "translate", "report"]
    assert pipeline.state() == "reported"
    assert pipeline.queue.dead_letters() == []


def test_attempts_in_the_thread_and_from_the_queue_add_up_to_max_attempts(tmp_path: Path) -> None:
    pipeline = Pipeline(tmp_path, max_attempts=2)
    pipeline.translate_failures = 5
    pipeline.notify()
    assert pipeline.run_from(FETCH)
    time.sleep(0.05)
    pipeline.worker.relay_once()
    assert pipeline.run_from(TRANSLATE)
    versie = pipeline.store.get_versie(VNR, 1)
    assert versie is not None and versie.state == "failed"
    assert versie.last_error == "ZGW answered 503 (opgegeven na 2 pogingen)"
    assert pipeline.ran == ["fetch", "translate", "translate"]
    assert [d.queue for d in pipeline.queue.dead_letters()] == [TRANSLATE]


@pytest.mark.parametrize("max_attempts", [1, 3])
def test_a_hand_off_that_fails_for_good_is_failed_at_once_and_dead_lettered(
    tmp_path: Path, max_attempts: int
) -> None:
    pipeline = Pipeline(tmp_path, max_attempts=max_attempts)
    pipeline.translate_failures = 1
    pipeline.translate_error = MappingGap if max_attempts == 3 else ZgwDown
    pipeline.notify()
    assert pipeline.run_from(FETCH)
    versie = pipeline.store.get_versie(VNR, 1)
    assert versie is not None and versie.state == "failed" and versie.failed_stage == "translate"
    # To the queue only to be dead-lettered, as a failed job is without hand-off: not run again.
    assert pipeline.worker.relay_once() == 2
    assert pipeline.run_from(TRANSLATE)
    assert pipeline.ran == ["fetch", "translate"]
    letters = pipeline.queue.dead_letters()
    assert [d.queue for d in letters] == [TRANSLATE] and letters[0].reason == versie.last_error


def test_a_job_of_a_worker_that_died_is_queued_when_its_hold_runs_out(pipeline: Pipeline) -> None:
    pipeline.notify()
    message = pipeline.queue.receive(FETCH, timeout=0.5)
    assert message is not None
    # The fetch stage of a worker that dies before it runs the job it held.
    later = datetime.now(UTC) + timedelta(minutes=5)
    with handoff.offering(handoff.HandOff(TRANSLATE, VNR, 1, later)):
        pipeline.fetch(StageJob(VNR, 1, OIN))
    pipeline.queue.ack(message)
    published: list[str] = []
    pipeline.store.relay_outbox(lambda row: published.append(row.queue))
    assert published == [FETCH]  # the other verzoek's; the held job waits while the hold lasts
    with pipeline.store.transaction() as conn:
        conn.execute(schema.outbox.update().values(held_until=datetime.now(UTC) - timedelta(seconds=1)))
    assert pipeline.worker.relay_once() == 1
    assert pipeline.run_from(TRANSLATE)
    assert pipeline.state() == "reported"


def test_off_every_stage_goes_through_the_queue(tmp_path: Path) -> None:
    pipeline = Pipeline(tmp_path, stage_handoff=False)
    pipeline.notify()
    assert pipeline.run_from(FETCH)
    assert pipeline.ran == ["fetch"]
    assert pipeline.worker.relay_once() == 2
    assert pipeline.run_from(TRANSLATE)
    assert pipeline.worker.relay_once() == 1
    assert pipeline.run_from(REPORT)
    assert pipeline.ran == ["fetch", "translate", "report"] and pipeline.state() == "reported"


def test_the_heartbeat_renews_the_hold_of_a_running_stage(pipeline: Pipeline) -> None:
    pipeline.notify()
    seen: list[bool] = []

    def slow_translate(job: StageJob) -> None:
        # While it runs, the hold is renewed past the first one (the heartbeat's work).
        before = _hold(pipeline)
        pipeline.worker._renew_holds()
        seen.append(_hold(pipeline) > before)
        Pipeline.translate(pipeline, job)

    pipeline.stages[1] = StageRunner(TRANSLATE, "translate", slow_translate)
    pipeline.worker = Worker(pipeline.settings, pipeline.store, pipeline.queue, pipeline.stages)
    assert pipeline.run_from(FETCH)
    assert seen == [True] and pipeline.state() == "reported"


def _hold(pipeline: Pipeline) -> datetime:
    with pipeline.store.reading() as conn:
        value = conn.execute(
            schema.outbox.select()
            .with_only_columns(schema.outbox.c.held_until)
            .where(schema.outbox.c.queue == TRANSLATE)
        ).scalar_one()
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
