"""MessageQueue over STOMP 1.2 (stomp.py) for RabbitMQ and ActiveMQ Classic.

What the brokers do differently is handled here (see docs/brokers.md):
- RabbitMQ needs vhost "/" in CONNECT, counts prefetch in `prefetch-count`, changes its
  message-id on every delivery and requeues a NACK at once; ActiveMQ counts prefetch in
  `activemq.prefetchSize` and sends a NACKed message to ActiveMQ.DLQ. So we never send NACK:
  our own headers carry the message id and the delivery count, and a nack is "publish a copy
  (with receipt), then ACK the original".
- A delayed nack goes to `<queue>.delay` with a not-before header. Each StompQueue that receives
  from `<queue>` also subscribes to `<queue>.delay`, holds those messages unacked until due, then
  publishes them back to `<queue>` and acks them. A crash while holding them gives them back to
  the delay queue, so nothing is lost.
- Dead letters go to `<queue>.dlq` with a reason header; `dead_letters()` browses by consuming
  without ack on a short-lived connection (the broker gives them back when it closes).
- stomp.py never reconnects: every operation first (re)connects with backoff and re-subscribes;
  deliveries of a dropped connection become stale (their ack is skipped, the broker redelivers).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import stomp
import stomp.exception
import structlog

from message_queue.base import DeadLetter, Message
from message_queue.errors import QueueConfigError, QueueError, QueueUnavailable

log = structlog.get_logger(__name__)

# Our headers. Caller headers (e.g. ce-id, ce-type) pass through as given; their names are listed
# in H_NAMES so the receiver can tell them from the broker's own headers.
H_ID = "dsogw-message-id"
H_COUNT = "dsogw-delivery-count"  # deliveries before this copy was published
H_NAMES = "dsogw-header-names"
H_NOT_BEFORE = "dsogw-not-before"  # epoch seconds, on copies in <queue>.delay
H_REASON = "dsogw-dead-letter-reason"
H_ORIGIN = "dsogw-origin-queue"
H_DEAD_AT = "dsogw-dead-lettered-at"

_QUEUE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
FLAVOURS = ("rabbitmq", "activemq")


def _destination(queue: str) -> str:
    if not _QUEUE_NAME.match(queue):
        raise QueueConfigError(f"queue name {queue!r}: use letters, digits, '.', '_' and '-'")
    return f"/queue/{queue}"


@dataclass(frozen=True)
class _Delivery:
    generation: int  # connection the frame arrived on; an ack on a later connection is invalid
    ack_id: str
    headers: Mapping[str, str]


@dataclass(order=True)
class _Delayed:
    due: float
    seq: int
    delivery: _Delivery = field(compare=False)
    body: bytes = field(compare=False)
    queue: str = field(compare=False)


class _Listener(stomp.ConnectionListener):  # type: ignore[misc]
    """Routes frames of one connection (one generation) back to the StompQueue."""

    def __init__(self, owner: StompQueue, generation: int) -> None:
        self.owner = owner
        self.generation = generation
        self.server = ""

    def on_connected(self, frame: Any) -> None:
        self.server = str(frame.headers.get("server", ""))

    def on_message(self, frame: Any) -> None:
        self.owner._on_message(self.generation, frame.headers, frame.body)

    def on_receipt(self, frame: Any) -> None:
        self.owner._on_receipt(frame.headers.get("receipt-id", ""))

    def on_error(self, frame: Any) -> None:
        log.error("stomp.error_frame", message=frame.headers.get("message", ""), generation=self.generation)
        self.owner._on_receipt(frame.headers.get("receipt-id", ""), error=True)

    def on_disconnected(self) -> None:
        self.owner._on_disconnected(self.generation)

    def on_heartbeat_timeout(self) -> None:
        log.warning("stomp.heartbeat_timeout", generation=self.generation)


def _copy_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Our headers and the caller's, without the broker's (message-id, ack, destination, ...)."""
    names = [n for n in headers.get(H_NAMES, "").split(",") if n]
    kept = {n: headers[n] for n in names if n in headers}
    kept.update({k: v for k, v in headers.items() if k.startswith("dsogw-")})
    return kept


class StompQueue:
    slow_browse = True

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        flavour: str = "auto",
        vhost: str = "/",
        prefetch: int = 1,
        heartbeat_ms: int = 4000,
        receipt_timeout: float = 10.0,
        connect_timeout: float = 15.0,
        browse_idle: float = 0.5,
        queues: str = "",
    ) -> None:
        if flavour not in (*FLAVOURS, "auto"):
            raise QueueConfigError(f"stomp flavour {flavour!r}: use rabbitmq, activemq or auto")
        self.host, self.port = host, port
        self._username, self._password = username, password
        self._configured_flavour = flavour
        self.flavour = flavour if flavour != "auto" else ""
        self.vhost = vhost
        self.prefetch = prefetch
        self.heartbeat_ms = heartbeat_ms
        self.receipt_timeout = receipt_timeout
        self.connect_timeout = connect_timeout
        self.browse_idle = browse_idle
        self._known_queues = {q for q in queues.split(",") if q}  # for dead_letters(None)

        self._lock = threading.RLock()  # connection state and frame sending
        self._cond = threading.Condition()  # buffered deliveries, receipts, delayed heap
        self._conn: Any = None
        self._generation = 0
        self._connected = False
        self._subscribed: set[str] = set()  # queues we consume from (also their .delay)
        self._buffers: dict[str, deque[tuple[_Delivery, bytes]]] = {}
        self._receipts: dict[str, bool | None] = {}  # receipt id -> None pending, True ok, False error
        self._delayed: list[_Delayed] = []
        self._seq = itertools.count()
        self._backoff = 0.0
        self._next_attempt = 0.0
        self._closed = False
        self._mover: threading.Thread | None = None

    # -- listener callbacks (stomp.py receiver thread) ---------------------------------------------

    def _on_message(self, generation: int, headers: dict[str, str], body: bytes) -> None:
        destination = headers.get("destination", "")
        queue = destination.removeprefix("/queue/").removeprefix("/amq/queue/")
        delivery = _Delivery(generation, headers.get("ack", ""), headers)
        with self._cond:
            if generation != self._generation:
                return
            if queue.endswith(".delay") and queue.removesuffix(".delay") in self._subscribed:
                due = float(headers.get(H_NOT_BEFORE, "0") or 0)
                origin = headers.get(H_ORIGIN) or queue.removesuffix(".delay")
                heapq.heappush(self._delayed, _Delayed(due, next(self._seq), delivery, body, origin))
            else:
                self._buffers.setdefault(queue, deque()).append((delivery, body))
            self._cond.notify_all()

    def _on_receipt(self, receipt_id: str, *, error: bool = False) -> None:
        with self._cond:
            if receipt_id in self._receipts:
                self._receipts[receipt_id] = not error
            elif error:  # an ERROR frame without receipt-id: fail every pending receipt
                for key, value in self._receipts.items():
                    if value is None:
                        self._receipts[key] = False
            self._cond.notify_all()

    def _on_disconnected(self, generation: int) -> None:
        with self._cond:
            if generation == self._generation and self._connected:
                self._connected = False
                log.warning("stomp.disconnected", host=self.host, port=self.port, generation=generation)
            self._cond.notify_all()

    # -- connection ---------------------------------------------------------------------------------

    def _connect_once(self) -> None:
        generation = self._generation + 1
        listener = _Listener(self, generation)
        conn = stomp.Connection12(
            [(self.host, self.port)],
            heartbeats=(self.heartbeat_ms, self.heartbeat_ms),
            vhost=self.vhost,  # RabbitMQ needs "/": stomp.py sends the host name otherwise
            auto_decode=False,
            reconnect_attempts_max=1,
            timeout=5.0,
        )
        conn.set_listener("dsogw", listener)
        with self._cond:
            # New generation before CONNECT: frames of the old connection are ignored from here on.
            self._generation = generation
            self._buffers.clear()
            self._delayed.clear()
        try:
            conn.connect(self._username, self._password, wait=True)
        except (stomp.exception.StompException, OSError) as exc:
            with contextlib.suppress(stomp.exception.StompException, OSError):
                conn.disconnect()
            raise QueueUnavailable(f"STOMP broker {self.host}:{self.port}: cannot connect ({exc})") from exc
        if not self.flavour:
            self.flavour = "activemq" if "activemq" in listener.server.lower() else "rabbitmq"
        self._conn = conn
        with self._cond:
            self._connected = True
        try:
            for queue in sorted(self._subscribed):
                self._subscribe(queue)
        except (stomp.exception.StompException, OSError) as exc:
            raise self._failed(exc, "re-SUBSCRIBE") from exc
        log.info(
            "stomp.connected", host=self.host, port=self.port, server=listener.server, generation=generation
        )

    def _ensure_connected(self, deadline: float) -> None:
        """(Re)connect with exponential backoff until `deadline` (time.monotonic())."""
        with self._lock:
            while True:
                if self._closed:
                    raise QueueUnavailable("this StompQueue is closed")
                if self._connected:
                    return
                now = time.monotonic()
                if now < self._next_attempt:
                    if self._next_attempt > deadline:
                        raise QueueUnavailable(f"STOMP broker {self.host}:{self.port} unavailable")
                    time.sleep(self._next_attempt - now)
                if self._conn is not None:
                    self._drop_connection()
                try:
                    self._connect_once()
                except QueueUnavailable:
                    self._backoff = min(max(self._backoff * 2, 0.2), 5.0)
                    self._next_attempt = time.monotonic() + self._backoff
                    if self._next_attempt > deadline:
                        raise
                else:
                    self._backoff = 0.0
                    self._next_attempt = 0.0

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        with self._cond:
            self._connected = False
        if conn is not None:
            with contextlib.suppress(stomp.exception.StompException, OSError):
                conn.disconnect()

    def _failed(self, exc: BaseException, what: str) -> QueueUnavailable:
        with self._cond:
            self._connected = False
        return QueueUnavailable(f"STOMP broker {self.host}:{self.port}: {what} failed ({exc})")

    def _subscribe(self, queue: str) -> None:
        """Subscribe to `queue` (prefetch as configured) and its delay queue (prefetch large)."""
        for name, prefetch in ((queue, self.prefetch), (f"{queue}.delay", 1000)):
            headers = {"activemq.prefetchSize": str(prefetch)}
            if self.flavour == "rabbitmq":
                headers = {"durable": "true", "auto-delete": "false"}
                if name == queue:  # RabbitMQ: no prefetch-count means unlimited
                    headers["prefetch-count"] = str(prefetch)
            self._conn.subscribe(_destination(name), id=name, ack="client-individual", headers=headers)

    # -- sending with receipts ----------------------------------------------------------------------

    def _send(self, queue: str, body: bytes, headers: dict[str, str], deadline: float) -> None:
        """SEND with a receipt; return once the broker confirmed it, else raise QueueUnavailable."""
        self._ensure_connected(deadline)
        receipt = uuid.uuid4().hex
        with self._cond:
            self._receipts[receipt] = None
        try:
            with self._lock:
                if not self._connected:
                    raise QueueUnavailable("connection lost before SEND")
                self._conn.send(
                    _destination(queue), body, headers={**headers, "persistent": "true", "receipt": receipt}
                )
            with self._cond:
                end = time.monotonic() + self.receipt_timeout
                while self._receipts[receipt] is None and self._connected:
                    remaining = end - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cond.wait(remaining)
                confirmed = self._receipts[receipt]
        except (stomp.exception.StompException, OSError) as exc:
            raise self._failed(exc, "SEND") from exc
        finally:
            with self._cond:
                self._receipts.pop(receipt, None)
        if confirmed is not True:
            raise QueueUnavailable(f"STOMP broker {self.host}:{self.port} did not confirm the message")

    def _current_delivery(self, message: Message) -> _Delivery | None:
        """The message's delivery, or None when it came on a connection that is gone (the broker
        redelivers it then: copying or dead-lettering it as well would make a second one)."""
        delivery = message.token
        if not isinstance(delivery, _Delivery):
            raise QueueError("not a message received from a StompQueue")
        if delivery.generation != self._generation:
            log.warning("queue.stale_delivery", queue=message.queue, message_id=message.message_id)
            return None
        return delivery

    def _ack(self, message: Message) -> bool:
        delivery = message.token
        if not isinstance(delivery, _Delivery):
            raise QueueError("not a message received from a StompQueue")
        with self._lock:
            if delivery.generation != self._generation or not self._connected:
                # The connection it came on is gone; the broker redelivers it (at-least-once).
                log.warning("queue.stale_delivery", queue=message.queue, message_id=message.message_id)
                return False
            try:
                self._conn.ack(delivery.ack_id)  # no second argument: that would be a transaction id
            except (stomp.exception.StompException, OSError) as exc:
                raise self._failed(exc, "ACK") from exc
        return True

    # -- the port -------------------------------------------------------------------------------------

    def publish(
        self, queue: str, body: bytes, *, message_id: str, headers: Mapping[str, str] | None = None
    ) -> None:
        caller = dict(headers or {})
        frame_headers = {**caller, H_ID: message_id, H_COUNT: "0", H_NAMES: ",".join(caller)}
        self._known_queues.add(queue)
        deadline = time.monotonic() + self.connect_timeout
        try:
            self._send(queue, bytes(body), frame_headers, deadline)
        except QueueUnavailable:
            # One retry on a fresh connection: a broker restart between two publishes is common.
            self._send(queue, bytes(body), frame_headers, deadline)

    def receive(self, queue: str, timeout: float) -> Message | None:
        deadline = time.monotonic() + timeout
        _destination(queue)
        self._known_queues.add(queue)
        while True:
            self._ensure_connected(max(deadline, time.monotonic() + 0.5))
            with self._lock:
                if queue not in self._subscribed:
                    self._subscribed.add(queue)
                    try:
                        self._subscribe(queue)
                    except (stomp.exception.StompException, OSError) as exc:
                        raise self._failed(exc, "SUBSCRIBE") from exc
                    self._start_mover()
            with self._cond:
                while True:
                    buffer = self._buffers.get(queue)
                    if buffer:
                        delivery, body = buffer.popleft()
                        return self._message(queue, delivery, body)
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return None
                    if not self._connected:
                        break  # reconnect, then wait again
                    self._cond.wait(remaining)

    def _message(self, queue: str, delivery: _Delivery, body: bytes) -> Message:
        headers = delivery.headers
        count = int(headers.get(H_COUNT, "0") or 0) + 1
        if headers.get("redelivered") == "true":  # given back after a consumer died: one more
            count += 1
        names = [n for n in headers.get(H_NAMES, "").split(",") if n]
        return Message(
            queue=queue,
            body=body,
            message_id=headers.get(H_ID) or headers.get("message-id", ""),
            headers={n: headers[n] for n in names if n in headers},
            delivery_count=count,
            token=delivery,
        )

    def ack(self, message: Message) -> None:
        self._ack(message)

    def nack(self, message: Message, delay: float = 0.0) -> None:
        """Publish a copy (to <queue>.delay when delayed) with the count, then ack the original."""
        delivery = self._current_delivery(message)
        if delivery is None:
            return
        headers = {k: v for k, v in _copy_headers(delivery.headers).items() if k != H_NOT_BEFORE}
        headers[H_COUNT] = str(message.delivery_count)
        deadline = time.monotonic() + self.connect_timeout
        if delay > 0:
            headers[H_NOT_BEFORE] = f"{time.time() + delay:.3f}"
            headers[H_ORIGIN] = message.queue
            self._send(f"{message.queue}.delay", message.body, headers, deadline)
        else:
            self._send(message.queue, message.body, headers, deadline)
        self._ack(message)

    def dead_letter(self, message: Message, reason: str) -> None:
        delivery = self._current_delivery(message)
        if delivery is None:
            return
        headers = _copy_headers(delivery.headers)
        headers.update(
            {
                H_COUNT: str(message.delivery_count),
                H_REASON: reason,
                H_ORIGIN: message.queue,
                H_DEAD_AT: datetime.now(UTC).isoformat(),
            }
        )
        self._send(f"{message.queue}.dlq", message.body, headers, time.monotonic() + self.connect_timeout)
        self._ack(message)

    def dead_letters(self, queue: str | None = None) -> list[DeadLetter]:
        """Browse `<queue>.dlq` (or the DLQs of every queue this object knows)."""
        queues = [queue] if queue is not None else sorted(self._known_queues)
        letters: list[DeadLetter] = []
        for name in queues:
            with _Browser(self, f"{name}.dlq") as browser:
                letters += [_dead_letter(name, body, headers) for _, headers, body in browser.frames]
        return letters

    def replay(self, queue: str, message_id: str | None = None) -> int:
        """Move dead letters back to `queue` (publish with receipt, then ack the dead letter)."""
        replayed = 0
        with _Browser(self, f"{queue}.dlq") as browser:
            for ack_id, headers, body in browser.frames:
                if message_id is not None and headers.get(H_ID) != message_id:
                    continue
                fresh = {
                    k: v
                    for k, v in _copy_headers(headers).items()
                    if k not in (H_REASON, H_DEAD_AT, H_ORIGIN)
                }
                fresh[H_COUNT] = "0"
                self._send(queue, body, fresh, time.monotonic() + self.connect_timeout)
                browser.ack(ack_id)
                replayed += 1
        return replayed

    def depth(self, queue: str) -> int | None:
        return None  # neither broker reports queue depth over STOMP

    def close(self) -> None:
        """Disconnect; the broker gives every unacked message back (also the held delayed ones)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        with self._lock:
            self._drop_connection()
        if self._mover is not None:
            self._mover.join(2.0)

    # -- delayed redelivery ---------------------------------------------------------------------------

    def _start_mover(self) -> None:
        if self._mover is None:
            self._mover = threading.Thread(target=self._move_delayed, name="stomp-delay-mover", daemon=True)
            self._mover.start()

    def _move_delayed(self) -> None:
        """Publish held delay-queue copies back to their queue when due, then ack them."""
        while True:
            with self._cond:
                while not self._closed:
                    now = time.time()
                    if self._delayed and self._delayed[0].due <= now:
                        item = heapq.heappop(self._delayed)
                        break
                    wait = (self._delayed[0].due - now) if self._delayed else 1.0
                    self._cond.wait(min(max(wait, 0.001), 1.0))
                else:
                    return
            if item.delivery.generation != self._generation:
                continue  # its connection is gone: the broker has it again
            headers = {k: v for k, v in _copy_headers(item.delivery.headers).items() if k != H_NOT_BEFORE}
            try:
                self._send(item.queue, item.body, headers, time.monotonic() + 1.0)
                with self._lock:
                    if item.delivery.generation == self._generation and self._connected:
                        self._conn.ack(item.delivery.ack_id)
            except (QueueError, stomp.exception.StompException, OSError):
                log.warning("stomp.delay_move_failed", queue=item.queue, message_id=headers.get(H_ID, ""))


def _dead_letter(queue: str, body: bytes, headers: Mapping[str, str]) -> DeadLetter:
    at = headers.get(H_DEAD_AT, "")
    names = [n for n in headers.get(H_NAMES, "").split(",") if n]
    return DeadLetter(
        queue=headers.get(H_ORIGIN, queue),
        message_id=headers.get(H_ID, ""),
        body=body,
        headers={n: headers[n] for n in names if n in headers},
        reason=headers.get(H_REASON, ""),
        dead_lettered_at=datetime.fromisoformat(at) if at else datetime.now(UTC),
    )


class _Browser:
    """Reads every message of one destination on its own connection without acking; what is not
    acked goes back to the broker when the connection closes. ActiveMQ supports a real browse
    (`browser:true`, ends with a `browser:end` frame) but cannot ack there, so both brokers use
    this consume-and-give-back way; the end is when nothing arrived for `browse_idle` seconds."""

    def __init__(self, owner: StompQueue, queue: str) -> None:
        self.owner = owner
        self.queue = queue
        self.frames: list[tuple[str, dict[str, str], bytes]] = []
        self._cond = threading.Condition()
        self._receipts: set[str] = set()
        self._conn: Any = None

    def __enter__(self) -> _Browser:
        owner = self.owner
        owner._ensure_connected(time.monotonic() + owner.connect_timeout)  # learns the flavour
        browser = self

        class Collect(stomp.ConnectionListener):  # type: ignore[misc]
            def on_message(self, frame: Any) -> None:
                with browser._cond:
                    browser.frames.append((frame.headers.get("ack", ""), dict(frame.headers), frame.body))
                    browser._cond.notify_all()

            def on_receipt(self, frame: Any) -> None:
                with browser._cond:
                    browser._receipts.add(frame.headers.get("receipt-id", ""))
                    browser._cond.notify_all()

        conn = stomp.Connection12(
            [(owner.host, owner.port)], vhost=owner.vhost, auto_decode=False, reconnect_attempts_max=1
        )
        conn.set_listener("browse", Collect())
        try:
            conn.connect(owner._username, owner._password, wait=True)
            headers = {"activemq.prefetchSize": "10000"}
            if owner.flavour == "rabbitmq":
                headers = {"durable": "true", "auto-delete": "false"}
            conn.subscribe(_destination(self.queue), id="browse", ack="client-individual", headers=headers)
        except (stomp.exception.StompException, OSError) as exc:
            raise QueueUnavailable(f"STOMP broker {owner.host}:{owner.port}: browse failed ({exc})") from exc
        self._conn = conn
        with self._cond:
            seen = -1
            while seen != len(self.frames):
                seen = len(self.frames)
                self._cond.wait(owner.browse_idle)
        return self

    def ack(self, ack_id: str) -> None:
        receipt = uuid.uuid4().hex
        self._conn.ack(ack_id, receipt=receipt)
        with self._cond:
            end = time.monotonic() + self.owner.receipt_timeout
            while receipt not in self._receipts and time.monotonic() < end:
                self._cond.wait(0.5)
        if receipt not in self._receipts:
            raise QueueUnavailable("the broker did not confirm an ACK while replaying")

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(stomp.exception.StompException, OSError):
            self._conn.disconnect()
