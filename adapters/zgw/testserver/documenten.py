"""Documenten API 1.4: enkelvoudiginformatieobjecten (base64 or bestandsdelen), lock/unlock, download."""

from __future__ import annotations

import base64
import binascii
import math
import secrets
import shutil
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.datastructures import UploadFile

from adapters.zgw.testserver import validation as v
from adapters.zgw.testserver.common import (
    filtered,
    get_or_404,
    json_body,
    new_uuid,
    now_iso,
    ok,
    page,
    store_of,
)
from adapters.zgw.testserver.problems import Invalid, Problem
from adapters.zgw.testserver.store import DOCUMENTEN, ZgwStore

router = APIRouter(prefix=DOCUMENTEN)
_COPY = 1024 * 1024
_LIMITS = {
    "identificatie": 40,
    "titel": 200,
    "auteur": 200,
    "bestandsnaam": 255,
    "formaat": 255,
    "beschrijving": 1000,
    "link": 200,
    "informatieobjecttype": 200,
}


def _url(store: ZgwStore, path: str) -> str:
    return f"{store.base_url}{DOCUMENTEN}/{path}"


def _public(store: ZgwStore, doc: dict[str, Any]) -> dict[str, Any]:
    delen = [
        {k: d[k] for k in ("url", "volgnummer", "omvang", "voltooid")}
        | {"lock": store.locks.get(doc_uuid, "")}
        for doc_uuid in (doc["uuid"],)
        for d in sorted(
            (d for d in store.bestandsdelen.values() if d["document"] == doc["uuid"]),
            key=lambda d: d["volgnummer"],
        )
    ]
    public = {k: val for k, val in doc.items() if k != "uuid"}
    public["bestandsdelen"] = delen
    public["locked"] = doc["uuid"] in store.locks
    return public


def _check(store: ZgwStore, body: dict[str, Any], invalid: Invalid, *, partial: bool = False) -> None:
    if not partial:
        v.required(
            body,
            invalid,
            "bronorganisatie",
            "creatiedatum",
            "titel",
            "auteur",
            "taal",
            "informatieobjecttype",
        )
    v.max_length(
        body,
        invalid,
        _LIMITS,
    )
    v.rsin(body, invalid, "bronorganisatie")
    v.is_date(body, invalid, "creatiedatum", "ontvangstdatum", "verzenddatum")
    v.one_of(body, invalid, "vertrouwelijkheidaanduiding", (*v.VERTROUWELIJKHEID, ""))
    v.one_of(body, invalid, "status", (*v.DOCUMENT_STATUS, ""))
    taal = body.get("taal")
    if taal is not None and (not isinstance(taal, str) or len(taal) != 3):
        invalid.add("taal", "invalid", "Een ISO 639-2/B taalcode van 3 letters.")
    if body.get("ontvangstdatum") and body.get("status") in ("in_bewerking", "ter_vaststelling"):
        invalid.add("status", "invalid_for_received", "Deze status kan niet bij een ontvangstdatum.")
    iot = body.get("informatieobjecttype")
    if iot:
        found = store.find("informatieobjecttypen", str(iot))
        if found is None:
            invalid.add("informatieobjecttype", "bad-url", "Het informatieobjecttype bestaat niet.")
        elif found["concept"]:
            invalid.add("informatieobjecttype", "not-published", "Het informatieobjecttype is een concept.")
    omvang = body.get("bestandsomvang")
    if omvang is not None and (not isinstance(omvang, int) or omvang < 0):
        invalid.add("bestandsomvang", "invalid", "Een geheel getal >= 0.")


@router.post("/enkelvoudiginformatieobjecten")
async def create_document(request: Request) -> JSONResponse:
    store = store_of(request)
    body = await json_body(request)
    invalid = Invalid()
    _check(store, body, invalid)
    inhoud: bytes | None = None
    if body.get("inhoud") is not None:
        try:
            inhoud = base64.b64decode(str(body["inhoud"]), validate=True)
        except (binascii.Error, ValueError):
            invalid.add("inhoud", "invalid", "Geen geldige base64.")
        if inhoud is not None and body.get("bestandsomvang") not in (None, len(inhoud)):
            invalid.add("bestandsomvang", "file-size", "bestandsomvang past niet bij de inhoud.")
    invalid.raise_if_any()
    doc_uuid = new_uuid()
    omvang = len(inhoud) if inhoud is not None else int(body.get("bestandsomvang") or 0)
    doc: dict[str, Any] = {
        "identificatie": f"DOCUMENT-{len(store.documenten) + 1:010d}",
        "vertrouwelijkheidaanduiding": "openbaar",
        "status": "",
        "formaat": "",
        "bestandsnaam": "",
        "link": "",
        "beschrijving": "",
        "ontvangstdatum": None,
        "verzenddatum": None,
        "indicatieGebruiksrecht": None,
        "verschijningsvorm": "",
        "ondertekening": None,
        "integriteit": None,
        "trefwoorden": [],
        **{k: val for k, val in body.items() if k != "inhoud"},
        "url": _url(store, f"enkelvoudiginformatieobjecten/{doc_uuid}"),
        "uuid": doc_uuid,
        "versie": 1,
        "beginRegistratie": now_iso(),
        "bestandsomvang": omvang,
        "inhoud": None,
    }
    lock = None
    if inhoud is not None:
        store.blob_path(doc_uuid).write_bytes(inhoud)
        doc["inhoud"] = f"{doc['url']}/download?versie=1"
    elif omvang > 0:
        # bestandsdelen: the document stays locked until every part is uploaded and it is unlocked
        lock = secrets.token_hex(16)
        store.locks[doc_uuid] = lock
        aantal = math.ceil(omvang / store.config.part_size)
        for index in range(aantal):
            deel_uuid = new_uuid()
            size = min(store.config.part_size, omvang - index * store.config.part_size)
            store.bestandsdelen[deel_uuid] = {
                "url": _url(store, f"bestandsdelen/{deel_uuid}"),
                "uuid": deel_uuid,
                "document": doc_uuid,
                "volgnummer": index + 1,
                "omvang": size,
                "voltooid": False,
            }
    store.documenten[doc_uuid] = doc
    answer = _public(store, doc)
    if lock is not None:
        answer["lock"] = lock
    return ok(answer, 201, {"Location": doc["url"]})


@router.get("/enkelvoudiginformatieobjecten")
async def list_documenten(request: Request) -> JSONResponse:
    store = store_of(request)
    fields = {"identificatie": "identificatie", "bronorganisatie": "bronorganisatie"}
    items = filtered(request, list(store.documenten.values()), fields)
    return ok(page(request, [_public(store, d) for d in items]))


@router.get("/enkelvoudiginformatieobjecten/{uuid}")
async def read_document(request: Request, uuid: str) -> JSONResponse:
    store = store_of(request)
    return ok(_public(store, get_or_404(store.documenten, uuid)))


@router.delete("/enkelvoudiginformatieobjecten/{uuid}")
async def delete_document(request: Request, uuid: str) -> Response:
    """Documenten 1.4.3: only while no zaak (OBJECTINFORMATIEOBJECT) points at the document.
    The refusal is a 409: the 1.4.3 file lists 409 and no 400 for this DELETE. The spec sets no
    lock condition on a delete, so a locked document (an upload never finished) can go."""
    store = store_of(request)
    doc = get_or_404(store.documenten, uuid)
    if any(z["informatieobject"] == doc["url"] for z in store.zaakinformatieobjecten.values()):
        raise Problem(409, "pending-relations", "Er zijn nog zaken aan dit informatieobject gerelateerd.")
    for deel_uuid, deel in list(store.bestandsdelen.items()):
        if deel["document"] == uuid:
            store.blob_path(f"deel-{deel_uuid}").unlink(missing_ok=True)
            del store.bestandsdelen[deel_uuid]
    store.blob_path(uuid).unlink(missing_ok=True)
    store.locks.pop(uuid, None)
    del store.documenten[uuid]
    return Response(status_code=204)


@router.patch("/enkelvoudiginformatieobjecten/{uuid}")
async def update_document(request: Request, uuid: str) -> JSONResponse:
    store = store_of(request)
    doc = get_or_404(store.documenten, uuid)
    body = await json_body(request)
    invalid = Invalid()
    if uuid not in store.locks or body.get("lock") != store.locks[uuid]:
        invalid.add("nonFieldErrors", "incorrect-lock-id", "Incorrect lock ID.")
    _check(store, body, invalid, partial=True)
    invalid.raise_if_any()
    doc.update({k: val for k, val in body.items() if k not in ("lock", "inhoud", "url", "uuid")})
    doc["versie"] += 1
    doc["beginRegistratie"] = now_iso()
    return ok(_public(store, doc))


@router.post("/enkelvoudiginformatieobjecten/{uuid}/lock")
async def lock_document(request: Request, uuid: str) -> JSONResponse:
    store = store_of(request)
    get_or_404(store.documenten, uuid)
    if uuid in store.locks:
        raise Invalid(
            [{"name": "nonFieldErrors", "code": "existing-lock", "reason": "Het document is al gelocked."}]
        )
    store.locks[uuid] = secrets.token_hex(16)
    return ok({"lock": store.locks[uuid]})


@router.post("/enkelvoudiginformatieobjecten/{uuid}/unlock")
async def unlock_document(request: Request, uuid: str) -> Response:
    store = store_of(request)
    doc = get_or_404(store.documenten, uuid)
    body = await json_body(request)
    if uuid not in store.locks or body.get("lock") != store.locks[uuid]:
        raise Invalid(
            [{"name": "nonFieldErrors", "code": "incorrect-lock-id", "reason": "Incorrect lock ID."}]
        )
    delen = sorted(
        (d for d in store.bestandsdelen.values() if d["document"] == uuid), key=lambda d: d["volgnummer"]
    )
    if delen and not all(d["voltooid"] for d in delen):
        raise Invalid(
            [{"name": "nonFieldErrors", "code": "incomplete-upload", "reason": "Upload is niet compleet."}]
        )
    if delen:  # merge the parts into the document's content, then forget them
        with store.blob_path(uuid).open("wb") as target:
            for deel in delen:
                part = store.blob_path(f"deel-{deel['uuid']}")
                with part.open("rb") as source:
                    shutil.copyfileobj(source, target, _COPY)
                part.unlink()
                del store.bestandsdelen[deel["uuid"]]
        doc["inhoud"] = f"{doc['url']}/download?versie={doc['versie']}"
    del store.locks[uuid]
    return Response(status_code=204)


@router.get("/enkelvoudiginformatieobjecten/{uuid}/download")
async def download_document(request: Request, uuid: str) -> Response:
    store = store_of(request)
    get_or_404(store.documenten, uuid)
    path = store.blob_path(uuid)
    if not path.exists():
        return Response(b"", media_type="application/octet-stream")
    return FileResponse(path, media_type="application/octet-stream")


@router.put("/bestandsdelen/{uuid}")
async def upload_bestandsdeel(request: Request, uuid: str) -> JSONResponse:
    store = store_of(request)
    deel = get_or_404(store.bestandsdelen, uuid)
    form = await request.form(max_part_size=1024 * 1024)
    invalid = Invalid()
    inhoud = form.get("inhoud")
    lock = form.get("lock")
    if not isinstance(inhoud, UploadFile):
        invalid.add("inhoud", "required", "Dit veld is vereist.")
    if store.locks.get(deel["document"]) is None or lock != store.locks[deel["document"]]:
        invalid.add("lock", "incorrect-lock-id", "Incorrect lock ID.")
    invalid.raise_if_any()
    assert isinstance(inhoud, UploadFile)
    target = store.blob_path(f"deel-{uuid}")
    size = 0
    with target.open("wb") as out:
        while chunk := await inhoud.read(_COPY):
            size += len(chunk)
            out.write(chunk)
    await form.close()
    if size != deel["omvang"]:
        target.unlink()
        reason = f"Het aangeleverde bestand is {size} bytes, verwacht {deel['omvang']}."
        raise Invalid([{"name": "inhoud", "code": "file-size", "reason": reason}])
    deel["voltooid"] = True
    return ok({k: deel[k] for k in ("url", "volgnummer", "omvang", "voltooid")} | {"lock": str(lock)})


__all__ = ["router"]
