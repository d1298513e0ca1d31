"""The recording fake of the Berichtkanaal port: keeps what was sent, can be told to refuse."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from gateway.berichten.bericht import Bericht, BerichtGeweigerd, BerichtOngeldig, Verzending


@dataclass
class RecordingKanaal:
    naam: Literal["email", "post"] = "email"
    verzonden: list[Bericht] = field(default_factory=list)
    weiger: set[str] = field(default_factory=set)  # e-mail addresses to refuse, as a 5xx would

    def verstuur(self, bericht: Bericht) -> Verzending:
        if self.naam == "email" and not bericht.aan_email:
            raise BerichtOngeldig("geen e-mailadres: dit bericht gaat per post")
        if bericht.aan_email in self.weiger:
            raise BerichtGeweigerd("ontvanger geweigerd door de mailserver (SMTP 550)")
        self.verzonden.append(bericht)
        return Verzending(self.naam, f"<{bericht.sleutel}@recording>", datetime.now(UTC))
