"""Local accounts: argon2 hashes, validation, demo users."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gateway.auth.schema import staff_users
from gateway.auth.users import UserError, UserStore, ensure_demo_users
from gateway.bootstrap import Container


def test_password_is_stored_as_argon2_hash(container: Container) -> None:
    users = UserStore(container.store.engine)
    users.add("kees", "lang-genoeg-wachtwoord", ["viewer"])
    with container.store.engine.connect() as conn:
        stored = conn.execute(
            sa.select(staff_users.c.password_hash).where(staff_users.c.username == "kees")
        ).scalar_one()
    assert stored.startswith("$argon2id$") and "lang-genoeg" not in stored
    principal = users.authenticate("kees", "lang-genoeg-wachtwoord")
    assert principal is not None and principal.roles == frozenset({"viewer"}) and not principal.can_operate
    assert users.authenticate("kees", "verkeerd-wachtwoord") is None
    assert users.authenticate("niemand", "lang-genoeg-wachtwoord") is None


@pytest.mark.parametrize(
    ("name", "password", "roles"),
    [("a b", "lang-genoeg", ["viewer"]), ("kees", "kort", ["viewer"]), ("kees", "lang-genoeg", ["admin"])],
)
def test_rejected_accounts(container: Container, name: str, password: str, roles: list[str]) -> None:
    with pytest.raises(UserError):
        UserStore(container.store.engine).add(name, password, roles)


def test_demo_users(container: Container) -> None:
    logins = dict(ensure_demo_users(container))
    users = UserStore(container.store.engine)
    demo = users.authenticate("demo", logins["demo"])
    assert demo is not None and demo.can_operate and demo.sees_bsn
    kijker = users.authenticate("kijker", logins["kijker"])
    assert kijker is not None and not kijker.can_operate and not kijker.sees_bsn
