"""`dso-gateway users ...`: local staff accounts for the status page (the embedded default).

    users add NAME --role operator [--role privacy-officer] [--password-stdin]
    users list

Without --password-stdin a random password is generated and printed once."""

from __future__ import annotations

import argparse
import secrets
import sys

from gateway.auth.principal import ROLES
from gateway.auth.users import UserError, UserStore
from gateway.settings import Settings
from gateway.store import create_engine


def add_user_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = subparsers.add_parser("users", help="local staff accounts for the status page")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="create an account, or replace its password and roles")
    add.add_argument("name")
    add.add_argument("--role", action="append", choices=ROLES, required=True, help="repeat for more roles")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=_cmd_add)
    users_sub.add_parser("list", help="list account names").set_defaults(func=_cmd_list)


def _store(settings: Settings) -> UserStore:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return UserStore(create_engine(settings.effective_store_url))


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
    for name in _store(settings).names():
        print(name)
    return 0
