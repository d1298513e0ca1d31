"""Dead letters for people: a slow broker browse never runs in the request that asks."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

import message_queue
from gateway.dead_letter_view import DeadLetterView
from message_queue.base import DeadLetter
from message_queue.memory import MemoryQueue
from tests.services import port_open, require_service


class SlowBrowsingQueue(MemoryQueue):
    """A memory queue that says its browse is slow (as STOMP's is) and records who browsed."""

    slow_browse = True

    def __init__(self) -> None:
        super().__init__()
        self.browsed_by: list[str] = []

    def dead_letters(self, queue: str | None = None) -> list[DeadLetter]:
        self.browsed_by.append(threading.current_thread().name)
        return super().dead_letters(queue)


def _dead_letter(queue: MemoryQueue, name: str, message_id: str) -> None:
    queue.publish(name, b"{}", message_id=message_id)
    message = queue.receive(name, timeout=1)
    assert message is not None
    queue.dead_letter(message, "kapot")


def _wait_for(condition: object, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_requests_read_the_last_browse_and_never_browse_themselves() -> None:
    queue = SlowBrowsingQueue()
    _dead_letter(queue, "dso.fetch", "m-1")
    view = DeadLetterView(queue, ["dso.fetch", "dso.translate"], interval=60)
    try:
        assert view.cached and view.age() is None
        view.of("dso.fetch")  # starts the background browse; answers from the copy at once
        _wait_for(lambda: view.age() is not None)
        for _ in range(20):
            assert [d.message_id for d in view.of("dso.fetch")] == ["m-1"]
        assert queue.browsed_by and set(queue.browsed_by) == {"dead-letter-view"}
        assert len(queue.browsed_by) == 2  # one browse per queue, not one per request
    finally:
        view.close()


def test_a_replayed_letter_leaves_the_copy_at_once() -> None:
    queue = SlowBrowsingQueue()
    _dead_letter(queue, "dso.fetch", "m-1")
    _dead_letter(queue, "dso.fetch", "m-2")
    view = DeadLetterView(queue, ["dso.fetch"], interval=60)
    try:
        view.of("dso.fetch")
        _wait_for(lambda: len(view.of("dso.fetch")) == 2)
        queue.replay("dso.fetch", "m-1")
        view.forget("dso.fetch", "m-1")
        assert [d.message_id for d in view.of("dso.fetch")] == ["m-2"]
    finally:
        view.close()


def test_a_cheap_queue_is_read_directly() -> None:
    queue = MemoryQueue()
    view = DeadLetterView(queue, ["dso.fetch"], interval=60)
    _dead_letter(queue, "dso.fetch", "m-1")
    assert [d.message_id for d in view.of("dso.fetch")] == ["m-1"]
    assert view.age() == 0.0


@pytest.mark.broker
def test_dead_letters_of_a_real_broker_come_from_the_background_browse() -> None:
    require_service("RabbitMQ STOMP on 127.0.0.1:61613", port_open("127.0.0.1", 61613))
    queue = message_queue.connect("stomp://guest:guest@127.0.0.1:61613?flavour=rabbitmq")
    name = f"view-{uuid.uuid4().hex[:8]}"
    try:
        assert queue.slow_browse
        queue.publish(name, b"{}", message_id="m-1")
        message = queue.receive(name, timeout=5)
        assert message is not None
        queue.dead_letter(message, "kapot")
        view = DeadLetterView(queue, [name], interval=0.5)
        try:
            started = time.monotonic()
            assert view.of(name) == []  # nothing browsed yet, and the caller did not wait for it
            assert time.monotonic() - started < 0.4
            _wait_for(lambda: [d.message_id for d in view.of(name)] == ["m-1"], seconds=15)
        finally:
            view.close()
        assert queue.replay(name, "m-1") == 1
        again = queue.receive(name, timeout=5)
        assert again is not None
        queue.ack(again)
    finally:
        queue.close()
