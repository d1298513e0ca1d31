"""HTTP statuses and transport failures become our errors, with the right `retryable`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx2
import pytest

from dso_client import (
    DsoClient,
    DsoNotAvailableError,
    DsoPermanentError,
    DsoRateLimitedError,
    DsoRetryableError,
)
from dso_client.http_errors import parse_retry_after

BASE = "https://dso.test/overheid/verzoeken/api/afhandelen/v2"
OIN = "00000001001600820000"

REFERENTIES = {
    "verzoeknummer": "2026031000101",
    "volgnummer": 2,
    "samenvatting": {"href": f"{BASE}/verzoeken/2026031000101/samenvatting?volgnummer=2"},
    "pdf": {"href": "pdf?volgnummer=2"},
    "documenten": [
        {
            "documentId": "DOC-1",
            "bestandsnaam": "a.pdf",
            "mediaType": "application/pdf",
            "grootte": 10,
            "sha256": "AB" * 32,
            "href": "/overheid/verzoeken/api/afhandelen/v2/verzoeken/2026031000101/documenten/DOC-1",
        }
    ],
}


def client_for(handler: Callable[[httpx2.Request], httpx2.Response], **kwargs: object) -> DsoClient:
    return DsoClient(BASE, transport=httpx2.MockTransport(handler), **kwargs)  # type: ignore[arg-type]


def answering(status: int, **kwargs: object) -> DsoClient:
    return client_for(lambda request: httpx2.Response(status, **kwargs))  # type: ignore[arg-type]


def test_referenties_are_parsed_and_relative_links_resolved() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=REFERENTIES)

    with client_for(handler) as client:
        refs = client.verzoekreferenties("2026031000101", None, oin=OIN)
    assert refs.volgnummer == 2
    assert refs.pdf_url == f"{BASE}/verzoeken/2026031000101/pdf?volgnummer=2"
    (doc,) = refs.documenten
    assert doc.size == 10 and doc.sha256 == "ab" * 32
    assert doc.url == f"{BASE}/verzoeken/2026031000101/documenten/DOC-1"
    assert seen[0].headers["X-DSO-OIN"] == OIN
    assert "volgnummer" not in seen[0].url.params


def test_the_oin_goes_in_the_configured_header_per_call() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, content=b"<x/>")

    with client_for(handler, oin_header="X-Other-OIN") as client:
        client.samenvatting("2026031000101", 1, oin=OIN)
        client.samenvatting("2026031000101", 1, oin="00000001823288444000")
    assert [r.headers["X-Other-OIN"] for r in seen] == [OIN, "00000001823288444000"]
    assert "X-DSO-OIN" not in seen[0].headers
    assert seen[0].url.params["volgnummer"] == "1"


@pytest.mark.parametrize("status", [401, 403, 400, 409, 422])
def test_client_errors_are_permanent_with_the_reason(status: int) -> None:
    body = {"title": "Geen toegang", "detail": "OIN onbekend"}
    problem = {"content-type": "application/problem+json"}
    with answering(status, json=body, headers=problem) as client, pytest.raises(DsoPermanentError) as info:
        client.samenvatting("2026031000101", 1, oin=OIN)
    assert info.value.retryable is False and info.value.status == status
    assert "Geen toegang: OIN onbekend" in str(info.value)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_server_errors_are_retryable(status: int) -> None:
    with answering(status, text="busy") as client, pytest.raises(DsoRetryableError) as info:
        client.samenvatting("2026031000101", 1, oin=OIN)
    assert info.value.retryable is True


def test_404_is_retryable_not_available_yet() -> None:
    with answering(404) as client, pytest.raises(DsoNotAvailableError) as info:
        client.verzoekreferenties("2026031000101", 1, oin=OIN)
    assert info.value.retryable is True and "not available" in str(info.value)


def test_429_exposes_retry_after_seconds() -> None:
    with answering(429, headers={"Retry-After": "7"}) as client, pytest.raises(DsoRateLimitedError) as info:
        client.verzoekreferenties("2026031000101", 1, oin=OIN)
    assert info.value.retryable is True and info.value.retry_after == 7.0


def test_retry_after_as_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    value = parse_retry_after(format_datetime(when, usegmt=True))
    assert value is not None and 25 <= value <= 31
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (httpx2.ConnectTimeout("slow"), DsoRetryableError),
        (httpx2.ReadTimeout("slow"), DsoRetryableError),
        (httpx2.ConnectError("refused"), DsoRetryableError),
        (httpx2.RemoteProtocolError("dropped"), DsoRetryableError),
        (httpx2.UnsupportedProtocol("ftp"), DsoPermanentError),
    ],
)
def test_transport_failures_are_translated_once(exc: httpx2.HTTPError, expected: type[Exception]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise exc

    with client_for(handler) as client, pytest.raises(expected) as info:
        client.samenvatting("2026031000101", 1, oin=OIN)
    assert info.value.__cause__ is exc


def test_malformed_json_is_permanent() -> None:
    with answering(200, json={"verzoeknummer": "1"}) as client, pytest.raises(DsoPermanentError):
        client.verzoekreferenties("2026031000101", 1, oin=OIN)


def test_an_invalid_oin_or_verzoeknummer_is_refused_before_any_call() -> None:
    calls: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(request)
        return httpx2.Response(200)

    with client_for(handler) as client:
        with pytest.raises(DsoPermanentError):
            client.samenvatting("2026031000101", 1, oin="123")
        with pytest.raises(DsoPermanentError):
            client.samenvatting("../admin", 1, oin=OIN)
    assert calls == []


def test_zoek_follows_pages_until_the_last() -> None:
    pages: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        pagina = int(request.url.params["pagina"])
        pages.append(request.url.params["pagina"])
        hits = [
            {
                "verzoeknummer": f"20260310{pagina:05d}",
                "volgnummer": i + 1,
                "bevoegdGezag": OIN,
                "indienDatum": None,
            }
            for i in range(2)
        ]
        return httpx2.Response(200, json={"verzoeken": hits, "pagina": pagina, "aantalPaginas": 3})

    with client_for(handler) as client:
        hits = list(client.zoek(oin=OIN, vanaf=datetime(2026, 3, 1, tzinfo=UTC)))
    assert pages == ["1", "2", "3"] and len(hits) == 6
    assert hits[-1].verzoeknummer == "2026031000003" and hits[-1].indien_datum is None


def test_rerouteer_and_koppel_zaak_send_their_bodies() -> None:
    bodies: dict[str, bytes] = {}

    def handler(request: httpx2.Request) -> httpx2.Response:
        bodies[request.url.path] = request.content
        return httpx2.Response(201, json={})

    with client_for(handler, samenwerking_url="https://dso.test/samenwerken/") as client:
        client.rerouteer("2026031000101", oin=OIN, reden="ander bevoegd gezag")
        client.koppel_zaak("2026031000101", oin=OIN, kenmerk_systeem="ZGW", nummer_binnen_systeem="ZAAK-7")
    assert (
        b"ander bevoegd gezag"
        in bodies["/overheid/verzoeken/api/afhandelen/v2/verzoeken/2026031000101/_rerouteer"]
    )
    assert b'"nummerBinnenSysteem":"ZAAK-7"' in bodies["/samenwerken/samenwerkingen"].replace(b" ", b"")


def test_koppel_zaak_without_samenwerking_url_is_permanent() -> None:
    with answering(201) as client, pytest.raises(DsoPermanentError):
        client.koppel_zaak("2026031000101", oin=OIN, kenmerk_systeem="ZGW", nummer_binnen_systeem="Z")
