"""/login, /login/oidc, /login/oidc/callback and /logout for staff."""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.api.deps import container
from gateway.api.status_page import render
from gateway.auth.oidc import principal_from_claims
from gateway.auth.session import csrf_ok, login, logout
from gateway.auth.users import UserStore
from gateway.bootstrap import Container

router = APIRouter(include_in_schema=False)
log = structlog.get_logger(__name__)


def _login_page(request: Request, c: Container, fout: str | None = None, status: int = 200) -> Response:
    return render(
        request,
        "login.html",
        {"fout": fout, "oidc": request.app.state.oidc is not None},
        status_code=status,
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, c: Annotated[Container, Depends(container)]) -> Response:
    return _login_page(request, c)


@router.post("/login", response_class=HTMLResponse)
def login_local(
    request: Request,
    c: Annotated[Container, Depends(container)],
    gebruikersnaam: Annotated[str, Form(max_length=120)],
    wachtwoord: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not csrf_ok(request, csrf):
        return _login_page(request, c, "De sessie is verlopen; probeer het opnieuw.", 400)
    principal = UserStore(c.store.engine).authenticate(gebruikersnaam, wachtwoord)
    if principal is None:
        log.info("login-failed", via="local")
        return _login_page(request, c, "Gebruikersnaam of wachtwoord klopt niet.", 401)
    login(request, principal)
    log.info("login", user=principal.name, via="local")
    return RedirectResponse("/status", status_code=303)


@router.get("/login/oidc")
async def login_oidc(request: Request) -> Response:
    client = request.app.state.oidc
    if client is None:
        return RedirectResponse("/login", status_code=303)
    redirect_uri = str(request.url_for("oidc_callback"))
    response: Response = await client.authorize_redirect(request, redirect_uri)
    return response


@router.get("/login/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request, c: Annotated[Container, Depends(container)]) -> Response:
    client = request.app.state.oidc
    if client is None:
        return RedirectResponse("/login", status_code=303)
    try:
        token: dict[str, Any] = await client.authorize_access_token(request)
    except Exception as exc:  # noqa: BLE001 - authlib raises several unrelated types; all mean "no login"
        log.warning("login-failed", via="oidc", error=type(exc).__name__)
        return _login_page(request, c, "Inloggen bij de identity provider is mislukt.", 401)
    claims = dict(token.get("userinfo") or {})
    principal = principal_from_claims(claims, c.settings.oidc_roles_claim)
    login(request, principal)
    log.info("login", user=principal.name, via="oidc", roles=sorted(principal.roles))
    return RedirectResponse("/status", status_code=303)


@router.post("/logout")
def logout_route(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    if csrf_ok(request, csrf):
        logout(request)
    return RedirectResponse("/login", status_code=303)
