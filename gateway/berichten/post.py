"""The post channel: a PDF letter, written to a folder staff print from.

"Sending" here means the letter exists and is listed for staff as "per post te versturen";
the caller also stores it in the zaak. Writing is atomic (temp file, then rename), so a crash
never leaves half a letter, and writing the same message again replaces it: one letter per
message."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from gateway.berichten.bericht import Bericht, Verzending
from gateway.berichten.pdf import pdf_letter
from gateway.errors import RetryableError


def brief_tekst(bericht: Bericht) -> str:
    """The letter: sender, addressee block, subject, the message."""
    adres = "\n".join(bericht.aan_adres) if bericht.aan_adres else "(adres: zie de zaak)"
    kop = f"{bericht.afzender_naam}\n\n{bericht.aan_naam}\n{adres}\n\n"
    return f"{kop}Onderwerp: {bericht.onderwerp}\n\n{bericht.tekst}\n"


def bestandsnaam(bericht: Bericht) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in bericht.sleutel) + ".pdf"


class PostKanaal:
    naam: Literal["post"] = "post"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def verstuur(self, bericht: Bericht) -> Verzending:
        pdf = pdf_letter(brief_tekst(bericht), title=bericht.onderwerp)
        name = bestandsnaam(bericht)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.directory / f".{name}.tmp"
            tmp.write_bytes(pdf)
            os.replace(tmp, self.directory / name)
        except OSError as exc:
            raise RetryableError(f"brief niet weggeschreven ({type(exc).__name__})") from exc
        return Verzending("post", name, datetime.now(UTC), pdf=pdf)
