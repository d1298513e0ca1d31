"""Query parameters the API does not know are refused (400), not silently ignored: a typo such
as `?staus=failed` must not return every verzoek as if it had filtered. The same goes for a
parameter given twice. Dates are ISO days only."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def refuse_unknown_query_params(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    names = [name for name, _ in request.query_params.multi_items()]
    unknown = sorted(set(names) - _query_names(route.dependant))
    # Every parameter we have takes one value: `?type=a&type=b` would silently mean only b.
    repeated = sorted({name for name in names if names.count(name) > 1} - set(unknown))
    errors = [
        {"type": "extra_forbidden", "loc": ("query", n), "msg": "unknown", "input": None} for n in unknown
    ]
    errors += [{"type": "repeated", "loc": ("query", n), "msg": "repeated", "input": None} for n in repeated]
    if errors:
        raise RequestValidationError(errors)


def _error(kind: str, name: str) -> dict[str, Any]:
    return {"type": kind, "loc": ("query", name), "msg": kind, "input": None}


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _iso_day(value: Any) -> Any:
    # pydantic would read 0 or "1700000000" as a Unix time; a day is written 2026-03-14.
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        return value
    raise PydanticCustomError("date_parsing", "not an ISO day")


IsoDay = Annotated[date, BeforeValidator(_iso_day)]
