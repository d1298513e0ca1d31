"""One contract for every MessageQueue: memory, sqlite, RabbitMQ over STOMP, ActiveMQ over STOMP.

The broker variants carry the marker `broker`; when the broker's port does not answer they fail
under CI=true and skip elsewhere (tests/services.py). `bash scripts/brokers.sh` starts them.
The broker-restart test is also marked `slow`: select it with `-k restart`."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import message_queue
from message_queue.base import Message, MessageQueue
from message_queue.errors import QueueUnavailable
from tests.services import port_open, require_service

ROOT = Path(__file__).resolve().parents[2]
BROKERS = {
    "rabbitmq": ("stomp://guest:guest@127.0.0.1:61613?flavour=rabbitmq", 61613),
    "activemq": ("stomp://guest:guest@127.0.0.1:61614?flavour=activemq", 61614),
}
CE = {
    "ce-id": "0b7f8a52-5d3e-4c36-9b7d-1f0e2d3c4b5a",
    "ce-type": "nl.overheid.omgevingswet.verzoek-ontvangen",
}


@dataclass
class Backend:
    name: str
    url: str
    open: Callable[[], MessageQueue]  # a new connection/object on the same queues

    @property
    def is_broker(self) -> bool:
        return self.name in BROKERS


@pytest.fixture(
    params=[
        "memory",
        "sqlite",
        "prefixed-sqlite",  # DSOGW_QUEUE_PREFIX's wrapper (gateway/queue_prefix.py) keeps the contract
        pytest.param("rabbitmq", marks=pytest.mark.broker),
        pytest.param("activemq", marks=pytest.mark.broker),
    ]
)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    name: str = request.param
    opened: list[MessageQueue] = []
    if name == "memory":
        url = f"memory://{uuid.uuid4().hex}"
    elif name in ("sqlite", "prefixed-sqlite"):
        url = f"sqlite:///{tmp_path}/queues/queue.db"  # absolute tmp path: 4 slashes
    else:
        url, port = BROKERS[name]
        require_service(
            f"{name} STOMP on 127.0.0.1:{port} (scripts/brokers.sh)", port_open("127.0.0.1", port)
        )

    def open_queue() -> MessageQueue:
        queue = message_queue.connect(url)
        if name.startswith("prefixed-"):
            from gateway.queue_prefix import PrefixedQueue

            queue = PrefixedQueue(queue, "ct")
        opened.append(queue)
        return queue

    yield Backend(name, url, open_queue)
    for queue in opened:
        queue.close()


@pytest.fixture
def qname() -> str:
    return f"ct-{uuid.uuid4().hex[:12]}"


def receive(queue: MessageQueue, name: str, timeout: float = 5.0) -> Message:
    message = queue.receive(name, timeout=timeout)
    assert message is not None, f"nothing received on {name} within {timeout}s"
    return message


def test_publish_receive_ack(backend: Backend, qname: str) -> None:
    queue = backend.open()
    queue.publish(qname, b'{"verzoeknummer": "V1"}', message_id="m-1", headers=CE)
    message = receive(queue, qname)
    assert message.body == b'{"verzoeknummer": "V1"}'
    assert message.message_id == "m-1"
    assert dict(message.headers) == CE  # passed through exactly: no broker headers leak in
    assert message.delivery_count == 1
    assert message.queue == qname
    queue.ack(message)
    assert queue.receive(qname, timeout=0.3) is None


def test_fifo_for_one_consumer(backend: Backend, qname: str) -> None:
    queue = backend.open()
    for i in range(6):
        queue.publish(qname, f"{i}".encode(), message_id=f"m-{i}")
    got = []
    for _ in range(6):
        message = receive(queue, qname)
        got.append(message.message_id)
        queue.ack(message)
    assert got == [f"m-{i}" for i in range(6)]


def test_nack_with_delay_is_not_delivered_before_the_delay(backend: Backend, qname: str) -> None:
    queue = backend.open()
    queue.publish(qname, b"x", message_id="m-delay", headers=CE)
    first = receive(queue, qname)
    nacked_at = time.monotonic()
    queue.nack(first, delay=1.2)
    assert queue.receive(qname, timeout=0.6) is None
    again = receive(queue, qname, timeout=5.0)
    assert time.monotonic() - nacked_at >= 1.1
    assert again.message_id == "m-delay"
    assert again.delivery_count == 2
    assert dict(again.headers) == CE
    assert again.body == b"x"
    queue.ack(again)


def test_redelivery_count_increases_on_each_nack(backend: Backend, qname: str) -> None:
    queue = backend.open()
    queue.publish(qname, b"x", message_id="m-count")
    counts = []
    for _ in range(3):
        message = receive(queue, qname)
        counts.append(message.delivery_count)
        queue.nack(message)
    final = receive(queue, qname)
    counts.append(final.delivery_count)
    queue.ack(final)
    assert counts == [1, 2, 3, 4]


def test_dead_letter_with_reason_is_listed(backend: Backend, qname: str) -> None:
    queue = backend.open()
    queue.publish(qname, b"kapot", message_id="m-dead", headers=CE)
    message = receive(queue, qname)
    queue.dead_letter(message, "STAM onleesbaar: regel 3")
    assert queue.receive(qname, timeout=0.3) is None
    letters = queue.dead_letters(qname)
    assert [(d.queue, d.message_id, d.body, d.reason) for d in letters] == [
        (qname, "m-dead", b"kapot", "STAM onleesbaar: regel 3")
    ]
    assert dict(letters[0].headers) == CE
    assert letters[0].dead_lettered_at.tzinfo is not None
    assert any(d.message_id == "m-dead" for d in queue.dead_letters())  # all queues


def test_replay_one_then_all(backend: Backend, qname: str) -> None:
    queue = backend.open()
    for i in range(3):
        queue.publish(qname, f"{i}".encode(), message_id=f"m-{i}")
    for _ in range(3):
        message = receive(queue, qname)
        queue.nack(message)  # a second delivery first, so replay must reset the count
        queue.dead_letter(receive(queue, qname), "opgegeven")
    assert sorted(d.message_id for d in queue.dead_letters(qname)) == ["m-0", "m-1", "m-2"]

    assert queue.replay(qname, "m-1") == 1
    replayed = receive(queue, qname)
    assert (replayed.message_id, replayed.body, replayed.delivery_count) == ("m-1", b"1", 1)
    queue.ack(replayed)
    assert sorted(d.message_id for d in queue.dead_letters(qname)) == ["m-0", "m-2"]

    assert queue.replay(qname) == 2
    rest = []
    for _ in range(2):  # ack before the next receive: STOMP consumers have prefetch 1
        rest.append(receive(queue, qname))
        queue.ack(rest[-1])
    assert sorted(m.message_id for m in rest) == ["m-0", "m-2"]
    assert all(m.delivery_count == 1 for m in rest)
    assert queue.dead_letters(qname) == []
    assert queue.replay(qname) == 0


def test_unacked_message_comes_back_when_the_consumer_dies(backend: Backend, qname: str) -> None:
    first = backend.open()
    first.publish(qname, b"x", message_id="m-orphan", headers=CE)
    assert receive(first, qname).message_id == "m-orphan"
    first.close()  # no ack: like a killed consumer, its connection is gone
    second = backend.open()
    again = receive(second, qname)
    assert again.message_id == "m-orphan"
    assert again.delivery_count == 2
    assert dict(again.headers) == CE
    second.ack(again)
    assert second.receive(qname, timeout=0.3) is None


def test_message_of_a_killed_consumer_process_comes_back(backend: Backend, qname: str) -> None:
    if backend.name == "memory":
        pytest.skip("the in-process fake does not outlive its process")
    queue = backend.open()
    queue.publish(qname, b"x", message_id="m-killed")
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys, message_queue\n"
            "q = message_queue.connect(sys.argv[1]); m = q.receive(sys.argv[2], 10)\n"
            "print(m.message_id, flush=True); os._exit(9)  # no ack, no close, no DISCONNECT",
            backend.url,
            f"ct.{qname}" if backend.name.startswith("prefixed-") else qname,  # the raw port: real name
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT / "queue")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert killed.stdout.split()[-1:] == ["m-killed"], killed.stderr  # structlog may print first
    again = receive(queue, qname, timeout=10)
    assert (again.message_id, again.delivery_count) == ("m-killed", 2)
    queue.ack(again)


def test_competing_consumers_get_each_message_once(backend: Backend, qname: str) -> None:
    producer = backend.open()
    expected = {f"m-{i}" for i in range(24)}
    for message_id in sorted(expected):
        producer.publish(qname, b"x", message_id=message_id)
    consumers = [backend.open() for _ in range(3)]
    seen: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + 30

    def consume(queue: MessageQueue) -> None:
        while time.monotonic() < deadline:
            with lock:
                if len(seen) >= len(expected):
                    return
            message = queue.receive(qname, timeout=0.3)
            if message is not None:
                with lock:
                    seen.append(message.message_id)
                queue.ack(message)

    threads = [threading.Thread(target=consume, args=(c,)) for c in consumers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(40)
    assert sorted(seen) == sorted(expected)  # every message, none twice


def test_one_object_shared_by_publisher_and_consumer_threads(backend: Backend) -> None:
    """The gateway shares one queue object between a publisher and one consumer per stage."""
    queue = backend.open()
    stages = [f"ct-{uuid.uuid4().hex[:8]}-{s}" for s in ("fetch", "translate")]
    received: dict[str, list[str]] = {s: [] for s in stages}
    errors: list[Exception] = []

    def publisher() -> None:
        for i in range(10):
            for stage in stages:
                queue.publish(stage, b"x", message_id=f"{stage}-{i}")

    def consumer(stage: str) -> None:
        try:
            deadline = time.monotonic() + 30
            while len(received[stage]) < 10 and time.monotonic() < deadline:
                message = queue.receive(stage, timeout=0.3)
                if message is not None:
                    received[stage].append(message.message_id)
                    queue.ack(message)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=consumer, args=(s,)) for s in stages]
    threads.append(threading.Thread(target=publisher))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(40)
    assert errors == []
    for stage in stages:
        assert received[stage] == [f"{stage}-{i}" for i in range(10)]


def _retry(action: Callable[[], object], seconds: float = 60.0) -> object:
    """Call `action` until it stops raising QueueUnavailable (the broker is coming back)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return action()
        except QueueUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.mark.slow
@pytest.mark.broker
@pytest.mark.parametrize("broker", ["rabbitmq", "activemq"])
def test_reconnect_after_the_broker_restarts_mid_stream(broker: str, qname: str) -> None:
    url, port = BROKERS[broker]
    require_service(f"{broker} STOMP on 127.0.0.1:{port} (scripts/brokers.sh)", port_open("127.0.0.1", port))
    queue = message_queue.connect(url)
    try:
        for i in range(4):
            queue.publish(qname, b"x", message_id=f"m-{i}")
        done = receive(queue, qname)
        queue.ack(done)
        in_flight = receive(queue, qname)  # received, not acked when the broker goes down

        subprocess.run(
            ["bash", str(ROOT / "scripts/brokers.sh"), f"restart-{broker}"], check=True, timeout=180
        )

        queue.ack(in_flight)  # its connection is gone: skipped, the broker redelivers it
        _retry(lambda: queue.publish(qname, b"x", message_id="m-after"))
        got: list[str] = []
        deadline = time.monotonic() + 60
        while len(set(got)) < 4 and time.monotonic() < deadline:
            message = _retry(lambda: queue.receive(qname, timeout=1.0))
            if isinstance(message, Message):
                got.append(message.message_id)
                queue.ack(message)
        assert set(got) == {"m-1", "m-2", "m-3", "m-after"}  # nothing confirmed was lost
        assert "m-0" not in got  # acked before the restart: not delivered again
    finally:
        queue.close()
