"""IndienenClient: submitting verzoeken through DSO's public "Verzoek indienen" API (v4).

The gateway itself never submits anything: this client exists for the integration test harness,
which needs test verzoeken in an environment it cannot control (DSO pre-production), and for
rehearsals against our sandbox, which serves the same API.

The wire format is our reading of the public sources (dso-stam.md: "indienen is JSON/HAL", bijlagen
are uploaded separately and before the verzoekbericht); DSO's own OpenAPI was not available to us.
It is therefore kept in this one module, in three calls:

    POST {base}/werkmappen                          {"verzoeknummer"?}  -> 201 werkmap (HAL)
    PUT  {werkmap.bijlagen}/{documentId}            the bytes, streamed  -> 201
    POST {werkmap.indienen}                         the STAM XML         -> 201 {verzoeknummer, volgnummer}

A werkmap for a new verzoek gets its verzoeknummer from DSO; one for an aanvulling or intrekking
names the existing verzoeknummer. Authentication as for the afhandelen API: a PKIoverheid client
certificate, our OIN in a header, and (public APIs) an `x-api-key`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote, urljoin

import httpx2
import structlog

from dso_client.errors import DsoError, DsoPermanentError
from dso_client.http_errors import error_for_response, json_object, translate_exception
from dso_client.tls import CertTypes, VerifyTypes, build_ssl_context

log = structlog.get_logger(__name__)

PREPRODUCTION_URL = "https://service.pre.omgevingswet.overheid.nl/publiek/verzoeken/api/indienen/v4"
API_KEY_HEADER = "x-api-key"
UPLOAD_ATTEMPTS = 3
# Yields a bijlage's bytes from the start each time it is called (a retry sends them again).
ChunkSource = Callable[[], Iterator[bytes]]


@dataclass(frozen=True)
class Werkmap:
    werkmap_id: str
    verzoeknummer: str
    bijlagen_href: str
    indienen_href: str


@dataclass(frozen=True)
class Ingediend:
    verzoeknummer: str
    volgnummer: int


class IndienenClient:
    """Raises only DsoError subclasses (dso_client.errors), like DsoClient."""

    def __init__(
        self,
        base_url: str,
        *,
        oin: str,
        oin_header: str = "X-DSO-OIN",
        api_key: str | None = None,
        cert: CertTypes | None = None,
        cert_password: str | None = None,
        verify: VerifyTypes = True,
        timeout: float = 30.0,
        upload_timeout: float = 600.0,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"User-Agent": "dso-gateway-harness", oin_header: oin}
        if api_key:
            headers[API_KEY_HEADER] = api_key
        ssl_verify = build_ssl_context(verify, cert, cert_password) if transport is None else True
        self._upload_timeout = httpx2.Timeout(timeout, read=upload_timeout, write=upload_timeout)
        self._http = httpx2.Client(
            transport=transport,
            verify=ssl_verify,
            timeout=httpx2.Timeout(timeout),
            headers=headers,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> IndienenClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def open_werkmap(self, verzoeknummer: str | None = None) -> Werkmap:
        """A werkmap for a new verzoek (DSO assigns the verzoeknummer) or for a next version of one."""
        body = {"verzoeknummer": verzoeknummer} if verzoeknummer else {}
        url = f"{self.base_url}/werkmappen"
        data = json_object(self._call("POST", url, "POST werkmappen", json=body), "POST werkmappen")
        try:
            links = data["_links"]
            return Werkmap(
                werkmap_id=str(data["werkmapId"]),
                verzoeknummer=str(data["verzoeknummer"]),
                bijlagen_href=urljoin(url, links["bijlagen"]["href"]),
                indienen_href=urljoin(url, links["indienen"]["href"]),
            )
        except (KeyError, TypeError) as exc:
            raise DsoPermanentError(f"POST werkmappen: unexpected answer (missing {exc})") from exc

    def upload_bijlage(
        self, werkmap: Werkmap, document_id: str, bestandsnaam: str, size: int, chunks: ChunkSource
    ) -> None:
        """PUT one bijlage, streamed from `chunks()` (called again for a retry). A PUT of the same
        document is idempotent, so a retryable failure is retried a few times here."""
        url = f"{werkmap.bijlagen_href.rstrip('/')}/{quote(document_id, safe='')}"
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Length": str(size),
            "Content-Disposition": f'attachment; filename="{_header_safe(bestandsnaam)}"',
        }
        for attempt in range(1, UPLOAD_ATTEMPTS + 1):
            try:
                self._call(
                    "PUT",
                    url,
                    "PUT bijlage",
                    content=_exactly(chunks(), size, document_id),
                    headers=headers,
                    timeout=self._upload_timeout,
                )
                return
            except DsoError as exc:
                if not exc.retryable or attempt == UPLOAD_ATTEMPTS:
                    raise
                delay = getattr(exc, "retry_after", None) or float(attempt)
                log.warning("indienen.upload_retry", document_id=document_id, attempt=attempt, error=str(exc))
                time.sleep(min(delay, 30.0))

    def indienen(self, werkmap: Werkmap, stam_xml: bytes) -> Ingediend:
        """Submit the werkmap's verzoekbericht; its bijlagen must have been uploaded."""
        response = self._call(
            "POST",
            werkmap.indienen_href,
            "POST indienen",
            content=stam_xml,
            headers={"Content-Type": "application/xml"},
        )
        data = json_object(response, "POST indienen")
        try:
            return Ingediend(str(data["verzoeknummer"]), int(data["volgnummer"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise DsoPermanentError(f"POST indienen: unexpected answer ({type(exc).__name__})") from exc

    def _call(
        self,
        method: str,
        url: str,
        what: str,
        *,
        json: Any = None,
        content: bytes | Iterator[bytes] | None = None,
        headers: dict[str, str] | None = None,
        timeout: httpx2.Timeout | None = None,
    ) -> httpx2.Response:
        try:
            response = self._http.request(
                method,
                url,
                json=json,
                content=content,
                headers=headers,
                timeout=timeout if timeout is not None else httpx2.USE_CLIENT_DEFAULT,
            )
        except httpx2.HTTPError as exc:
            raise translate_exception(exc, what) from exc
        error = error_for_response(response, what)
        if error is not None:
            raise error
        return response


def _exactly(chunks: Iterator[bytes], size: int, document_id: str) -> Iterator[bytes]:
    """The chunks, but a source that yields more or fewer bytes than announced stops the upload
    with our error (instead of h11's protocol error, or a bijlage DSO would store cut off)."""
    sent = 0
    for chunk in chunks:
        sent += len(chunk)
        if sent > size:
            raise DsoPermanentError(f"bijlage {document_id}: more than the announced {size} bytes")
        yield chunk
    if sent != size:
        raise DsoPermanentError(f"bijlage {document_id}: {sent} bytes instead of the announced {size}")


def _header_safe(name: str) -> str:
    # A header value must be latin-1 without quotes or line breaks; the name is only informative.
    return "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name)
