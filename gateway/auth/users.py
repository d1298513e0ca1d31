"""Local staff accounts with argon2id password hashes: the embedded default for the demo."""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from gateway.auth.principal import OPERATOR, PRIVACY_OFFICER, ROLES, Principal
from gateway.auth.schema import staff_users
from gateway.bootstrap import Container

_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,120}$")
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verifying against a real hash for unknown users keeps the answer time the same for both
    cases. Made on first use: an argon2 hash at import cost every `dso-gateway` process, the
    workers included, about 0.14 s of CPU at start."""
    return _hasher.hash(secrets.token_urlsafe(16))


class UserError(ValueError):
    """A user name or role that is not accepted."""


class UserStore:
    def __init__(self, engine: Engine, hasher: PasswordHasher | None = None) -> None:
        # `hasher` sets the argon2 cost of new hashes; verifying reads the cost from the hash.
        self.engine = engine
        self.hasher = hasher or _hasher
        staff_users.create(engine, checkfirst=True)

    def add(self, username: str, password: str, roles: Iterable[str]) -> None:
        """Create or replace the account `username`."""
        role_list = sorted(set(roles))
        if not _NAME.match(username):
            raise UserError("een gebruikersnaam bestaat uit letters, cijfers en . _ @ -")
        unknown = [r for r in role_list if r not in ROLES]
        if unknown or not role_list:
            raise UserError(f"rollen moeten uit {', '.join(ROLES)} komen")
        if len(password) < 8:
            raise UserError("een wachtwoord heeft minstens 8 tekens")
        now = datetime.now(UTC)
        values = {
            "password_hash": self.hasher.hash(password),
            "roles": ",".join(role_list),
            "updated_at": now,
        }
        with self.engine.begin() as conn:
            updated = conn.execute(
                staff_users.update().where(staff_users.c.username == username).values(**values)
            ).rowcount
            if not updated:
                conn.execute(staff_users.insert().values(username=username, created_at=now, **values))

    def authenticate(self, username: str, password: str) -> Principal | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(staff_users).where(staff_users.c.username == username)).first()
        try:
            _hasher.verify(row.password_hash if row else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        return Principal.of(row.username, row.roles.split(","), "local")

    def names(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(staff_users.c.username).order_by("username")).scalars())


DEMO_USERS = (
    ("demo", (OPERATOR, PRIVACY_OFFICER)),
    ("kijker", ("viewer",)),
)


def ensure_demo_users(container: Container) -> list[tuple[str, str]]:
    """Create the demo accounts with fresh random passwords; returns (name, password) to print.

    `demo` may act and see BSNs, `kijker` only reads (with masked BSNs)."""
    users = UserStore(container.store.engine)
    logins = []
    for name, roles in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        users.add(name, password, roles)
        logins.append((name, password))
    return logins
