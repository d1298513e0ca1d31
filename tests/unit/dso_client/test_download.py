"""download_document: streamed to a temp file, resumed with Range, verified, then renamed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from dso_client import DocumentReferentie, DsoClient, DsoIntegrityError, DsoPermanentError, DsoRetryableError

BASE = "https://dso.test/api"
OIN = "00000001001600820000"
BODY = bytes(range(256)) * 400  # 102400 bytes


def ref(body: bytes = BODY, *, size: int | None = None, sha256: str | None = "auto") -> DocumentReferentie:
    return DocumentReferentie(
        document_id="DOC-1",
        bestandsnaam="a.pdf",
        media_type="application/pdf",
        size=len(body) if size is None else size,
        sha256=hashlib.sha256(body).hexdigest() if sha256 == "auto" else sha256,
        url=f"{BASE}/verzoeken/2026031000101/documenten/DOC-1",
    )


class DroppingStream(httpx2.SyncByteStream):
    """Yields `data` in pieces, then fails as a dropped connection does."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __iter__(self) -> Iterator[bytes]:
        for i in range(0, len(self.data), 4096):
            yield self.data[i : i + 4096]
        raise httpx2.RemoteProtocolError("peer closed connection without sending complete message body")


def serving(
    body: bytes, *, drop_first_at: int | None = None, honour_range: bool = True
) -> tuple[DsoClient, list[httpx2.Request]]:
    requests: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        requests.append(request)
        start = 0
        rng = request.headers.get("Range")
        if rng and honour_range:
            start = int(rng.removeprefix("bytes=").rstrip("-"))
        part = body[start:]
        headers = {"Content-Length": str(len(part))}
        status = 200
        if start:
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
        if drop_first_at is not None and len(requests) == 1:
            return httpx2.Response(status, headers=headers, stream=DroppingStream(part[:drop_first_at]))
        return httpx2.Response(status, headers=headers, content=part)

    return DsoClient(BASE, transport=httpx2.MockTransport(handler)), requests


def test_download_writes_dest_and_reports_size_and_checksum(tmp_path: Path) -> None:
    client, requests = serving(BODY)
    dest = tmp_path / "sub" / "doc.pdf"
    result = client.download_document(ref(), dest, oin=OIN)
    assert dest.read_bytes() == BODY
    assert result.size == len(BODY) and result.sha256 == hashlib.sha256(BODY).hexdigest()
    assert requests[0].headers["X-DSO-OIN"] == OIN
    assert list(dest.parent.iterdir()) == [dest]  # no temp file left behind


def test_a_dropped_connection_is_resumed_with_a_range_request(tmp_path: Path) -> None:
    client, requests = serving(BODY, drop_first_at=40960)
    result = client.download_document(ref(), tmp_path / "doc.pdf", oin=OIN)
    assert (tmp_path / "doc.pdf").read_bytes() == BODY
    assert result.sha256 == hashlib.sha256(BODY).hexdigest()
    assert [r.headers.get("Range") for r in requests] == [None, "bytes=40960-"]


def test_a_server_ignoring_range_makes_the_download_restart_cleanly(tmp_path: Path) -> None:
    client, requests = serving(BODY, drop_first_at=40960, honour_range=False)
    result = client.download_document(ref(), tmp_path / "doc.pdf", oin=OIN)
    assert (tmp_path / "doc.pdf").read_bytes() == BODY and result.size == len(BODY)
    assert len(requests) == 2


def test_a_checksum_mismatch_is_retryable_and_leaves_nothing(tmp_path: Path) -> None:
    client, _ = serving(BODY)
    dest = tmp_path / "doc.pdf"
    with pytest.raises(DsoIntegrityError) as info:
        client.download_document(ref(sha256="00" * 32), dest, oin=OIN)
    assert info.value.retryable is True
    assert list(tmp_path.iterdir()) == []


def test_a_size_mismatch_is_retryable_and_leaves_nothing(tmp_path: Path) -> None:
    client, _ = serving(BODY)
    with pytest.raises(DsoIntegrityError):
        client.download_document(ref(size=len(BODY) + 1, sha256=None), tmp_path / "doc.pdf", oin=OIN)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_dest_is_only_replaced_by_a_complete_download(tmp_path: Path) -> None:
    dest = tmp_path / "doc.pdf"
    dest.write_bytes(b"old")
    client, _ = serving(BODY)
    with pytest.raises(DsoIntegrityError):
        client.download_document(ref(sha256="00" * 32), dest, oin=OIN)
    assert dest.read_bytes() == b"old"


def test_endless_drops_give_up_retryable_without_a_partial_file(tmp_path: Path) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            200, headers={"Content-Length": str(len(BODY))}, stream=DroppingStream(BODY[:100])
        )

    client = DsoClient(BASE, transport=httpx2.MockTransport(handler))
    with pytest.raises(DsoRetryableError):
        client.download_document(ref(), tmp_path / "doc.pdf", oin=OIN)
    assert list(tmp_path.iterdir()) == []


def test_http_errors_during_download_are_mapped(tmp_path: Path) -> None:
    client = DsoClient(BASE, transport=httpx2.MockTransport(lambda r: httpx2.Response(403, text="nee")))
    with pytest.raises(DsoPermanentError) as info:
        client.download_document(ref(), tmp_path / "doc.pdf", oin=OIN)
    assert info.value.status == 403
    assert list(tmp_path.iterdir()) == []
