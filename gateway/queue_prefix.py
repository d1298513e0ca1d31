"""DSOGW_QUEUE_PREFIX: the gateway's queue names with a prefix, for two installations that
share one broker vhost (test and acceptance, or two municipalities on one broker).

Without it both would consume each other's `dso.fetch`. The prefix is applied in one place, at
the MessageQueue port: everything above it (outbox, consumers, dead letters, replay, the
status page, the CLI) keeps using the logical names of gateway/events.py, and everything below
it (the broker's queues, delay queues and dead-letter queues) only ever sees prefixed names.
A separate vhost per installation is the cleaner separation where the broker allows it:
see docs/brokers.md."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

import message_queue
from message_queue.base import DeadLetter, Message, MessageQueue

# Safe in a STOMP destination, a RabbitMQ queue name and an ActiveMQ queue name alike.
PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


class PrefixedQueue:
    """A MessageQueue whose queue names all carry `<prefix>.`; the names it hands back don't."""

    def __init__(self, inner: MessageQueue, prefix: str) -> None:
        if not PREFIX_PATTERN.match(prefix):
            raise ValueError("DSOGW_QUEUE_PREFIX: letters, digits, - and _ (at most 40), no dots")
        self.inner = inner
        self.prefix = prefix + "."
        self.slow_browse = inner.slow_browse

    def _real(self, queue: str) -> str:
        return self.prefix + queue

    def _logical(self, queue: str) -> str:
        return queue.removeprefix(self.prefix)

    def publish(
        self, queue: str, body: bytes, *, message_id: str, headers: Mapping[str, str] | None = None
    ) -> None:
        self.inner.publish(self._real(queue), body, message_id=message_id, headers=headers)

    def receive(self, queue: str, timeout: float) -> Message | None:
        message = self.inner.receive(self._real(queue), timeout)
        return None if message is None else replace(message, queue=queue)

    # Settled with the backend's own name again (the token travels along unchanged).
    def ack(self, message: Message) -> None:
        self.inner.ack(replace(message, queue=self._real(message.queue)))

    def nack(self, message: Message, delay: float = 0.0) -> None:
        self.inner.nack(replace(message, queue=self._real(message.queue)), delay)

    def dead_letter(self, message: Message, reason: str) -> None:
        self.inner.dead_letter(replace(message, queue=self._real(message.queue)), reason)

    def dead_letters(self, queue: str | None = None) -> list[DeadLetter]:
        letters = self.inner.dead_letters(self._real(queue) if queue is not None else None)
        # Without a queue the backend may list every installation's letters: only ours.
        return [replace(d, queue=self._logical(d.queue)) for d in letters if d.queue.startswith(self.prefix)]

    def replay(self, queue: str, message_id: str | None = None) -> int:
        return self.inner.replay(self._real(queue), message_id)

    def depth(self, queue: str) -> int | None:
        return self.inner.depth(self._real(queue))

    def close(self) -> None:
        self.inner.close()


def connect(url: str, prefix: str) -> MessageQueue:
    """The queue the URL names, with the installation's prefix applied when one is set."""
    queue = message_queue.connect(url)
    return PrefixedQueue(queue, prefix) if prefix else queue
