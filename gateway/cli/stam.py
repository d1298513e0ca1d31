"""`dso-gateway stam ...`: look at a STAM message the way the gateway sees it.

    stam parse FILE                                  the canonical Verzoek as JSON
    stam map FILE --to zgw|stuf-zkn [--mapping YAML]  the ZgwPlan JSON or the StUF-ZKN XML
    stam map FILE --to stuf-zkn --validate [--schemas DIR]
                                                     ... checked against the ZKN 0310 schemas

`--to stuf-zkn` prints every message the StUF adapter would send for the verzoek, in order,
each its own XML document (with an XML declaration; bijlagen carry a placeholder as content and
identificaties the counterpart would hand out are made up). `--validate` exits 2 with the first
schema error.

A message we reject exits with code 2 and one line on stderr (no traceback); that line never
holds personal data (StamError messages do not)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from lxml import etree

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
    map_.add_argument(
        "--validate", action="store_true", help="StUF: check every message against the ZKN 0310 schemas"
    )
    map_.add_argument(
        "--schemas",
        type=Path,
        default=None,
        help="StUF: the ZKN 0310 schema folder (default: DSOGW_STUF_ZKN_SCHEMAS or ../shared/stuf/...)",
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
            return _map_stuf(settings, args, mapping, verzoek, previous)
    except StamError as exc:
        return _fail(f"{args.file}: {exc}")
    return 0


def _schema_dir(settings: Any, args: argparse.Namespace) -> Path | None:
    from adapters.stuf_zkn.schemas import default_schema_dir

    return args.schemas or getattr(settings, "stuf_zkn_schemas", None) or default_schema_dir()


def _map_stuf(
    settings: Any,
    args: argparse.Namespace,
    mapping: MunicipalMapping,
    verzoek: Verzoek,
    previous: Verzoek | None,
) -> int:
    from adapters.stuf_zkn.messages import berichten
    from adapters.stuf_zkn.schemas import StufSchemas

    schemas = None
    if args.validate:
        directory = _schema_dir(settings, args)
        try:
            schemas = StufSchemas(directory) if directory is not None else None
        except FileNotFoundError as exc:
            return _fail(f"--validate: {exc}")
        if schemas is None:
            return _fail("--validate: no StUF-ZKN schemas found; give the folder with --schemas DIR")
    al_geleverd = {d.document_id for d in previous.documenten()} if previous else set()
    sent = berichten(
        verzoek,
        mapping,
        zaak_identificatie=args.zaak_identificatie or f"DSO-{verzoek.verzoeknummer}",
        al_geleverd=al_geleverd,
    )
    for number, bericht in enumerate(sent, start=1):
        sys.stdout.write(bericht.body.decode("utf-8").rstrip("\n") + "\n")
        if schemas is not None:
            problems = schemas.errors(etree.fromstring(bericht.body))
            if problems:
                sys.stdout.flush()
                return _fail(
                    f"{args.file}: message {number} ({bericht.operation}) is not valid: {problems[0]}"
                )
    if schemas is not None:
        print(
            f"dso-gateway stam: {len(sent)} StUF messages valid against {schemas.directory}", file=sys.stderr
        )
    return 0
