"""`dso-gateway stam ...`: look at a STAM message the way the gateway sees it.

    stam parse FILE                                  the canonical Verzoek as JSON
    stam map FILE --to zgw|stuf-zkn [--mapping YAML]  the ZgwPlan JSON or the StUF-ZKN XML

A message we reject exits with code 2 and one line on stderr (no traceback); that line never
holds personal data (StamError messages do not)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from stam_mapping import StamError, Verzoek, canonical_json, parse_verzoek
from stam_mapping.mapping import MunicipalMapping, default_mapping, load_mapping

EXIT_REJECTED = 2


def add_stam_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stam = subparsers.add_parser("stam", help="parse and map STAM verzoekberichten")
    stam_sub = stam.add_subparsers(dest="stam_command", required=True)

    parse = stam_sub.add_parser("parse", help="print the canonical verzoek as JSON")
    parse.add_argument("file", type=Path, help="a STAM verzoek XML file")
    parse.set_defaults(func=_cmd_parse)

    map_ = stam_sub.add_parser("map", help="print what the verzoek becomes in the case system")
    map_.add_argument("file", type=Path, help="a STAM verzoek XML file")
    map_.add_argument("--to", choices=("zgw", "stuf-zkn"), required=True, help="the target to map to")
    map_.add_argument("--mapping", type=Path, default=None, help="municipal mapping YAML (default: settings)")
    map_.add_argument(
        "--previous", type=Path, default=None, help="the previous version (Aanvullen: print only the diff)"
    )
    map_.add_argument(
        "--registratiedatum", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)"
    )
    map_.add_argument(
        "--zaak-identificatie", default=None, help="StUF: zaak identificatie (default: DSO-<nr>)"
    )
    map_.set_defaults(func=_cmd_map)


def _fail(message: str) -> int:
    print(f"dso-gateway stam: {message}", file=sys.stderr)
    return EXIT_REJECTED


def _read(path: Path) -> Verzoek:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StamError(f"cannot read {path} ({exc.strerror or type(exc).__name__})") from exc
    return parse_verzoek(data)


def _cmd_parse(settings: Any, args: argparse.Namespace) -> int:
    try:
        verzoek = _read(args.file)
    except StamError as exc:
        return _fail(f"{args.file}: {exc}")
    sys.stdout.write(canonical_json(verzoek))
    return 0


def _mapping(settings: Any, args: argparse.Namespace) -> MunicipalMapping:
    path = args.mapping or getattr(settings, "mapping_file", None)
    return load_mapping(path) if path else default_mapping()


def _cmd_map(settings: Any, args: argparse.Namespace) -> int:
    try:
        mapping = _mapping(settings, args)
        verzoek = _read(args.file)
        previous = _read(args.previous) if args.previous else None
        if args.to == "zgw":
            from stam_mapping.zgw import build_zgw_plan

            plan = build_zgw_plan(verzoek, mapping, previous, registratiedatum=args.registratiedatum)
            sys.stdout.write(canonical_json(plan))
        else:
            from stam_mapping.stuf import Stuurgegevens, build_creeer_zaak_lk01

            xml = build_creeer_zaak_lk01(
                verzoek,
                mapping,
                zaak_identificatie=args.zaak_identificatie or f"DSO-{verzoek.verzoeknummer}",
                stuurgegevens=Stuurgegevens(),
            )
            sys.stdout.write(xml.decode("utf-8") + "\n")
    except StamError as exc:
        return _fail(f"{args.file}: {exc}")
    return 0
