"""Who is logged in: the staff session (gateway/auth/server_session.py: kept on the server, the
cookie is an opaque id) or a Bearer API token (other tools).

The session holds the user name, roles, a CSRF token and the clerk's search filters; it lives
in the store, so none of it travels in a cookie. Logout deletes it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request

from gateway.api.deps import container
from gateway.api.problems import ProblemError
from gateway.api_tokens import TokenStore
from gateway.auth.principal import Principal
from gateway.bootstrap import Container

_USER = "user"
_CSRF = "csrf"


class LoginRequired(Exception):
    """An HTML page was asked for without a session; answered with a redirect to /login."""


class Forbidden(Exception):
    """An HTML page or action the user's roles do not allow."""


def login(request: Request, principal: Principal) -> None:
    # A fresh session on login: a session fixed before login must not survive it.
    request.session.clear()
    request.session[_USER] = {"name": principal.name, "roles": sorted(principal.roles), "via": principal.via}
    request.session[_CSRF] = secrets.token_urlsafe(32)


def logout(request: Request) -> None:
    request.session.clear()


def session_principal(request: Request) -> Principal | None:
    data = request.session.get(_USER) if "session" in request.scope else None
    if not isinstance(data, dict):
        return None
    return Principal.of(str(data.get("name")), data.get("roles") or (), str(data.get("via")))


def csrf_token(request: Request) -> str:
    token = request.session.get(_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[_CSRF] = token
    return token


def csrf_ok(request: Request, submitted: str | None) -> bool:
    expected = request.session.get(_CSRF)
    return isinstance(expected, str) and bool(submitted) and hmac.compare_digest(expected, submitted or "")


def token_principal(request: Request, c: Container) -> Principal | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    digest = hashlib.sha256(token.strip().encode()).hexdigest()
    # Compare with every configured digest in constant time, so timing tells nothing.
    matched = False
    for expected in c.settings.api_token_sha256:
        matched |= hmac.compare_digest(digest, expected.lower())
    if not matched:
        # Tokens made with `dso-gateway tokens add` (gateway.api_tokens): their own role.
        stored = TokenStore(c.store.engine, create=False).find(token)
        if stored is None:
            raise ProblemError(401, "Niet geauthenticeerd", "Het API-token is niet geldig.")
        return Principal.of("api-token " + stored.name, [stored.role], "token")
    return Principal.of("api-token-" + digest[:8], c.settings.api_token_roles, "token")


def api_principal(request: Request, c: Annotated[Container, Depends(container)]) -> Principal:
    """For /v1: a Bearer token, or the staff session (then writes need the CSRF header)."""
    principal = token_principal(request, c)
    if principal is None:
        principal = session_principal(request)
        unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
        if principal is not None and unsafe and not csrf_ok(request, request.headers.get("x-csrf-token")):
            raise ProblemError(403, "Geen toegang", "CSRF-token ontbreekt of is ongeldig.")
    if principal is None:
        raise ProblemError(401, "Niet geauthenticeerd", "Log in of stuur een geldig API-token mee.")
    if not principal.can_view:
        raise ProblemError(403, "Geen toegang", "Dit account heeft geen rol voor de gateway.")
    return principal


def api_operator(principal: Annotated[Principal, Depends(api_principal)]) -> Principal:
    if not principal.can_operate:
        raise ProblemError(403, "Geen toegang", "Voor deze actie is de rol operator nodig.")
    return principal


def page_principal(request: Request) -> Principal:
    principal = session_principal(request)
    if principal is None:
        raise LoginRequired()
    if not principal.can_view:
        raise Forbidden()
    return principal
