"""The `dso-gateway` command. Settings are built once here, from DSOGW_* variables.

Each command group has a module of its own that adds its sub-commands to the parser:
serve (demo, api, worker), check, reconcile, dead_letters (queue), stam, berichten, zgw,
users (users, tokens), deliver, harness, archive, db, logboek and sandbox. errors turns a
configuration mistake into one line naming the setting."""

from __future__ import annotations

import argparse
import sys

from pydantic import ValidationError

from gateway.cli.archive import add_archive_commands
from gateway.cli.berichten import add_berichten_commands
from gateway.cli.check import add_check_command
from gateway.cli.db import add_db_commands
from gateway.cli.dead_letters import add_queue_commands
from gateway.cli.deliver import add_deliver_command
from gateway.cli.errors import EXIT_CONFIG, explain, settings_error
from gateway.cli.harness import add_harness_commands
from gateway.cli.logboek import add_logboek_commands
from gateway.cli.reconcile import add_reconcile_command
from gateway.cli.sandbox import add_sandbox_group
from gateway.cli.serve import add_serve_commands
from gateway.cli.stam import add_stam_commands
from gateway.cli.users import add_user_commands
from gateway.cli.zgw import add_zgw_gateway_commands
from gateway.logging import configure_logging
from gateway.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dso-gateway", description="Omgevingswet DSO integration gateway")
    sub = parser.add_subparsers(dest="command", required=True)
    # In this order in --help.
    add_serve_commands(sub)
    add_check_command(sub)
    add_reconcile_command(sub)
    add_queue_commands(sub)
    add_stam_commands(sub)
    add_berichten_commands(sub)
    add_zgw_gateway_commands(sub)
    add_user_commands(sub)
    add_deliver_command(sub)
    add_harness_commands(sub)
    add_archive_commands(sub)
    add_db_commands(sub)
    add_logboek_commands(sub)
    add_sandbox_group(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"dso-gateway: {settings_error(exc)}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, settings.log_format)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        result: int = args.func(settings, args)
    except Exception as exc:
        # A configuration mistake is one line naming the setting; anything else is a bug.
        line = explain(exc, settings)
        if line is None:
            raise
        print(f"dso-gateway {args.command}: {line}", file=sys.stderr)
        return EXIT_CONFIG
    return result
