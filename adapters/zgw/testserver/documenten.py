"""Documenten API 1.4: enkelvoudiginformatieobjecten (base64 or bestandsdelen), lock/unlock,
download, gebruiksrechten."""

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
from adapters.zgw.testserver.auth import has_scope, readable, require, require_readable
from adapters.zgw.testserver.common import (
    filtered,
    get_or_404,
    has_body,
    json_body,
    new_uuid,
    now_iso,
    ok,
    page,
    store_of,
)
from adapters.zgw.testserver.problems import Invalid, Problem
from adapters.zgw.testserver.references import catalogus_type, local_object
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
    public["_expand"] = {}  # Open Zaak's ExpandMixin puts it in every answer
    public["bestandsdelen"] = delen
    public["locked"] = doc["uuid"] in store.locks
    return public


def _nonfield(code: str, reason: str) -> Invalid:
    return Invalid([{"name": "nonFieldErrors", "code": code, "reason": reason}])


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
    v.max_length(body, invalid, _LIMITS)
    v.rsin(body, invalid, "bronorganisatie")
    v.is_date(body, invalid, "creatiedatum", "ontvangstdatum", "verzenddatum")
    v.one_of(body, invalid, "vertrouwelijkheidaanduiding", (*v.VERTROUWELIJKHEID, ""))
    v.one_of(body, invalid, "status", (*v.DOCUMENT_STATUS, ""))
    taal = body.get("taal")
    # A plain 3-character field in Open Zaak: no ISO 639-2/B list check.
    if isinstance(taal, str) and len(taal) < 3:
        invalid.add("taal", "min_length", "Zorg ervoor dat dit veld minimaal 3 karakters bevat.")
    elif isinstance(taal, str) and len(taal) > 3:
        invalid.add("taal", "max_length", "Zorg ervoor dat dit veld niet meer dan 3 karakters bevat.")
    if body.get("ontvangstdatum") and body.get("status") in ("in_bewerking", "ter_vaststelling"):
        invalid.add("status", "invalid_for_received", "Deze status kan niet bij een ontvangstdatum.")
    if "informatieobjecttype" in body:
        catalogus_type(store, body, invalid, "informatieobjecttype", "informatieobjecttypen", published=True)
    omvang = body.get("bestandsomvang")
    if omvang is not None and not isinstance(omvang, int):
        invalid.add("bestandsomvang", "invalid", "Een geldig geheel getal is vereist.")
    elif isinstance(omvang, int) and omvang < 0:
        invalid.add("bestandsomvang", "min_value", "Zorg ervoor dat deze waarde groter of gelijk is aan 0.")


def _decode(body: dict[str, Any], invalid: Invalid) -> bytes | None:
    if body.get("inhoud") is None:
        return None
    text = str(body["inhoud"])
    try:
        inhoud = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        code = "incorrect-base64-padding" if "padding" in str(exc).lower() else "invalid-base64"
        invalid.add("inhoud", code, "Geen geldige base64.")
        return None
    if body.get("bestandsomvang") not in (None, len(inhoud)):
        invalid.add(
            "nonFieldErrors", "file-size", "Het aangeleverde bestand heeft een afwijkende bestandsgrootte."
        )
    return inhoud


def _unindex(store: ZgwStore, doc: dict[str, Any]) -> None:
    key = (doc["bronorganisatie"], doc["identificatie"])
    if store.document_identificaties.get(key) == doc["uuid"]:
        del store.document_identificaties[key]


def _new_identificatie(store: ZgwStore, body: dict[str, Any]) -> str:
    """Open Zaak's generator: DOCUMENT-<year of creatiedatum>-<10 digits>."""
    year = str(body.get("creatiedatum", ""))[:4]
    taken, bron = store.document_identificaties, body["bronorganisatie"]
    number = len(store.documenten) + 1
    while (bron, f"DOCUMENT-{year}-{number:010d}") in taken:
        number += 1
    return f"DOCUMENT-{year}-{number:010d}"


@router.post("/enkelvoudiginformatieobjecten")
async def create_document(request: Request) -> JSONResponse:
    require(request, "documenten.aanmaken")
    store = store_of(request)
    body = await json_body(request)
    invalid = Invalid()
    _check(store, body, invalid)
    inhoud = _decode(body, invalid)
    if body.get("indicatieGebruiksrecht") is True:
        invalid.add(
            "indicatieGebruiksrecht",
            "missing-gebruiksrechten",
            "De indicatie moet op 'ja' gezet worden door `gebruiksrechten` aan te maken, "
            "dit kan niet direct op deze resource.",
        )
    identificatie = body.get("identificatie")
    key = (str(body.get("bronorganisatie")), str(identificatie))
    if identificatie and key in store.document_identificaties:
        invalid.add(
            "identificatie",
            "identificatie-niet-uniek",
            "Deze identificatie bestaat al voor deze bronorganisatie.",
        )
    invalid.raise_if_any()
    require_readable(request, body.get("vertrouwelijkheidaanduiding"))
    iot = store.find("informatieobjecttypen", str(body["informatieobjecttype"])) or {}
    doc_uuid = new_uuid()
    omvang = len(inhoud) if inhoud is not None else int(body.get("bestandsomvang") or 0)
    doc: dict[str, Any] = {
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
        "identificatie": identificatie or _new_identificatie(store, body),
        "vertrouwelijkheidaanduiding": body.get("vertrouwelijkheidaanduiding")
        or iot.get("vertrouwelijkheidaanduiding", "openbaar"),
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
    store.document_identificaties[(doc["bronorganisatie"], doc["identificatie"])] = doc_uuid
    answer = _public(store, doc)
    if lock is not None:
        answer["lock"] = lock
    return ok(answer, 201, {"Location": doc["url"]})


def _readable_document(request: Request, store: ZgwStore, uuid: str) -> dict[str, Any]:
    doc = get_or_404(store.documenten, uuid)
    require_readable(request, doc.get("vertrouwelijkheidaanduiding"))
    return doc


@router.get("/enkelvoudiginformatieobjecten")
async def list_documenten(request: Request) -> JSONResponse:
    require(request, "documenten.lezen")
    store = store_of(request)
    fields = {"identificatie": "identificatie", "bronorganisatie": "bronorganisatie"}
    items = filtered(request, list(store.documenten.values()), fields, extra=("trefwoorden", "expand"))
    items = [d for d in items if readable(request, d.get("vertrouwelijkheidaanduiding"))]
    return ok(page(request, [_public(store, d) for d in items]))


@router.get("/enkelvoudiginformatieobjecten/{uuid}")
async def read_document(request: Request, uuid: str) -> JSONResponse:
    require(request, "documenten.lezen")
    store = store_of(request)
    return ok(_public(store, _readable_document(request, store, uuid)))


@router.delete("/enkelvoudiginformatieobjecten/{uuid}")
async def delete_document(request: Request, uuid: str) -> Response:
    """Open Zaak's perform_destroy: refused while a zaak points at the document
    (`pending-relations`), then while it is locked (`destroy-locked`); both 400."""
    require(request, "documenten.verwijderen")
    store = store_of(request)
    doc = _readable_document(request, store, uuid)
    if any(z["informatieobject"] == doc["url"] for z in store.zaakinformatieobjecten.values()):
        raise _nonfield("pending-relations", "Het informatieobject is nog gerelateerd aan een zaak.")
    if uuid in store.locks:
        raise _nonfield("destroy-locked", "Een gelocked informatieobject kan niet verwijderd worden.")
    for deel_uuid, deel in list(store.bestandsdelen.items()):
        if deel["document"] == uuid:
            store.blob_path(f"deel-{deel_uuid}").unlink(missing_ok=True)
            del store.bestandsdelen[deel_uuid]
    for recht_uuid, recht in list(store.gebruiksrechten.items()):
        if recht["informatieobject"] == doc["url"]:
            del store.gebruiksrechten[recht_uuid]
    store.blob_path(uuid).unlink(missing_ok=True)
    del store.documenten[uuid]
    _unindex(store, doc)
    return Response(status_code=204)


@router.patch("/enkelvoudiginformatieobjecten/{uuid}")
async def update_document(request: Request, uuid: str) -> JSONResponse:
    require(request, "documenten.bijwerken")
    store = store_of(request)
    doc = _readable_document(request, store, uuid)
    body = await json_body(request)
    invalid = Invalid()
    if uuid not in store.locks:
        invalid.add("nonFieldErrors", "unlocked", "Unlocked document kan niet gewijzigd worden.")
    elif not body.get("lock"):
        invalid.add(
            "nonFieldErrors", "missing-lock-id", "Dit informatieobject is gelocked; geef het lock op."
        )
    elif body["lock"] != store.locks[uuid]:
        invalid.add("nonFieldErrors", "incorrect-lock-id", "Incorrect lock ID.")
    _check(store, body, invalid, partial=True)
    if (
        "indicatieGebruiksrecht" in body
        and body["indicatieGebruiksrecht"] is not True
        and any(r["informatieobject"] == doc["url"] for r in store.gebruiksrechten.values())
    ):
        invalid.add(
            "indicatieGebruiksrecht", "existing-gebruiksrechten", "Er zijn nog gebruiksrechten gedefinieerd."
        )
    invalid.raise_if_any()
    _unindex(store, doc)
    doc.update({k: val for k, val in body.items() if k not in ("lock", "inhoud", "url", "uuid")})
    store.document_identificaties.setdefault((doc["bronorganisatie"], doc["identificatie"]), uuid)
    doc["versie"] += 1
    doc["beginRegistratie"] = now_iso()
    return ok(_public(store, doc))


@router.post("/enkelvoudiginformatieobjecten/{uuid}/lock")
async def lock_document(request: Request, uuid: str) -> JSONResponse:
    require(request, "documenten.lock")
    store = store_of(request)
    _readable_document(request, store, uuid)
    if uuid in store.locks:
        raise _nonfield("existing-lock", "Het document is al gelocked.")
    store.locks[uuid] = secrets.token_hex(16)
    return ok({"lock": store.locks[uuid]})


@router.post("/enkelvoudiginformatieobjecten/{uuid}/unlock")
async def unlock_document(request: Request, uuid: str) -> Response:
    """Needs documenten.lock (the matching lock) or documenten.geforceerd-unlock (any lock), and a
    complete upload: some parts missing is `incomplete-upload`, none uploaded is `file-size`."""
    require(request, "documenten.lock", "documenten.geforceerd-unlock")
    store = store_of(request)
    doc = _readable_document(request, store, uuid)
    body = await json_body(request)
    forced = has_scope(request, "documenten.geforceerd-unlock") and not body.get("lock")
    if not forced and (uuid not in store.locks or body.get("lock") != store.locks[uuid]):
        raise _nonfield("incorrect-lock-id", "Incorrect lock ID.")
    delen = sorted(
        (d for d in store.bestandsdelen.values() if d["document"] == uuid), key=lambda d: d["volgnummer"]
    )
    klaar = [d for d in delen if d["voltooid"]]
    if delen and klaar and len(klaar) < len(delen) and not forced:
        raise _nonfield("incomplete-upload", "Upload van bestandsdelen is niet compleet.")
    if delen and not klaar and doc["inhoud"] is None and doc["bestandsomvang"] and not forced:
        raise _nonfield("file-size", "Er is geen inhoud opgestuurd voor de bestandsdelen.")
    if delen and len(klaar) == len(delen):  # merge the parts into the document's content, then forget them
        with store.blob_path(uuid).open("wb") as target:
            for deel in delen:
                part = store.blob_path(f"deel-{deel['uuid']}")
                with part.open("rb") as source:
                    shutil.copyfileobj(source, target, _COPY)
                part.unlink()
                del store.bestandsdelen[deel["uuid"]]
        doc["inhoud"] = f"{doc['url']}/download?versie={doc['versie']}"
    elif delen and klaar:  # a forced unlock of an incomplete upload discards it
        for deel in delen:
            store.blob_path(f"deel-{deel['uuid']}").unlink(missing_ok=True)
            del store.bestandsdelen[deel["uuid"]]
        doc["bestandsomvang"] = None
    store.locks.pop(uuid, None)
    return Response(status_code=204)


@router.get("/enkelvoudiginformatieobjecten/{uuid}/download")
async def download_document(request: Request, uuid: str) -> Response:
    require(request, "documenten.lezen")
    store = store_of(request)
    _readable_document(request, store, uuid)
    path = store.blob_path(uuid)
    if not path.exists():
        return Response(b"", media_type="application/octet-stream")
    return FileResponse(path, media_type="application/octet-stream")


_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


@router.put("/bestandsdelen/{uuid}")
async def upload_bestandsdeel(request: Request, uuid: str) -> JSONResponse:
    """One part of a large document: multipart/form only (Open Zaak's MultiPartParser and
    FormParser), with the document's current lock, exactly `omvang` bytes."""
    require(request, "documenten.bijwerken")
    store = store_of(request)
    deel = get_or_404(store.bestandsdelen, uuid)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if has_body(request) and content_type not in _FORM_TYPES:
        raise Problem(415, "unsupported_media_type", f'Media type "{content_type}" wordt niet ondersteund.')
    invalid = Invalid()
    # No Content-Length: read as an empty form, like every body (see common.has_body).
    form = await request.form(max_part_size=1024 * 1024) if has_body(request) else None
    inhoud = form.get("inhoud") if form is not None else None
    lock = form.get("lock") if form is not None else None
    if not lock:
        invalid.add("lock", "required", "Dit veld is vereist.")
    elif store.locks.get(deel["document"]) is None or lock != store.locks[deel["document"]]:
        invalid.add("nonFieldErrors", "incorrect-lock-id", "Incorrect lock ID.")
    if lock and not isinstance(inhoud, UploadFile):
        invalid.add("inhoud", "required", "Dit veld is vereist.")
    if invalid.params and form is not None:
        await form.close()
    invalid.raise_if_any()
    assert isinstance(inhoud, UploadFile) and form is not None
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
        raise _nonfield("file-size", reason)
    deel["voltooid"] = True
    return ok({k: deel[k] for k in ("url", "volgnummer", "omvang", "voltooid")} | {"lock": str(lock)})


# --- gebruiksrechten ----------------------------------------------------------------------------


def _document_of(store: ZgwStore, url: str) -> dict[str, Any] | None:
    return store.documenten.get(url.rstrip("/").rsplit("/", 1)[-1])


@router.post("/gebruiksrechten")
async def create_gebruiksrecht(request: Request) -> JSONResponse:
    """The only way to make indicatieGebruiksrecht true (Open Zaak's Gebruiksrechten.save)."""
    require(request, "documenten.aanmaken")
    store = store_of(request)
    body = await json_body(request)
    invalid = Invalid()
    v.required(body, invalid, "informatieobject", "startdatum", "omschrijvingVoorwaarden")
    v.is_datetime(body, invalid, "startdatum", "einddatum")
    doc = local_object(store, store.documenten, body, invalid, "informatieobject", missing="does_not_exist")
    invalid.raise_if_any()
    assert doc is not None
    require_readable(request, doc.get("vertrouwelijkheidaanduiding"))
    recht_uuid = new_uuid()
    recht = {
        "einddatum": None,
        **body,
        "url": _url(store, f"gebruiksrechten/{recht_uuid}"),
        "_expand": {},
    }
    store.gebruiksrechten[recht_uuid] = recht
    doc["indicatieGebruiksrecht"] = True
    return ok(recht, 201, {"Location": recht["url"]})


@router.get("/gebruiksrechten")
async def list_gebruiksrechten(request: Request) -> JSONResponse:
    require(request, "documenten.lezen")
    store = store_of(request)
    other = (
        *(f"{name}__{op}" for name in ("startdatum", "einddatum") for op in ("lt", "lte", "gt", "gte")),
        "expand",
    )
    items = filtered(
        request,
        list(store.gebruiksrechten.values()),
        {"informatieobject": "informatieobject"},
        urls=("informatieobject",),
        extra=other,
    )
    return ok(
        [
            r
            for r in items
            if readable(
                request, (_document_of(store, r["informatieobject"]) or {}).get("vertrouwelijkheidaanduiding")
            )
        ]
    )


@router.get("/gebruiksrechten/{uuid}")
async def read_gebruiksrecht(request: Request, uuid: str) -> JSONResponse:
    require(request, "documenten.lezen")
    store = store_of(request)
    recht = get_or_404(store.gebruiksrechten, uuid)
    require_readable(
        request, (_document_of(store, recht["informatieobject"]) or {}).get("vertrouwelijkheidaanduiding")
    )
    return ok(recht)


@router.delete("/gebruiksrechten/{uuid}")
async def delete_gebruiksrecht(request: Request, uuid: str) -> Response:
    """Deleting the last gebruiksrecht sets the document's indicatieGebruiksrecht back to null."""
    require(request, "documenten.verwijderen")
    store = store_of(request)
    recht = get_or_404(store.gebruiksrechten, uuid)
    del store.gebruiksrechten[uuid]
    doc = _document_of(store, recht["informatieobject"])
    if doc is not None and not any(
        r["informatieobject"] == doc["url"] for r in store.gebruiksrechten.values()
    ):
        doc["indicatieGebruiksrecht"] = None
    return Response(status_code=204)


__all__ = ["router"]
