"""`dso-gateway logboek export`: the Logboek Dataverwerkingen as JSON lines (gateway/logboek)."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, date, datetime
from typing import Any

from gateway.settings import Settings


def _since(value: str) -> datetime:
    """YYYY-MM-DD (midnight UTC) or a full ISO 8601 time; a bad value is a clear usage error."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD) or ISO time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in this environment (a container)
        return "cli"


def _cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.logboek import exporteer, installeer
    from gateway.store import SqlStore

    store = SqlStore.from_url(settings.effective_store_url)
    try:
        installeer(settings, store)
        count = exporteer(store, sys.stdout, since=args.since, actor=_actor())
    finally:
        store.close()
    print(f"logboek export: {count} vastlegging(en) sinds {args.since.isoformat()}", file=sys.stderr)
    return 0


def add_logboek_commands(subparsers: Any) -> None:
    boek = subparsers.add_parser("logboek", help="the Logboek Dataverwerkingen (processing of personal data)")
    boek_sub = boek.add_subparsers(dest="logboek_command", required=True)
    export = boek_sub.add_parser(
        "export", help="write the records since a date as JSON lines to stdout (recorded as an export)"
    )
    export.add_argument("--since", type=_since, required=True, metavar="DATE", help="YYYY-MM-DD or ISO time")
    export.set_defaults(func=_cmd_export)
