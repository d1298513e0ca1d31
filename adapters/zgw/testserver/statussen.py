"""Zaken 1.5.1 statussen and resultaten: setting a status, and closing a zaak with the eindstatus
under Open Zaak's preconditions (resultaat, unlocked documents with indicatieGebruiksrecht set,
a derivable archiefactiedatum)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from adapters.zgw.testserver import notificaties
from adapters.zgw.testserver import validation as v
from adapters.zgw.testserver.archief import ArchiefError, archiefactiedatum, brondatum
from adapters.zgw.testserver.auth import has_scope, require
from adapters.zgw.testserver.common import filtered, get_or_404, json_body, new_uuid, ok, page, store_of
from adapters.zgw.testserver.problems import Invalid, Problem
from adapters.zgw.testserver.references import catalogus_type
from adapters.zgw.testserver.store import ZAKEN, ZgwStore
from adapters.zgw.testserver.zaken import BIJWERKEN, readable_items, zaak_ref

router = APIRouter(prefix=ZAKEN)
_STATUS_SCOPES = ("zaken.aanmaken", "zaken.statussen.toevoegen", "zaken.heropenen")


def _server_zone() -> tzinfo:
    """Open Zaak reads a datetime without offset in its TIME_ZONE (Europe/Amsterdam)."""
    try:
        return zoneinfo.ZoneInfo("Europe/Amsterdam")
    except zoneinfo.ZoneInfoNotFoundError:  # a system without tz database
        return UTC


def _moment(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=_server_zone())


def _url(store: ZgwStore, path: str) -> str:
    return f"{store.base_url}{ZAKEN}/{path}"


def _closing_errors(store: ZgwStore, zaak: dict[str, Any], einddatum: date, invalid: Invalid) -> None:
    """Open Zaak's eindstatus checks: first the documents (EndStatusIOs*Validator), and only
    when they pass the resultaat and the archiefactiedatum (StatusSerializer.validate)."""
    for zio in store.zaakinformatieobjecten.values():
        if zio["zaak"] != zaak["url"]:
            continue
        doc = store.documenten.get(str(zio["informatieobject"]).rsplit("/", 1)[-1])
        if doc is None:
            continue
        if doc["uuid"] in store.locks:
            invalid.add(
                "nonFieldErrors",
                "informatieobject-locked",
                "Er zijn gerelateerde informatieobjecten die nog gelocked zijn.",
            )
        if doc.get("indicatieGebruiksrecht") is None:
            invalid.add(
                "nonFieldErrors",
                "indicatiegebruiksrecht-unset",
                "Er zijn gerelateerde informatieobjecten waarvoor `indicatieGebruiksrecht` "
                "nog niet gespecifieerd is.",
            )
    if invalid.params or zaak.get("archiefactiedatum"):
        return  # Open Zaak skips the brondatum calculation when archiefactiedatum is already set
    resultaat = _resultaat_of(store, zaak)
    if resultaat is None:
        invalid.add("nonFieldErrors", "resultaat-does-not-exist", "Zaak has no resultaat.")
        return
    resultaattype = store.find("resultaattypen", resultaat["resultaattype"]) or {}
    try:
        archiefactiedatum(resultaattype, einddatum, _eigenschappen_of(store, zaak))
    except ArchiefError as exc:
        invalid.add("nonFieldErrors", "archiefactiedatum-error", str(exc))


def _resultaat_of(store: ZgwStore, zaak: dict[str, Any]) -> dict[str, Any] | None:
    return next((r for r in store.resultaten.values() if r["zaak"] == zaak["url"]), None)


def _eigenschappen_of(store: ZgwStore, zaak: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in store.zaakeigenschappen.values() if e["zaak"] == zaak["url"]]


def set_status(
    store: ZgwStore, zaak: dict[str, Any], statustype: dict[str, Any], body: dict[str, Any], moment: datetime
) -> dict[str, Any]:
    """Store a checked status and apply Open Zaak's side effects on the zaak. The one place a
    status comes into being (a hook for notifications belongs here)."""
    for earlier in store.of_zaak("statussen", zaak["url"]):
        earlier["indicatieLaatstGezetteStatus"] = False
    status_uuid = new_uuid()
    status = {
        "statustoelichting": "",
        "gezetdoor": "",
        **body,
        "url": _url(store, f"statussen/{status_uuid}"),
        "uuid": status_uuid,
        "indicatieLaatstGezetteStatus": True,
        "zaakinformatieobjecten": [],
    }
    store.statussen[status_uuid] = status
    store.attach("statussen", status)
    zaak["status"] = status["url"]
    eind = store.eindstatustype(zaak["zaaktype"])
    if eind is not None and eind["url"] == statustype["url"]:
        # The date part in the offset the client sent (StatusSerializer.create).
        einddatum = moment.date()
        zaak["einddatum"] = einddatum.isoformat()
        resultaat = _resultaat_of(store, zaak)
        resultaattype = store.find("resultaattypen", resultaat["resultaattype"]) if resultaat else None
        if resultaattype is not None:
            zaak["archiefnominatie"] = zaak.get("archiefnominatie") or resultaattype["archiefnominatie"]
            if not zaak.get("archiefactiedatum"):
                eigenschappen = _eigenschappen_of(store, zaak)
                actie = archiefactiedatum(resultaattype, einddatum, eigenschappen)
                zaak["archiefactiedatum"] = actie.isoformat() if actie else None
                zaak["startdatumBewaartermijn"] = brondatum(
                    resultaattype, einddatum, eigenschappen
                ).isoformat()
    else:
        if zaak.get("einddatum"):  # reopened
            zaak["archiefnominatie"] = None
            zaak["archiefactiedatum"] = None
        zaak["einddatum"] = None
    return status


@router.post("/statussen")
async def create_status(request: Request) -> JSONResponse:
    require(request, *_STATUS_SCOPES)
    store = store_of(request)
    body = await json_body(request)
    invalid = Invalid()
    v.required(body, invalid, "zaak", "statustype", "datumStatusGezet")
    v.max_length(body, invalid, {"statustoelichting": 1000})
    moment = _moment(body["datumStatusGezet"]) if body.get("datumStatusGezet") else None
    if body.get("datumStatusGezet") and moment is None:
        invalid.add("datumStatusGezet", "invalid", "Datetime heeft een verkeerd formaat.")
    elif moment is not None and moment > datetime.now(UTC):
        invalid.add("datumStatusGezet", "date-in-future", "Deze datum mag niet in de toekomst zijn.")
    # A status is no change to the zaak's data: the closed-zaak rule is the reopen scope below.
    zaak = zaak_ref(request, store, body, invalid, writable=False, sets_status=True)
    statustype = catalogus_type(store, body, invalid, "statustype", "statustypen")
    if zaak is not None and statustype is not None and statustype["zaaktype"] != zaak["zaaktype"]:
        invalid.add(
            "nonFieldErrors", "zaaktype-mismatch", "De referentie hoort niet bij het zaaktype van de zaak."
        )
    if zaak is not None and moment is not None:
        earlier = [_moment(s["datumStatusGezet"]) for s in store.of_zaak("statussen", zaak["url"])]
        if moment in earlier:
            invalid.add(
                "nonFieldErrors", "unique", "De velden zaak, datumStatusGezet moeten een unieke set zijn."
            )
    gezetdoor = body.get("gezetdoor")
    if zaak is not None and gezetdoor:
        rol = store.rollen.get(str(gezetdoor).rstrip("/").rsplit("/", 1)[-1])
        if rol is None:
            invalid.add("gezetdoor", "does_not_exist", "Ongeldige hyperlink - Object bestaat niet.")
        elif rol["zaak"] != zaak["url"]:
            invalid.add("nonFieldErrors", "zaak-mismatch", "De rol hoort niet bij de zaak.")
    invalid.raise_if_any()
    assert zaak is not None and statustype is not None and moment is not None
    eind = store.eindstatustype(zaak["zaaktype"])
    if eind is not None and eind["url"] == statustype["url"]:
        _closing_errors(store, zaak, moment.date(), invalid)
        invalid.raise_if_any()
    has_status = bool(store.of_zaak("statussen", zaak["url"]))
    if has_status and not has_scope(request, "zaken.statussen.toevoegen", "zaken.heropenen"):
        raise Problem(
            403, "permission_denied", "Met de 'zaken.aanmaken' scope mag je slechts 1 status zetten"
        )
    if zaak.get("einddatum") and not has_scope(request, "zaken.heropenen"):
        raise Problem(403, "permission_denied", "Reopening a closed case with current scope is forbidden")
    status = set_status(store, zaak, statustype, body, moment)
    notificaties.status_gezet(request.app, status, zaak)  # kanaal "zaken", like Open Zaak
    return ok(status, 201, {"Location": status["url"]})


@router.get("/statussen")
async def list_statussen(request: Request) -> JSONResponse:
    require(request, "zaken.lezen")
    store = store_of(request)
    statussen = filtered(
        request,
        list(store.statussen.values()),
        {
            "zaak": "zaak",
            "statustype": "statustype",
            "indicatieLaatstGezetteStatus": lambda s: (
                "true" if s["indicatieLaatstGezetteStatus"] else "false"
            ),
        },
        urls=("zaak", "statustype"),
        choices={"indicatieLaatstGezetteStatus": ("true", "false")},
    )
    return ok(page(request, readable_items(request, store, statussen)))


@router.get("/statussen/{uuid}")
async def read_status(request: Request, uuid: str) -> JSONResponse:
    require(request, "zaken.lezen")
    store = store_of(request)
    status = get_or_404(store.statussen, uuid)
    zaak_ref(request, store, {"zaak": status["zaak"]}, Invalid(), writable=False)
    return ok(status)


# --- resultaten ---------------------------------------------------------------------------------


@router.post("/resultaten")
async def create_resultaat(request: Request) -> JSONResponse:
    """Resultaat create needs zaken.bijwerken (or geforceerd-bijwerken); one per zaak."""
    require(request, *BIJWERKEN)
    store = store_of(request)
    body = await json_body(request)
    invalid = Invalid()
    v.required(body, invalid, "zaak", "resultaattype")
    v.max_length(body, invalid, {"toelichting": 1000})
    zaak = zaak_ref(request, store, body, invalid)
    resultaattype = catalogus_type(store, body, invalid, "resultaattype", "resultaattypen")
    if zaak is not None and resultaattype is not None and resultaattype["zaaktype"] != zaak["zaaktype"]:
        invalid.add(
            "nonFieldErrors", "zaaktype-mismatch", "De referentie hoort niet bij het zaaktype van de zaak."
        )
    if zaak is not None and _resultaat_of(store, zaak) is not None:
        invalid.add("zaak", "unique", "Resultaat met deze Zaak bestaat al.")
    invalid.raise_if_any()
    assert zaak is not None
    resultaat_uuid = new_uuid()
    resultaat = {
        "toelichting": "",
        **body,
        "url": _url(store, f"resultaten/{resultaat_uuid}"),
        "uuid": resultaat_uuid,
    }
    store.resultaten[resultaat_uuid] = resultaat
    zaak["resultaat"] = resultaat["url"]
    return ok(resultaat, 201, {"Location": resultaat["url"]})


@router.get("/resultaten")
async def list_resultaten(request: Request) -> JSONResponse:
    require(request, "zaken.lezen")
    store = store_of(request)
    fields = {"zaak": "zaak", "resultaattype": "resultaattype"}
    items = filtered(request, list(store.resultaten.values()), fields, urls=tuple(fields))
    return ok(page(request, readable_items(request, store, items)))


@router.get("/resultaten/{uuid}")
async def read_resultaat(request: Request, uuid: str) -> JSONResponse:
    require(request, "zaken.lezen")
    store = store_of(request)
    resultaat = get_or_404(store.resultaten, uuid)
    zaak_ref(request, store, {"zaak": resultaat["zaak"]}, Invalid(), writable=False)
    return ok(resultaat)
