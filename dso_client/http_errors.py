"""The one place where httpx exceptions and HTTP statuses become our errors."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2

from dso_client.errors import (
    DsoError,
    DsoNotAvailableError,
    DsoPermanentError,
    DsoRateLimitedError,
    DsoRetryableError,
)

MAX_REASON = 200


def translate_exception(exc: httpx2.HTTPError, what: str) -> DsoError:
    """Map an httpx exception raised while doing `what` (e.g. "GET verzoekreferenties")."""
    if _caused_by_tls(exc):
        # A certificate the other side refuses (or we refuse) is configuration: retrying won't fix it.
        return DsoPermanentError(f"{what}: TLS handshake failed ({type(exc).__name__}: {exc})")
    if isinstance(exc, httpx2.TimeoutException):
        return DsoRetryableError(f"{what}: timeout ({type(exc).__name__})")
    if isinstance(exc, httpx2.UnsupportedProtocol | httpx2.InvalidURL | httpx2.LocalProtocolError):
        return DsoPermanentError(f"{what}: invalid request ({type(exc).__name__}: {exc})")
    if isinstance(exc, httpx2.TransportError):
        return DsoRetryableError(f"{what}: connection problem ({type(exc).__name__}: {exc})")
    return DsoRetryableError(f"{what}: {type(exc).__name__}: {exc}")


def _caused_by_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def error_for_response(response: httpx2.Response, what: str) -> DsoError | None:
    """None for 2xx; otherwise the error to raise. The body must have been read."""
    status = response.status_code
    if status < 300:
        return None
    reason = _reason(response)
    message = f"{what}: HTTP {status}" + (f" ({reason})" if reason else "")
    if status == 429:
        return DsoRateLimitedError(
            message, status=status, retry_after=parse_retry_after(response.headers.get("Retry-After"))
        )
    if status == 404:
        return DsoNotAvailableError(message + ": not available (yet)", status=status)
    if status in (408, 425) or status >= 500:
        return DsoRetryableError(
            message, status=status, retry_after=parse_retry_after(response.headers.get("Retry-After"))
        )
    return DsoPermanentError(message, status=status)


def json_object(response: httpx2.Response, what: str) -> dict[str, Any]:
    """The JSON object DSO answered; anything else is a permanent error (a contract mismatch)."""
    try:
        data = response.json()
    except ValueError as exc:
        raise DsoPermanentError(f"{what}: response is not JSON") from exc
    except RecursionError as exc:  # json nests by recursion: "[[[[..." 100,000 deep
        raise DsoPermanentError(f"{what}: response is JSON nested too deeply") from exc
    if not isinstance(data, dict):
        raise DsoPermanentError(f"{what}: response is not a JSON object")
    return data


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is delay-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _reason(response: httpx2.Response) -> str:
    """A short reason from a problem+json body (title/detail), else the start of a text body."""
    try:
        content = response.content
    except httpx2.ResponseNotRead:
        return ""
    if not content:
        return ""
    ctype = response.headers.get("content-type", "")
    if "json" in ctype:
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict):
            parts = [str(data[k]) for k in ("title", "detail") if data.get(k)]
            if parts:
                return ": ".join(parts)[:MAX_REASON]
    if ctype.startswith("text/"):
        return response.text.strip().replace("\n", " ")[:MAX_REASON]
    return ""
