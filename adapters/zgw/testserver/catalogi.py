"""Catalogi API 1.3.1 (read-only): catalogussen, zaaktypen, statustypen, roltypen,
informatieobjecttypen, eigenschappen, resultaattypen, zaaktype-informatieobjecttypen."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from adapters.zgw.testserver.auth import require
from adapters.zgw.testserver.common import get_or_404, known_parameters, ok, page, store_of

router = APIRouter(prefix="/catalogi/api/v1")

# Per list: query parameter -> the field it filters on (Catalogi 1.3.1).
_FILTERS: dict[str, dict[str, str]] = {
    "catalogussen": {"domein": "domein", "rsin": "rsin"},
    "zaaktypen": {"catalogus": "catalogus", "identificatie": "identificatie"},
    "statustypen": {"zaaktype": "zaaktype", "zaaktypeIdentificatie": "zaaktypeIdentificatie"},
    "roltypen": {
        "zaaktype": "zaaktype",
        "zaaktypeIdentificatie": "zaaktypeIdentificatie",
        "omschrijvingGeneriek": "omschrijvingGeneriek",
    },
    "informatieobjecttypen": {"catalogus": "catalogus", "omschrijving": "omschrijving"},
    "eigenschappen": {"zaaktype": "zaaktype", "zaaktypeIdentificatie": "zaaktypeIdentificatie"},
    "resultaattypen": {"zaaktype": "zaaktype", "zaaktype_identificatie": "zaaktypeIdentificatie"},
    "zaaktype-informatieobjecttypen": {
        "zaaktype": "zaaktype",
        "informatieobjecttype": "informatieobjecttype",
        "richting": "richting",
    },
}
# Accepted besides the filters above: `status` and `datumGeldigheid` are applied below, the
# rest has nothing to select (one catalogus, one published version of each type).
_OTHER_PARAMETERS: dict[str, tuple[str, ...]] = {
    "catalogussen": ("domein__in", "rsin__in"),
    "zaaktypen": ("trefwoorden", "status", "datumGeldigheid"),
    "statustypen": ("status", "datumGeldigheid"),
    "roltypen": ("status", "datumGeldigheid"),
    "informatieobjecttypen": ("status", "datumGeldigheid"),
    "eigenschappen": ("status", "datumGeldigheid"),
    "resultaattypen": ("status", "datum_geldigheid"),
    "zaaktype-informatieobjecttypen": ("status",),
}
# The resources whose own concept flag (or their zaaktype's) the `status` filter looks at.
_CONCEPT_VIA_ZAAKTYPE = (
    "statustypen",
    "roltypen",
    "eigenschappen",
    "resultaattypen",
    "zaaktype-informatieobjecttypen",
)


def _geldig(item: dict[str, Any], op: str) -> bool:
    begin, einde = item.get("beginGeldigheid"), item.get("eindeGeldigheid")
    d = date.fromisoformat(op)
    return not (begin and date.fromisoformat(begin) > d) and not (einde and date.fromisoformat(einde) < d)


def _list(request: Request, kind: str) -> JSONResponse:
    require(request, "catalogi.lezen")
    known_parameters(request, *_FILTERS[kind], *_OTHER_PARAMETERS[kind])
    store = store_of(request)
    params = request.query_params
    items = list(store.catalogi[kind].values())
    for name, field in _FILTERS[kind].items():
        if name in params:
            items = [i for i in items if str(i.get(field)) == params[name]]
    status = params.get("status", "definitief")
    if kind in ("zaaktypen", "informatieobjecttypen", *_CONCEPT_VIA_ZAAKTYPE) and status != "alles":
        want_concept = status == "concept"

        def concept(item: dict[str, Any]) -> bool:
            if kind in _CONCEPT_VIA_ZAAKTYPE:
                zaaktype = store.find("zaaktypen", item["zaaktype"]) or {}
                return bool(zaaktype.get("concept"))
            return bool(item.get("concept"))

        items = [i for i in items if concept(i) == want_concept]
    if "datumGeldigheid" in params and kind in ("zaaktypen", "informatieobjecttypen"):
        items = [i for i in items if _geldig(i, params["datumGeldigheid"])]
    return ok(page(request, items))


def _detail(request: Request, kind: str, uuid: str) -> JSONResponse:
    require(request, "catalogi.lezen")
    return ok(get_or_404(store_of(request).catalogi[kind], uuid))


def _register(kind: str) -> None:
    async def listing(request: Request) -> JSONResponse:
        return _list(request, kind)

    async def detail(request: Request, uuid: str) -> JSONResponse:
        return _detail(request, kind, uuid)

    router.add_api_route(f"/{kind}", listing, methods=["GET"], name=f"{kind}_list")
    router.add_api_route(f"/{kind}/{{uuid}}", detail, methods=["GET"], name=f"{kind}_read")


for _kind in _FILTERS:
    _register(_kind)
