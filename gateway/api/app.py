"""The FastAPI application: DSO notification intake, the verzoeken API and the status page."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway import telemetry
from gateway.api import health, notifications, operations_api, status_page, verzoeken, zgw_notificaties
from gateway.api.input_guard import RefuseNul
from gateway.api.logboek_page import router as logboek_router
from gateway.api.openapi_adr import install_openapi
from gateway.api.problems import install_problem_handlers
from gateway.auth import routes as auth_routes
from gateway.auth.oidc import oidc_client
from gateway.auth.server_session import ServerSessionMiddleware, SessionStore
from gateway.auth.session import api_principal
from gateway.bootstrap import Container

API_VERSION = "1.0.0"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# The status page loads only its own CSS and JS; the Swagger UI at /v1/docs needs its CDN.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """Our headers on every HTTP response. Plain ASGI: @app.middleware("http") (Starlette's
    BaseHTTPMiddleware) runs every request through a task group and memory streams, which cost
    the notification intake about a third of its time per request."""

    def __init__(self, app: ASGIApp, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"] == "/v1/docs"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["API-Version"] = API_VERSION
                headers.setdefault("Cache-Control", "no-store")
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Content-Security-Policy"] = "frame-ancestors 'none'" if docs else PAGE_CSP
                headers["Referrer-Policy"] = "no-referrer"
                if self.hsts:
                    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(container: Container) -> FastAPI:
    settings = container.settings
    app = FastAPI(
        title="DSO integratie-gateway",
        version=API_VERSION,
        description="Neemt verzoeken van het Omgevingsloket (DSO-LV) in en registreert ze als zaak.",
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
    )
    app.state.container = container
    app.state.oidc = oidc_client(settings)
    install_problem_handlers(app)
    status_page.install_page_handlers(app)
    # The DSO notification endpoint has its own (mTLS) protection; everything else needs a login.
    app.include_router(health.router)
    app.include_router(notifications.router)
    app.include_router(zgw_notificaties.router)  # its own check: the abonnement's auth header
    app.include_router(verzoeken.router, dependencies=[Depends(api_principal)])
    app.include_router(operations_api.router)
    app.include_router(auth_routes.router)
    app.include_router(status_page.router)
    app.include_router(logboek_router)  # privacy officers only
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # The ADR wants the OpenAPI document readable from anywhere; nothing else needs CORS.
    app.add_middleware(
        CORSMiddleware, allow_origins=["*"], allow_methods=["GET"], allow_headers=[], allow_credentials=False
    )
    app.add_middleware(
        ServerSessionMiddleware,
        store=SessionStore(container.store.engine, settings.session_max_age),
        https_only=settings.session_secure_cookie,
    )
    app.add_middleware(RefuseNul)  # outside the session: no handler or session ever sees a NUL

    app.add_middleware(SecurityHeaders, hsts=settings.session_secure_cookie)

    install_openapi(app)
    telemetry.instrument_app(app)  # only when tracing is configured
    return app
