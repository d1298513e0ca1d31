"""Helpers shared by the test server's routers."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from adapters.zgw.testserver.problems import Invalid, Problem
from adapters.zgw.testserver.store import ZgwStore


def store_of(request: Request) -> ZgwStore:
    store: ZgwStore = request.app.state.zgw
    return store


def new_uuid() -> str:
    return str(uuid.uuid4())


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def has_body(request: Request) -> bool:
    """Open Zaak (DRF behind uwsgi without chunked input) reads a request without a
    Content-Length, or with 0, as having no body at all: every field is then missing."""
    length = request.headers.get("content-length")
    return length is not None and length.strip() not in ("", "0")


async def json_body(request: Request) -> dict[str, Any]:
    if not has_body(request):
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise Invalid(
            [{"name": "nonFieldErrors", "code": "parse_error", "reason": "Geen geldige JSON."}]
        ) from None
    if not isinstance(body, dict):
        raise Invalid([{"name": "nonFieldErrors", "code": "invalid", "reason": "Verwacht een object."}])
    return body


# Query parameters every paginated list accepts besides its filters.
PAGING = ("page", "pageSize")


def known_parameters(request: Request, *allowed: str) -> None:
    """Open Zaak refuses a list query with a parameter that is no filter of that list, rather
    than ignoring it (vng_api_common's CheckQueryParamsMixin)."""
    unknown = sorted(set(request.query_params) - set(allowed) - set(PAGING))
    if unknown:
        raise Invalid(
            [
                {
                    "name": "nonFieldErrors",
                    "code": "unknown-parameters",
                    "reason": f"Onbekende query parameters: {', '.join(unknown)}",
                }
            ]
        )


def uuid_of(url: str) -> str:
    return str(url).rstrip("/").rsplit("/", 1)[-1]


def get_or_404(items: dict[str, dict[str, Any]], key: str) -> dict[str, Any]:
    try:
        return items[key]
    except KeyError:
        raise Problem(404, "not_found", "Niet gevonden.") from None


def page(request: Request, items: list[dict[str, Any]]) -> dict[str, Any]:
    """One page of a paginated list, as Open Zaak answers it: `?page=N` (from 1), `page_size`
    items each, absolute `next`/`previous` links; a page past the end is a 404."""
    size = store_of(request).config.page_size
    raw_size = request.query_params.get("pageSize", "")
    if raw_size.isdigit() and int(raw_size) > 0:
        size = min(int(raw_size), 500)  # Open Zaak's maximum page size
    raw = request.query_params.get("page", "1")
    number = int(raw) if raw.isdigit() and int(raw) > 0 else 0
    last = max(1, -(-len(items) // size))
    if not 1 <= number <= last:
        raise Problem(404, "not_found", "Ongeldige pagina.")

    def link(n: int) -> str | None:
        return str(request.url.include_query_params(page=n)) if 1 <= n <= last else None

    return {
        "count": len(items),
        "next": link(number + 1),
        "previous": link(number - 1),
        "results": items[(number - 1) * size : number * size],
    }


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


Getter = Callable[[dict[str, Any]], Any]


def filtered(
    request: Request,
    items: list[dict[str, Any]],
    fields: Mapping[str, str | Getter],
    *,
    urls: tuple[str, ...] = (),
    choices: Mapping[str, tuple[str, ...]] | None = None,
    extra: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """The items matching every filter in the query string, as Open Zaak's django-filter sets do:
    a parameter the endpoint does not know is a 400 `unknown-parameters`; a malformed URL or an
    unknown choice is a 400 naming the parameter. `fields` maps a parameter to the item's field,
    or to a function of the item (nested values)."""
    params = request.query_params
    known_parameters(request, *fields, *extra)
    invalid = Invalid()
    for name in urls:
        value = params.get(name)
        if value is not None and not value.startswith(("http://", "https://")):
            invalid.add(name, "invalid", "Voer een geldige URL in.")
    for name, allowed in (choices or {}).items():
        value = params.get(name)
        if value is not None and value not in allowed:
            invalid.add(
                name, "invalid_choice", f"Selecteer een geldige keuze. {value} is geen beschikbare keuze."
            )
    invalid.raise_if_any()
    for name, field in fields.items():
        if name in params:
            get = _getter(field)
            items = [item for item in items if get(item) == params[name]]
    return items


def _getter(field: str | Getter) -> Getter:
    if isinstance(field, str):
        return lambda item: item.get(field)
    return field
