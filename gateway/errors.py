"""The gateway's error vocabulary and the one place where our packages' errors meet.

Each package translates foreign exceptions once, into its own error classes that carry a
class attribute `retryable`. `classify()` turns any exception into a PermanentError or a
RetryableError; the workers' ack/nack/dead-letter decision rests on that alone.
"""

from __future__ import annotations

from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError


class GatewayError(Exception):
    retryable = False

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(GatewayError):
    """Retrying cannot fix it: bad STAM, a mapping gap, a 4xx from a target."""


class RetryableError(GatewayError):
    """Timeouts, 5xx, 429, a broker that is down, an earlier version still in flight."""

    retryable = True


def classify(exc: BaseException) -> GatewayError:
    if isinstance(exc, GatewayError):
        return exc
    retryable = getattr(type(exc), "retryable", None)
    message = str(exc) or type(exc).__name__
    retry_after = getattr(exc, "retry_after", None)
    if retryable is True:
        return RetryableError(
            message, retry_after=retry_after if isinstance(retry_after, int | float) else None
        )
    if retryable is False:
        return PermanentError(message)
    # The database gone for a moment (a PostgreSQL restart or failover, a dropped connection,
    # SQLite busy past its timeout, a full disk): the same job can succeed once it is back, so
    # it waits in the queue instead of failing the verzoek for staff to retry by hand.
    if isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        return RetryableError(
            f"de database was even niet bereikbaar of bezig ({type(exc).__name__}); wordt opnieuw geprobeerd"
        )
    # Not one of ours: a bug. Retrying a bug only repeats it, so it is parked as permanent,
    # named by type only, because foreign messages may quote input (and so a BSN).
    if isinstance(exc, DataError):
        return PermanentError(
            "the database refused a value (DataError): a number out of range or a character it"
            " cannot store; the input needs a bound or a check"
        )
    return PermanentError(f"internal error ({type(exc).__name__})")
