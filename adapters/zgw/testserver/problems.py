"""Open Zaak style error answers: application/problem+json, 400 with invalidParams."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

_TITLES = {
    400: "Invalid input.",
    403: "U heeft geen toestemming om deze actie uit te voeren.",
    404: "Niet gevonden.",
    406: "Niet-ondersteunde Accept-Crs header.",
    409: "Conflict.",
    412: "Precondition failed",
    500: "Er is een serverfout opgetreden.",
}


class Invalid(Exception):
    """Collects field errors; raised once with all of them (ADR: report every error at once)."""

    def __init__(self, params: list[dict[str, str]] | None = None) -> None:
        super().__init__("invalid input")
        self.params = params or []

    def add(self, name: str, code: str, reason: str) -> None:
        self.params.append({"name": name, "code": code, "reason": reason})

    def raise_if_any(self) -> None:
        if self.params:
            raise self


class Problem(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def problem(
    status: int, code: str, detail: str, instance: str, invalid: list[dict[str, str]] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://zgw-testserver.local/ref/fouten/{code}/",
        "code": code,
        "title": _TITLES.get(status, "Fout"),
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if status == 400:
        body["invalidParams"] = invalid or []
    return JSONResponse(body, status_code=status, media_type="application/problem+json")
