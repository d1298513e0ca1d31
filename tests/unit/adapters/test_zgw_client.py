"""ZgwClient over httpx.MockTransport: auth, headers, error translation, pagination."""

from __future__ import annotations

import json

import httpx
import jwt
import pytest

from adapters.errors import DeliveryPermanentError, DeliveryRetryableError
from adapters.zgw.client import ZgwClient

SECRET = "unit-test-secret-0123456789abcdef0123"
BASE = "http://oz.test"


def _client(handler: httpx.MockTransport) -> ZgwClient:
    return ZgwClient(
        zaken_url=f"{BASE}/zaken/api/v1/",
        documenten_url=f"{BASE}/documenten/api/v1",
        catalogi_url=f"{BASE}/catalogi/api/v1",
        client_id="gateway",
        secret=SECRET,
        user_id="svc",
        user_representation="DSO gateway",
        transport=handler,
    )


def test_every_call_carries_a_fresh_hs256_jwt_and_crs_only_on_zaken() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    client = _client(httpx.MockTransport(handle))
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


def test_400_is_permanent_with_readable_invalid_params() -> None:
    body = {
        "code": "invalid",
        "title": "Invalid input.",
        "status": 400,
        "detail": "",
        "instance": "x",
        "invalidParams": [{"name": "bronorganisatie", "code": "required", "reason": "Dit veld is vereist."}],
    }
    client = _client(httpx.MockTransport(lambda r: httpx.Response(400, json=body)))
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
    client = _client(httpx.MockTransport(lambda r: httpx.Response(status, json={"detail": "nee"})))
    with pytest.raises(error) as info:
        client.get(client.zaken("zaken/1"))
    assert str(status) in str(info.value)
    assert info.value.__cause__ is None  # an answer, not a foreign exception


@pytest.mark.parametrize("exc", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
def test_transport_failures_are_retryable(exc: httpx.HTTPError) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise exc

    client = _client(httpx.MockTransport(handle))
    with pytest.raises(DeliveryRetryableError) as info:
        client.get(client.catalogi("catalogussen"))
    assert info.value.__cause__ is exc


def test_error_messages_leave_the_query_string_out() -> None:
    client = _client(httpx.MockTransport(lambda r: httpx.Response(500)))
    with pytest.raises(DeliveryRetryableError) as info:
        client.get(client.zaken("zaken"), {"identificatie": "geheim-123"})
    assert "geheim-123" not in str(info.value)


def test_list_all_follows_next_and_accepts_plain_lists() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/zaakinformatieobjecten"):
            return httpx.Response(200, json=[{"n": 9}])
        if request.url.params.get("page") == "2":
            return httpx.Response(200, json={"count": 3, "next": None, "results": [{"n": 3}]})
        nxt = f"{BASE}/catalogi/api/v1/zaaktypen?page=2"
        return httpx.Response(200, json={"count": 3, "next": nxt, "results": [{"n": 1}, {"n": 2}]})

    client = _client(httpx.MockTransport(handle))
    assert [i["n"] for i in client.list_all(client.catalogi("zaaktypen"))] == [1, 2, 3]
    assert [i["n"] for i in client.list_all(client.zaken("zaakinformatieobjecten"))] == [9]


def test_errors_carry_the_status_and_delete_may_find_nothing() -> None:
    gone = _client(httpx.MockTransport(lambda r: httpx.Response(404, json={"detail": "weg"})))
    url = "https://zgw.test/zaken/api/v1/rollen/1"
    with pytest.raises(DeliveryPermanentError) as info:
        gone.delete(url)
    assert info.value.status == 404
    assert gone.delete(url, missing_ok=True) is False
    # Only a 404 is "already gone": a refusal still raises.
    refused = _client(httpx.MockTransport(lambda r: httpx.Response(403, json={"detail": "nee"})))
    with pytest.raises(DeliveryPermanentError):
        refused.delete(url, missing_ok=True)
    deleted = _client(httpx.MockTransport(lambda r: httpx.Response(204)))
    assert deleted.delete(url, missing_ok=True) is True
