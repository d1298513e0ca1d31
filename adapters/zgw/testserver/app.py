"""create_app(): the ZGW test server as one FastAPI app under Open Zaak's base paths."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from adapters.zgw.testserver import catalogi, documenten, notificaties, statussen, zaken
from adapters.zgw.testserver.auth import authenticate, remember
from adapters.zgw.testserver.config import ZgwTestServerConfig
from adapters.zgw.testserver.problems import Invalid, Problem, problem
from adapters.zgw.testserver.store import CATALOGI, DOCUMENTEN, ZAKEN, ZgwStore

# What Open Zaak 1.21.0 advertises (src/openzaak/conf/includes/api.py).
_VERSIONS = {ZAKEN: "1.5.1", DOCUMENTEN: "1.4.2", CATALOGI: "1.3.1"}
# Only Open Zaak's ZaakViewSet (GeoMixin) demands the CRS headers: /zaken, /zaken/{uuid} and
# /zaken/_zoek, with or without geometry; not zaakobjecten, rollen or zaakeigenschappen.
_CRS_PATH = re.compile(rf"^{ZAKEN}/zaken(/[^/]+)?/?$")


def _api_of(path: str) -> str | None:
    return next((base for base in _VERSIONS if path.startswith(base)), None)


def _check_crs(request: Request) -> Response | None:
    path = request.url.path
    if not _CRS_PATH.match(path) or request.method == "DELETE":
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
        title="ZGW test server (Zaken 1.5.1, Documenten 1.4.2, Catalogi 1.3.1)", docs_url=None, redoc_url=None
    )
    app.state.zgw = ZgwStore(config)
    app.include_router(catalogi.router)
    app.include_router(zaken.router)
    app.include_router(statussen.router)
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
        else:
            try:
                remember(request, authenticate(store.config, request.headers.get("Authorization")))
            except Problem as refused:
                response = problem(refused.status, refused.code, refused.detail, path)
            else:
                response = _check_crs(request) or await call_next(request)
            if fault is not None:  # handled (and stored), but the client never hears of it
                response = problem(fault.status, "injected_fault", "Antwoord verloren (test).", path)
        version = store.config.catalogi_version if api == CATALOGI else _VERSIONS[api]
        response.headers["API-version"] = version
        if _CRS_PATH.match(path):
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
