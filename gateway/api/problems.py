"""RFC 9457 problem details, as the NL API Design Rules want for every 4xx/5xx."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.errors import classify

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger(__name__)
# How a 401 tells the client what to send (RFC 9110 11.6.1): a Bearer API token.
WWW_AUTHENTICATE = 'Bearer realm="dso-gateway"'
TITLES = {
    400: "Ongeldige invoer",
    401: "Niet geauthenticeerd",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    406: "Niet aanvaardbaar",
    413: "Te groot",
    415: "Mediatype niet ondersteund",
    429: "Te veel verzoeken",
    500: "Interne fout",
    503: "Niet beschikbaar",
}
# A browser page for an error: (request, status, title, text) -> response. The status page
# installs it (gateway.api.status_page), so browsers get a page in its layout, tools get JSON.
HtmlErrorPage = Callable[[Request, int, str, str], Response]


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


RETRY_AFTER_SECONDS = 5  # what a 503 for a busy or briefly unreachable store asks callers to wait


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = Problem(title=title, status=status, detail=detail, instance=instance, **extra)
    all_headers = dict(headers or {})
    if status == 401:
        all_headers.setdefault("WWW-Authenticate", WWW_AUTHENTICATE)
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_JSON, headers=all_headers
    )


def page_error(text: str) -> HTMLResponse:
    """400 for a person at the status page: a Dutch page, not problem+json (the input guard
    answers a NUL with it too)."""
    return HTMLResponse(
        "<!doctype html><html lang=nl><meta charset=utf-8><title>Ongeldige invoer</title>"
        f"<h1>Ongeldige invoer</h1><p>{text} Pas de invoer aan en probeer het opnieuw.</p>"
        '<p><a href="/status">Terug naar het overzicht</a></p>',
        status_code=400,
    )


def _wants_html(request: Request) -> bool:
    """A person in a browser, not a tool: outside the API, and HTML accepted."""
    path = request.url.path
    if path.startswith(("/v1/", "/health", "/metrics")) or path == "/v1":
        return False
    return "text/html" in request.headers.get("accept", "")


def _html_page(request: Request) -> HtmlErrorPage | None:
    if not _wants_html(request):
        return None
    page: HtmlErrorPage | None = getattr(request.app.state, "html_error_page", None)
    return page


_REASONS = {
    "missing": "is verplicht",
    "int_parsing": "moet een geheel getal zijn",
    "int_type": "moet een geheel getal zijn",
    "float_parsing": "moet een getal zijn",
    "bool_parsing": "moet true of false zijn",
    "date_parsing": "moet een datum zijn (JJJJ-MM-DD)",
    "date_from_datetime_parsing": "moet een datum zijn (JJJJ-MM-DD)",
    "datetime_parsing": "moet een tijdstip zijn (RFC 3339)",
    "string_pattern_mismatch": "heeft niet de juiste vorm",
    "string_type": "moet tekst zijn",
    "json_invalid": "is geen geldige JSON",
    "extra_forbidden": "is geen bekende parameter",
    "repeated": "mag maar één keer voorkomen",
    "model_attributes_type": "moet een object zijn",
    "dict_type": "moet een object zijn",
    "list_type": "moet een lijst zijn",
    "greater_than_equal": "moet minstens {ge} zijn",
    "greater_than": "moet groter zijn dan {gt}",
    "less_than_equal": "mag hoogstens {le} zijn",
    "less_than": "moet kleiner zijn dan {lt}",
    "string_too_long": "mag hoogstens {max_length} tekens lang zijn",
    "string_too_short": "moet minstens {min_length} teken(s) lang zijn",
    "enum": "moet een van deze waarden zijn: {expected}",
    "literal_error": "moet een van deze waarden zijn: {expected}",
}


def dutch_reason(err: Mapping[str, Any]) -> str:
    """pydantic's validation message in Dutch (pydantic's own message is English)."""
    template = _REASONS.get(str(err.get("type", "")), "is ongeldig")
    try:
        return template.format(**(err.get("ctx") or {})).replace("'", "")
    except (KeyError, IndexError):
        return "is ongeldig"


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        return problem_response(exc.status, exc.title, exc.detail, instance=request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # The ADR wants 400 for invalid input (FastAPI's default is 422). The values are left
        # out of the answer: they may hold personal data.
        params = [
            {
                "name": ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")),
                "reason": dutch_reason(err),
            }
            for err in exc.errors()
        ]
        if page := _html_page(request):
            tekst = "Het adres of formulier bevat een ongeldige waarde: " + "; ".join(
                f"{p['name']} {p['reason']}" for p in params
            )
            return page(request, 400, "Ongeldige invoer", tekst + ".")
        if request.url.path.startswith(("/status", "/login", "/logout")):  # a person: a Dutch page
            return page_error("Een waarde in het adres of het formulier is ongeldig of te groot.")
        return problem_response(
            400,
            "Ongeldige invoer",
            "Een of meer parameters zijn ongeldig.",
            instance=request.url.path,
            invalidParams=params,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        status = exc.status_code
        title = TITLES.get(status, "Fout")
        headers = dict(exc.headers or {})  # Starlette puts Allow on its 405
        if page := _html_page(request):
            response = page(request, status, title, _page_text(status))
            response.headers.update(headers)
            return response
        detail = _dutch_detail(status, str(exc.detail))
        return problem_response(status, title, detail, instance=request.url.path, headers=headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        # Named by type only: a foreign message may quote input, and so a BSN.
        if classify(exc).retryable:
            # Busy or briefly unreachable (the store's write lock waited past its timeout, the
            # database restarting), not broken: a 503 with Retry-After tells DSO and other
            # callers to send it again.
            log.warning("api.unavailable", path=request.url.path, error=type(exc).__name__)
            headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            if page := _html_page(request):
                response = page(request, 503, TITLES[503], _page_text(503))
                response.headers.update(headers)
                return response
            return problem_response(
                503, TITLES[503], _page_text(503), instance=request.url.path, headers=headers
            )
        log.error("api.unhandled", path=request.url.path, error=type(exc).__name__)
        if page := _html_page(request):
            return page(request, 500, TITLES[500], _page_text(500))
        return problem_response(
            500, TITLES[500], "Er ging iets mis in de gateway.", instance=request.url.path
        )


def _dutch_detail(status: int, detail: str) -> str:
    # Starlette's own details are English phrases ("Not Found"); ours are Dutch already.
    english = {"Not Found", "Method Not Allowed", "Unauthorized", "Forbidden", "Internal Server Error"}
    return _page_text(status) if detail in english else detail


def _page_text(status: int) -> str:
    texts = {
        404: "Deze pagina bestaat niet. Controleer het adres, of ga terug naar het overzicht.",
        405: "Deze actie kan op dit adres niet. Ga terug naar het overzicht en probeer het opnieuw.",
        500: "Er ging iets mis in de gateway. Probeer het later opnieuw; blijft het misgaan, "
        "meld het dan bij technisch beheer.",
        503: "De gateway is even te druk of kan zijn opslag niet bereiken. Probeer het over enkele "
        "seconden opnieuw.",
    }
    return texts.get(status, "Dit verzoek kon niet worden uitgevoerd. Ga terug naar het overzicht.")
