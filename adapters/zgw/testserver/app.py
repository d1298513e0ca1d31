"""create_app(): the ZGW test server as one FastAPI app under Open Zaak's base paths."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import jwt
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from adapters.zgw.testserver import catalogi, documenten, notificaties, zaken
from adapters.zgw.testserver.config import ZgwTestServerConfig
from adapters.zgw.testserver.problems import Invalid, Problem, problem
from adapters.zgw.testserver.store import CATALOGI, DOCUMENTEN, ZAKEN, ZgwStore

_VERSIONS = {ZAKEN: "1.5.1", DOCUMENTEN: "1.4.3", CATALOGI: "1.3.1"}
# Resources carrying geometry: Open Zaak demands the CRS headers on them (412 without).
_CRS_PATHS = (f"{ZAKEN}/zaken", f"{ZAKEN}/zaakobjecten")


def _api_of(path: str) -> str | None:
    return next((base for base in _VERSIONS if path.startswith(base)), None)


def _check_jwt(config: ZgwTestServerConfig, header: str | None) -> str | None:
    """None when the token is fine, else why not (never echoing the token)."""
    if not header or not header.startswith("Bearer "):
        return "Authenticatiegegevens zijn niet opgegeven."
    try:
        claims = jwt.decode(
            header.removeprefix("Bearer "),
            config.secret,
            algorithms=["HS256"],
            options={"require": ["iat", "client_id"], "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        return f"Ongeldige JWT: {type(exc).__name__}."
    age = time.time() - float(claims["iat"])
    if age > config.jwt_max_age_seconds or age < -60:
        return "De JWT is verlopen of nog niet geldig (iat)."
    if config.client_ids and claims["client_id"] not in config.client_ids:
        return "Onbekende client_id."
    return None


def _check_crs(request: Request) -> Response | None:
    path = request.url.path
    if not path.startswith(_CRS_PATHS):
        return None
    needed = ["Accept-Crs"] + (["Content-Crs"] if request.method in ("POST", "PUT", "PATCH") else [])
    for name in needed:
        value = request.headers.get(name)
        if value is None:
            return problem(412, "precondition_failed", f"'{name}' header ontbreekt", path)
        if value != "EPSG:4326":
            return problem(406, "not_acceptable", f"CRS '{value}' is niet ondersteund", path)
    return None


def create_app(config: ZgwTestServerConfig | None = None) -> FastAPI:
    config = config or ZgwTestServerConfig()
    app = FastAPI(
        title="ZGW test server (Zaken 1.5.1, Documenten 1.4.3, Catalogi 1.3.1)", docs_url=None, redoc_url=None
    )
    app.state.zgw = ZgwStore(config)
    app.include_router(catalogi.router)
    app.include_router(zaken.router)
    app.include_router(documenten.router)
    notificaties.install(app, config.secret)  # Notificaties API 1.0.0 (kanaal "zaken": statussen)

    @app.middleware("http")
    async def gate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        path = request.url.path
        api = _api_of(path)
        if api is None:
            return await call_next(request)
        # Looked up per request so that tests can swap in a fresh store between cases.
        store: ZgwStore = request.app.state.zgw
        store.seed(str(request.base_url))
        fault = store.take_fault(request.method, path)
        if fault is not None and not fault.after_handling:
            response: Response = problem(
                fault.status, "injected_fault", "Fout ingespoten door de test.", path
            )
        elif (why := _check_jwt(store.config, request.headers.get("Authorization"))) is not None:
            response = problem(403, "not_authenticated", why, path)
        else:
            response = _check_crs(request) or await call_next(request)
            if fault is not None:  # handled (and stored), but the client never hears of it
                response = problem(fault.status, "injected_fault", "Antwoord verloren (test).", path)
        version = store.config.catalogi_version if api == CATALOGI else _VERSIONS[api]
        response.headers["API-version"] = version
        if api == ZAKEN and path.startswith(_CRS_PATHS):
            response.headers.setdefault("Content-Crs", "EPSG:4326")
        return response

    @app.exception_handler(Invalid)
    async def invalid(request: Request, exc: Invalid) -> JSONResponse:
        return problem(400, "invalid", "Ongeldige invoer.", request.url.path, exc.params)

    @app.exception_handler(Problem)
    async def failed(request: Request, exc: Problem) -> JSONResponse:
        return problem(exc.status, exc.code, exc.detail, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        params = [
            {"name": ".".join(str(p) for p in e["loc"][1:]), "code": str(e["type"]), "reason": str(e["msg"])}
            for e in exc.errors()
        ]
        return problem(400, "invalid", "Ongeldige invoer.", request.url.path, params)

    @app.get("/_testserver/counts", include_in_schema=False)
    async def counts(request: Request) -> dict[str, int]:
        """Inspection for tests and demos: how many of each resource the server holds."""
        return store_of(request.app).counts()

    return app


def store_of(app: FastAPI) -> ZgwStore:
    """The Python accessor for tests: the app's store (counts, faults, stored objects)."""
    result: ZgwStore = app.state.zgw
    return result
