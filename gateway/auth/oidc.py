"""OpenID Connect login against the municipality's identity provider (authlib).

Roles come from a configurable claim of the ID token / userinfo (a list or a space-separated
string); names that are not gateway roles are ignored."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gateway.auth.principal import Principal
from gateway.settings import Settings


def oidc_client(settings: Settings) -> Any:
    """authlib's Starlette client for the configured issuer, or None when OIDC is off."""
    if not settings.oidc_issuer:
        return None
    from authlib.integrations.starlette_client import OAuth  # type: ignore[import-untyped]

    oauth = OAuth()
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
    client = oauth.register(
        name="idp",
        client_id=settings.oidc_client_id,
        client_secret=secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile", "verify": settings.oidc_verify_tls},
    )
    return client


def principal_from_claims(claims: dict[str, Any], roles_claim: str) -> Principal:
    raw = claims.get(roles_claim) or ()
    roles: Iterable[str] = raw.split() if isinstance(raw, str) else [str(r) for r in raw]
    name = str(claims.get("preferred_username") or claims.get("email") or claims.get("sub"))
    return Principal.of(name, roles, "oidc")
