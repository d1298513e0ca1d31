"""Edge cases of the in-process fake and the STOMP header handling (no broker needed)."""

from __future__ import annotations

import pytest

from message_queue.base import Message
from message_queue.errors import QueueUnavailable
from message_queue.memory import MemoryBroker, MemoryQueue
from message_queue.stomp import H_COUNT, H_ID, H_NAMES, StompQueue, _copy_headers, _Delivery


def test_memory_stale_ack_does_not_touch_the_new_delivery() -> None:
    broker = MemoryBroker()
    first, second = MemoryQueue(broker), MemoryQueue(broker)
    first.publish("q", b"x", message_id="m-1")
    old = first.receive("q", 1)
    assert old is not None
    first.close()
    new = second.receive("q", 1)
    assert new is not None and new.delivery_count == 2
    with pytest.raises(QueueUnavailable):
        first.ack(old)
    fake = Message(queue="q", body=b"x", message_id="m-1", token=old.token)
    second.ack(fake)  # a handle of another object: ignored
    assert second.depth("q") == 0  # still in flight, not deleted, not waiting
    second.nack(new)
    assert second.depth("q") == 1


def broker_frame(**headers: str) -> dict[str, str]:
    base = {
        "destination": "/queue/q",
        "message-id": "T_1@@session@@7",
        "ack": "T_1@@session@@7",
        "subscription": "q",
        "receipt": "abc",  # RabbitMQ copies the SEND receipt header into the message
        "persistent": "true",
        "content-length": "1",
    }
    return {**base, **headers}


def test_stomp_message_exposes_only_caller_headers_and_counts_redelivery() -> None:
    queue = StompQueue("127.0.0.1", 9)
    headers = broker_frame(
        **{H_ID: "m-1", H_COUNT: "2", H_NAMES: "ce-id,ce-type", "ce-id": "1", "ce-type": "t"}
    )
    message = queue._message("q", _Delivery(0, "a", headers), b"x")
    assert (message.message_id, message.delivery_count) == ("m-1", 3)
    assert dict(message.headers) == {"ce-id": "1", "ce-type": "t"}
    redelivered = queue._message("q", _Delivery(0, "a", {**headers, "redelivered": "true"}), b"x")
    assert redelivered.delivery_count == 4  # given back by the broker after a consumer died


def test_stomp_copies_keep_our_headers_and_drop_the_brokers() -> None:
    headers = broker_frame(**{H_ID: "m-1", H_NAMES: "ce-id", "ce-id": "1"})
    assert _copy_headers(headers) == {H_ID: "m-1", H_NAMES: "ce-id", "ce-id": "1"}
