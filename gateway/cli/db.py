"""`dso-gateway db upgrade|current`: the store's schema revision (gateway/store/migrate.py)."""

from __future__ import annotations

import argparse
from typing import Any

from gateway.settings import Settings


def add_db_commands(subparsers: Any) -> None:
    db = subparsers.add_parser("db", help="the store's schema: upgrade it, or say where it stands")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser(
        "upgrade",
        help="bring the store's schema to this release's head (any earlier state; again: no change)",
    ).set_defaults(func=_cmd_upgrade)
    db_sub.add_parser(
        "current", help="print the store's schema revision and this release's head"
    ).set_defaults(func=_cmd_current)


def _engine(settings: Settings) -> Any:
    from gateway.store.sql_store import create_engine

    return create_engine(settings.effective_store_url)


def _cmd_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    import logging

    from gateway.store import migrate

    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)  # "Running upgrade ..."

    engine = _engine(settings)
    try:
        before, after = migrate.upgrade(engine)
    finally:
        engine.dispose()
    if before.current == after.current:
        print(f"db: already {after.describe()}; nothing changed")
    else:
        print(f"db: upgraded from {before.describe()} to revision {after.current}")
    return 0


def _cmd_current(settings: Settings, _args: argparse.Namespace) -> int:
    from gateway.store import migrate

    engine = _engine(settings)
    try:
        found = migrate.state(engine)
    finally:
        engine.dispose()
    print(f"db: {found.describe()}")
    return 0 if found.at_head else 1
