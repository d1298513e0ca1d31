"""The worker's stage histogram (outcome ok / retry / failed) and its optional metrics port."""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar

import httpx2
import pytest

import message_queue
from gateway.events import FETCH, StageJob, make_job
from gateway.metrics import render
from gateway.pipeline.worker import StageRunner, Worker
from gateway.servers import free_port
from gateway.settings import Settings
from gateway.store import SqlStore
from message_queue.base import MessageQueue
from tests.prometheus import prometheus_samples

VNR = "2024031400042"
OIN = "00000001001600820000"


class DsoDown(Exception):
    retryable: ClassVar[bool] = True


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, max_attempts=2, retry_base_delay=0.01, retry_max_delay=0.02)


@pytest.fixture
def store(tmp_path: Path) -> SqlStore:
    return SqlStore.from_url(f"sqlite:///{tmp_path / 'gw.db'}")


@pytest.fixture
def queue() -> MessageQueue:
    return message_queue.connect("memory://")


def _count(worker: Worker, stage: str, outcome: str) -> float:
    text = render(worker.metrics.registry)
    key = ("dsogw_stage_duration_seconds_count", (("outcome", outcome), ("stage", stage)))
    return prometheus_samples(text.decode()).get(key, 0.0)


def _process_all(worker: Worker, stage: StageRunner, queue: MessageQueue) -> None:
    while (message := queue.receive(stage.queue, timeout=0.5)) is not None:
        worker.process(stage, message)


def test_outcomes_are_timed_per_stage(settings: Settings, store: SqlStore, queue: MessageQueue) -> None:
    calls: list[int] = []

    def flaky(job: StageJob) -> None:
        calls.append(1)
        time.sleep(0.01)
        raise DsoDown("DSO answered 503")

    stage = StageRunner(FETCH, "fetch", flaky)
    worker = Worker(settings, store, queue, [stage])
    store.record_notification(VNR, 1, OIN, make_job(FETCH, StageJob(VNR, 1, OIN), source_oin=OIN, system="t"))
    worker.relay_once()
    _process_all(worker, stage, queue)
    # max_attempts=2: one retry, then dead-lettered.
    assert len(calls) == 2
    assert _count(worker, "fetch", "retry") == 1
    assert _count(worker, "fetch", "failed") == 1
    assert _count(worker, "fetch", "ok") == 0
    sums = prometheus_samples(render(worker.metrics.registry).decode())
    assert sums[("dsogw_stage_duration_seconds_sum", (("outcome", "retry"), ("stage", "fetch")))] >= 0.01


def test_worker_serves_its_metrics_on_the_configured_port(
    settings: Settings, store: SqlStore, queue: MessageQueue
) -> None:
    port = free_port()
    settings = settings.model_copy(update={"worker_metrics_port": port, "worker_metrics_addr": "127.0.0.1"})
    stage = StageRunner(FETCH, "fetch", lambda job: None)
    worker = Worker(settings, store, queue, [stage])
    store.record_notification(VNR, 1, OIN, make_job(FETCH, StageJob(VNR, 1, OIN), source_oin=OIN, system="t"))
    worker.start()
    try:
        deadline = time.monotonic() + 10
        key = ("dsogw_stage_duration_seconds_count", (("outcome", "ok"), ("stage", "fetch")))
        while True:
            scraped = prometheus_samples(httpx2.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text)
            if scraped.get(key) == 1:
                break
            assert time.monotonic() < deadline, "the worker's port never showed the processed message"
            time.sleep(0.1)
    finally:
        worker.stop()
    with pytest.raises(httpx2.TransportError):
        httpx2.get(f"http://127.0.0.1:{port}/metrics", timeout=2)


def test_no_metrics_port_by_default(settings: Settings) -> None:
    assert settings.worker_metrics_port is None
