"""The message-queue layer: one port (`MessageQueue`), three implementations chosen by URL.

    connect("memory://")                      in-process fake (a fresh broker)
    connect("memory://name")                  in-process fake shared by name within this process
    connect("sqlite:///var/queue.db")         embedded durable queue (relative path; 4 slashes: absolute)
    connect("stomp://guest:guest@127.0.0.1:61613?flavour=rabbitmq")   RabbitMQ or ActiveMQ over STOMP

Query parameters become keyword options of the implementation; keyword arguments win."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from message_queue.base import DeadLetter, Message, MessageQueue
from message_queue.errors import QueueConfigError, QueueError, QueueUnavailable

__all__ = [
    "DeadLetter",
    "Message",
    "MessageQueue",
    "QueueConfigError",
    "QueueError",
    "QueueUnavailable",
    "connect",
]

_FLOAT_OPTIONS = {
    "visibility_timeout",
    "poll_interval",
    "busy_timeout",
    "receipt_timeout",
    "connect_timeout",
    "browse_idle",
}
_INT_OPTIONS = {"prefetch", "heartbeat_ms"}


def _typed(options: dict[str, str]) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for key, value in options.items():
        try:
            if key in _FLOAT_OPTIONS:
                typed[key] = float(value)
            elif key in _INT_OPTIONS:
                typed[key] = int(value)
            else:
                typed[key] = value
        except ValueError as exc:
            raise QueueConfigError(f"queue option {key}={value!r} is not a number") from exc
    return typed


def connect(url: str, **options: Any) -> MessageQueue:
    """Open the queue the URL names. Raises QueueConfigError for a URL that cannot work."""
    scheme, _, rest = url.partition("://")
    if not rest and not url.endswith("://"):
        raise QueueConfigError("queue URL needs a scheme: memory://, sqlite:///path or stomp://host:port")
    rest, _, query = rest.partition("?")
    merged = {**_typed(dict(parse_qsl(query))), **options}
    try:
        if scheme == "memory":
            from message_queue.memory import MemoryQueue, named_broker

            return MemoryQueue(named_broker(rest) if rest else None)
        if scheme == "sqlite":
            from message_queue.sqlite import SqliteQueue

            # SQLAlchemy convention: sqlite:///relative/path, sqlite:////absolute/path
            if not rest.startswith("/") or rest == "/":
                raise QueueConfigError("sqlite queue URL must look like sqlite:///path/to/queue.db")
            return SqliteQueue(unquote(rest[1:]), **merged)
        if scheme == "stomp":
            from message_queue.stomp import StompQueue

            parts = urlsplit(url)
            if not parts.hostname or not parts.port:
                raise QueueConfigError("stomp queue URL needs host and port: stomp://user:pass@host:61613")
            return StompQueue(
                host=parts.hostname,
                port=parts.port,
                username=unquote(parts.username or "") or None,
                password=unquote(parts.password or "") or None,
                **merged,
            )
    except TypeError as exc:  # an option the implementation does not know
        raise QueueConfigError(f"queue URL {scheme}://…: {exc}") from exc
    raise QueueConfigError(f"unknown queue URL scheme {scheme!r}: use memory, sqlite or stomp")
