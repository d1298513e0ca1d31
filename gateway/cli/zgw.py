"""`dso-gateway zgw abonneren`: create or update our abonnement at the ZGW Notificaties API."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gateway.errors import GatewayError


def add_zgw_gateway_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    zgw = subparsers.add_parser("zgw", help="the case system's ZGW APIs")
    sub = zgw.add_subparsers(dest="zgw_command", required=True)
    sub.add_parser(
        "abonneren", help="create or update our abonnement (kanaal zaken, our bronorganisatie, our callback)"
    ).set_defaults(func=_cmd_abonneren)


def _cmd_abonneren(settings: Any, args: argparse.Namespace) -> int:
    from adapters.errors import DeliveryError
    from gateway.abonnement import abonneren
    from gateway.bootstrap import build_zgw_client, load_municipal_mapping

    try:
        with build_zgw_client(settings) as client:
            result = abonneren(settings, client, load_municipal_mapping(settings))
    except (GatewayError, DeliveryError) as exc:
        print(f"dso-gateway zgw abonneren: {exc}", file=sys.stderr)
        return 1
    print(f"abonnement {result.actie}: {result.url}")
    return 0
