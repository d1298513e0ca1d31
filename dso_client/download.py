"""Stream one document to disk: never the whole body in memory, resume after a drop, verify,
and only then move it into place. A partial or mismatching file is never left at `dest`."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path

import httpx
import structlog

from dso_client.errors import DsoIntegrityError, DsoRetryableError
from dso_client.http_errors import error_for_response, translate_exception
from dso_client.models import DocumentReferentie, DownloadResult

log = structlog.get_logger(__name__)

MAX_RESUMES = 5
CONTENT_RANGE = re.compile(r"^bytes ([0-9]+)-([0-9]+)/([0-9]+|\*)$")


def download_to(
    http: httpx.Client, ref: DocumentReferentie, dest: Path, *, headers: Mapping[str, str]
) -> DownloadResult:
    what = f"GET document {ref.document_id}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    try:
        size, digest = _fetch(http, ref, part, headers, what)
        _verify(ref, size, digest, what)
        os.replace(part, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
    log.info("dso.document_fetched", document_id=ref.document_id, size=size)
    return DownloadResult(path=dest, size=size, sha256=digest)


def _fetch(
    http: httpx.Client, ref: DocumentReferentie, part: Path, headers: Mapping[str, str], what: str
) -> tuple[int, str]:
    hasher = hashlib.sha256()
    written = 0
    resumes = 0
    with part.open("wb") as fh:
        while True:
            request_headers = dict(headers)
            if written:
                request_headers["Range"] = f"bytes={written}-"
            try:
                with http.stream("GET", ref.url, headers=request_headers) as response:
                    if response.status_code >= 300:
                        response.read()
                        error = error_for_response(response, what)
                        assert error is not None
                        raise error
                    if written and not _continues_at(response, written):
                        # The server ignored our Range (or answered another one): start over.
                        log.info("dso.download_restart", document_id=ref.document_id, had=written)
                        fh.seek(0)
                        fh.truncate()
                        hasher = hashlib.sha256()
                        written = 0
                    # No chunk_size: httpx would buffer up to it and lose the tail on a drop.
                    for chunk in response.iter_bytes():
                        fh.write(chunk)
                        hasher.update(chunk)
                        written += len(chunk)
                return written, hasher.hexdigest()
            except httpx.HTTPError as exc:
                error = translate_exception(exc, what)
                if not error.retryable or resumes >= MAX_RESUMES:
                    raise error from exc
                resumes += 1
                fh.flush()
                log.warning("dso.download_resume", document_id=ref.document_id, at=written, attempt=resumes)
            except OSError as exc:
                raise DsoRetryableError(f"{what}: could not write the document: {exc}") from exc


def _continues_at(response: httpx.Response, offset: int) -> bool:
    if response.status_code != 206:
        return False
    match = CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
    return match is not None and int(match.group(1)) == offset


def _verify(ref: DocumentReferentie, size: int, digest: str, what: str) -> None:
    if ref.size is not None and size != ref.size:
        raise DsoIntegrityError(f"{what}: got {size} bytes, DSO announced {ref.size}")
    if ref.sha256 is not None and digest != ref.sha256.lower():
        raise DsoIntegrityError(f"{what}: sha256 differs from the one DSO announced")
