"""Zaken API 1.5.1: zaken, rollen, statussen, zaakobjecten, zaakeigenschappen, zaakinformatieobjecten."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from adapters.zgw.testserver import validation as v
from adapters.zgw.testserver.auth import has_scope, readable, require, require_readable
from adapters.zgw.testserver.common import (
    filtered,
    get_or_404,
    json_body,
    known_parameters,
    new_uuid,
    now_iso,
    ok,
    page,
    store_of,
)
from adapters.zgw.testserver.problems import Invalid, Problem
from adapters.zgw.testserver.references import catalogus_type, fetchable, local_object
from adapters.zgw.testserver.store import ZAKEN, ZgwStore
from adapters.zgw.testserver.zaakregels import check_zaak_fields

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


# Open Zaak's scope sets per operation (src/openzaak/components/zaken/api/viewsets.py).
BIJWERKEN = ("zaken.bijwerken", "zaken.geforceerd-bijwerken")
AANMAKEN_OF_BIJWERKEN = ("zaken.aanmaken", *BIJWERKEN)
# The generic roles of which a zaak has at most one (RolOccurenceValidator).
_EENMALIGE_ROLLEN = ("initiator", "zaakcoordinator")


def zaak_ref(
    request: Request,
    store: ZgwStore,
    body: dict[str, Any],
    invalid: Invalid,
    *,
    writable: bool = True,
    sets_status: bool = False,
) -> dict[str, Any] | None:
    """The zaak a sub-resource points at. Sub-resources are authorised on their zaak's
    vertrouwelijkheid; a closed zaak (einddatum set) takes no changes without the scope
    zaken.geforceerd-bijwerken (Open Zaak's ClosedZaakMixin)."""
    zaak = local_object(store, store.zaken, body, invalid, "zaak", missing="does_not_exist")
    if zaak is None:
        return None
    require_readable(request, zaak.get("vertrouwelijkheidaanduiding"))
    if writable and zaak.get("einddatum") and not has_scope(request, "zaken.geforceerd-bijwerken"):
        raise Problem(403, "permission_denied", "You are not allowed to modify closed zaak data.")
    archiefstatus = zaak.get("archiefstatus", "nog_te_archiveren")
    if (writable or sets_status) and archiefstatus != "nog_te_archiveren":
        invalid.add(
            "nonFieldErrors",
            "zaak-archiefstatus-invalid",
            "Er zijn gerelateerde objecten die niet de archiefstatus `nog_te_archiveren` hebben.",
        )
    return zaak


def readable_items(request: Request, store: ZgwStore, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lists leave out what hangs under a zaak above the application's maximum."""

    def zaak_of(item: dict[str, Any]) -> dict[str, Any]:
        return store.zaken.get(str(item["zaak"]).rsplit("/", 1)[-1], {})

    return [i for i in items if readable(request, zaak_of(i).get("vertrouwelijkheidaanduiding"))]


def _public(store: ZgwStore, zaak: dict[str, Any]) -> dict[str, Any]:
    """A zaak with its read-only relation lists as the ZRC derives them."""
    url = zaak["url"]

    def urls(items: dict[str, dict[str, Any]]) -> list[str]:
        return [i["url"] for i in items.values() if i["zaak"] == url]

    return {
        **zaak,
        "_expand": {},  # Open Zaak's ExpandMixin puts it in every zaak answer
        "rollen": urls(store.rollen),
        "zaakobjecten": urls(store.zaakobjecten),
        "eigenschappen": urls(store.zaakeigenschappen),
        "zaakinformatieobjecten": urls(store.zaakinformatieobjecten),
    }


# --- zaken --------------------------------------------------------------------------------------

_ZAAK_FILTERS = {
    "identificatie": "identificatie",
    "bronorganisatie": "bronorganisatie",
    "zaaktype": "zaaktype",
}
# Zaken 1.5.1 GET /zaken: accepted, not filtered on by the test server.
_ZAAK_OTHER_PARAMETERS = (
    "bronorganisatie__in",
    "archiefnominatie",
    "archiefnominatie__in",
    "archiefactiedatum",
    "archiefactiedatum__lt",
    "archiefactiedatum__gt",
    "archiefactiedatum__isnull",
    "archiefstatus",
    "archiefstatus__in",
    "startdatum",
    "startdatum__gt",
    "startdatum__gte",
    "startdatum__lt",
    "startdatum__lte",
    "registratiedatum",
    "registratiedatum__gt",
    "registratiedatum__lt",
    "einddatum",
    "einddatum__gt",
    "einddatum__lt",
    "einddatum__isnull",
    "einddatumGepland",
    "einddatumGepland__gt",
    "einddatumGepland__lt",
    "uiterlijkeEinddatumAfdoening",
    "uiterlijkeEinddatumAfdoening__gt",
    "uiterlijkeEinddatumAfdoening__lt",
    "rol__betrokkeneType",
    "rol__betrokkene",
    "rol__omschrijvingGeneriek",
    "maximaleVertrouwelijkheidaanduiding",
    *(
        f"rol__betrokkeneIdentificatie__{g}__{n}"
        for g, (_, names) in _ROL_IDENTIFICATIE.items()
        for n in names
    ),
    "ordering",
    "expand",
)
_IMMUTABLE_ZAAK = ("zaaktype", "identificatie", "bronorganisatie")


def _new_identificatie(store: ZgwStore, body: dict[str, Any]) -> str:
    """Open Zaak's generator: ZAAK-<year of startdatum>-<10 digits>, unique per bronorganisatie."""
    try:
        year = date.fromisoformat(str(body.get("startdatum"))).year
    except ValueError:
        year = date.today().year
    taken, bron = store.zaak_identificaties, body["bronorganisatie"]
    with store.lock:
        number = len(store.zaken) + 1
        while (bron, f"ZAAK-{year}-{number:010d}") in taken:
            number += 1
    return f"ZAAK-{year}-{number:010d}"


def _identificatie_uniek(
    store: ZgwStore, body: dict[str, Any], invalid: Invalid, own: str | None = None
) -> None:
    identificatie = body.get("identificatie")
    holder = store.zaak_identificaties.get((str(body.get("bronorganisatie")), str(identificatie)))
    if identificatie and holder is not None and holder != own:
        invalid.add(
            "identificatie",
            "identificatie-niet-uniek",
            "Deze identificatie bestaat al voor deze bronorganisatie.",
        )


@router.post("/zaken")
async def create_zaak(request: Request) -> JSONResponse:
    require(request, "zaken.aanmaken")
    store = store_of(request)
    body = await json_body(request)
    invalid = Invalid()
    v.required(body, invalid, "zaaktype", "bronorganisatie", "verantwoordelijkeOrganisatie", "startdatum")
    v.max_length(body, invalid, {"identificatie": 40, "omschrijving": 80, "toelichting": 1000})
    v.rsin(body, invalid, "bronorganisatie", "verantwoordelijkeOrganisatie", "opdrachtgevendeOrganisatie")
    v.is_date(body, invalid, "startdatum", "registratiedatum", "einddatumGepland")
    v.one_of(body, invalid, "vertrouwelijkheidaanduiding", v.VERTROUWELIJKHEID)
    for index, kenmerk in enumerate(body.get("kenmerken") or []):
        for name in ("kenmerk", "bron"):
            value = kenmerk.get(name) if isinstance(kenmerk, dict) else None
            if not value:
                invalid.add(f"kenmerken.{index}.{name}", "required", "Dit veld is vereist.")
            elif len(value) > 40:
                invalid.add(f"kenmerken.{index}.{name}", "max_length", "Maximaal 40 karakters.")
    zaaktype = catalogus_type(store, body, invalid, "zaaktype", "zaaktypen", published=True)
    if zaaktype is not None and not set(body.get("productenOfDiensten") or []) <= set(
        zaaktype["productenOfDiensten"]
    ):
        invalid.add(
            "productenOfDiensten",
            "invalid-products-services",
            "Niet alle producten/diensten komen voor in de producten/diensten op het zaaktype.",
        )
    _identificatie_uniek(store, body, invalid)
    check_zaak_fields(store, body, invalid, zaaktype)
    await fetchable(store, body, invalid, "communicatiekanaal", "selectielijstklasse")
    invalid.raise_if_any()
    assert zaaktype is not None
    # Checked against the body's value; an omitted one is inherited below and only checked on read.
    require_readable(request, body.get("vertrouwelijkheidaanduiding"))
    zaak_uuid = new_uuid()
    zaak = {
        "omschrijving": "",
        "toelichting": "",
        "registratiedatum": date.today().isoformat(),
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
        "identificatie": body.get("identificatie") or _new_identificatie(store, body),
        "vertrouwelijkheidaanduiding": body.get("vertrouwelijkheidaanduiding")
        or zaaktype["vertrouwelijkheidaanduiding"],
        "url": _url(store, f"zaken/{zaak_uuid}"),
        "uuid": zaak_uuid,
        "einddatum": None,
        "betalingsindicatieWeergave": "",
        "deelzaken": [],
        "status": None,
        "resultaat": None,
    }
    store.zaken[zaak_uuid] = zaak
    store.zaak_identificaties[(zaak["bronorganisatie"], zaak["identificatie"])] = zaak_uuid
    return ok(_public(store, zaak), 201, {"Location": zaak["url"], **_CRS})


def _matching_zaken(request: Request, store: ZgwStore, criteria: dict[str, Any]) -> list[dict[str, Any]]:
    items = [z for z in store.zaken.values() if readable(request, z.get("vertrouwelijkheidaanduiding"))]
    for name, field in _ZAAK_FILTERS.items():
        if name in criteria:
            items = [z for z in items if z.get(field) == criteria[name]]
    if "uuid__in" in criteria:
        items = [z for z in items if z["uuid"] in criteria["uuid__in"]]
    return items


@router.get("/zaken")
async def list_zaken(request: Request) -> JSONResponse:
    require(request, "zaken.lezen")
    known_parameters(request, *_ZAAK_FILTERS, *_ZAAK_OTHER_PARAMETERS)
    store = store_of(request)
    items = _matching_zaken(request, store, dict(request.query_params))
    return ok(page(request, [_public(store, z) for z in items]), headers=_CRS)


@router.post("/zaken/_zoek")
async def search_zaken(request: Request) -> JSONResponse:
    """Zaken 1.5.1 zaak__zoek: the list filters in a JSON body; an empty body is refused."""
    require(request, "zaken.lezen")
    store = store_of(request)
    body = await json_body(request)
    if not body:
        raise Invalid(
            [
                {
                    "name": "nonFieldErrors",
                    "code": "empty_search_body",
                    "reason": "Zoekparameters zijn vereist.",
                }
            ]
        )
    items = _matching_zaken(request, store, body)
    return ok(page(request, [_public(store, z) for z in items]), headers=_CRS)


@router.get("/zaken/{uuid}")
async def read_zaak(request: Request, uuid: str) -> JSONResponse:
    require(request, "zaken.lezen")
    store = store_of(request)
    zaak = get_or_404(store.zaken, uuid)
    require_readable(request, zaak.get("vertrouwelijkheidaanduiding"))
    return ok(_public(store, zaak), headers=_CRS)


@router.patch("/zaken/{uuid}")
async def update_zaak(request: Request, uuid: str) -> JSONResponse:
    """PATCH: a closed zaak only with zaken.geforceerd-bijwerken (Open Zaak's perform_update)."""
    require(request, *BIJWERKEN)
    store = store_of(request)
    zaak = get_or_404(store.zaken, uuid)
    require_readable(request, zaak.get("vertrouwelijkheidaanduiding"))
    if zaak.get("einddatum") and not has_scope(request, "zaken.geforceerd-bijwerken"):
        raise Problem(403, "permission_denied", "Modifying a closed case with current scope is forbidden")
    body = await json_body(request)
    invalid = Invalid()
    for fixed in _IMMUTABLE_ZAAK:
        if fixed in body and body[fixed] != zaak[fixed]:
            invalid.add(fixed, "wijzigen-niet-toegelaten", "Dit veld mag niet gewijzigd worden.")
    v.max_length(body, invalid, {"omschrijving": 80, "toelichting": 1000})
    v.rsin(body, invalid, "verantwoordelijkeOrganisatie", "opdrachtgevendeOrganisatie")
    v.is_date(body, invalid, "startdatum", "registratiedatum", "einddatumGepland")
    v.one_of(body, invalid, "vertrouwelijkheidaanduiding", v.VERTROUWELIJKHEID)
    check_zaak_fields(store, body, invalid, store.find("zaaktypen", zaak["zaaktype"]), zaak)
    await fetchable(store, body, invalid, "communicatiekanaal", "selectielijstklasse")
    invalid.raise_if_any()
    read_only = ("url", "uuid", "einddatum", "status", "resultaat", "deelzaken", "rollen", "_expand")
    zaak.update({k: val for k, val in body.items() if k not in read_only})
    return ok(_public(store, zaak), headers=_CRS)


# --- rollen -------------------------------------------------------------------------------------


def _check_betrokkene(body: dict[str, Any], invalid: Invalid) -> None:
    identificatie = body.get("betrokkeneIdentificatie")
    if not body.get("betrokkene") and not identificatie:
        invalid.add(
            "nonFieldErrors", "invalid-betrokkene", "betrokkene of betrokkeneIdentificatie is vereist."
        )
    if not isinstance(identificatie, dict):
        return
    prefix = "betrokkeneIdentificatie."
    v.rsin(identificatie, invalid, "inpBsn", "innNnpId", prefix=prefix)
    limits = {"kvkNummer": 8, "vestigingsNummer": 24, "anpIdentificatie": 17, "annIdentificatie": 17}
    for name, limit in limits.items():
        value = identificatie.get(name)
        if isinstance(value, str) and len(value) > limit:
            invalid.add(
                f"{prefix}{name}",
                "max_length",
                f"Zorg ervoor dat dit veld niet meer dan {limit} karakters bevat.",
            )
    a_nummer = identificatie.get("inpA_nummer")
    if a_nummer and not re.fullmatch(r"[1-9][0-9]{9}", str(a_nummer)):
        invalid.add(f"{prefix}inpA_nummer", "a-nummer-incorrect-format", "Een A-nummer heeft 10 cijfers.")
    v.one_of(identificatie, invalid, "geslachtsaanduiding", ("m", "v", "o", ""), prefix=prefix)
    adres = identificatie.get("verblijfsadres")
    if isinstance(adres, dict):
        for name in ("aoaIdentificatie", "wplWoonplaatsNaam", "gorOpenbareRuimteNaam", "aoaHuisnummer"):
            if adres.get(name) in (None, ""):
                invalid.add(f"{prefix}verblijfsadres.{name}", "required", "Dit veld is vereist.")


def _check_contactpersoon(body: dict[str, Any], invalid: Invalid) -> None:
    contact = body.get("contactpersoonRol")
    if not isinstance(contact, dict):
        return
    if not contact.get("naam"):
        invalid.add("contactpersoonRol.naam", "required", "Dit veld is vereist.")
    email = contact.get("emailadres")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", str(email)):
        invalid.add("contactpersoonRol.emailadres", "invalid", "Voer een geldig e-mailadres in.")
    limits = {"naam": 200, "emailadres": 254, "functie": 50, "telefoonnummer": 20}
    v.max_length(contact, invalid, limits, prefix="contactpersoonRol.")


@router.post("/rollen")
async def create_rol(request: Request) -> JSONResponse:
    """Rol create needs zaken.bijwerken (or geforceerd-bijwerken), NOT zaken.aanmaken."""
    require(request, *BIJWERKEN)
    store = store_of(request)
    body = await json_body(request)
    invalid = Invalid()
    v.required(body, invalid, "zaak", "roltype", "betrokkeneType")
    v.max_length(body, invalid, {"roltoelichting": 1000, "afwijkendeNaamBetrokkene": 625})
    v.one_of(body, invalid, "betrokkeneType", v.BETROKKENE_TYPEN)
    v.one_of(body, invalid, "indicatieMachtiging", ("gemachtigde", "machtiginggever", ""))
    _check_betrokkene(body, invalid)
    _check_contactpersoon(body, invalid)
    zaak = zaak_ref(request, store, body, invalid)
    roltype = catalogus_type(store, body, invalid, "roltype", "roltypen")
    if zaak is not None and roltype is not None:
        if roltype["zaaktype"] != zaak["zaaktype"]:
            invalid.add(
                "nonFieldErrors",
                "zaaktype-mismatch",
                "De referentie hoort niet bij het zaaktype van de zaak.",
            )
        elif roltype["omschrijvingGeneriek"] in _EENMALIGE_ROLLEN and any(
            r["omschrijvingGeneriek"] == roltype["omschrijvingGeneriek"]
            for r in store.of_zaak("rollen", zaak["url"])
        ):
            invalid.add(
                "roltype",
                "max-occurences",
                f"Er is al een rol met omschrijvingGeneriek {roltype['omschrijvingGeneriek']} bij deze zaak.",
            )
    invalid.raise_if_any()
    assert roltype is not None
    rol_uuid = new_uuid()
    rol = {
        "betrokkene": "",
        "indicatieMachtiging": "",
        "roltoelichting": "",
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
    store.attach("rollen", rol)
    return ok(rol, 201, {"Location": rol["url"]})


@router.get("/rollen")
async def list_rollen(request: Request) -> JSONResponse:
    require(request, "zaken.lezen")
    store = store_of(request)
    rollen = filtered(
        request,
        list(store.rollen.values()),
        _ROL_FILTERS,
        urls=("zaak", "betrokkene", "roltype"),
        choices={"betrokkeneType": v.BETROKKENE_TYPEN, "omschrijvingGeneriek": _ROLOMSCHRIJVINGEN_GENERIEK},
    )
    return ok(page(request, readable_items(request, store, rollen)))


@router.get("/rollen/{uuid}")
async def read_rol(request: Request, uuid: str) -> JSONResponse:
    require(request, "zaken.lezen")
    store = store_of(request)
    rol = get_or_404(store.rollen, uuid)
    zaak_ref(request, store, {"zaak": rol["zaak"]}, Invalid(), writable=False)
    return ok(rol)


@router.delete("/rollen/{uuid}")
async def delete_rol(request: Request, uuid: str) -> Response:
    """Zaken 1.5.1 rol_destroy: a rol cannot be changed, only destroyed and made anew. Refused
    (403) on a closed zaak without zaken.geforceerd-bijwerken, like every change."""
    require(request, *BIJWERKEN)
    store = store_of(request)
    rol = get_or_404(store.rollen, uuid)
    zaak_ref(request, store, {"zaak": rol["zaak"]}, Invalid())
    del store.rollen[uuid]
    return Response(status_code=204)


# --- zaakobjecten -------------------------------------------------------------------------------


@router.post("/zaakobjecten")
async def create_zaakobject(request: Request) -> JSONResponse:
    require(request, *AANMAKEN_OF_BIJWERKEN)
    store = store_of(request)
    body = await json_body(request)
    invalid = Invalid()
    v.required(body, invalid, "zaak", "objectType")
    v.one_of(body, invalid, "objectType", v.OBJECT_TYPEN)
    v.max_length(body, invalid, {"relatieomschrijving": 80, "objectTypeOverige": 100})
    if body.get("objectType") == "overige" and not (
        body.get("objectTypeOverige") or body.get("objectTypeOverigeDefinitie")
    ):
        invalid.add("nonFieldErrors", "missing-object-type-overige", "Vereist als objectType overige is.")
    if body.get("objectType") not in (None, "overige") and body.get("objectTypeOverige"):
        invalid.add(
            "nonFieldErrors",
            "invalid-object-type-overige-usage",
            "objectTypeOverige mag alleen bij objectType overige.",
        )
    if not body.get("object") and not body.get("objectIdentificatie"):
        invalid.add("nonFieldErrors", "invalid-zaakobject", "object of objectIdentificatie is vereist.")
    ident = body.get("objectIdentificatie") or {}
    required_ident = {
        "adres": ("wplWoonplaatsNaam", "gorOpenbareRuimteNaam", "huisnummer"),
        "kadastrale_onroerende_zaak": ("kadastraleIdentificatie", "kadastraleAanduiding"),
        "overige": ("overigeData",),
    }.get(str(body.get("objectType")), ())
    if body.get("objectIdentificatie") is not None:
        for name in required_ident:
            if not isinstance(ident, dict) or ident.get(name) in (None, ""):
                invalid.add(f"objectIdentificatie.{name}", "required", "Dit veld is vereist.")
    zaak_ref(request, store, body, invalid)
    # The test server's zaaktypen have no zaakobjecttypen, so any one given cannot resolve.
    catalogus_type(store, body, invalid, "zaakobjecttype", "zaakobjecttypen")
    await fetchable(store, body, invalid, "object")
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
    require(request, "zaken.lezen")
    store = store_of(request)
    objecten = filtered(
        request,
        list(store.zaakobjecten.values()),
        {"zaak": "zaak", "object": "object", "objectType": "objectType"},
        urls=("zaak", "object"),
        choices={"objectType": v.OBJECT_TYPEN},
    )
    return ok(page(request, readable_items(request, store, objecten)))


# --- zaakeigenschappen --------------------------------------------------------------------------


def _check_eigenschap(
    request: Request, store: ZgwStore, body: dict[str, Any], zaak_uuid: str, invalid: Invalid
) -> dict[str, Any]:
    v.required(body, invalid, "zaak", "eigenschap", "waarde")
    get_or_404(store.zaken, zaak_uuid)
    zaak = zaak_ref(request, store, body, invalid)
    if zaak is not None and zaak["uuid"] != zaak_uuid:
        invalid.add("zaak", "zaak-mismatch", "De zaak in de body is niet de zaak in de URL.")
    eigenschap = catalogus_type(store, body, invalid, "eigenschap", "eigenschappen")
    if zaak is not None and eigenschap is not None and eigenschap["zaaktype"] != zaak["zaaktype"]:
        invalid.add(
            "nonFieldErrors", "zaaktype-mismatch", "De eigenschap hoort niet bij het zaaktype van de zaak."
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
    require(request, *BIJWERKEN)
    store = store_of(request)
    body = await json_body(request)
    eigenschap = _check_eigenschap(request, store, body, zaak_uuid, Invalid())
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
    require(request, "zaken.lezen")
    known_parameters(request)
    store = store_of(request)
    zaak = get_or_404(store.zaken, zaak_uuid)
    require_readable(request, zaak.get("vertrouwelijkheidaanduiding"))
    return ok([e for e in store.zaakeigenschappen.values() if e["zaak"] == zaak["url"]])


@router.patch("/zaken/{zaak_uuid}/zaakeigenschappen/{uuid}")
async def update_zaakeigenschap(request: Request, zaak_uuid: str, uuid: str) -> JSONResponse:
    require(request, *BIJWERKEN)
    store = store_of(request)
    ze = get_or_404(store.zaakeigenschappen, uuid)
    body = await json_body(request)
    invalid = Invalid()
    for fixed in ("zaak", "eigenschap"):
        if fixed in body and body[fixed] != ze[fixed]:
            invalid.add(fixed, "wijzigen-niet-toegelaten", "Dit veld mag niet gewijzigd worden.")
    invalid.raise_if_any()
    eigenschap = _check_eigenschap(request, store, {**ze, **body}, zaak_uuid, invalid)
    ze.update({k: body[k] for k in ("waarde",) if k in body})
    ze["naam"] = eigenschap["naam"]
    return ok(ze)


# --- zaakinformatieobjecten ---------------------------------------------------------------------


@router.post("/zaakinformatieobjecten")
async def create_zaakinformatieobject(request: Request) -> JSONResponse:
    require(request, *AANMAKEN_OF_BIJWERKEN)
    store = store_of(request)
    body = await json_body(request)
    invalid = Invalid()
    v.required(body, invalid, "zaak", "informatieobject")
    v.max_length(body, invalid, {"titel": 200, "beschrijving": 1000})
    zaak = zaak_ref(request, store, body, invalid)
    document = local_object(store, store.documenten, body, invalid, "informatieobject")
    if zaak is not None and document is not None:
        if (zaak["url"], document["url"]) in store.zio_paren:
            invalid.add(
                "nonFieldErrors", "unique", "De velden zaak, informatieobject moeten een unieke set zijn."
            )
        if not store.linked(zaak["zaaktype"], document["informatieobjecttype"]):
            invalid.add(
                "nonFieldErrors",
                "missing-zaaktype-informatieobjecttype-relation",
                "Het informatieobjecttype hoort niet bij het zaaktype van de zaak.",
            )
    invalid.raise_if_any()
    assert zaak is not None and document is not None  # raise_if_any: both were found
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
    store.zio_paren[(zaak["url"], document["url"])] = zio_uuid
    return ok(zio, 201, {"Location": zio["url"]})


@router.get("/zaakinformatieobjecten")
async def list_zaakinformatieobjecten(request: Request) -> JSONResponse:
    require(request, "zaken.lezen")
    store = store_of(request)
    fields = {"zaak": "zaak", "informatieobject": "informatieobject"}
    items = filtered(request, list(store.zaakinformatieobjecten.values()), fields, urls=tuple(fields))
    return ok(readable_items(request, store, items))  # not paginated in Zaken 1.5.1


@router.patch("/zaakinformatieobjecten/{uuid}")
async def update_zaakinformatieobject(request: Request, uuid: str) -> JSONResponse:
    require(request, *AANMAKEN_OF_BIJWERKEN)
    store = store_of(request)
    zio = get_or_404(store.zaakinformatieobjecten, uuid)
    zaak_ref(request, store, {"zaak": zio["zaak"]}, Invalid())
    body = await json_body(request)
    invalid = Invalid()
    v.max_length(body, invalid, {"titel": 200, "beschrijving": 1000})
    for fixed in ("zaak", "informatieobject"):
        if fixed in body and body[fixed] != zio[fixed]:
            invalid.add(fixed, "wijzigen-niet-toegelaten", "Dit veld mag niet gewijzigd worden.")
    invalid.raise_if_any()
    zio.update({k: body[k] for k in ("titel", "beschrijving", "vernietigingsdatum", "status") if k in body})
    return ok(zio)


# --- klantcontacten -----------------------------------------------------------------------------


@router.post("/klantcontacten")
async def create_klantcontact(request: Request) -> JSONResponse:
    """Like rol and resultaat: zaken.bijwerken (or geforceerd-bijwerken), not zaken.aanmaken."""
    require(request, *BIJWERKEN)
    store = store_of(request)
    body = await json_body(request)
    invalid = Invalid()
    v.required(body, invalid, "zaak", "datumtijd")
    v.max_length(body, invalid, {"identificatie": 14, "kanaal": 20, "onderwerp": 200, "toelichting": 1000})
    v.is_datetime(body, invalid, "datumtijd")
    zaak_ref(request, store, body, invalid)
    invalid.raise_if_any()
    contact_uuid = new_uuid()
    contact = {
        "identificatie": f"{len(store.klantcontacten) + 1:014d}",
        "kanaal": "",
        "onderwerp": "",
        "toelichting": "",
        **body,
        "url": _url(store, f"klantcontacten/{contact_uuid}"),
        "uuid": contact_uuid,
    }
    store.klantcontacten[contact_uuid] = contact
    return ok(contact, 201, {"Location": contact["url"]})


@router.get("/klantcontacten")
async def list_klantcontacten(request: Request) -> JSONResponse:
    require(request, "zaken.lezen")
    store = store_of(request)
    items = filtered(request, list(store.klantcontacten.values()), {"zaak": "zaak"}, urls=("zaak",))
    return ok(page(request, readable_items(request, store, items)))
