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
from urllib.parse import quote, unquote, urljoin, urlsplit

import httpx2
import structlog

from dso_client.download import Expected, download_to
from dso_client.errors import DsoError, DsoPermanentError
from dso_client.http_errors import error_for_response, json_object, translate_exception
from dso_client.models import DocumentReferentie, DownloadResult, Verzoekreferenties, ZoekResultaat
from dso_client.tls import CertTypes, VerifyTypes, build_ssl_context

log = structlog.get_logger(__name__)

OIN_PATTERN = re.compile(r"^[0-9]{20}\Z")
MAX_ZOEK_PAGES = 10_000  # a guard against a server that never says "last page"
MAX_VOLGNUMMER = 99_999  # as stam_mapping: fits every integer column, more than any verzoek has
PDF_MAGIC = b"%PDF-"
MiB = 1024 * 1024


class DsoNotPdfError(DsoPermanentError):
    """DSO's "PDF" is something else (an HTML error page served as application/pdf)."""


class DsoForeignLinkError(DsoPermanentError):
    """A link in DSO's answer points outside the configured DSO API: never followed, because
    every call carries our OIN header (and, in production, our PKIoverheid certificate)."""


class DsoClient:
    def __init__(
        self,
        base_url: str,
        *,
        oin_header: str = "X-DSO-OIN",
        transport: httpx2.BaseTransport | None = None,
        cert: CertTypes | None = None,
        verify: VerifyTypes = True,
        timeout: float = 30.0,
        samenwerking_url: str | None = None,
        cert_password: str | None = None,
        max_stam_bytes: int = 64 * MiB,
        max_pdf_bytes: int = 100 * MiB,
        max_bijlage_bytes: int = 1024 * MiB,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_stam_bytes = max_stam_bytes
        self.max_pdf_bytes = max_pdf_bytes
        self.max_bijlage_bytes = max_bijlage_bytes
        self.samenwerking_url = samenwerking_url.rstrip("/") if samenwerking_url else None
        self.oin_header = oin_header
        self.timeout = timeout
        ssl_verify = build_ssl_context(verify, cert, cert_password) if transport is None else True
        self._http = httpx2.Client(
            transport=transport,
            verify=ssl_verify,
            timeout=httpx2.Timeout(timeout),
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
        refs = _parse_referenties(data, url)
        # An answer about another verzoek (or version) is never taken for this one.
        if refs.verzoeknummer != verzoeknummer:
            raise DsoPermanentError(
                f"GET verzoekreferenties: DSO answered for verzoek {refs.verzoeknummer[:40]!r},"
                f" we asked for {verzoeknummer}"
            )
        if volgnummer is not None and refs.volgnummer != volgnummer:
            raise DsoPermanentError(
                f"GET verzoekreferenties: DSO answered for volgnummer {refs.volgnummer},"
                f" we asked for {volgnummer}"
            )
        return refs

    def samenvatting_to(
        self, verzoeknummer: str, volgnummer: int | None, dest: Path, *, oin: str
    ) -> DownloadResult:
        """The STAM XML of the version, streamed to `dest` under max_stam_bytes."""
        url = self._verzoek_url(verzoeknummer, "samenvatting")
        if volgnummer is not None:
            url += f"?volgnummer={volgnummer}"
        return self._download(
            url,
            Path(dest),
            oin,
            "GET samenvatting",
            Expected(self.max_stam_bytes, setting="DSOGW_MAX_STAM_BYTES"),
            accept="application/xml",
        )

    def samenvatting(self, verzoeknummer: str, volgnummer: int | None, *, oin: str) -> bytes:
        """The STAM XML as bytes, for tools and tests; the fetch stage uses samenvatting_to."""
        import tempfile

        with tempfile.TemporaryDirectory(prefix="dso-samenvatting-") as tmp:
            result = self.samenvatting_to(verzoeknummer, volgnummer, Path(tmp) / "s.xml", oin=oin)
            return result.path.read_bytes()

    def pdf_to(self, refs: Verzoekreferenties, dest: Path, *, oin: str) -> DownloadResult | None:
        """The verzoek's publishable PDF rendition streamed to `dest`, or None when DSO offers
        none. What DSO serves must start like a PDF: a content type alone proves nothing."""
        if not refs.pdf_url:
            return None
        result = self._download(
            refs.pdf_url,
            Path(dest),
            oin,
            "GET pdf",
            Expected(self.max_pdf_bytes, setting="DSOGW_MAX_PDF_BYTES"),
            accept="application/pdf",
        )
        with result.path.open("rb") as fh:
            head = fh.read(1024)
        if PDF_MAGIC not in head:
            result.path.unlink(missing_ok=True)
            raise DsoNotPdfError(f"GET pdf: DSO's answer is not a PDF (it starts with {_kind_of(head)})")
        return result

    def download_document(self, ref: DocumentReferentie, dest: Path, *, oin: str) -> DownloadResult:
        expected = Expected(
            self.max_bijlage_bytes, size=ref.size, sha256=ref.sha256, setting="DSOGW_MAX_BIJLAGE_BYTES"
        )
        return self._download(ref.url, Path(dest), oin, f"GET document {ref.document_id}", expected)

    def _download(
        self, url: str, dest: Path, oin: str, what: str, expected: Expected, accept: str | None = None
    ) -> DownloadResult:
        _check_oin(oin)
        self._check_link(url, what)
        headers = {self.oin_header: oin, **({"Accept": accept} if accept else {})}
        return download_to(self._http, url, dest, headers=headers, what=what, expected=expected)

    def _check_link(self, url: str, what: str) -> None:
        """Only links on the configured DSO API (scheme, host, port and base path) are followed."""
        if not _under(url, self.base_url):
            raise DsoForeignLinkError(
                f"{what}: the link points to host {_host_of(url)!r}, outside the configured DSO API"
                f" ({_host_of(self.base_url)}); not followed"
            )

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
        if not verzoeknummer or not (verzoeknummer.isascii() and verzoeknummer.isalnum()):
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
    ) -> httpx2.Response:
        _check_oin(oin)
        all_headers = {self.oin_header: oin, **(headers or {})}
        try:
            response = self._http.request(method, url, params=params, json=json, headers=all_headers)
        except httpx2.HTTPError as exc:
            raise translate_exception(exc, what) from exc
        error = error_for_response(response, what)
        if error is not None:
            log.warning("dso.call_failed", call=what, status=response.status_code, retryable=error.retryable)
            raise error
        return response

    @staticmethod
    def _json(response: httpx2.Response) -> dict[str, Any]:
        return json_object(response, response.request.url.path)


def _check_oin(oin: str) -> None:
    if not OIN_PATTERN.match(oin or ""):
        raise DsoPermanentError("an OIN is 20 digits")


def _origin(parts: Any) -> tuple[str, str, int | None]:
    scheme = parts.scheme.lower()
    port = parts.port or {"https": 443, "http": 80}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def _under(url: str, base: str) -> bool:
    try:
        target, root = urlsplit(url), urlsplit(base)
        same_origin = _origin(target) == _origin(root)
    except ValueError:  # an invalid port, a malformed IPv6 host
        return False
    if not same_origin or target.username is not None or target.password is not None:
        return False
    segments = unquote(target.path).split("/")
    if any(seg in (".", "..") for seg in segments) or "\\" in target.path:
        return False
    prefix = root.path.rstrip("/") + "/"
    return (target.path + "/").startswith(prefix) if target.path != root.path else True


def _host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or "(none)"
    except ValueError:
        return "(unreadable)"


def _kind_of(head: bytes) -> str:
    start = head.lstrip()[:15].lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "HTML"
    if start.startswith(b"<"):
        return "XML or HTML"
    return "no PDF header" if head else "nothing (empty)"


def _strict_int(value: Any, what: str, *, low: int, high: int) -> int:
    """An integer from JSON: a number, or a string of ASCII digits 0-9 (int() would also take
    Arabic-Indic or fullwidth digits), within [low, high]."""
    if isinstance(value, bool):
        raise ValueError(f"{what} is not a number")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{what} is not a whole number from {low} to {high}")
    return value


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
                size=_strict_int(doc["grootte"], "grootte", low=0, high=2**62)
                if doc.get("grootte") is not None
                else None,
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
            volgnummer=_strict_int(data["volgnummer"], "volgnummer", low=1, high=MAX_VOLGNUMMER),
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
        volgnummer=_strict_int(item["volgnummer"], "volgnummer", low=1, high=MAX_VOLGNUMMER),
        bevoegd_gezag_oin=str(item["bevoegdGezag"]),
        indien_datum=datetime.fromisoformat(indien) if indien else None,
    )


__all__ = ["DsoClient", "DsoError"]
