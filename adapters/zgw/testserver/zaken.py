"""Zaken API 1.5.1: zaken, rollen, statussen, zaakobjecten, zaakeigenschappen, zaakinformatieobjecten."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from adapters.zgw.testserver import notificaties
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
    uuid_of,
)
from adapters.zgw.testserver.problems import Invalid, Problem
from adapters.zgw.testserver.store import ZAKEN, ZgwStore

router = APIRouter(prefix=ZAKEN)
_CRS = {"Content-Crs": "EPSG:4326"}
_ROLOMSCHRIJVINGEN_GENERIEK = (
    "adviseur",
    "behandelaar",
    "belanghebbende",
    "beslisser",
    "initiator",
    "klantcontacter",
    "zaakcoordinator",
    "mede_initiator",
)
# Zaken 1.5.1 GET /rollen: betrokkeneIdentificatie__<group>__<field> filters; a group applies to
# rollen of its betrokkeneType only (the identification is stored per type).
_ROL_IDENTIFICATIE = {
    "natuurlijkPersoon": ("natuurlijk_persoon", ("inpBsn", "anpIdentificatie", "inpA_nummer")),
    "nietNatuurlijkPersoon": ("niet_natuurlijk_persoon", ("innNnpId", "annIdentificatie")),
    "vestiging": ("vestiging", ("vestigingsNummer",)),
    "organisatorischeEenheid": ("organisatorische_eenheid", ("identificatie",)),
    "medewerker": ("medewerker", ("identificatie",)),
}


def _identificatie_field(betrokkene_type: str, name: str) -> Callable[[dict[str, Any]], Any]:
    def get(rol: dict[str, Any]) -> Any:
        if rol.get("betrokkeneType") != betrokkene_type:
            return None
        return (rol.get("betrokkeneIdentificatie") or {}).get(name)

    return get


_ROL_FILTERS: dict[str, str | Callable[[dict[str, Any]], Any]] = {
    **{name: name for name in ("zaak", "betrokkene", "betrokkeneType", "roltype", "omschrijving")},
    "omschrijvingGeneriek": "omschrijvingGeneriek",
    **{
        f"betrokkeneIdentificatie__{group}__{name}": _identificatie_field(betrokkene_type, name)
        for group, (betrokkene_type, names) in _ROL_IDENTIFICATIE.items()
        for name in names
    },
}


def _url(store: ZgwStore, path: str) -> str:
    return f"{store.base_url}{ZAKEN}/{path}"


def _zaak_ref(
    store: ZgwStore, body: dict[str, Any], invalid: Invalid, *, writable: bool = True
) -> dict[str, Any] | None:
    """The zaak a sub-resource points at; a closed zaak (einddatum set) takes no changes,
    as in Open Zaak without the geforceerd-bijwerken scope."""
    url = body.get("zaak")
    if not url:
        return None
    zaak = store.zaken.get(uuid_of(str(url)))
    if zaak is None or not str(url).startswith(store.base_url):
        invalid.add("zaak", "does_not_exist", "Ongeldige hyperlink - Object bestaat niet.")
        return None
    if writable and zaak.get("einddatum"):
        raise Problem(403, "zaak-closed", "Je mag geen gegevens aanpassen van een gesloten zaak.")
    return zaak


def _public(store: ZgwStore, zaak: dict[str, Any]) -> dict[str, Any]:
    """A zaak with its read-only relation lists as the ZRC derives them."""
    url = zaak["url"]

    def urls(items: dict[str, dict[str, Any]]) -> list[str]:
        return [i["url"] for i in items.values() if i["zaak"] == url]

    return {
        **zaak,
        "rollen": urls(store.rollen),
        "zaakobjecten": urls(store.zaakobjecten),
        "eigenschappen": urls(store.zaakeigenschappen),
        "zaakinformatieobjecten": urls(store.zaakinformatieobjecten),
    }


# --- zaken --------------------------------------------------------------------------------------


@router.post("/zaken")
async def create_zaak(request: Request) -> JSONResponse:
    store = store_of(request)
    body = await json_body(request)
    invalid = Invalid()
    v.required(body, invalid, "zaaktype", "bronorganisatie", "verantwoordelijkeOrganisatie", "startdatum")
    v.max_length(body, invalid, {"identificatie": 40, "omschrijving": 80, "toelichting": 1000})
    v.rsin(body, invalid, "bronorganisatie", "verantwoordelijkeOrganisatie")
    v.is_date(body, invalid, "startdatum", "registratiedatum", "einddatumGepland")
    v.one_of(body, invalid, "vertrouwelijkheidaanduiding", v.VERTROUWELIJKHEID)
    for index, kenmerk in enumerate(body.get("kenmerken") or []):
        for name in ("kenmerk", "bron"):
            value = kenmerk.get(name) if isinstance(kenmerk, dict) else None
            if not value:
                invalid.add(f"kenmerken.{index}.{name}", "required", "Dit veld is vereist.")
            elif len(value) > 40:
                invalid.add(f"kenmerken.{index}.{name}", "max_length", "Maximaal 40 karakters.")
    if body.get("zaaktype"):
        zaaktype = store.find("zaaktypen", str(body["zaaktype"]))
        if zaaktype is None:
            invalid.add("zaaktype", "bad-url", "De URL is ongeldig of wijst naar een onbekend zaaktype.")
        elif zaaktype["concept"]:
            invalid.add("zaaktype", "not-published", "Het zaaktype is nog niet gepubliceerd.")
    identificatie = body.get("identificatie")
    if identificatie and any(
        z["identificatie"] == identificatie and z["bronorganisatie"] == body.get("bronorganisatie")
        for z in store.zaken.values()
    ):
        invalid.add(
            "identificatie",
            "identificatie-niet-uniek",
            "Deze identificatie bestaat al voor deze bronorganisatie.",
        )
    invalid.raise_if_any()
    zaak_uuid = new_uuid()
    with store.lock:
        volgnummer = len(store.zaken) + 1
    zaak = {
        "identificatie": identificatie or f"ZAAK-{date.today().year}-{volgnummer:010d}",
        "omschrijving": "",
        "toelichting": "",
        "registratiedatum": date.today().isoformat(),
        "vertrouwelijkheidaanduiding": "zaakvertrouwelijk",
        "kenmerken": [],
        "zaakgeometrie": None,
        "betalingsindicatie": "",
        "archiefnominatie": None,
        "archiefstatus": "nog_te_archiveren",
        "archiefactiedatum": None,
        "hoofdzaak": None,
        "relevanteAndereZaken": [],
        "communicatiekanaal": "",
        "productenOfDiensten": [],
        "selectielijstklasse": "",
        "opdrachtgevendeOrganisatie": "",
        "processobjectaard": "",
        "startdatumBewaartermijn": None,
        "verlenging": None,
        "opschorting": {"indicatie": False, "reden": ""},
        "einddatumGepland": None,
        "uiterlijkeEinddatumAfdoening": None,
        "publicatiedatum": None,
        **body,
        "url": _url(store, f"zaken/{zaak_uuid}"),
        "uuid": zaak_uuid,
        "einddatum": None,
        "betalingsindicatieWeergave": "",
        "deelzaken": [],
        "status": None,
        "resultaat": None,
    }
    zaak["identificatie"] = zaak["identificatie"] or f"ZAAK-{volgnummer:010d}"
    store.zaken[zaak_uuid] = zaak
    return ok(_public(store, zaak), 201, {"Location": zaak["url"], **_CRS})


@router.get("/zaken")
async def list_zaken(request: Request) -> JSONResponse:
    store = store_of(request)
    items = list(store.zaken.values())
    for name in ("identificatie", "bronorganisatie", "zaaktype"):
        if name in request.query_params:
            items = [z for z in items if z.get(name) == request.query_params[name]]
    return ok(page(request, [_public(store, z) for z in items]), headers=_CRS)


@router.get("/zaken/{uuid}")
async def read_zaak(request: Request, uuid: str) -> JSONResponse:
    store = store_of(request)
    return ok(_public(store, get_or_404(store.zaken, uuid)), headers=_CRS)


# --- rollen -------------------------------------------------------------------------------------


@router.post("/rollen")
async def create_rol(request: Request) -> JSONResponse:
    store = store_of(request)
    body = await json_body(request)
    invalid = Invalid()
    v.required(body, invalid, "zaak", "roltype", "betrokkeneType", "roltoelichting")
    v.max_length(body, invalid, {"roltoelichting": 1000})
    v.one_of(body, invalid, "betrokkeneType", v.BETROKKENE_TYPEN)
    v.one_of(body, invalid, "indicatieMachtiging", ("gemachtigde", "machtiginggever", ""))
    zaak = _zaak_ref(store, body, invalid)
    roltype = store.find("roltypen", str(body.get("roltype", ""))) if body.get("roltype") else None
    if body.get("roltype") and (roltype is None or (zaak and roltype["zaaktype"] != zaak["zaaktype"])):
        invalid.add("roltype", "zaaktype-mismatch", "Het roltype hoort niet bij het zaaktype van de zaak.")
    identificatie = body.get("betrokkeneIdentificatie") or {}
    adres = identificatie.get("verblijfsadres") if isinstance(identificatie, dict) else None
    if isinstance(adres, dict):
        for name in ("aoaIdentificatie", "wplWoonplaatsNaam", "gorOpenbareRuimteNaam", "aoaHuisnummer"):
            if adres.get(name) in (None, ""):
                invalid.add(
                    f"betrokkeneIdentificatie.verblijfsadres.{name}", "required", "Dit veld is vereist."
                )
    invalid.raise_if_any()
    assert roltype is not None
    rol_uuid = new_uuid()
    rol = {
        "betrokkene": "",
        "indicatieMachtiging": "",
        "contactpersoonRol": None,
        **body,
        "url": _url(store, f"rollen/{rol_uuid}"),
        "uuid": rol_uuid,
        "omschrijving": roltype["omschrijving"],
        "omschrijvingGeneriek": roltype["omschrijvingGeneriek"],
        "registratiedatum": now_iso(),
        "statussen": [],
    }
    store.rollen[rol_uuid] = rol
    return ok(rol, 201, {"Location": rol["url"]})


@router.get("/rollen")
async def list_rollen(request: Request) -> JSONResponse:
    store = store_of(request)
    rollen = filtered(
        request,
        list(store.rollen.values()),
        _ROL_FILTERS,
        urls=("zaak", "betrokkene", "roltype"),
        choices={"betrokkeneType": v.BETROKKENE_TYPEN, "omschrijvingGeneriek": _ROLOMSCHRIJVINGEN_GENERIEK},
    )
    return ok(page(request, rollen))


@router.delete("/rollen/{uuid}")
async def delete_rol(request: Request, uuid: str) -> Response:
    """Zaken 1.5.1 rol_destroy: a rol cannot be changed, only destroyed and made anew. Refused
    (403) on a closed zaak, like every change."""
    store = store_of(request)
    rol = get_or_404(store.rollen, uuid)
    _zaak_ref(store, {"zaak": rol["zaak"]}, Invalid())
    del store.rollen[uuid]
    return Response(status_code=204)


# --- statussen ----------------------------------------------------------------------------------


@router.post("/statussen")
async def create_status(request: Request) -> JSONResponse:
    store = store_of(request)
    body = await json_body(request)
    invalid = Invalid()
    v.required(body, invalid, "zaak", "statustype", "datumStatusGezet")
    v.max_length(body, invalid, {"statustoelichting": 1000})
    v.is_datetime(body, invalid, "datumStatusGezet")
    zaak = _zaak_ref(store, body, invalid)
    statustype = (
        store.find("statustypen", str(body.get("statustype", ""))) if body.get("statustype") else None
    )
    if body.get("statustype") and (
        statustype is None or (zaak and statustype["zaaktype"] != zaak["zaaktype"])
    ):
        invalid.add(
            "statustype", "zaaktype-mismatch", "Het statustype hoort niet bij het zaaktype van de zaak."
        )
    invalid.raise_if_any()
    assert zaak is not None and statustype is not None
    for earlier in store.statussen.values():
        if earlier["zaak"] == zaak["url"]:
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
    zaak["status"] = status["url"]
    if statustype["isEindstatus"]:
        zaak["einddatum"] = datetime.fromisoformat(str(body["datumStatusGezet"])).date().isoformat()
    notificaties.status_gezet(request.app, status, zaak)  # kanaal "zaken", like Open Zaak
    return ok(status, 201, {"Location": status["url"]})


@router.get("/statussen")
async def list_statussen(request: Request) -> JSONResponse:
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
    return ok(page(request, statussen))


# --- zaakobjecten -------------------------------------------------------------------------------


@router.post("/zaakobjecten")
async def create_zaakobject(request: Request) -> JSONResponse:
    store = store_of(request)
    body = await json_body(request)
    invalid = Invalid()
    v.required(body, invalid, "zaak", "objectType")
    v.one_of(body, invalid, "objectType", v.OBJECT_TYPEN)
    v.max_length(body, invalid, {"relatieomschrijving": 80, "objectTypeOverige": 100})
    if body.get("objectType") == "overige" and not (
        body.get("objectTypeOverige") or body.get("objectTypeOverigeDefinitie")
    ):
        invalid.add("objectTypeOverige", "missing-object-type-overige", "Vereist als objectType overige is.")
    if not body.get("object") and not body.get("objectIdentificatie"):
        invalid.add("nonFieldErrors", "invalid-zaakobject", "object of objectIdentificatie is vereist.")
    ident = body.get("objectIdentificatie") or {}
    required_ident = {
        "adres": ("identificatie", "wplWoonplaatsNaam", "gorOpenbareRuimteNaam", "huisnummer"),
        "kadastrale_onroerende_zaak": ("kadastraleIdentificatie", "kadastraleAanduiding"),
    }.get(str(body.get("objectType")), ())
    for name in required_ident:
        if not isinstance(ident, dict) or ident.get(name) in (None, ""):
            invalid.add(f"objectIdentificatie.{name}", "required", "Dit veld is vereist.")
    _zaak_ref(store, body, invalid)
    invalid.raise_if_any()
    obj_uuid = new_uuid()
    obj = {
        "object": "",
        "relatieomschrijving": "",
        **body,
        "url": _url(store, f"zaakobjecten/{obj_uuid}"),
        "uuid": obj_uuid,
    }
    store.zaakobjecten[obj_uuid] = obj
    return ok(obj, 201, {"Location": obj["url"]})


@router.get("/zaakobjecten")
async def list_zaakobjecten(request: Request) -> JSONResponse:
    store = store_of(request)
    objecten = filtered(
        request,
        list(store.zaakobjecten.values()),
        {"zaak": "zaak", "object": "object", "objectType": "objectType"},
        urls=("zaak", "object"),
        choices={"objectType": v.OBJECT_TYPEN},
    )
    return ok(page(request, objecten))


# --- zaakeigenschappen --------------------------------------------------------------------------


def _check_eigenschap(
    store: ZgwStore, body: dict[str, Any], zaak_uuid: str, invalid: Invalid
) -> dict[str, Any]:
    v.required(body, invalid, "zaak", "eigenschap", "waarde")
    zaak = get_or_404(store.zaken, zaak_uuid)
    if body.get("zaak") and uuid_of(str(body["zaak"])) != zaak_uuid:
        invalid.add("zaak", "zaak-mismatch", "De zaak in de body is niet de zaak in de URL.")
    if zaak.get("einddatum"):
        raise Problem(403, "zaak-closed", "Je mag geen gegevens aanpassen van een gesloten zaak.")
    eigenschap = (
        store.find("eigenschappen", str(body.get("eigenschap", ""))) if body.get("eigenschap") else None
    )
    if body.get("eigenschap") and (eigenschap is None or eigenschap["zaaktype"] != zaak["zaaktype"]):
        invalid.add(
            "eigenschap", "zaaktype-mismatch", "De eigenschap hoort niet bij het zaaktype van de zaak."
        )
    if eigenschap is not None and isinstance(body.get("waarde"), str):
        lengte = int(eigenschap["specificatie"]["lengte"] or 0)
        if lengte and len(body["waarde"]) > lengte:
            invalid.add("waarde", "max_length", f"De waarde is langer dan {lengte} tekens.")
    invalid.raise_if_any()
    assert eigenschap is not None
    return eigenschap


@router.post("/zaken/{zaak_uuid}/zaakeigenschappen")
async def create_zaakeigenschap(request: Request, zaak_uuid: str) -> JSONResponse:
    store = store_of(request)
    body = await json_body(request)
    eigenschap = _check_eigenschap(store, body, zaak_uuid, Invalid())
    ze_uuid = new_uuid()
    ze = {
        **body,
        "url": _url(store, f"zaken/{zaak_uuid}/zaakeigenschappen/{ze_uuid}"),
        "uuid": ze_uuid,
        "naam": eigenschap["naam"],
    }
    store.zaakeigenschappen[ze_uuid] = ze
    return ok(ze, 201, {"Location": ze["url"]})


@router.get("/zaken/{zaak_uuid}/zaakeigenschappen")
async def list_zaakeigenschappen(request: Request, zaak_uuid: str) -> JSONResponse:
    store = store_of(request)
    zaak = get_or_404(store.zaken, zaak_uuid)
    return ok([e for e in store.zaakeigenschappen.values() if e["zaak"] == zaak["url"]])


@router.patch("/zaken/{zaak_uuid}/zaakeigenschappen/{uuid}")
async def update_zaakeigenschap(request: Request, zaak_uuid: str, uuid: str) -> JSONResponse:
    store = store_of(request)
    ze = get_or_404(store.zaakeigenschappen, uuid)
    body = await json_body(request)
    eigenschap = _check_eigenschap(store, {**ze, **body}, zaak_uuid, Invalid())
    ze.update({k: body[k] for k in ("waarde",) if k in body})
    ze["naam"] = eigenschap["naam"]
    return ok(ze)


# --- zaakinformatieobjecten ---------------------------------------------------------------------


@router.post("/zaakinformatieobjecten")
async def create_zaakinformatieobject(request: Request) -> JSONResponse:
    store = store_of(request)
    body = await json_body(request)
    invalid = Invalid()
    v.required(body, invalid, "zaak", "informatieobject")
    v.max_length(body, invalid, {"titel": 200, "beschrijving": 1000})
    zaak = _zaak_ref(store, body, invalid)
    document = body.get("informatieobject")
    if document and uuid_of(str(document)) not in store.documenten:
        invalid.add("informatieobject", "bad-url", "Het informatieobject bestaat niet.")
    if zaak and any(
        z["zaak"] == zaak["url"] and z["informatieobject"] == document
        for z in store.zaakinformatieobjecten.values()
    ):
        invalid.add(
            "nonFieldErrors", "unique", "De velden zaak, informatieobject moeten een unieke set zijn."
        )
    invalid.raise_if_any()
    zio_uuid = new_uuid()
    zio = {
        "titel": "",
        "beschrijving": "",
        "vernietigingsdatum": None,
        "status": None,
        **body,
        "url": _url(store, f"zaakinformatieobjecten/{zio_uuid}"),
        "uuid": zio_uuid,
        "aardRelatieWeergave": "Hoort bij, omgekeerd: kent",
        "registratiedatum": now_iso(),
    }
    store.zaakinformatieobjecten[zio_uuid] = zio
    return ok(zio, 201, {"Location": zio["url"]})


@router.get("/zaakinformatieobjecten")
async def list_zaakinformatieobjecten(request: Request) -> JSONResponse:
    store = store_of(request)
    fields = {"zaak": "zaak", "informatieobject": "informatieobject"}
    items = filtered(request, list(store.zaakinformatieobjecten.values()), fields, urls=tuple(fields))
    return ok(items)  # not paginated in Zaken 1.5.1


@router.patch("/zaakinformatieobjecten/{uuid}")
async def update_zaakinformatieobject(request: Request, uuid: str) -> JSONResponse:
    store = store_of(request)
    zio = get_or_404(store.zaakinformatieobjecten, uuid)
    body = await json_body(request)
    invalid = Invalid()
    v.max_length(body, invalid, {"titel": 200, "beschrijving": 1000})
    for fixed in ("zaak", "informatieobject"):
        if fixed in body and body[fixed] != zio[fixed]:
            invalid.add(fixed, "wijzigen-niet-toegelaten", "Dit veld mag niet gewijzigd worden.")
    invalid.raise_if_any()
    zio.update({k: body[k] for k in ("titel", "beschrijving", "vernietigingsdatum", "status") if k in body})
    return ok(zio)
