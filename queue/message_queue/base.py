"""The MessageQueue port: the only thing the gateway knows about queues.

Every implementation (memory, sqlite, stomp) must pass the one contract suite in
tests/contract/test_queue_contract.py. Semantics are at-least-once: a message that is
received and neither acked nor nacked (consumer died, connection lost) comes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Message:
    """One delivery of a message. `message_id` is ours and stable across redeliveries
    (brokers such as RabbitMQ change their own message-id on every delivery)."""

    queue: str
    body: bytes
    message_id: str
    headers: Mapping[str, str] = field(default_factory=dict)
    delivery_count: int = 1  # 1 on the first delivery, 2 on the first redelivery, ...
    token: object = None  # implementation handle needed to ack/nack this delivery


@dataclass(frozen=True)
class DeadLetter:
    queue: str  # the queue the message was dead-lettered from (where replay sends it)
    message_id: str
    body: bytes
    headers: Mapping[str, str]
    reason: str
    dead_lettered_at: datetime


class MessageQueue(Protocol):
    # True where dead_letters() is a broker round trip per queue (a STOMP browse waits for the
    # queue to go quiet): whoever serves people from it reads a cached copy instead.
    slow_browse: bool

    def publish(
        self, queue: str, body: bytes, *, message_id: str, headers: Mapping[str, str] | None = None
    ) -> None:
        """Return only once the message is durable (broker receipt / committed row)."""

    def receive(self, queue: str, timeout: float) -> Message | None:
        """Wait up to `timeout` seconds for the next message on `queue`; None when there is none."""

    def ack(self, message: Message) -> None: ...

    def nack(self, message: Message, delay: float = 0.0) -> None:
        """Give the message back; it is delivered again no sooner than `delay` seconds from now,
        with delivery_count + 1."""

    def dead_letter(self, message: Message, reason: str) -> None:
        """Move the message to the queue's dead-letter destination (and ack the original)."""

    def dead_letters(self, queue: str | None = None) -> list[DeadLetter]: ...

    def replay(self, queue: str, message_id: str | None = None) -> int:
        """Put dead letters of `queue` (one, or all when message_id is None) back on it.
        Returns how many were replayed; the replayed message starts at delivery_count 1."""

    def depth(self, queue: str) -> int | None:
        """Messages waiting on `queue`, or None where the backend cannot tell cheaply."""

    def close(self) -> None: ...
