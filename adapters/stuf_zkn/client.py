"""StufClient: SOAP 1.1 calls to a ZDS/StUF-ZKN 3.10 endpoint; failures translated once."""

from __future__ import annotations

import httpx2
import structlog
from lxml import etree

from adapters.errors import DeliveryPermanentError, DeliveryRetryableError
from adapters.stuf_zkn import soap
from adapters.stuf_zkn.streaming import InlineDocumentBody

log = structlog.get_logger(__name__)


class StufClient:
    """Two endpoints as in ZDS 1.1: VrijeBerichten (synchronous Di02/Du02) and
    OntvangAsynchroon (Lk01 answered with Bv03)."""

    def __init__(
        self,
        *,
        vrije_berichten_url: str,
        ontvang_asynchroon_url: str,
        timeout: float = 60.0,
        quote_soap_action: bool = True,
        transport: httpx2.BaseTransport | None = None,
        auth: httpx2.Auth | None = None,
    ) -> None:
        """`quote_soap_action`: SOAP 1.1 says the header value is a quoted URI; some servers
        want it bare."""
        self.vrije_berichten_url = vrije_berichten_url
        self.ontvang_asynchroon_url = ontvang_asynchroon_url
        self._quote = quote_soap_action
        self._http = httpx2.Client(transport=transport, timeout=httpx2.Timeout(timeout), auth=auth)

    def close(self) -> None:
        self._http.close()

    def call(self, url: str, operation: str, body: bytes | InlineDocumentBody) -> etree._Element:
        """Send `body` as `operation`; the answer element (Du02, Bv03). Fo02 faults become errors.
        A streamed body goes out with its computed Content-Length, never chunked."""
        action = soap.ACTION_BASE + operation
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{action}"' if self._quote else action,
        }
        content: bytes | InlineDocumentBody = body
        if isinstance(body, InlineDocumentBody):
            headers["Content-Length"] = str(len(body))
        else:
            content = soap.envelope(body)
        try:
            response = self._http.post(url, content=content, headers=headers)
        except httpx2.TimeoutException as exc:
            raise DeliveryRetryableError(f"StUF {operation} timed out") from exc
        except httpx2.HTTPError as exc:
            raise DeliveryRetryableError(f"StUF {operation} failed: {type(exc).__name__}") from exc
        try:
            answer = soap.parse(response.content)
        except (etree.XMLSyntaxError, ValueError) as exc:
            error = DeliveryRetryableError if response.status_code >= 500 else DeliveryPermanentError
            raise error(
                f"StUF {operation}: HTTP {response.status_code} without a readable SOAP answer"
            ) from exc
        fault = soap.fault_of(answer)
        if fault is not None:
            log.warning("stuf.fault", operation=operation, code=fault.code, plek=fault.plek)
            message = f"StUF {operation} answered Fo02 {fault.code} ({fault.plek}): {fault.omschrijving}"
            # StUF says whose fault it is: the sender's (client) will fail again; the receiver's may pass.
            raise (DeliveryPermanentError if fault.plek == "client" else DeliveryRetryableError)(message)
        if response.status_code >= 400:
            error = DeliveryRetryableError if response.status_code >= 500 else DeliveryPermanentError
            raise error(f"StUF {operation}: HTTP {response.status_code}")
        log.debug("stuf.call", operation=operation, status=response.status_code)
        return answer

    def genereer_identificatie(self, operation: str, body: bytes) -> str:
        answer = self.call(self.vrije_berichten_url, operation, body)
        found = answer.find(f".//{{{soap.ZKN}}}identificatie")
        if found is None or not (found.text or "").strip():
            raise DeliveryPermanentError(f"StUF {operation}: no identificatie in the Du02")
        return found.text.strip()  # type: ignore[union-attr]

    def kennisgeving(self, operation: str, body: bytes | InlineDocumentBody) -> None:
        answer = self.call(self.ontvang_asynchroon_url, operation, body)
        if not answer.tag.endswith("Bv03Bericht"):
            raise DeliveryPermanentError(
                f"StUF {operation}: expected a Bv03, got {etree.QName(answer).localname}"
            )
