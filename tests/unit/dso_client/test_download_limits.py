"""Issue 14, items 3, 4 and 10: links outside the DSO API are never followed, every download is
streamed under a limit and cut off at the announced size, a "PDF" must be one, and a
referenties answer about another verzoek is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from dso_client import DocumentReferentie, DsoClient, DsoIntegrityError, DsoPermanentError
from dso_client.client import DsoForeignLinkError, DsoNotPdfError
from dso_client.download import DsoTooLargeError
from dso_client.models import Verzoekreferenties

BASE = "https://dso.test/api/afhandelen/v2"
OIN = "00000001001600820000"
VNR = "2026031000101"


class Counting(httpx2.SyncByteStream):
    """A body of `total` bytes in 64 KiB chunks that counts what was actually taken from it."""

    def __init__(self, total: int, head: bytes = b"") -> None:
        self.total, self.head, self.served = total, head, 0

    def __iter__(self) -> Iterator[bytes]:
        chunk = b"x" * 65536
        if self.head:
            self.served += len(self.head)
            yield self.head
        while self.served < self.total:
            piece = chunk[: self.total - self.served]
            self.served += len(piece)
            yield piece


def client_for(handler: object, **limits: int) -> tuple[DsoClient, list[httpx2.Request]]:
    seen: list[httpx2.Request] = []

    def recording(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return handler(request)  # type: ignore[operator, no-any-return]

    return DsoClient(BASE, transport=httpx2.MockTransport(recording), **limits), seen


def doc(url: str, size: int | None = None) -> DocumentReferentie:
    return DocumentReferentie("D1", "a.pdf", "application/pdf", size, None, url)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://evil.test/api/afhandelen/v2/verzoeken/1/documenten/D1", "evil.test"),
        ("http://dso.test/api/afhandelen/v2/verzoeken/1/documenten/D1", "dso.test"),  # other scheme
        ("https://dso.test:8443/api/afhandelen/v2/x", "dso.test"),  # other port
        ("https://dso.test/other/api/x", "dso.test"),  # outside the base path
        ("https://dso.test/api/afhandelen/v2/../../../admin", "dso.test"),
        ("https://dso.test/api/afhandelen/v2/%2e%2e/x", "dso.test"),
        ("https://dso.test/api/afhandelen/v2evil/x", "dso.test"),  # a prefix that is not a path
        ("https://user@evil.test/api/afhandelen/v2/x", "evil.test"),
        ("https://127.0.0.1/api/afhandelen/v2/x", "127.0.0.1"),
    ],
)
def test_a_link_outside_the_dso_api_is_not_followed(tmp_path: Path, url: str, host: str) -> None:
    client, seen = client_for(lambda r: httpx2.Response(200, content=b"%PDF-1.4"))
    with pytest.raises(DsoForeignLinkError) as info:
        client.download_document(doc(url), tmp_path / "d", oin=OIN)
    assert not info.value.retryable and host in str(info.value)
    assert seen == []  # nothing was sent, so our OIN header went nowhere
    refs = Verzoekreferenties(VNR, 1, f"{BASE}/s", url, ())
    with pytest.raises(DsoForeignLinkError):
        client.pdf_to(refs, tmp_path / "p.pdf", oin=OIN)
    assert seen == []


def test_a_link_on_the_dso_api_is_followed(tmp_path: Path) -> None:
    client, seen = client_for(lambda r: httpx2.Response(200, content=b"abc"))
    result = client.download_document(doc(f"{BASE}/verzoeken/{VNR}/documenten/D1"), tmp_path / "d", oin=OIN)
    assert result.size == 3 and len(seen) == 1 and seen[0].headers["X-DSO-OIN"] == OIN


def test_a_bijlage_bigger_than_announced_is_cut_off(tmp_path: Path) -> None:
    body = Counting(50 * 1024 * 1024)
    client, _ = client_for(lambda r: httpx2.Response(200, stream=body))
    with pytest.raises(DsoIntegrityError, match="more than the 1000 bytes it announced"):
        client.download_document(doc(f"{BASE}/d", size=1000), tmp_path / "d", oin=OIN)
    assert body.served <= 2 * 65536  # not the 50 MiB
    assert not list(tmp_path.iterdir())  # nothing partial left behind


def test_a_bijlage_without_grootte_stops_at_the_limit(tmp_path: Path) -> None:
    body = Counting(50 * 1024 * 1024)
    client, _ = client_for(lambda r: httpx2.Response(200, stream=body), max_bijlage_bytes=100_000)
    with pytest.raises(DsoTooLargeError, match="DSOGW_MAX_BIJLAGE_BYTES") as info:
        client.download_document(doc(f"{BASE}/d"), tmp_path / "d", oin=OIN)
    assert not info.value.retryable
    assert body.served <= 100_000 + 65536


def test_an_announced_size_over_the_limit_is_not_downloaded(tmp_path: Path) -> None:
    client, seen = client_for(lambda r: httpx2.Response(200, content=b"x"), max_bijlage_bytes=10)
    with pytest.raises(DsoTooLargeError):
        client.download_document(doc(f"{BASE}/d", size=11), tmp_path / "d", oin=OIN)
    assert seen == []


def test_the_stam_limit_holds_during_the_download(tmp_path: Path) -> None:
    body = Counting(10 * 1024 * 1024)
    client, _ = client_for(lambda r: httpx2.Response(200, stream=body), max_stam_bytes=200_000)
    with pytest.raises(DsoTooLargeError, match="DSOGW_MAX_STAM_BYTES"):
        client.samenvatting_to(VNR, 1, tmp_path / "s.xml", oin=OIN)
    assert body.served <= 200_000 + 65536 and not (tmp_path / "s.xml").exists()


def test_a_huge_pdf_is_streamed_to_disk_and_limited(tmp_path: Path) -> None:
    body = Counting(3 * 1024 * 1024, head=b"%PDF-1.7\n")
    client, _ = client_for(lambda r: httpx2.Response(200, stream=body), max_pdf_bytes=4 * 1024 * 1024)
    refs = Verzoekreferenties(VNR, 1, f"{BASE}/s", f"{BASE}/verzoeken/{VNR}/pdf", ())
    result = client.pdf_to(refs, tmp_path / "v.pdf", oin=OIN)
    assert result is not None and result.size == body.served
    small, _ = client_for(
        lambda r: httpx2.Response(200, stream=Counting(3 * 1024 * 1024)), max_pdf_bytes=1024
    )
    with pytest.raises(DsoTooLargeError, match="DSOGW_MAX_PDF_BYTES"):
        small.pdf_to(refs, tmp_path / "w.pdf", oin=OIN)


def test_html_served_as_pdf_is_not_a_pdf(tmp_path: Path) -> None:
    page = b"<!DOCTYPE html><html><body>Inloggen</body></html>"
    client, _ = client_for(
        lambda r: httpx2.Response(200, content=page, headers={"Content-Type": "application/pdf"})
    )
    refs = Verzoekreferenties(VNR, 1, f"{BASE}/s", f"{BASE}/verzoeken/{VNR}/pdf", ())
    with pytest.raises(DsoNotPdfError, match="HTML") as info:
        client.pdf_to(refs, tmp_path / "v.pdf", oin=OIN)
    assert not info.value.retryable and not (tmp_path / "v.pdf").exists()


def referenties(**override: object) -> dict[str, object]:
    data: dict[str, object] = {
        "verzoeknummer": VNR,
        "volgnummer": 1,
        "samenvatting": {"href": "samenvatting"},
        "documenten": [],
    }
    return {**data, **override}


@pytest.mark.parametrize(
    ("answer", "text"),
    [
        (referenties(verzoeknummer="2026031000999"), "answered for verzoek '2026031000999'"),
        (referenties(volgnummer=2), "answered for volgnummer 2"),
        (referenties(volgnummer="١"), "volgnummer is not a whole number"),
        (referenties(volgnummer=2**63), "volgnummer is not a whole number"),
        (referenties(documenten=[{"documentId": "D", "href": "d", "grootte": "１２"}]), "grootte"),
        (referenties(documenten=[{"documentId": "D", "href": "d", "grootte": -1}]), "grootte"),
    ],
)
def test_a_referenties_answer_that_does_not_fit_is_refused(answer: dict[str, object], text: str) -> None:
    client, _ = client_for(lambda r: httpx2.Response(200, json=answer))
    with pytest.raises(DsoPermanentError, match=text):
        client.verzoekreferenties(VNR, 1, oin=OIN)
