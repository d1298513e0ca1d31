"""In-process fake with the same semantics as the durable backends, for tests and demos.

Several MemoryQueue objects may share one `MemoryBroker` (connect("memory://<name>") shares the
named broker in this process): closing one object without acking gives its unacked messages
back, exactly as a broker does when a consumer's connection dies."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from message_queue.base import DeadLetter, Message
from message_queue.errors import QueueUnavailable

log = structlog.get_logger(__name__)


@dataclass
class _Entry:
    seq: int
    message_id: str
    body: bytes
    headers: dict[str, str]
    delivery_count: int = 0  # deliveries so far; the next delivery is delivery_count + 1
    not_before: float = 0.0  # time.monotonic() before which it is not delivered
    claimed_by: object = None  # the _Claim of the delivery in flight, None when waiting


@dataclass(frozen=True)
class _Claim:
    owner: int  # the MemoryQueue that received it
    seq: int
    delivery: int


@dataclass
class MemoryBroker:
    """The shared state: queues (ordered by sequence) and dead letters."""

    queues: dict[str, dict[int, _Entry]] = field(default_factory=dict)
    dead: list[DeadLetter] = field(default_factory=list)
    condition: threading.Condition = field(default_factory=threading.Condition)
    counter: itertools.count[int] = field(default_factory=itertools.count)


_brokers: dict[str, MemoryBroker] = {}
_brokers_lock = threading.Lock()
_owner_ids = itertools.count(1)  # not id(self): ids are reused once an object is collected


def named_broker(name: str) -> MemoryBroker:
    """The broker of this name in this process (created on first use)."""
    with _brokers_lock:
        return _brokers.setdefault(name, MemoryBroker())


class MemoryQueue:
    slow_browse = False

    def __init__(self, broker: MemoryBroker | None = None) -> None:
        self._broker = broker or MemoryBroker()
        self._closed = False
        self._owner = next(_owner_ids)

    # -- helpers (call with the condition held) ---------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise QueueUnavailable("this MemoryQueue is closed")

    def _entry_for(self, message: Message) -> _Entry | None:
        """The entry if `message` is still the delivery in flight; None for a stale handle."""
        claim = message.token
        if not isinstance(claim, _Claim) or claim.owner != self._owner:
            return None
        entry = self._broker.queues.get(message.queue, {}).get(claim.seq)
        if entry is None or entry.claimed_by != claim:
            log.warning("queue.stale_delivery", queue=message.queue, message_id=message.message_id)
            return None
        return entry

    # -- the port ---------------------------------------------------------------------------------

    def publish(
        self, queue: str, body: bytes, *, message_id: str, headers: Mapping[str, str] | None = None
    ) -> None:
        with self._broker.condition:
            self._check_open()
            seq = next(self._broker.counter)
            entry = _Entry(seq=seq, message_id=message_id, body=bytes(body), headers=dict(headers or {}))
            self._broker.queues.setdefault(queue, {})[seq] = entry
            self._broker.condition.notify_all()

    def receive(self, queue: str, timeout: float) -> Message | None:
        deadline = time.monotonic() + timeout
        with self._broker.condition:
            while True:
                self._check_open()
                now = time.monotonic()
                next_due: float | None = None
                for entry in self._broker.queues.get(queue, {}).values():  # insertion = FIFO order
                    if entry.claimed_by is not None:
                        continue
                    if entry.not_before <= now:
                        entry.delivery_count += 1
                        claim = _Claim(owner=self._owner, seq=entry.seq, delivery=entry.delivery_count)
                        entry.claimed_by = claim
                        return Message(
                            queue=queue,
                            body=entry.body,
                            message_id=entry.message_id,
                            headers=dict(entry.headers),
                            delivery_count=entry.delivery_count,
                            token=claim,
                        )
                    next_due = entry.not_before if next_due is None else min(next_due, entry.not_before)
                if now >= deadline:
                    return None
                wake = deadline if next_due is None else min(deadline, next_due)
                self._broker.condition.wait(max(wake - now, 0.001))

    def ack(self, message: Message) -> None:
        with self._broker.condition:
            self._check_open()
            entry = self._entry_for(message)
            if entry is not None:
                del self._broker.queues[message.queue][entry.seq]

    def nack(self, message: Message, delay: float = 0.0) -> None:
        with self._broker.condition:
            self._check_open()
            entry = self._entry_for(message)
            if entry is not None:
                entry.claimed_by = None
                entry.not_before = time.monotonic() + max(delay, 0.0)
                self._broker.condition.notify_all()

    def dead_letter(self, message: Message, reason: str) -> None:
        with self._broker.condition:
            self._check_open()
            entry = self._entry_for(message)
            if entry is None:
                return
            del self._broker.queues[message.queue][entry.seq]
            self._broker.dead.append(
                DeadLetter(
                    queue=message.queue,
                    message_id=entry.message_id,
                    body=entry.body,
                    headers=dict(entry.headers),
                    reason=reason,
                    dead_lettered_at=datetime.now(UTC),
                )
            )

    def dead_letters(self, queue: str | None = None) -> list[DeadLetter]:
        with self._broker.condition:
            self._check_open()
            return [d for d in self._broker.dead if queue is None or d.queue == queue]

    def replay(self, queue: str, message_id: str | None = None) -> int:
        with self._broker.condition:
            self._check_open()
            chosen = [
                d
                for d in self._broker.dead
                if d.queue == queue and (message_id is None or d.message_id == message_id)
            ]
            for letter in chosen:
                self._broker.dead.remove(letter)
                seq = next(self._broker.counter)
                self._broker.queues.setdefault(queue, {})[seq] = _Entry(
                    seq=seq, message_id=letter.message_id, body=letter.body, headers=dict(letter.headers)
                )
            self._broker.condition.notify_all()
            return len(chosen)

    def depth(self, queue: str) -> int | None:
        with self._broker.condition:
            return sum(1 for e in self._broker.queues.get(queue, {}).values() if e.claimed_by is None)

    def close(self) -> None:
        """Give back what this object received and did not settle, like a dropped connection."""
        with self._broker.condition:
            if self._closed:
                return
            self._closed = True
            now = time.monotonic()
            for entries in self._broker.queues.values():
                for entry in entries.values():
                    if isinstance(entry.claimed_by, _Claim) and entry.claimed_by.owner == self._owner:
                        entry.claimed_by = None
                        entry.not_before = now
            self._broker.condition.notify_all()
