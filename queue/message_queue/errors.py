"""Errors of the queue layer. Foreign exceptions (socket, stomp.py, sqlite3) are translated
here once; `retryable` is the one attribute the gateway's ack/nack/DLQ decision reads."""

from __future__ import annotations

from typing import ClassVar


class QueueError(Exception):
    retryable: ClassVar[bool] = False


class QueueUnavailable(QueueError):
    """Broker or database not reachable, or it did not confirm in time."""

    retryable = True


class QueueConfigError(QueueError):
    """A queue URL or option that cannot work; retrying will not fix it."""
