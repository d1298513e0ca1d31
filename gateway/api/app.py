"""The FastAPI application: DSO notification intake, the verzoeken API and the status page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware

from gateway.api import notifications, status_page, verzoeken
from gateway.api.openapi_doc import install_openapi
from gateway.api.problems import install_problem_handlers
from gateway.bootstrap import Container

API_VERSION = "1.0.0"


def create_app(container: Container) -> FastAPI:
    app = FastAPI(
        title="DSO integratie-gateway",
        version=API_VERSION,
        description="Neemt verzoeken van het Omgevingsloket (DSO-LV) in en registreert ze als zaak.",
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
    )
    app.state.container = container
    install_problem_handlers(app)
    app.include_router(notifications.router)
    app.include_router(verzoeken.router)
    app.include_router(status_page.router)
    # The ADR wants the OpenAPI document readable from anywhere; nothing else needs CORS.
    app.add_middleware(
        CORSMiddleware, allow_origins=["*"], allow_methods=["GET"], allow_headers=[], allow_credentials=False
    )

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers["API-Version"] = API_VERSION
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    install_openapi(app)
    return app
