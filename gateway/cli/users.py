"""`dso-gateway users ...` and `dso-gateway tokens ...`: local staff accounts for the status page
(the embedded default) and API tokens for other tools.

    users add NAME --role operator [--role privacy-officer] [--password-stdin]
    users list
    users disable NAME      # keeps the account (and its name on the timeline), refuses its login
    users remove NAME
    tokens add NAME --role viewer|operator
    tokens list
    tokens remove NAME

Without --password-stdin a random password is generated and printed once; a token is printed
once too, and only its SHA-256 is stored."""

from __future__ import annotations

import argparse
import secrets
import sys
from datetime import UTC, datetime

import sqlalchemy as sa

from gateway.api_tokens import TOKEN_ROLES, TokenError, TokenStore
from gateway.auth.principal import ROLES
from gateway.auth.schema import staff_users
from gateway.auth.users import UserError, UserStore
from gateway.settings import Settings
from gateway.store import create_engine

# An argon2 verify of this fails (not a hash), and no role means no access either.
_DISABLED_HASH = "!uitgeschakeld"


def add_user_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = subparsers.add_parser(
        "users", help="local staff accounts for the status page", description="Local staff accounts."
    )
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="create an account, or replace its password and roles")
    add.add_argument("name", help="the login name (letters, digits and . _ @ -)")
    add.add_argument("--role", action="append", choices=ROLES, required=True, help="repeat for more roles")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=_cmd_add)
    users_sub.add_parser("list", help="list account names").set_defaults(func=_cmd_list)
    disable = users_sub.add_parser(
        "disable", help="refuse the account's login, keep its name (use `users add` to enable it again)"
    )
    disable.add_argument("name", help="the login name")
    disable.set_defaults(func=_cmd_disable)
    remove = users_sub.add_parser("remove", help="delete the account")
    remove.add_argument("name", help="the login name")
    remove.set_defaults(func=_cmd_remove)

    tokens = subparsers.add_parser(
        "tokens",
        help="API tokens for other tools (Bearer); read-only unless made with --role operator",
        description="API tokens for /v1. The token is printed once; only its SHA-256 is stored.",
    )
    tokens_sub = tokens.add_subparsers(dest="tokens_command", required=True)
    tadd = tokens_sub.add_parser(
        "add", help="make a token (replaces one with the same name) and print it once"
    )
    tadd.add_argument("name", help="what the token is for, e.g. monitoring (letters, digits and . _ @ -)")
    tadd.add_argument(
        "--role", choices=TOKEN_ROLES, required=True, help="viewer: read only; operator: may also act"
    )
    tadd.set_defaults(func=_cmd_token_add)
    tokens_sub.add_parser("list", help="list token names, roles and when they were made").set_defaults(
        func=_cmd_token_list
    )
    tremove = tokens_sub.add_parser("remove", help="revoke a token")
    tremove.add_argument("name", help="the token's name")
    tremove.set_defaults(func=_cmd_token_remove)


def _engine(settings: Settings) -> sa.engine.Engine:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return create_engine(settings.effective_store_url)


def _store(settings: Settings) -> UserStore:
    return UserStore(_engine(settings))


def _cmd_add(settings: Settings, args: argparse.Namespace) -> int:
    generated = not args.password_stdin
    password = secrets.token_urlsafe(12) if generated else sys.stdin.readline().rstrip("\n")
    try:
        _store(settings).add(args.name, password, args.role)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"account {args.name} ({', '.join(sorted(set(args.role)))}) saved")
    if generated:
        print(f"password: {password}")
    return 0


def _cmd_list(settings: Settings, args: argparse.Namespace) -> int:
    store = _store(settings)
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(staff_users).order_by(staff_users.c.username)).all()
    for row in rows:
        state = "disabled" if row.password_hash == _DISABLED_HASH else row.roles.replace(",", ", ")
        print(f"{row.username}\t{state}")
    return 0


def _cmd_disable(settings: Settings, args: argparse.Namespace) -> int:
    store = _store(settings)
    with store.engine.begin() as conn:
        done = conn.execute(
            staff_users.update()
            .where(staff_users.c.username == args.name)
            .values(password_hash=_DISABLED_HASH, roles="", updated_at=datetime.now(UTC))
        ).rowcount
    if not done:
        print(f"error: no account {args.name}", file=sys.stderr)
        return 1
    print(f"account {args.name} disabled (its open sessions end when they expire or on logout)")
    return 0


def _cmd_remove(settings: Settings, args: argparse.Namespace) -> int:
    store = _store(settings)
    with store.engine.begin() as conn:
        done = conn.execute(staff_users.delete().where(staff_users.c.username == args.name)).rowcount
    if not done:
        print(f"error: no account {args.name}", file=sys.stderr)
        return 1
    print(f"account {args.name} removed")
    return 0


def _cmd_token_add(settings: Settings, args: argparse.Namespace) -> int:
    try:
        token = TokenStore(_engine(settings)).add(args.name, args.role)
    except TokenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"token {args.name} ({args.role}) saved; it is shown only now:")
    print(token)
    return 0


def _cmd_token_list(settings: Settings, args: argparse.Namespace) -> int:
    for token in TokenStore(_engine(settings)).list():
        print(f"{token.name}\t{token.role}\t{token.created_at.date().isoformat()}")
    return 0


def _cmd_token_remove(settings: Settings, args: argparse.Namespace) -> int:
    if not TokenStore(_engine(settings)).remove(args.name):
        print(f"error: no token {args.name}", file=sys.stderr)
        return 1
    print(f"token {args.name} removed")
    return 0
