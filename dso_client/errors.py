"""Errors of the DSO client. The gateway decides ack/nack/dead-letter on `retryable` alone.

Messages name the call, the HTTP status and DSO's reason; they never carry request bodies,
so no BSN can leak into a log line through them."""

from __future__ import annotations

from typing import ClassVar


class DsoError(Exception):
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class DsoPermanentError(DsoError):
    """Retrying will not help: 401/403 (certificate or OIN), other 4xx, misconfiguration."""

    retryable: ClassVar[bool] = False


class DsoRetryableError(DsoError):
    """Try again later: 5xx, 429, timeouts, dropped connections, 404 (not available yet),
    a download that did not match its size or checksum."""

    retryable: ClassVar[bool] = True

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class DsoNotAvailableError(DsoRetryableError):
    """404: DSO does not (yet) have the verzoek version or document."""


class DsoRateLimitedError(DsoRetryableError):
    """429: honour `retry_after` (seconds) when DSO sent a Retry-After header."""


class DsoIntegrityError(DsoRetryableError):
    """A downloaded document's size or sha256 differs from the referentie; nothing was kept."""
