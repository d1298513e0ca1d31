"""The worker's ack / nack-with-backoff / dead-letter decisions, on the in-memory queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest

import message_queue
from gateway.errors import RetryableError
from gateway.events import FETCH, StageJob, make_job
from gateway.pipeline.worker import StageRunner, Worker, backoff_delay
from gateway.settings import Settings
from gateway.store import OutboxMessage, SqlStore, State
from message_queue.base import MessageQueue

VNR = "2024031400042"
OIN = "00000001001600820000"


class DsoDown(Exception):
    retryable: ClassVar[bool] = True


class MappingGap(Exception):
    retryable: ClassVar[bool] = False


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, max_attempts=3, retry_base_delay=0.01, retry_max_delay=0.05)


@pytest.fixture
def store(tmp_path: Path) -> SqlStore:
    return SqlStore.from_url(f"sqlite:///{tmp_path / 'gw.db'}")


@pytest.fixture
def queue() -> MessageQueue:
    return message_queue.connect("memory://")


def _enqueue(store: SqlStore, worker: Worker) -> OutboxMessage:
    job = make_job(FETCH, StageJob(VNR, 1, OIN), source_oin=OIN, system="test")
    store.record_notification(VNR, 1, OIN, job)
    assert worker.relay_once() == 1
    return job


def _run_once(worker: Worker, stage: StageRunner, queue: MessageQueue, wait: float = 1.0) -> bool:
    message = queue.receive(stage.queue, timeout=wait)
    if message is None:
        return False
    worker.process(stage, message)
    return True


def test_success_is_acked(settings: Settings, store: SqlStore, queue: MessageQueue) -> None:
    handled: list[StageJob] = []
    stage = StageRunner(FETCH, "fetch", handled.append)
    worker = Worker(settings, store, queue, [stage])
    _enqueue(store, worker)
    assert _run_once(worker, stage, queue)
    assert [j.verzoeknummer for j in handled] == [VNR]
    assert queue.receive(FETCH, timeout=0.2) is None
    assert queue.dead_letters() == []


def test_retryable_goes_back_then_dead_letters_after_max_attempts(
    settings: Settings, store: SqlStore, queue: MessageQueue
) -> None:
    def fail(job: StageJob) -> None:
        raise DsoDown("DSO answered 503")

    stage = StageRunner(FETCH, "fetch", fail)
    worker = Worker(settings, store, queue, [stage])
    _enqueue(store, worker)
    assert _run_once(worker, stage, queue)
    # Being retried is visible: which attempt of how many, and when the next one is due.
    poging = store.pogingen_for([VNR])[(VNR, 1)]
    assert (poging.poging, poging.max_pogingen, poging.stap) == (1, 3, "fetch")
    assert poging.volgende_om > datetime.now(UTC) - timedelta(seconds=1)
    for _ in range(settings.max_attempts - 1):
        assert _run_once(worker, stage, queue)
    assert queue.receive(FETCH, timeout=0.2) is None
    [letter] = queue.dead_letters(FETCH)
    assert "503" in letter.reason and "3 pogingen" in letter.reason
    versie = store.get_versie(VNR, 1)
    assert versie is not None and versie.state == State.FAILED and versie.failed_stage == "fetch"
    # The counts agree: Pogingen 3 next to "opgegeven na 3 pogingen"; no retry announced any more.
    assert versie.attempts == 3 and store.pogingen_for([VNR]) == {}
    kinds = [e.kind for e in store.events_for(VNR)]
    assert kinds.count("retry-fetch") == 2 and kinds[-1] == "failed-fetch"


def test_permanent_is_dead_lettered_at_once_without_bsn_in_reason(
    settings: Settings, store: SqlStore, queue: MessageQueue
) -> None:
    def fail(job: StageJob) -> None:
        raise MappingGap("geen zaaktype voor activiteit X (aanvrager 999993653)")

    stage = StageRunner(FETCH, "fetch", fail)
    worker = Worker(settings, store, queue, [stage])
    _enqueue(store, worker)
    assert _run_once(worker, stage, queue)
    [letter] = queue.dead_letters(FETCH)
    assert "999993653" not in letter.reason and "*****3653" in letter.reason
    versie = store.get_versie(VNR, 1)
    assert versie is not None and versie.state == State.FAILED and versie.attempts == 1
    assert versie.last_error is not None and "999993653" not in versie.last_error


def test_unreadable_message_is_dead_lettered(
    settings: Settings, store: SqlStore, queue: MessageQueue
) -> None:
    stage = StageRunner(FETCH, "fetch", lambda job: None)
    worker = Worker(settings, store, queue, [stage])
    queue.publish(FETCH, b"not json", message_id="junk-1")
    assert _run_once(worker, stage, queue)
    [letter] = queue.dead_letters(FETCH)
    assert letter.message_id == "junk-1" and "CloudEvent" in letter.reason


def test_backoff_grows_and_honours_retry_after(settings: Settings) -> None:
    s = Settings(retry_base_delay=1.0, retry_max_delay=100.0)
    assert 0.5 <= backoff_delay(s, 1) <= 1.0
    assert 4.0 <= backoff_delay(s, 4) <= 8.0
    assert backoff_delay(s, 30) <= 100.0
    assert backoff_delay(s, 1, retry_after=30.0) == 30.0


def test_retryable_gateway_error_carries_its_delay(
    settings: Settings, store: SqlStore, queue: MessageQueue
) -> None:
    calls: list[int] = []

    def wait_for_older(job: StageJob) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RetryableError("wacht op eerdere versie 1")

    stage = StageRunner(FETCH, "fetch", wait_for_older)
    worker = Worker(settings, store, queue, [stage])
    _enqueue(store, worker)
    assert _run_once(worker, stage, queue)
    assert _run_once(worker, stage, queue, wait=2.0)
    assert len(calls) == 2 and queue.dead_letters() == []


def test_broker_outage_is_one_warning_per_backoff() -> None:
    from structlog.testing import capture_logs

    from gateway.pipeline.worker import BrokerOutage
    from message_queue.errors import QueueUnavailable

    outage = BrokerOutage()
    with capture_logs() as logs:
        # Three stage threads and the relay notice the same outage at once.
        waits = [outage.failed(QueueUnavailable("STOMP broker down")) for _ in range(4)]
        outage.recovered()
        outage.recovered()
    assert waits == [1.0, 1.0, 1.0, 1.0]
    assert [e["event"] for e in logs] == ["queue.unavailable", "queue.available_again"]
    assert all("exc_info" not in e for e in logs)


def test_a_database_failure_in_a_stage_is_retried_not_failed(
    settings: Settings, store: SqlStore, queue: MessageQueue, tmp_path: Path
) -> None:
    """A real OperationalError from SQLite (here: a write to a database opened read-only, as
    after a full disk) goes back to the queue; the verzoek is not failed."""
    import sqlalchemy as sa

    readonly = sa.create_engine(f"sqlite:///file:{tmp_path / 'gw.db'}?mode=ro&uri=true")

    def write(job: StageJob) -> None:
        with readonly.begin() as conn:
            conn.execute(sa.text("UPDATE versies SET attempts = attempts"))

    stage = StageRunner(FETCH, "fetch", write)
    worker = Worker(settings, store, queue, [stage])
    _enqueue(store, worker)
    try:
        assert _run_once(worker, stage, queue)
    finally:
        readonly.dispose()
    assert queue.dead_letters() == []
    versie = store.get_versie(VNR, 1)
    assert versie is not None and versie.state == State.RECEIVED
    assert store.pogingen_for([VNR])[(VNR, 1)].stap == "fetch"
    [event] = [e for e in store.events_for(VNR) if e.kind == "retry-fetch"]
    assert "database" in (event.detail or "")


def test_consumers_per_stage_default_to_what_the_store_can_take(tmp_path: Path) -> None:
    """SQLite has one writer: two consumers per stage; PostgreSQL: four; a setting wins."""
    assert Settings(_env_file=None, data_dir=tmp_path).effective_stage_consumers == 2
    pg = "postgresql+psycopg://gw@db.example/gw"
    assert Settings(_env_file=None, data_dir=tmp_path, store_url=pg).effective_stage_consumers == 4
    assert Settings(_env_file=None, store_url=pg, stage_consumers=3).effective_stage_consumers == 3
