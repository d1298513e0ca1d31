"""`dso-gateway archive purge`: retention of bijlagen and PDFs (gateway/retention.py)."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from gateway.settings import Settings


def _cmd_purge(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.retention import purge_archive
    from gateway.store import SqlStore

    days = args.older_than if args.older_than is not None else settings.archive_retention_days
    if days is None:
        print("archive purge: give --older-than DAYS or set DSOGW_ARCHIVE_RETENTION_DAYS")
        return 2
    store = SqlStore.from_url(settings.effective_store_url)
    try:
        result = purge_archive(store, older_than=timedelta(days=days), dry_run=args.dry_run)
    finally:
        store.close()
    verb = "would remove" if args.dry_run else "removed"
    print(
        f"archive purge: {verb} {result.files} file(s), {result.bytes / 1_000_000:.1f} MB, "
        f"of {result.verzoeken} verzoek(en) finished more than {days:g} days ago"
    )
    return 0


def add_archive_commands(subparsers: Any) -> None:
    archive = subparsers.add_parser("archive", help="the archive of fetched verzoeken")
    archive_sub = archive.add_subparsers(dest="archive_command", required=True)
    purge = archive_sub.add_parser(
        "purge", help="remove the bijlagen and PDFs of verzoeken finished longer ago than the retention"
    )
    purge.add_argument(
        "--older-than", type=float, default=None, metavar="DAYS", help="default: DSOGW_ARCHIVE_RETENTION_DAYS"
    )
    purge.add_argument("--dry-run", action="store_true", help="only say what would be removed")
    purge.set_defaults(func=_cmd_purge)
