"""API tokens for other tools, kept as SHA-256 digests in the store (never the token itself).

`dso-gateway tokens add NAME --role viewer|operator` makes one and prints it once. A token can
read only, unless it was made with the operator role: a monitoring tool must not be able to
retry, replay or close verzoeken by accident. DSOGW_API_TOKEN_SHA256 (configured digests) keeps
working, with the roles of DSOGW_API_TOKEN_ROLES (default: viewer, read-only)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Column, DateTime, String, Table
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from gateway.auth.principal import OPERATOR, VIEWER
from gateway.store.schema import metadata

TOKEN_ROLES = (VIEWER, OPERATOR)
_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,120}$")

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("name", String(120), primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class TokenError(ValueError):
    """A token name or role that is not accepted."""


@dataclass(frozen=True)
class ApiToken:
    name: str
    role: str
    created_at: datetime


def digest(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


class TokenStore:
    def __init__(self, engine: Engine, *, create: bool = True) -> None:
        # create=False on the request path: no DDL round trip per API call.
        self.engine = engine
        if create:
            api_tokens.create(engine, checkfirst=True)

    def add(self, name: str, role: str) -> str:
        """Create (or replace) the token NAME; returns the token, which is shown only now."""
        if not _NAME.match(name):
            raise TokenError("een tokennaam bestaat uit letters, cijfers en . _ @ -")
        if role not in TOKEN_ROLES:
            raise TokenError(f"de rol van een token is {' of '.join(TOKEN_ROLES)}")
        token = "dsogw_" + secrets.token_urlsafe(32)
        values = {"sha256": digest(token), "role": role, "created_at": datetime.now(UTC)}
        with self.engine.begin() as conn:
            conn.execute(api_tokens.delete().where(api_tokens.c.name == name))
            conn.execute(api_tokens.insert().values(name=name, **values))
        return token

    def remove(self, name: str) -> bool:
        with self.engine.begin() as conn:
            return bool(conn.execute(api_tokens.delete().where(api_tokens.c.name == name)).rowcount)

    def list(self) -> list[ApiToken]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(api_tokens).order_by(api_tokens.c.name)).all()
        return [ApiToken(r.name, r.role, r.created_at) for r in rows]

    def find(self, token: str) -> ApiToken | None:
        """The token's record, or None. Looked up by digest (the index), then compared in
        constant time, so the answer time says nothing about how close a guess was."""
        wanted = digest(token)
        try:
            with self.engine.connect() as conn:
                row = conn.execute(sa.select(api_tokens).where(api_tokens.c.sha256 == wanted)).first()
        except DBAPIError:  # no token was ever made here: the table may not exist yet
            return None
        if row is None or not hmac.compare_digest(row.sha256, wanted):
            return None
        return ApiToken(row.name, row.role, row.created_at)
