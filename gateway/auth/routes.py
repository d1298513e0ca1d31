"""/login, /login/oidc, /login/oidc/callback and /logout for staff."""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlencode

import structlog
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.api.deps import container
from gateway.api.status_page import render
from gateway.auth.oidc import principal_from_claims
from gateway.auth.session import csrf_ok, login, logout, session_principal
from gateway.auth.throttle import LoginThrottle, client_address
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
    throttle = LoginThrottle(c.store.engine)
    address = client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        c.settings.trusted_proxies,
    )
    wait = throttle.wait_seconds(gebruikersnaam, address)
    if wait:
        log.warning("login-throttled", via="local", wait=wait)
        response = _login_page(
            request,
            c,
            f"Te veel mislukte pogingen om in te loggen. Probeer het over {_duur(wait)} opnieuw.",
            429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    principal = UserStore(c.store.engine).authenticate(gebruikersnaam, wachtwoord)
    if principal is None:
        throttle.failed(gebruikersnaam, address)
        log.info("login-failed", via="local")
        return _login_page(request, c, "Gebruikersnaam of wachtwoord klopt niet.", 401)
    throttle.succeeded(gebruikersnaam, address)
    login(request, principal)
    log.info("login", user=principal.name, via="local")
    return RedirectResponse("/status", status_code=303)


def _duur(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconden"
    return f"{math.ceil(seconds / 60)} minuten"


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
async def logout_route(
    request: Request,
    c: Annotated[Container, Depends(container)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not csrf_ok(request, csrf):
        return RedirectResponse("/login", status_code=303)
    who = session_principal(request)
    logout(request)
    client = request.app.state.oidc
    if who is None or who.via != "oidc" or client is None:
        return RedirectResponse("/login", status_code=303)
    # Also end the session at the identity provider (OpenID Connect RP-Initiated Logout), or the
    # next "log in" on a shared counter PC silently logs the previous person in again.
    try:
        metadata: dict[str, Any] = await client.load_server_metadata()
    except Exception as exc:  # noqa: BLE001 - authlib/httpx raise several types; all mean "no IdP logout"
        log.warning("logout.idp_unreachable", error=type(exc).__name__)
        return RedirectResponse("/login", status_code=303)
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return RedirectResponse("/login", status_code=303)
    back = str(request.url_for("login_form"))
    query = urlencode({"client_id": c.settings.oidc_client_id, "post_logout_redirect_uri": back})
    return RedirectResponse(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", status_code=303)
