"""A thin httpx client for the ZGW APIs: JWT per call, CRS headers, one place for error translation."""

from __future__ import annotations

import io
import secrets
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import IO, Any
from urllib.parse import urlsplit

import httpx2
import jwt
import orjson
import structlog

from adapters.errors import DeliveryError, DeliveryPermanentError, DeliveryRetryableError

log = structlog.get_logger(__name__)

_CRS = {"Accept-Crs": "EPSG:4326", "Content-Crs": "EPSG:4326"}
ABSENT = object()  # request(absent_ok=True) got a 404
_MAX_PAGES = 1000  # a guard against a server that keeps returning `next`
# A token is signed anew at most this often: signing one per call was a visible part of a
# worker's CPU. Open Zaak refuses a token once now - iat reaches JWT_EXPIRY (default 3600 s,
# openzaak-rules.md rule 15); 30 s stays far below any expiry a provider would configure.
_TOKEN_REUSE = 30.0
# What httpx's client adds to every request and ZgwClient._send adds itself: a proxy or web
# application firewall in front of the provider may refuse a request without a User-Agent.
_DEFAULT_HEADERS = {
    "User-Agent": "dso-gateway",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
}


class CatalogusGap(DeliveryPermanentError):
    """The catalogue lacks what the mapping names, the zaaktype does not link it, or a catalogue
    URL is unknown (404). Permanent until an administrator fixes the catalogue: the delivery
    refreshes its catalogue cache and tries once more, and a later retry sees the fix."""


def _readable_invalid_params(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        return []
    params = body.get("invalidParams") or []
    return [
        {"name": str(p.get("name", "")), "code": str(p.get("code", "")), "reason": str(p.get("reason", ""))}
        for p in params
        if isinstance(p, dict)
    ]


def _path_of(url: str) -> str:
    # Paths never carry a BSN (we never filter on one), but query strings are left out anyway.
    # urlsplit: this runs for every call, and httpx's full URL parser cost more than the log.
    return urlsplit(url).path


def _form_param(value: str) -> bytes:
    # As httpx and browsers do (WHATWG): quotes and line breaks percent-encoded, the rest UTF-8.
    return value.translate({0x22: "%22", 0x0D: "%0D", 0x0A: "%0A"}).encode("utf-8")


class KnownLengthMultipart(httpx2.SyncByteStream):
    """A multipart/form-data body {lock, inhoud} whose length is known before it is sent.

    `headers` carries the Content-Type (with the boundary) and the Content-Length; iterating
    yields the preamble, then `omvang` bytes read from `inhoud` in chunks, then the epilogue."""

    CHUNK = 64 * 1024

    def __init__(
        self, *, lock: str, inhoud: IO[bytes] | io.RawIOBase, omvang: int, bestandsnaam: str
    ) -> None:
        boundary = secrets.token_hex(16)
        self._preamble = (
            f"--{boundary}\r\n".encode()
            + b'Content-Disposition: form-data; name="lock"\r\n\r\n'
            + _form_param(lock)
            + f"\r\n--{boundary}\r\n".encode()
            + b'Content-Disposition: form-data; name="inhoud"; filename="'
            + _form_param(bestandsnaam)
            + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        self._epilogue = f"\r\n--{boundary}--\r\n".encode()
        self._inhoud = inhoud
        self._omvang = omvang
        self._sent = False
        self.headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(self._preamble) + omvang + len(self._epilogue)),
        }

    def __iter__(self) -> Iterator[bytes]:
        if self._sent:  # a part is read from a stream once: a resend needs a new body
            raise RuntimeError("a bestandsdeel body can be sent only once")
        self._sent = True
        yield self._preamble
        left = self._omvang
        while left:
            chunk = self._inhoud.read(min(left, self.CHUNK))
            if not chunk:
                # Announced more than the file holds: the Content-Length would be a lie.
                raise DeliveryPermanentError("document ended before its announced size")
            left -= len(chunk)
            yield chunk
        yield self._epilogue


class ZgwClient:
    """Calls one ZGW provider (Zaken, Documenten, Catalogi base URLs, e.g. Open Zaak's
    `https://host/zaken/api/v1`). Every call gets a fresh HS256 JWT (Open Zaak rejects tokens an
    hour after `iat`) and a timeout. Raises only DeliveryPermanentError / DeliveryRetryableError."""

    def __init__(
        self,
        *,
        zaken_url: str,
        documenten_url: str,
        catalogi_url: str,
        client_id: str,
        secret: str,
        user_id: str = "dso-gateway",
        user_representation: str = "DSO gateway",
        timeout: float = 30.0,
        upload_timeout: float = 300.0,
        transport: httpx2.BaseTransport | None = None,
        event_hooks: Mapping[str, list[Any]] | None = None,
    ) -> None:
        self.zaken_url = zaken_url.rstrip("/")
        self.documenten_url = documenten_url.rstrip("/")
        self.catalogi_url = catalogi_url.rstrip("/")
        self._client_id = client_id
        self._secret = secret
        self._user_id = user_id
        self._user_representation = user_representation
        self._timeout = httpx2.Timeout(timeout)
        self._upload_timeout = httpx2.Timeout(timeout, write=upload_timeout, read=upload_timeout)
        # Server clock minus ours, from the Date header of the last answer (None: not yet known).
        self._server_offset: timedelta | None = None
        self._last_date: tuple[str | None, datetime | None] = (None, None)  # (header, parsed)
        self._token: tuple[float, str] | None = None  # (monotonic time signed, token)
        self._http = httpx2.Client(
            transport=transport, timeout=self._timeout, event_hooks=dict(event_hooks or {})
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ZgwClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- building blocks ------------------------------------------------------------------

    def token(self) -> str:
        now = time.monotonic()
        if self._token is not None and now - self._token[0] < _TOKEN_REUSE:
            return self._token[1]
        claims = {
            "iss": self._client_id,
            "iat": int(time.time()),
            "client_id": self._client_id,
            "user_id": self._user_id,
            "user_representation": self._user_representation,
        }
        token = jwt.encode(claims, self._secret, algorithm="HS256")
        self._token = (now, token)
        return token

    def _headers(self, url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token()}", "Accept": "application/json"}
        if url.startswith(self.zaken_url):
            headers.update(_CRS)  # geometry may be in any Zaken resource: always declare WGS84
        headers.update(extra or {})
        return headers

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        files: Mapping[str, Any] | None = None,
        data: Mapping[str, str] | None = None,
        content: httpx2.SyncByteStream | None = None,
        extra_headers: Mapping[str, str] | None = None,
        upload: bool = False,
        absent_ok: bool = False,
    ) -> Any:
        """One call; the decoded JSON body (None for 204). With `absent_ok`, a 404 returns ABSENT
        instead of raising (and is no warning: the caller expected it might be gone)."""
        headers = self._headers(url, extra_headers)
        body: bytes | httpx2.SyncByteStream | None = content
        if json is not None:
            # orjson: a document's base64 inhoud makes bodies of hundreds of KB, and the standard
            # library's encoder (httpx's json=) spent about a millisecond of CPU per 400 KB.
            body = orjson.dumps(json)
            headers["Content-Type"] = "application/json"
        timeout = self._upload_timeout if upload else self._timeout
        try:
            hooks = self._http.event_hooks
            if params is None and files is None and data is None and not any(hooks.values()):
                # Event hooks (a caller observing every request) only run in the client.
                response = self._send(method, url, headers, body, timeout)
            else:
                response = self._http.request(
                    method,
                    url,
                    params=params,
                    files=files,
                    data=data,
                    content=body,
                    headers=headers,
                    timeout=timeout,
                )
        except httpx2.TimeoutException as exc:
            raise DeliveryRetryableError(f"ZGW {method} {_path_of(url)} timed out") from exc
        except httpx2.HTTPError as exc:
            raise DeliveryRetryableError(
                f"ZGW {method} {_path_of(url)} failed: {type(exc).__name__}"
            ) from exc
        if absent_ok and response.status_code == 404:
            log.debug("zgw.call", method=method, path=_path_of(url), status=404)
            return ABSENT
        return self._result(method, url, response)

    def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | httpx2.SyncByteStream | None,
        timeout: httpx2.Timeout,
    ) -> httpx2.Response:
        """One request straight to the client's transport, the body read: what Client.request
        does for a call without query parameters or form data, less its URL merging, cookie,
        auth and redirect machinery (about 35 us of a ZGW call's ~80 us of client CPU, a dozen
        calls per verzoek). Redirects stay unfollowed, as in the client; its default headers
        that matter are sent here; the transport's metrics and tracing wrappers still apply."""
        request = httpx2.Request(
            method,
            url,
            headers={**_DEFAULT_HEADERS, **headers},
            content=body,
            extensions={"timeout": timeout.as_dict()},
        )
        response = self._http._transport_for_url(request.url).handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        return response

    def server_now(self) -> datetime:
        """Now by the provider's clock as far as we know it (its last Date header, which is cut
        to the second, so this is never ahead of the provider), else by ours. Open Zaak refuses
        a datumStatusGezet later than its own now, without leeway."""
        now = datetime.now(UTC)
        return now if self._server_offset is None else now + self._server_offset

    def _note_server_clock(self, response: httpx2.Response) -> None:
        header = response.headers.get("Date")
        if not header:
            return
        # A Date header changes once a second; parsing it took 1 % of a worker's CPU.
        server = self._last_date[1] if self._last_date[0] == header else None
        if server is None:
            try:
                server = parsedate_to_datetime(header)
            except (TypeError, ValueError):
                return
            if server.tzinfo is None:
                server = server.replace(tzinfo=UTC)
            self._last_date = (header, server)
        self._server_offset = server - datetime.now(UTC)

    def _result(self, method: str, url: str, response: httpx2.Response) -> Any:
        status = response.status_code
        self._note_server_clock(response)
        try:
            body: Any = orjson.loads(response.content) if response.content else None
        except ValueError:  # orjson.JSONDecodeError is one
            body = None
        if status < 400:
            log.debug("zgw.call", method=method, path=_path_of(url), status=status)
            return body
        where = f"ZGW {method} {_path_of(url)} answered {status}"
        if status == 400:
            params = _readable_invalid_params(body)
            reasons = "; ".join(f"{p['name']}: {p['reason']}" for p in params) or "bad request"
            log.warning("zgw.rejected", method=method, path=_path_of(url), invalid_params=params)
            raise DeliveryPermanentError(f"{where}: {reasons}", invalid_params=params, status=status)
        detail = body.get("detail") if isinstance(body, dict) else None
        message = f"{where}: {detail}" if detail else where
        error: type[DeliveryError]
        if status == 404 and url.startswith(self.catalogi_url):
            # A catalogue URL the provider no longer knows: the cached catalogue is stale.
            log.warning("zgw.failed", method=method, path=_path_of(url), status=status)
            raise CatalogusGap(message, status=status)
        # 408/429 are the provider asking us to come back later, not a verdict on the request.
        error = DeliveryRetryableError if status >= 500 or status in (408, 429) else DeliveryPermanentError
        log.warning("zgw.failed", method=method, path=_path_of(url), status=status)
        raise error(message, status=status)

    # --- conveniences -----------------------------------------------------------------------

    def get(self, url: str, params: Mapping[str, str] | None = None) -> Any:
        return self.request("GET", url, params=params)

    def post(self, url: str, body: Any) -> Any:
        return self.request("POST", url, json=body)

    def patch(self, url: str, body: Any) -> Any:
        return self.request("PATCH", url, json=body)

    def delete(self, url: str, *, missing_ok: bool = False) -> bool:
        """DELETE `url`; True when deleted. With `missing_ok`, a 404 (already gone, e.g. after a
        DELETE whose answer was lost) is False instead of an error."""
        return self.request("DELETE", url, absent_ok=missing_ok) is not ABSENT

    def put_bestandsdeel(
        self, url: str, *, lock: str, inhoud: IO[bytes] | io.RawIOBase, omvang: int, bestandsnaam: str
    ) -> Any:
        """PUT one part (`omvang` bytes of `inhoud`) as multipart/form-data with a Content-Length.

        Open Zaak (uwsgi + DRF) reads a body without Content-Length, i.e. chunked, as empty and
        answers `lock: required`; httpx sends a streamed file part chunked. So the body is built
        here: the length is known up front (preamble + part + epilogue) while the part itself is
        still read from `inhoud` chunk by chunk, never whole in memory."""
        body = KnownLengthMultipart(lock=lock, inhoud=inhoud, omvang=omvang, bestandsnaam=bestandsnaam)
        return self.request("PUT", url, content=body, extra_headers=body.headers, upload=True)

    def list_all(self, url: str, params: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, following `next` of paginated answers."""
        page: Any = self.get(url, params)
        for _ in range(_MAX_PAGES):
            if isinstance(page, list):
                yield from page
                return
            if not isinstance(page, dict):
                raise DeliveryPermanentError(f"ZGW GET {_path_of(url)}: not a list answer")
            yield from page.get("results") or []
            next_url = page.get("next")
            if not next_url:
                return
            page = self.get(next_url)

    def zaken(self, path: str) -> str:
        return f"{self.zaken_url}/{path.lstrip('/')}"

    def documenten(self, path: str) -> str:
        return f"{self.documenten_url}/{path.lstrip('/')}"

    def catalogi(self, path: str) -> str:
        return f"{self.catalogi_url}/{path.lstrip('/')}"
