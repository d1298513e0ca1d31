"""RFC 9457 problem details, as the NL API Design Rules want for every 4xx/5xx."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    invalidParams: list[dict[str, str]] | None = None


class ProblemError(Exception):
    def __init__(self, status: int, title: str, detail: str | None = None) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail


def problem_response(
    status: int, title: str, detail: str | None = None, *, instance: str | None = None, **extra: Any
) -> JSONResponse:
    body = Problem(title=title, status=status, detail=detail, instance=instance, **extra)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_JSON)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc.status, exc.title, exc.detail, instance=request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith(("/status", "/login", "/logout")):  # a person: a Dutch page
            from gateway.api.input_guard import page_error

            return page_error("Een waarde in het adres of het formulier is ongeldig of te groot.")
        # The ADR wants 400 for invalid input (FastAPI's default is 422). The values are left
        # out of the answer: they may hold personal data.
        params = [
            {
                "name": ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")),
                "reason": str(err.get("msg", "ongeldig")),
            }
            for err in exc.errors()
        ]
        return problem_response(
            400,
            "Ongeldige invoer",
            "Een of meer parameters zijn ongeldig.",
            instance=request.url.path,
            invalidParams=params,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            404: "Niet gevonden",
            405: "Methode niet toegestaan",
            401: "Niet geauthenticeerd",
            403: "Geen toegang",
        }
        return problem_response(
            exc.status_code, titles.get(exc.status_code, "Fout"), str(exc.detail), instance=request.url.path
        )
