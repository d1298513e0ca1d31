"""ZgwClient over httpx2.MockTransport: auth, headers, error translation, pagination."""

from __future__ import annotations

import email
import email.policy
import io
import json
from datetime import timedelta
from typing import Any

import httpx2
import jwt
import pytest

from adapters.errors import DeliveryPermanentError, DeliveryRetryableError
from adapters.zgw.client import CatalogusGap, ZgwClient

SECRET = "unit-test-secret-0123456789abcdef0123"
BASE = "http://oz.test"


def _client(handler: httpx2.MockTransport, **extra: Any) -> ZgwClient:
    return ZgwClient(
        zaken_url=f"{BASE}/zaken/api/v1/",
        documenten_url=f"{BASE}/documenten/api/v1",
        catalogi_url=f"{BASE}/catalogi/api/v1",
        client_id="gateway",
        secret=SECRET,
        user_id="svc",
        user_representation="DSO gateway",
        transport=handler,
        **extra,
    )


def test_every_call_carries_a_fresh_hs256_jwt_and_crs_only_on_zaken() -> None:
    seen: list[httpx2.Request] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json={"ok": True})

    client = _client(httpx2.MockTransport(handle))
    client.post(client.zaken("zaken"), {"a": 1})
    client.get(client.catalogi("zaaktypen"))

    zaken, catalogi = seen
    claims = jwt.decode(zaken.headers["Authorization"].removeprefix("Bearer "), SECRET, algorithms=["HS256"])
    assert claims["iss"] == claims["client_id"] == "gateway"
    assert claims["user_id"] == "svc"
    assert claims["user_representation"] == "DSO gateway"
    assert isinstance(claims["iat"], int)
    assert zaken.headers["Accept-Crs"] == zaken.headers["Content-Crs"] == "EPSG:4326"
    assert "Accept-Crs" not in catalogi.headers
    assert str(zaken.url) == f"{BASE}/zaken/api/v1/zaken"
    assert json.loads(zaken.content) == {"a": 1}


def test_a_call_goes_to_the_transport_with_its_timeout_and_the_clients_default_headers() -> None:
    """Calls without query parameters skip httpx's Client (ZgwClient._send): what the client
    would add still goes with them, and a call with parameters still gets its query string."""
    seen: list[httpx2.Request] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(201, json={"url": "x"}, headers={"Content-Encoding": "identity"})

    client = _client(httpx2.MockTransport(handle))
    assert client.post(client.zaken("zaken"), {"a": 1}) == {"url": "x"}
    assert client.get(client.zaken("zaken"), params={"identificatie": "Z 1"}) == {"url": "x"}
    posted, listed = seen
    assert (
        posted.headers["User-Agent"] == "dso-gateway" and posted.headers["Content-Type"] == "application/json"
    )
    assert posted.headers["Content-Length"] == str(len(posted.content))
    assert posted.extensions["timeout"] == httpx2.Timeout(30.0).as_dict()
    assert str(listed.url) == f"{BASE}/zaken/api/v1/zaken?identificatie=Z+1"


def test_event_hooks_see_every_call_the_direct_path_included() -> None:
    """A caller that observes calls through the client's event hooks (tests, tracing) sees the
    calls the direct path would have sent too: with hooks, every call goes through the client."""
    requested: list[str] = []
    answered: list[int] = []
    client = _client(
        httpx2.MockTransport(lambda r: httpx2.Response(201, json={"url": "x"})),
        event_hooks={"request": [lambda r: requested.append(r.method)]},
    )
    client._http.event_hooks["response"].append(lambda r: answered.append(r.status_code))
    client.post(client.zaken("zaken"), {"a": 1})
    client.get(client.catalogi("zaaktypen"))
    assert requested == ["POST", "GET"] and answered == [201, 201]


def test_400_is_permanent_with_readable_invalid_params() -> None:
    body = {
        "code": "invalid",
        "title": "Invalid input.",
        "status": 400,
        "detail": "",
        "instance": "x",
        "invalidParams": [{"name": "bronorganisatie", "code": "required", "reason": "Dit veld is vereist."}],
    }
    client = _client(httpx2.MockTransport(lambda r: httpx2.Response(400, json=body)))
    with pytest.raises(DeliveryPermanentError) as info:
        client.post(client.zaken("zaken"), {})
    assert info.value.invalid_params == [
        {"name": "bronorganisatie", "code": "required", "reason": "Dit veld is vereist."}
    ]
    assert "bronorganisatie: Dit veld is vereist." in str(info.value)
    assert info.value.retryable is False


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (403, DeliveryPermanentError),
        (404, DeliveryPermanentError),
        (412, DeliveryPermanentError),
        (429, DeliveryRetryableError),
        (500, DeliveryRetryableError),
        (502, DeliveryRetryableError),
    ],
)
def test_status_codes_are_translated_once(status: int, error: type[Exception]) -> None:
    client = _client(httpx2.MockTransport(lambda r: httpx2.Response(status, json={"detail": "nee"})))
    with pytest.raises(error) as info:
        client.get(client.zaken("zaken/1"))
    assert str(status) in str(info.value)
    assert info.value.__cause__ is None  # an answer, not a foreign exception


@pytest.mark.parametrize("exc", [httpx2.ConnectError("refused"), httpx2.ReadTimeout("slow")])
def test_transport_failures_are_retryable(exc: httpx2.HTTPError) -> None:
    def handle(request: httpx2.Request) -> httpx2.Response:
        raise exc

    client = _client(httpx2.MockTransport(handle))
    with pytest.raises(DeliveryRetryableError) as info:
        client.get(client.catalogi("catalogussen"))
    assert info.value.__cause__ is exc


def test_error_messages_leave_the_query_string_out() -> None:
    client = _client(httpx2.MockTransport(lambda r: httpx2.Response(500)))
    with pytest.raises(DeliveryRetryableError) as info:
        client.get(client.zaken("zaken"), {"identificatie": "geheim-123"})
    assert "geheim-123" not in str(info.value)


def test_list_all_follows_next_and_accepts_plain_lists() -> None:
    def handle(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/zaakinformatieobjecten"):
            return httpx2.Response(200, json=[{"n": 9}])
        if request.url.params.get("page") == "2":
            return httpx2.Response(200, json={"count": 3, "next": None, "results": [{"n": 3}]})
        nxt = f"{BASE}/catalogi/api/v1/zaaktypen?page=2"
        return httpx2.Response(200, json={"count": 3, "next": nxt, "results": [{"n": 1}, {"n": 2}]})

    client = _client(httpx2.MockTransport(handle))
    assert [i["n"] for i in client.list_all(client.catalogi("zaaktypen"))] == [1, 2, 3]
    assert [i["n"] for i in client.list_all(client.zaken("zaakinformatieobjecten"))] == [9]


def test_errors_carry_the_status_and_delete_may_find_nothing() -> None:
    gone = _client(httpx2.MockTransport(lambda r: httpx2.Response(404, json={"detail": "weg"})))
    url = "https://zgw.test/zaken/api/v1/rollen/1"
    with pytest.raises(DeliveryPermanentError) as info:
        gone.delete(url)
    assert info.value.status == 404
    assert gone.delete(url, missing_ok=True) is False
    # Only a 404 is "already gone": a refusal still raises.
    refused = _client(httpx2.MockTransport(lambda r: httpx2.Response(403, json={"detail": "nee"})))
    with pytest.raises(DeliveryPermanentError):
        refused.delete(url, missing_ok=True)
    deleted = _client(httpx2.MockTransport(lambda r: httpx2.Response(204)))
    assert deleted.delete(url, missing_ok=True) is True


def test_a_bestandsdeel_goes_with_a_content_length_and_streams_from_the_file() -> None:
    """Open Zaak reads a chunked body (no Content-Length) as empty: `lock: required`."""
    seen: list[tuple[httpx2.Headers, bytes]] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        seen.append((request.headers, request.read()))
        return httpx2.Response(200, json={"ok": True})

    client = _client(httpx2.MockTransport(handle))
    source = io.BytesIO(b"x" * 10 + b"PART" * 50_000 + b"rest")
    source.seek(10)
    client.put_bestandsdeel(
        f"{BASE}/documenten/api/v1/bestandsdelen/1",
        lock="abc123",
        inhoud=source,
        omvang=200_000,
        bestandsnaam='tekening "A".pdf',
    )

    [(headers, body)] = seen
    assert "transfer-encoding" not in headers
    assert int(headers["Content-Length"]) == len(body)
    assert source.read() == b"rest"  # exactly the part was read
    # A standard multipart parser reads it back: the lock and the part, byte for byte.
    message = email.message_from_bytes(
        b"Content-Type: " + headers["Content-Type"].encode() + b"\r\n\r\n" + body, policy=email.policy.HTTP
    )
    parts = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
    assert parts["lock"].get_payload(decode=True) == b"abc123"
    assert parts["inhoud"].get_payload(decode=True) == b"PART" * 50_000
    assert parts["inhoud"].get_filename() == "tekening %22A%22.pdf"


def test_a_bestandsdeel_shorter_than_announced_is_refused_not_sent_short() -> None:
    def handle(request: httpx2.Request) -> httpx2.Response:
        request.read()
        return httpx2.Response(200, json={})

    client = _client(httpx2.MockTransport(handle))
    with pytest.raises(DeliveryPermanentError, match="ended before its announced size"):
        client.put_bestandsdeel(
            f"{BASE}/documenten/api/v1/bestandsdelen/1",
            lock="abc",
            inhoud=io.BytesIO(b"short"),
            omvang=100,
            bestandsnaam="a.bin",
        )


def test_the_server_clock_from_its_date_header_bounds_now() -> None:
    def handle(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json={}, headers={"Date": "Mon, 01 Jan 2024 12:00:00 GMT"})

    client = _client(httpx2.MockTransport(handle))
    before = client.server_now()
    client.get(client.catalogi("zaaktypen"))
    behind = client.server_now()
    assert behind.year == 2024 and before - behind > timedelta(days=365)  # the provider's clock


def test_a_catalogue_url_the_provider_no_longer_knows_is_a_catalogue_gap() -> None:
    """So the delivery refreshes its cached catalogue and tries once more."""

    def handle(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(404, json={"detail": "Niet gevonden."})

    client = _client(httpx2.MockTransport(handle))
    with pytest.raises(CatalogusGap):
        client.get(client.catalogi("statustypen/weg"))
    with pytest.raises(DeliveryPermanentError) as raised:
        client.get(client.zaken("zaken/weg"))
    assert not isinstance(raised.value, CatalogusGap)
