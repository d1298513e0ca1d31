"""Catalogi API 1.3.1 (read-only): catalogussen, zaaktypen, statustypen, roltypen,
informatieobjecttypen, eigenschappen."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from adapters.zgw.testserver.common import get_or_404, ok, page, store_of

router = APIRouter(prefix="/catalogi/api/v1")

_FILTERS = {
    "catalogussen": ("domein", "rsin"),
    "zaaktypen": ("catalogus", "identificatie"),
    "statustypen": ("zaaktype", "zaaktypeIdentificatie"),
    "roltypen": ("zaaktype", "zaaktypeIdentificatie", "omschrijvingGeneriek"),
    "informatieobjecttypen": ("catalogus", "omschrijving"),
    "eigenschappen": ("zaaktype", "zaaktypeIdentificatie"),
}
# The resources whose own concept flag (or their zaaktype's) the `status` filter looks at.
_CONCEPT_VIA_ZAAKTYPE = ("statustypen", "roltypen", "eigenschappen")


def _geldig(item: dict[str, Any], op: str) -> bool:
    begin, einde = item.get("beginGeldigheid"), item.get("eindeGeldigheid")
    d = date.fromisoformat(op)
    return not (begin and date.fromisoformat(begin) > d) and not (einde and date.fromisoformat(einde) < d)


def _list(request: Request, kind: str) -> JSONResponse:
    store = store_of(request)
    params = request.query_params
    items = list(store.catalogi[kind].values())
    for name in _FILTERS[kind]:
        if name in params:
            items = [i for i in items if str(i.get(name)) == params[name]]
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
