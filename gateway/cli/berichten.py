"""`dso-gateway berichten voorbeeld FILE.xml`: the messages a verzoek would get, as the
initiatiefnemer reads them, from the municipality's own templates (beside its mapping file).

It prints the ontvangstbevestiging (or the aanvulling's) and every statusbericht the mapping
names, with the recipient and the channel (e-mail or post). Nothing is sent. A message the
gateway would refuse (bad template, a BSN in the text) exits 2 with one line on stderr."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from gateway.berichten import opstellen
from gateway.berichten.bericht import Bericht, BerichtOngeldig
from gateway.berichten.pdf import pdf_letter
from gateway.berichten.post import bestandsnaam, brief_tekst
from stam_mapping import StamError, parse_verzoek
from stam_mapping.mapping import default_mapping, load_mapping

EXIT_REJECTED = 2


def add_berichten_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    berichten = subparsers.add_parser("berichten", help="messages to the initiatiefnemer")
    sub = berichten.add_subparsers(dest="berichten_command", required=True)
    voorbeeld = sub.add_parser("voorbeeld", help="preview the messages for a STAM file (nothing is sent)")
    voorbeeld.add_argument("file", type=Path, help="a STAM verzoek XML file")
    voorbeeld.add_argument(
        "--mapping", type=Path, default=None, help="municipal mapping YAML (default: settings)"
    )
    voorbeeld.add_argument(
        "--zaaknummer", default=None, help="zaak identificatie to show (default: DSO-<nr>)"
    )
    voorbeeld.add_argument(
        "--pdf", type=Path, default=None, help="also write each message as a PDF letter here"
    )
    voorbeeld.set_defaults(func=_cmd_voorbeeld)


def _print(bericht: Bericht) -> None:
    kanaal = f"e-mail aan {bericht.aan_email}" if bericht.aan_email else "brief, per post"
    print(f"=== {bericht.soort} ({kanaal})")
    print(f"Aan: {bericht.aan_naam}" + (f", {', '.join(bericht.aan_adres)}" if bericht.aan_adres else ""))
    print(f"Onderwerp: {bericht.onderwerp}\n")
    print(bericht.tekst)


def _cmd_voorbeeld(settings: Any, args: argparse.Namespace) -> int:
    mapping_file = args.mapping or getattr(settings, "mapping_file", None)
    try:
        mapping = load_mapping(mapping_file) if mapping_file else default_mapping()
        verzoek = parse_verzoek(args.file.read_bytes())
    except (StamError, OSError) as exc:
        print(f"dso-gateway berichten: {args.file}: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    sjablonen = opstellen.Sjablonen(opstellen.templates_dir(mapping_file, mapping.berichten))
    zaaknummer = args.zaaknummer or f"DSO-{verzoek.verzoeknummer}"
    try:
        zaaktype: str | None = mapping.zaaktype_voor(verzoek)
    except StamError:
        zaaktype = None
    common: dict[str, Any] = {"zaaknummer": zaaknummer, "zaaktype": zaaktype, "berichten": mapping.berichten}
    try:
        berichten = [opstellen.ontvangstbevestiging(verzoek, sjablonen=sjablonen, **common)]
        for statustype, sjabloon in mapping.berichten.statusberichten.items():
            berichten.append(
                opstellen.statusbericht(
                    verzoek,
                    sjabloon=sjabloon,
                    status_url=f"voorbeeld-{statustype}",
                    statusdatum=date.today(),
                    sjablonen=sjablonen,
                    **common,
                )
            )
    except BerichtOngeldig as exc:
        print(f"dso-gateway berichten: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    for bericht in berichten:
        _print(bericht)
        if args.pdf is not None:
            args.pdf.mkdir(parents=True, exist_ok=True)
            (args.pdf / bestandsnaam(bericht)).write_bytes(
                pdf_letter(brief_tekst(bericht), title=bericht.onderwerp)
            )
    return 0
