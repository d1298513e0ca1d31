"""`dso-gateway sandbox dso|zgw`: the DSO sandbox and the ZGW test server, each of which keeps
its own commands beside its code (dso_client/sandbox/cli.py, adapters/zgw/cli.py)."""

from __future__ import annotations

import argparse

from adapters.zgw.cli import add_zgw_commands
from dso_client.sandbox.cli import add_sandbox_commands


def add_sandbox_group(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sandbox = subparsers.add_parser("sandbox", help="the DSO sandbox and the ZGW test server")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", required=True)
    add_sandbox_commands(sandbox_sub)
    add_zgw_commands(sandbox_sub)
