"""The sandbox's "Verzoek indienen" API: what an initiatiefnemer's software uses to submit.

It mirrors dso_client.indienen (see there for the wire format and why it is our reading of the
sources). Submitting here does what `/_sandbox/verzoeken` does (store the version, notify the
gateway), but the way the real DSO would let a test harness do it: DSO assigns the verzoeknummer,
bijlagen are real uploaded bytes, and nothing of the sandbox's fault switches is involved.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from dso_client.sandbox.content import UploadedDocument
from dso_client.sandbox.problems import Oin, ProblemError
from dso_client.sandbox.stam import StamInputError, read_verzoek
from dso_client.sandbox.state import Sandbox

MAX_BIJLAGE = 4 * 1024 * 1024 * 1024
DOCUMENT_ID = r"^[A-Za-z0-9._-]{1,100}$"


class WerkmapVraag(BaseModel):
    # Set for an aanvulling or intrekking of an existing verzoek.
    verzoeknummer: str | None = Field(None, pattern=r"^\d{13}$")


@dataclass
class Werkmap:
    werkmap_id: str
    verzoeknummer: str
    oin: str
    folder: Path
    uploads: dict[str, UploadedDocument] = field(default_factory=dict)
    ingediend: bool = False


class Werkmappen:
    """Open werkmappen and their uploaded bijlagen, spooled under one temp dir per sandbox."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._lock = threading.Lock()
        self._spool = tempfile.TemporaryDirectory(prefix="dso-sandbox-indienen-")
        self._werkmappen: dict[str, Werkmap] = {}
        self._next = random.Random(sandbox.config.seed).randrange(10_000, 90_000)

    def open(self, oin: str, verzoeknummer: str | None) -> Werkmap:
        with self._lock:
            nummer = verzoeknummer or self._new_verzoeknummer()
            werkmap_id = secrets.token_hex(8)
            folder = Path(self._spool.name) / werkmap_id
            folder.mkdir()
            werkmap = Werkmap(werkmap_id, nummer, oin, folder)
            self._werkmappen[werkmap_id] = werkmap
            return werkmap

    def get(self, werkmap_id: str) -> Werkmap | None:
        with self._lock:
            return self._werkmappen.get(werkmap_id)

    def _new_verzoeknummer(self) -> str:
        # DSO's shape: YYYYMMDD + a 5-digit day sequence. Skip numbers already in use.
        prefix = date.today().strftime("%Y%m%d")
        taken = {w.verzoeknummer for w in self._werkmappen.values()}
        while True:
            nummer = f"{prefix}{self._next % 100_000:05d}"
            self._next += 1
            if nummer not in taken and self.sandbox.get_versie(nummer) is None:
                return nummer


def indienen_router(sandbox: Sandbox) -> APIRouter:
    config = sandbox.config
    werkmappen = Werkmappen(sandbox)

    def api_key(key: Annotated[str | None, Header(alias="x-api-key")] = None) -> None:
        if config.indienen_api_key is not None and not secrets.compare_digest(
            (key or "").encode(), config.indienen_api_key.encode()
        ):
            raise ProblemError(401, "x-api-key ontbreekt of is onjuist")

    router = APIRouter(prefix=config.indienen_path, dependencies=[Depends(api_key)], tags=["indienen"])

    def own_werkmap(werkmap_id: str, oin: str) -> Werkmap:
        werkmap = werkmappen.get(werkmap_id)
        if werkmap is None or werkmap.oin != oin:
            raise ProblemError(404, "Onbekende werkmap")
        if werkmap.ingediend:
            raise ProblemError(409, "Werkmap is al ingediend")
        return werkmap

    @router.post("/werkmappen", status_code=201)
    def open_werkmap(
        request: Request, oin: Oin, vraag: Annotated[WerkmapVraag | None, Body()] = None
    ) -> dict[str, Any]:
        nummer = vraag.verzoeknummer if vraag else None
        if nummer is not None and sandbox.get_versie(nummer) is None:
            raise ProblemError(404, "Onbekend verzoek: aanvullen of intrekken kan alleen bij een bestaand")
        werkmap = werkmappen.open(oin, nummer)
        self_href = f"{config.indienen_path}/werkmappen/{werkmap.werkmap_id}"
        return {
            "werkmapId": werkmap.werkmap_id,
            "verzoeknummer": werkmap.verzoeknummer,
            "_links": {
                "self": {"href": self_href},
                "bijlagen": {"href": f"{self_href}/bijlagen"},
                "indienen": {"href": f"{self_href}/_indienen"},
            },
        }

    @router.put("/werkmappen/{werkmap_id}/bijlagen/{document_id}", status_code=201)
    async def upload(
        werkmap_id: str,
        document_id: Annotated[str, PathParam(pattern=DOCUMENT_ID)],
        request: Request,
        oin: Oin,
    ) -> dict[str, Any]:
        werkmap = own_werkmap(werkmap_id, oin)
        announced = request.headers.get("content-length")
        if announced is None or not announced.isdigit():
            raise ProblemError(411, "Content-Length is verplicht")
        if int(announced) > MAX_BIJLAGE:
            raise ProblemError(413, "Bijlage is te groot")
        path = werkmap.folder / hashlib.sha256(document_id.encode()).hexdigest()
        hasher, size = hashlib.sha256(), 0
        # Written as it arrives: a 500 MB bijlage never sits in memory.
        with path.open("wb") as fh:
            async for chunk in request.stream():
                size += len(chunk)
                if size > int(announced):
                    raise ProblemError(400, "Meer bytes ontvangen dan Content-Length")
                hasher.update(chunk)
                fh.write(chunk)
        if size != int(announced):
            path.unlink(missing_ok=True)
            raise ProblemError(400, f"Onvolledige bijlage: {size} van {announced} bytes ontvangen")
        werkmap.uploads[document_id] = UploadedDocument(path, size, hasher.hexdigest())
        return {"documentId": document_id, "grootte": size, "sha256": hasher.hexdigest()}

    @router.post("/werkmappen/{werkmap_id}/_indienen", status_code=201)
    async def indienen(werkmap_id: str, request: Request, oin: Oin) -> dict[str, Any]:
        werkmap = own_werkmap(werkmap_id, oin)
        xml = await request.body()
        try:
            summary = read_verzoek(xml)
        except StamInputError as exc:
            raise ProblemError(400, f"Geen bruikbaar verzoek: {exc}") from exc
        if summary.verzoeknummer != werkmap.verzoeknummer:
            raise ProblemError(400, "Het verzoeknummer in het verzoekbericht hoort niet bij deze werkmap")
        latest = sandbox.get_versie(werkmap.verzoeknummer)
        expected = latest.volgnummer + 1 if latest else 1
        if summary.volgnummer != expected:
            raise ProblemError(409, f"Volgnummer {summary.volgnummer} verwacht {expected}")
        missing = [
            d.document_id
            for d in summary.documenten
            if d.document_id not in werkmap.uploads
            and not (latest and sandbox.find_document(werkmap.verzoeknummer, d.document_id))
        ]
        if missing:
            raise ProblemError(400, f"Bijlage(n) niet geüpload: {', '.join(missing[:5])}")
        versie = sandbox.submit(xml, uploaded=werkmap.uploads)
        werkmap.ingediend = True
        return {
            "verzoeknummer": versie.verzoeknummer,
            "volgnummer": versie.volgnummer,
            "_links": {"self": {"href": f"{config.indienen_path}/werkmappen/{werkmap.werkmap_id}"}},
        }

    return router
