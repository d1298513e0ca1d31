"""The DSO sandbox as a FastAPI app: the afhandelen API and the Samenwerkfunctionaliteit as we
model them (stam-profile.md), plus test-control endpoints under /_sandbox (never in the real DSO)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from dso_client.sandbox.config import FaultConfig, SandboxConfig
from dso_client.sandbox.content import summary_pdf
from dso_client.sandbox.examples import get_example, list_examples
from dso_client.sandbox.indienen import indienen_router
from dso_client.sandbox.problems import PROBLEM, Oin, ProblemError
from dso_client.sandbox.stam import StamInputError
from dso_client.sandbox.state import InjectedFault, Sandbox, StoredDocument, StoredVersie

FAULT_HEADER = "X-Sandbox-Fault"
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class DroppedConnection(Exception):
    """Raised mid-stream on purpose: uvicorn then closes the connection without finishing the body."""


class Periode(BaseModel):
    vanaf: datetime
    tot: datetime | None = None


class ZoekVraag(BaseModel):
    bevoegdGezag: str | None = None
    periode: Periode


class Herroutering(BaseModel):
    reden: str = Field(min_length=1, max_length=1000)
    naarOin: str | None = Field(None, pattern=r"^\d{20}$")  # the API's own (camelCase) field name


class Samenwerking(BaseModel):
    verzoeknummer: str = Field(pattern=r"^\d{1,20}$")
    kenmerkSysteem: str = Field(min_length=1, max_length=200)
    nummerBinnenSysteem: str = Field(min_length=1, max_length=200)


async def faults(request: Request) -> None:
    """Latency and HTTP faults, configured or per request via X-Sandbox-Fault."""
    sandbox: Sandbox = request.app.state.sandbox
    wanted = _parse_fault_header(request.headers.get(FAULT_HEADER))
    latency = float(wanted.get("latency", sandbox.faults.latency_seconds))
    if latency:
        await asyncio.sleep(latency)
    fault: InjectedFault | None = None
    if "status" in wanted:
        status = int(wanted["status"])
        retry_after = float(wanted.get("retry-after", sandbox.faults.retry_after)) if status == 429 else None
        fault = InjectedFault(status, retry_after)
    elif "unavailable" in wanted:
        fault = InjectedFault(404)
    else:
        fault = sandbox.next_fault()
    if fault is not None:
        headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
        raise ProblemError(fault.status, "Sandbox: injected fault", headers=headers)
    if "drop" in wanted:
        request.state.drop_after = int(wanted["drop"])


def create_app(config: SandboxConfig | None = None, *, sandbox: Sandbox | None = None) -> FastAPI:
    sandbox = sandbox or Sandbox(config or SandboxConfig())
    config = sandbox.config
    app = FastAPI(title="DSO sandbox", description="A DSO-LV simulator for tests and demos.")
    app.state.sandbox = sandbox

    @app.exception_handler(ProblemError)
    async def _problem(_: Request, exc: ProblemError) -> Response:
        return JSONResponse(
            {"status": exc.status, "title": exc.title}, exc.status, headers=exc.headers, media_type=PROBLEM
        )

    def public_base(request: Request) -> str:
        return (config.public_url or str(request.base_url)).rstrip("/")

    def versie_for(verzoeknummer: str, volgnummer: int | None, oin: str) -> StoredVersie:
        versie = sandbox.get_versie(verzoeknummer, volgnummer)
        if versie is None or not versie.available():
            raise ProblemError(404, "Verzoek (nog) niet beschikbaar")
        if not versie.authorised(oin):
            raise ProblemError(403, "OIN is geen bevoegd gezag of uitvoerende instantie van dit verzoek")
        return versie

    api = APIRouter(prefix=config.base_path, dependencies=[Depends(faults)], tags=["afhandelen"])

    @api.get("/verzoeken/{verzoeknummer}/verzoekreferenties")
    def verzoekreferenties(
        verzoeknummer: str, request: Request, oin: Oin, volgnummer: int | None = None
    ) -> dict[str, Any]:
        versie = versie_for(verzoeknummer, volgnummer, oin)
        base = f"{public_base(request)}{config.base_path}/verzoeken/{verzoeknummer}"
        return {
            "verzoeknummer": versie.verzoeknummer,
            "volgnummer": versie.volgnummer,
            "samenvatting": {"href": f"{base}/samenvatting?volgnummer={versie.volgnummer}"},
            "pdf": {"href": f"{base}/pdf?volgnummer={versie.volgnummer}"},
            "documenten": [
                _document_json(doc, base, config.sha256_max_size) for doc in versie.documenten.values()
            ],
        }

    # async where the answer is in memory: FastAPI runs a plain `def` in the thread pool, two
    # thread hand-overs per request (the referenties stay sync: a first sha256 may be long).
    @api.get("/verzoeken/{verzoeknummer}/samenvatting")
    async def samenvatting(verzoeknummer: str, oin: Oin, volgnummer: int | None = None) -> Response:
        versie = versie_for(verzoeknummer, volgnummer, oin)
        return Response(versie.xml, media_type="application/xml")

    @api.get("/verzoeken/{verzoeknummer}/pdf")
    async def pdf(verzoeknummer: str, oin: Oin, volgnummer: int | None = None) -> Response:
        versie = versie_for(verzoeknummer, volgnummer, oin)
        lines = [
            f"Verzoek {versie.verzoeknummer}, volgnummer {versie.volgnummer}",
            f"Bevoegd gezag {versie.summary.bevoegd_gezag_oin}",
            *(f"Bijlage {d.bestandsnaam}" for d in versie.documenten.values()),
        ]
        return Response(summary_pdf(lines), media_type="application/pdf")

    @api.get("/verzoeken/{verzoeknummer}/documenten/{document_id}")
    async def document(
        verzoeknummer: str,
        document_id: str,
        request: Request,
        oin: Oin,
        range_header: Annotated[str | None, Header(alias="Range")] = None,
    ) -> Response:
        found = sandbox.find_document(verzoeknummer, document_id)
        if found is None or not found[0].available():
            raise ProblemError(404, "Document (nog) niet beschikbaar")
        versie, doc = found
        if not versie.authorised(oin):
            raise ProblemError(403, "OIN is geen bevoegd gezag of uitvoerende instantie van dit verzoek")
        size = doc.size
        start, end, status = 0, size, 200
        headers = {
            "Accept-Ranges": "bytes",
            "Content-Disposition": f'attachment; filename="{doc.bestandsnaam}"',
        }
        parsed = _parse_range(range_header, size)
        if isinstance(parsed, str):
            raise ProblemError(416, "Range niet te leveren", headers={"Content-Range": f"bytes */{size}"})
        if parsed is not None:
            start, end = parsed
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        headers["Content-Length"] = str(end - start)
        drop = getattr(request.state, "drop_after", None)
        if drop is None:
            drop = sandbox.take_drop()
        if drop is None and end - start <= _WHOLE_UP_TO:
            # An ordinary bijlage in one answer: streaming it cost a task and a send per chunk.
            body = b"".join(doc.content.iter_range(start, end))
            return Response(body, status_code=status, media_type=doc.media_type, headers=headers)
        return StreamingResponse(
            _stream(doc, start, end, drop), status_code=status, media_type=doc.media_type, headers=headers
        )

    @api.post("/verzoeken/_zoek")
    def zoek(vraag: ZoekVraag, oin: Oin, pagina: Annotated[int, Query(ge=1)] = 1) -> dict[str, Any]:
        if vraag.bevoegdGezag and vraag.bevoegdGezag != oin:
            raise ProblemError(403, "Zoeken kan alleen voor het eigen OIN")
        hits = sandbox.zoek(oin, _aware(vraag.periode.vanaf), _aware_or_none(vraag.periode.tot))
        size = config.page_size
        page = hits[(pagina - 1) * size : pagina * size]
        return {
            "verzoeken": [
                {
                    "verzoeknummer": v.verzoeknummer,
                    "volgnummer": v.volgnummer,
                    "bevoegdGezag": v.summary.bevoegd_gezag_oin,
                    "indienDatum": v.summary.indien_datum.isoformat() if v.summary.indien_datum else None,
                    "beschikbaarOp": v.beschikbaar_op.isoformat(),
                }
                for v in page
            ],
            "pagina": pagina,
            "aantalPaginas": max(1, -(-len(hits) // size)),
            "totaal": len(hits),
        }

    @api.post("/verzoeken/{verzoeknummer}/_rerouteer", status_code=202)
    def rerouteer(verzoeknummer: str, body: Herroutering, oin: Oin) -> dict[str, str]:
        versie = versie_for(verzoeknummer, None, oin)
        if body.naarOin is not None and body.naarOin == versie.summary.bevoegd_gezag_oin:
            # The sandbox refuses a doorsturen to the bevoegd gezag the verzoek already has: the
            # deterministic refusal the harness uses for the gateway's local fallback.
            raise ProblemError(422, "Het verzoek is al van dit bevoegd gezag")
        sandbox.record_reroute(verzoeknummer, oin, body.reden, body.naarOin)
        return {"verzoeknummer": verzoeknummer, "status": "geherrouteerd"}

    samen = APIRouter(prefix=config.samenwerking_path, dependencies=[Depends(faults)], tags=["samenwerken"])

    @samen.post("/samenwerkingen", status_code=201)
    def samenwerking(body: Samenwerking, oin: Oin) -> dict[str, Any]:
        versie_for(body.verzoeknummer, None, oin)
        return sandbox.record_samenwerking(
            body.verzoeknummer, oin, body.kenmerkSysteem, body.nummerBinnenSysteem
        )

    app.include_router(api)
    app.include_router(samen)
    app.include_router(indienen_router(sandbox))
    app.include_router(_control_router(sandbox))
    return app


def _control_router(sandbox: Sandbox) -> APIRouter:
    control = APIRouter(prefix="/_sandbox", tags=["sandbox control"])

    def submitted(versie: StoredVersie) -> dict[str, Any]:
        return {
            "verzoeknummer": versie.verzoeknummer,
            "volgnummer": versie.volgnummer,
            "documenten": [
                {"documentId": d.document_id, "grootte": d.size} for d in versie.documenten.values()
            ],
        }

    @control.post("/verzoeken", status_code=201)
    async def submit(
        request: Request, bijlage: Annotated[list[str] | None, Query()] = None
    ) -> dict[str, Any]:
        """Body: the STAM XML. `?bijlage=DOCID=SIZE` (repeatable) sets generated document sizes."""
        sizes: dict[str, int] = {}
        for item in bijlage or ():
            doc_id, _, size = item.rpartition("=")
            if not doc_id or not size.isdigit():
                raise ProblemError(400, "bijlage moet DOCUMENTID=GROOTTE zijn")
            sizes[doc_id] = int(size)
        try:
            versie = sandbox.submit(await request.body(), sizes)
        except StamInputError as exc:
            raise ProblemError(400, f"Geen bruikbaar verzoek: {exc}") from exc
        return submitted(versie)

    @control.get("/examples")
    def examples() -> list[dict[str, Any]]:
        return [
            {"name": e.name, "verzoeknummer": e.verzoeknummer, "volgnummer": e.volgnummer}
            for e in list_examples()
        ]

    @control.post("/examples/{name}", status_code=201)
    def submit_example(name: str) -> dict[str, Any]:
        example = get_example(name)
        if example is None:
            raise ProblemError(404, "Onbekend voorbeeld")
        return submitted(sandbox.submit(example.xml, example.bijlage_sizes))

    @control.get("/samenwerkingen")
    def samenwerkingen() -> list[dict[str, Any]]:
        return list(sandbox.samenwerkingen)

    @control.get("/rerouteringen")
    def rerouteringen() -> list[dict[str, Any]]:
        return list(sandbox.rerouteringen)

    @control.get("/faults")
    def get_faults() -> FaultConfig:
        return sandbox.faults

    @control.post("/faults")
    def set_faults(faults: FaultConfig) -> FaultConfig:
        sandbox.set_faults(faults)
        return sandbox.faults

    @control.delete("/faults", status_code=204)
    def clear_faults() -> None:
        sandbox.set_faults(FaultConfig())

    @control.get("/notificaties")
    def notificaties() -> list[dict[str, Any]]:
        sent = sandbox.notifier.sent if sandbox.notifier else []
        return [
            {
                "verzoeknummer": n.verzoeknummer,
                "volgnummer": n.volgnummer,
                "status": n.status,
                "pogingen": n.attempts,
            }
            for n in sent
        ]

    @control.post("/notificaties/flush")
    def flush() -> dict[str, int]:
        return {"verzonden": sandbox.flush_notifications()}

    @control.post("/reset", status_code=204)
    def reset() -> None:
        sandbox.reset()

    return control


_WHOLE_UP_TO = 1024 * 1024  # bytes of a document answered at once rather than streamed


def _document_json(doc: StoredDocument, base: str, sha256_max_size: int) -> dict[str, Any]:
    return {
        "documentId": doc.document_id,
        "bestandsnaam": doc.bestandsnaam,
        "mediaType": doc.media_type,
        "grootte": doc.size,
        "sha256": doc.content.sha256() if doc.size <= sha256_max_size else None,
        "href": f"{base}/documenten/{doc.document_id}",
    }


async def _stream(doc: StoredDocument, start: int, end: int, drop_after: int | None) -> AsyncIterator[bytes]:
    sent = 0
    for chunk in doc.content.iter_range(start, end):
        if drop_after is not None and sent + len(chunk) > drop_after:
            if drop_after > sent:
                yield chunk[: drop_after - sent]
            raise DroppedConnection(f"sandbox fault: dropped after {drop_after} bytes")
        sent += len(chunk)
        yield chunk
        # Let other requests run between chunks of a huge document.
        await asyncio.sleep(0)


def _parse_range(value: str | None, size: int) -> tuple[int, int] | str | None:
    """(start, end-exclusive), "unsatisfiable", or None to send the whole document."""
    if not value:
        return None
    match = RANGE.match(value.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None  # multi-range or garbage: RFC 9110 allows ignoring Range
    first, last = match.group(1), match.group(2)
    if not first:
        start, end = max(0, size - int(last)), size
    else:
        start = int(first)
        end = min(size, int(last) + 1) if last else size
    if start >= size or start >= end:
        return "unsatisfiable"
    return start, end


def _parse_fault_header(value: str | None) -> dict[str, str]:
    """`status=503`, `status=429; retry-after=2`, `drop=1000`, `latency=0.5`, `unavailable`."""
    result: dict[str, str] = {}
    for part in re.split(r"[;,]", value or ""):
        key, _, val = part.strip().partition("=")
        if key:
            result[key.strip().lower()] = val.strip()
    return result


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _aware_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else _aware(value)


__all__ = ["FaultConfig", "Sandbox", "SandboxConfig", "create_app"]
