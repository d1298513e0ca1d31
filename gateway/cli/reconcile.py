"""`dso-gateway reconcile`: take in the verzoeken DSO has that we were never notified of
(gateway/reconcile.py)."""

from __future__ import annotations

import argparse
from datetime import date

from gateway.settings import Settings


def add_reconcile_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rec = subparsers.add_parser("reconcile", help="take in verzoeken DSO has that were never notified")
    rec.add_argument(
        "--since", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: the configured lookback)"
    )
    rec.set_defaults(func=_cmd_reconcile)


def _cmd_reconcile(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from gateway.bootstrap import bootstrap
    from gateway.reconcile import reconcile

    since = (
        datetime.combine(args.since, datetime.min.time(), tzinfo=UTC)
        if args.since
        else datetime.now(UTC) - timedelta(days=settings.reconcile_lookback_days)
    )
    container = bootstrap(settings)
    try:
        result = reconcile(container.context, container.dso, since=since)
    finally:
        container.close()
    print(
        f"reconcile: {result.seen} verzoek version(s) at DSO since {since.date()}, {result.taken_in} taken in"
    )
    return 0
