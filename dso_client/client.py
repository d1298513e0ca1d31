"""DsoClient: the DSO "Verzoek afhandelen" API (+ the Samenwerkfunctionaliteit) over httpx.

Every call carries the OIN (chosen per call, one gateway may serve several OINs) in the header
named by `oin_header`, has a timeout, and raises only our errors (dso_client.errors)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote, urljoin

import httpx
import structlog

from dso_client.download import download_to
from dso_client.errors import DsoError, DsoPermanentError
from dso_client.http_errors import error_for_response, json_object, translate_exception
from dso_client.models import DocumentReferentie, DownloadResult, Verzoekreferenties, ZoekResultaat
from dso_client.tls import CertTypes, VerifyTypes, build_ssl_context

log = structlog.get_logger(__name__)

OIN_PATTERN = re.compile(r"^\d{20}$")
MAX_ZOEK_PAGES = 10_000  # a guard against a server that never says "last page"


class DsoClient:
    def __init__(
        self,
        base_url: str,
        *,
        oin_header: str = "X-DSO-OIN",
        transport: httpx.BaseTransport | None = None,
        cert: CertTypes | None = None,
        verify: VerifyTypes = True,
        timeout: float = 30.0,
        samenwerking_url: str | None = None,
        cert_password: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.samenwerking_url = samenwerking_url.rstrip("/") if samenwerking_url else None
        self.oin_header = oin_header
        self.timeout = timeout
        ssl_verify = build_ssl_context(verify, cert, cert_password) if transport is None else True
        self._http = httpx.Client(
            transport=transport,
            verify=ssl_verify,
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": "dso-gateway"},
            follow_redirects=False,
        )

    # -- the afhandelen API ------------------------------------------------------------------

    def verzoekreferenties(
        self, verzoeknummer: str, volgnummer: int | None, *, oin: str
    ) -> Verzoekreferenties:
        url = self._verzoek_url(verzoeknummer, "verzoekreferenties")
        params = {"volgnummer": str(volgnummer)} if volgnummer is not None else None
        data = self._json(self._request("GET", url, oin, "GET verzoekreferenties", params=params))
        return _parse_referenties(data, url)

    def samenvatting(self, verzoeknummer: str, volgnummer: int | None, *, oin: str) -> bytes:
        url = self._verzoek_url(verzoeknummer, "samenvatting")
        params = {"volgnummer": str(volgnummer)} if volgnummer is not None else None
        response = self._request(
            "GET", url, oin, "GET samenvatting", params=params, headers={"Accept": "application/xml"}
        )
        return response.content

    def pdf(self, refs: Verzoekreferenties, *, oin: str) -> bytes | None:
        """The verzoek's publishable PDF rendition, or None when DSO offers none. Small (a summary
        without privacy-sensitive data), so it is read whole."""
        if not refs.pdf_url:
            return None
        response = self._request("GET", refs.pdf_url, oin, "GET pdf", headers={"Accept": "application/pdf"})
        return response.content

    def download_document(self, ref: DocumentReferentie, dest: Path, *, oin: str) -> DownloadResult:
        _check_oin(oin)
        return download_to(self._http, ref, Path(dest), headers={self.oin_header: oin})

    def zoek(self, *, oin: str, vanaf: datetime, tot: datetime | None = None) -> Iterator[ZoekResultaat]:
        """All verzoek versions for this bevoegd gezag made available in [vanaf, tot), page by page."""
        url = f"{self.base_url}/verzoeken/_zoek"
        body = {
            "bevoegdGezag": oin,
            "periode": {"vanaf": vanaf.isoformat(), "tot": tot.isoformat() if tot else None},
        }
        pagina = 1
        while pagina <= MAX_ZOEK_PAGES:
            data = self._json(
                self._request("POST", url, oin, "POST _zoek", params={"pagina": str(pagina)}, json=body)
            )
            try:
                hits = [_parse_zoek_hit(item) for item in data["verzoeken"]]
                aantal = int(data.get("aantalPaginas", pagina))
            except (KeyError, TypeError, ValueError) as exc:
                raise DsoPermanentError(f"POST _zoek: unexpected response ({exc!r})") from exc
            yield from hits
            if pagina >= aantal or not hits:
                return
            pagina += 1

    def rerouteer(self, verzoeknummer: str, *, oin: str, reden: str, naar_oin: str | None = None) -> None:
        """Doorsturen: have another bevoegd gezag or behandeldienst handle the verzoek (documented
        in the Verzoek afhandelen API). `naar_oin` names it; without it DSO decides (a verzoek
        that is not ours). The exact path and field names are not public (see
        ../shared/domain/dso-stam.md): these follow our sandbox."""
        url = self._verzoek_url(verzoeknummer, "_rerouteer")
        body = {"reden": reden} | ({"naarOin": naar_oin} if naar_oin else {})
        self._request("POST", url, oin, "POST _rerouteer", json=body)
        log.info("dso.rerouted", verzoeknummer=verzoeknummer, naar=naar_oin)

    def koppel_zaak(
        self, verzoeknummer: str, *, oin: str, kenmerk_systeem: str, nummer_binnen_systeem: str
    ) -> None:
        if not self.samenwerking_url:
            raise DsoPermanentError("POST samenwerkingen: no samenwerking_url configured")
        body = {
            "verzoeknummer": verzoeknummer,
            "kenmerkSysteem": kenmerk_systeem,
            "nummerBinnenSysteem": nummer_binnen_systeem,
        }
        self._request(
            "POST", f"{self.samenwerking_url}/samenwerkingen", oin, "POST samenwerkingen", json=body
        )
        log.info("dso.zaak_gekoppeld", verzoeknummer=verzoeknummer, zaak=nummer_binnen_systeem)

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DsoClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------------------

    def _verzoek_url(self, verzoeknummer: str, part: str) -> str:
        if not verzoeknummer or not verzoeknummer.isalnum():
            raise DsoPermanentError("invalid verzoeknummer")
        return f"{self.base_url}/verzoeken/{quote(verzoeknummer, safe='')}/{part}"

    def _request(
        self,
        method: str,
        url: str,
        oin: str,
        what: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        _check_oin(oin)
        all_headers = {self.oin_header: oin, **(headers or {})}
        try:
            response = self._http.request(method, url, params=params, json=json, headers=all_headers)
        except httpx.HTTPError as exc:
            raise translate_exception(exc, what) from exc
        error = error_for_response(response, what)
        if error is not None:
            log.warning("dso.call_failed", call=what, status=response.status_code, retryable=error.retryable)
            raise error
        return response

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        return json_object(response, response.request.url.path)


def _check_oin(oin: str) -> None:
    if not OIN_PATTERN.match(oin or ""):
        raise DsoPermanentError("an OIN is 20 digits")


def _href(value: Any, base: str) -> str | None:
    """A link is a plain string or {"href": ...}; relative links resolve against the call's URL."""
    if isinstance(value, dict):
        value = value.get("href")
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("link is not a string")
    return urljoin(base, value)


def _parse_referenties(data: dict[str, Any], url: str) -> Verzoekreferenties:
    try:
        documenten = tuple(
            DocumentReferentie(
                document_id=str(doc["documentId"]),
                bestandsnaam=str(doc.get("bestandsnaam") or doc["documentId"]),
                media_type=str(doc.get("mediaType") or "application/octet-stream"),
                size=int(doc["grootte"]) if doc.get("grootte") is not None else None,
                sha256=str(doc["sha256"]).lower() if doc.get("sha256") else None,
                url=_href(doc["href"], url) or "",
            )
            for doc in data.get("documenten") or ()
        )
        samenvatting = _href(data["samenvatting"], url)
        if not samenvatting:
            raise KeyError("samenvatting")
        return Verzoekreferenties(
            verzoeknummer=str(data["verzoeknummer"]),
            volgnummer=int(data["volgnummer"]),
            samenvatting_url=samenvatting,
            pdf_url=_href(data.get("pdf"), url),
            documenten=documenten,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DsoPermanentError(f"GET verzoekreferenties: unexpected response ({exc!r})") from exc


def _parse_zoek_hit(item: dict[str, Any]) -> ZoekResultaat:
    indien = item.get("indienDatum")
    return ZoekResultaat(
        verzoeknummer=str(item["verzoeknummer"]),
        volgnummer=int(item["volgnummer"]),
        bevoegd_gezag_oin=str(item["bevoegdGezag"]),
        indien_datum=datetime.fromisoformat(indien) if indien else None,
    )


__all__ = ["DsoClient", "DsoError"]
