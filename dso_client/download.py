"""Stream one file from DSO to disk: never the whole body in memory, never more than a limit,
resume after a drop, verify, and only then move it into place. A partial, oversized or
mismatching file is never left at `dest`.

Every download (the STAM samenvatting, the PDF, each bijlage) goes through `download_to`, with
a limit per kind: DSO's announced size when it gave one (a body that runs past it is cut off
at once, not read to the end), else the configured maximum for that kind."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx2
import structlog

from dso_client.errors import DsoIntegrityError, DsoPermanentError, DsoRetryableError
from dso_client.http_errors import error_for_response, translate_exception
from dso_client.models import DownloadResult

log = structlog.get_logger(__name__)

MAX_RESUMES = 5
CONTENT_RANGE = re.compile(r"^bytes ([0-9]+)-([0-9]+)/([0-9]+|\*)$")


class DsoTooLargeError(DsoPermanentError):
    """A body larger than the configured limit for its kind: retrying fetches the same body."""


@dataclass(frozen=True, slots=True)
class Expected:
    """What we know before the download: the limit, and what DSO announced (if anything)."""

    max_bytes: int
    size: int | None = None
    sha256: str | None = None
    setting: str = ""  # the DSOGW_ setting that sets max_bytes, named in the error


def download_to(
    http: httpx2.Client,
    url: str,
    dest: Path,
    *,
    headers: Mapping[str, str],
    what: str,
    expected: Expected,
) -> DownloadResult:
    if expected.size is not None and expected.size > expected.max_bytes:
        raise DsoTooLargeError(
            f"{what}: DSO announces {expected.size} bytes, more than the limit of {expected.max_bytes}"
            f" ({expected.setting}); not downloaded"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    # A name of its own per download: two deliveries of one job may fetch the same file at once
    # (a broker hands a message to a second worker when the first one's connection drops), and
    # must not move or delete each other's half-written file.
    part = dest.with_name(f"{dest.name}.{uuid.uuid4().hex}.part")
    try:
        size, digest = _fetch(http, url, part, headers, what, expected)
        _verify(expected, size, digest, what)
        os.replace(part, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
    log.info("dso.downloaded", call=what, size=size)
    return DownloadResult(path=dest, size=size, sha256=digest)


def _limit(expected: Expected) -> int:
    # One byte past the announced size is enough to know DSO's answer is not what it announced.
    return min(expected.max_bytes, expected.size + 1) if expected.size is not None else expected.max_bytes


def _fetch(
    http: httpx2.Client, url: str, part: Path, headers: Mapping[str, str], what: str, expected: Expected
) -> tuple[int, str]:
    hasher = hashlib.sha256()
    written = 0
    resumes = 0
    limit = _limit(expected)
    with part.open("wb") as fh:
        while True:
            request_headers = dict(headers)
            if written:
                request_headers["Range"] = f"bytes={written}-"
            try:
                with http.stream("GET", url, headers=request_headers) as response:
                    if response.status_code >= 300:
                        _read_error_body(response)
                        error = error_for_response(response, what)
                        assert error is not None
                        raise error
                    if written and not _continues_at(response, written):
                        # The server ignored our Range (or answered another one): start over.
                        log.info("dso.download_restart", call=what, had=written)
                        fh.seek(0)
                        fh.truncate()
                        hasher = hashlib.sha256()
                        written = 0
                    _check_announced_length(response, written, limit, what, expected)
                    # No chunk_size: httpx would buffer up to it and lose the tail on a drop.
                    for chunk in response.iter_bytes():
                        if written + len(chunk) > limit:
                            raise _too_large(what, expected, written + len(chunk))
                        fh.write(chunk)
                        hasher.update(chunk)
                        written += len(chunk)
                return written, hasher.hexdigest()
            except httpx2.HTTPError as exc:
                error = translate_exception(exc, what)
                if not error.retryable or resumes >= MAX_RESUMES:
                    raise error from exc
                resumes += 1
                fh.flush()
                log.warning("dso.download_resume", call=what, at=written, attempt=resumes)
            except OSError as exc:
                raise DsoRetryableError(f"{what}: could not write the file: {exc}") from exc


def _read_error_body(response: httpx2.Response) -> None:
    # An error answer is read for its reason, but never more than a little of it.
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > 64 * 1024:
            break
    response._content = bytes(body[: 64 * 1024])


def _check_announced_length(
    response: httpx2.Response, offset: int, limit: int, what: str, expected: Expected
) -> None:
    length = response.headers.get("Content-Length", "")
    if length.isascii() and length.isdigit() and offset + int(length) > limit:
        raise _too_large(what, expected, offset + int(length))


def _too_large(what: str, expected: Expected, seen: int) -> Exception:
    if expected.size is not None and seen > expected.size and expected.size < expected.max_bytes:
        return DsoIntegrityError(
            f"{what}: DSO sends more than the {expected.size} bytes it announced; cut off"
        )
    return DsoTooLargeError(
        f"{what}: larger than the limit of {expected.max_bytes} bytes ({expected.setting}); cut off"
    )


def _continues_at(response: httpx2.Response, offset: int) -> bool:
    if response.status_code != 206:
        return False
    match = CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
    return match is not None and int(match.group(1)) == offset


def _verify(expected: Expected, size: int, digest: str, what: str) -> None:
    if expected.size is not None and size != expected.size:
        raise DsoIntegrityError(f"{what}: got {size} bytes, DSO announced {expected.size}")
    if expected.sha256 is not None and digest != expected.sha256.lower():
        raise DsoIntegrityError(f"{what}: sha256 differs from the one DSO announced")
