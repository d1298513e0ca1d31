"""Helpers shared by the test server's routers."""

from __future__ import annotations

import uuid
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


async def json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise Invalid(
            [{"name": "nonFieldErrors", "code": "parse_error", "reason": "Geen geldige JSON."}]
        ) from None
    if not isinstance(body, dict):
        raise Invalid([{"name": "nonFieldErrors", "code": "invalid", "reason": "Verwacht een object."}])
    return body


def uuid_of(url: str) -> str:
    return str(url).rstrip("/").rsplit("/", 1)[-1]


def get_or_404(items: dict[str, dict[str, Any]], key: str) -> dict[str, Any]:
    try:
        return items[key]
    except KeyError:
        raise Problem(404, "not_found", "Niet gevonden.") from None


def page(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"count": len(items), "next": None, "previous": None, "results": items}


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)
