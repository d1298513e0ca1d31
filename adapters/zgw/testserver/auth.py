"""Open Zaak's authorisation: the JWT (HS256, `iat` at most an hour old), the application a
client_id stands for, its scopes per operation and its maxVertrouwelijkheidaanduiding."""

from __future__ import annotations

import time

import jwt
from fastapi import Request

from adapters.zgw.testserver.config import Application, ZgwTestServerConfig
from adapters.zgw.testserver.problems import Problem
from adapters.zgw.testserver.validation import VERTROUWELIJKHEID

_SCOPE_KEY = "zgw.application"


def authenticate(config: ZgwTestServerConfig, header: str | None) -> Application:
    """The application behind the bearer token, or a 403 Problem with Open Zaak's code."""
    if not header or not header.startswith("Bearer "):
        raise Problem(403, "permission_denied", "Authenticatiegegevens zijn niet opgegeven.")
    token = header.removeprefix("Bearer ")
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
        header_alg = jwt.get_unverified_header(token).get("alg")
    except jwt.PyJWTError:
        raise Problem(403, "jwt-decode-error", "JWT kon niet gedecodeerd worden.") from None
    client_id = unverified.get("client_id")
    if not client_id:
        raise Problem(403, "missing-client-identifier", "Client identifier bestaat niet in JWT.")
    if not config.knows_client(str(client_id)):
        raise Problem(403, "invalid-client-identifier", "Client identifier is niet bekend.")
    application = config.application(str(client_id))
    if header_alg != "HS256":  # Open Zaak decodes with algorithms=["HS256"] only
        raise Problem(403, "invalid-jwt-signature", "Client credentials zijn niet geldig.")
    try:
        claims = jwt.decode(
            token,
            application.secret or config.secret,
            algorithms=["HS256"],
            # PyJWT (as pinned by Open Zaak) does not reject an `iat` in the future; Open Zaak only logs it.
            options={"verify_iat": False},
        )
    except jwt.InvalidSignatureError:
        raise Problem(403, "invalid-jwt-signature", "Client credentials zijn niet geldig.") from None
    except jwt.ExpiredSignatureError:
        raise Problem(403, "jwt-expiredsignatureerror", "Het JWT is verlopen (exp).") from None
    except jwt.ImmatureSignatureError:
        raise Problem(403, "jwt-immaturesignatureerror", "Het JWT is nog niet geldig (nbf).") from None
    except jwt.PyJWTError:
        raise Problem(403, "jwt-decode-error", "JWT kon niet gedecodeerd worden.") from None
    if "iat" not in claims:
        raise Problem(403, "jwt-missing-iat-claim", "The JWT used for this request does not contain 'iat'.")
    if time.time() - float(claims["iat"]) >= config.jwt_max_age_seconds:
        raise Problem(403, "jwt-expired", "The JWT used for this request is expired.")
    return application


def remember(request: Request, application: Application) -> None:
    request.scope[_SCOPE_KEY] = application


def application_of(request: Request) -> Application:
    application: Application = request.scope[_SCOPE_KEY]
    return application


def has_scope(request: Request, *scopes: str) -> bool:
    """True when the application has one of `scopes` (Open Zaak's `Scope | Scope`)."""
    return bool(application_of(request).scopes & set(scopes))


def require(request: Request, *scopes: str) -> None:
    if not has_scope(request, *scopes):
        raise Problem(403, "permission_denied", "U heeft geen toestemming om deze actie uit te voeren.")


def readable(request: Request, vertrouwelijkheidaanduiding: str | None) -> bool:
    """Within the application's maxVertrouwelijkheidaanduiding (rule 17 of the fact sheet)."""
    maximum = VERTROUWELIJKHEID.index(application_of(request).max_vertrouwelijkheidaanduiding)
    value = vertrouwelijkheidaanduiding or "openbaar"
    return value not in VERTROUWELIJKHEID or VERTROUWELIJKHEID.index(value) <= maximum


def require_readable(request: Request, vertrouwelijkheidaanduiding: str | None) -> None:
    if not readable(request, vertrouwelijkheidaanduiding):
        raise Problem(403, "permission_denied", "U heeft geen toestemming om deze actie uit te voeren.")
