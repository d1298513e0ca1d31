"""The Berichtkanaal port and what travels through it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from gateway.errors import PermanentError

Soort = Literal["ontvangstbevestiging", "statusbericht"]
_EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")
_NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")


class BerichtOngeldig(PermanentError):
    """A message that must not be sent as it is (header injection, a BSN, a bad address)."""


class BerichtGeweigerd(PermanentError):
    """The channel refused the message for good (SMTP 5xx: unknown mailbox, policy)."""


def geldig_email(value: str | None) -> bool:
    return value is not None and _EMAIL.fullmatch(value) is not None


def _elfproef(value: str) -> bool:
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    return sum(int(c) * w for c, w in zip(value, weights, strict=True)) % 11 == 0


def bevat_bsn(text: str) -> bool:
    """True when the text holds a 9-digit number passing the 11-proef: possibly a BSN. Used to
    scan what was sent; refusing on it would also refuse e.g. an RSIN, so a message is refused
    only for the BSNs its verzoek is known to hold (`Bericht.verboden`)."""
    return any(_elfproef(m) for m in _NINE_DIGITS.findall(text))


@dataclass(frozen=True)
class Bericht:
    """One message to the initiatiefnemer (or their gemachtigde), ready to send.

    `sleutel` identifies it for idempotency: one message per sleutel, ever."""

    soort: Soort
    sleutel: str
    verzoeknummer: str
    onderwerp: str
    tekst: str
    aan_naam: str
    aan_email: str | None = None
    aan_adres: tuple[str, ...] = ()
    afzender_naam: str = "Gemeente"
    verboden: tuple[str, ...] = field(default=(), repr=False)  # e.g. the verzoek's BSNs

    def __post_init__(self) -> None:
        for name in ("onderwerp", "aan_naam", "afzender_naam"):
            value = getattr(self, name)
            if "\r" in value or "\n" in value:
                raise BerichtOngeldig(f"{name} van het bericht bevat een regeleinde")
        if self.aan_email is not None and not _EMAIL.fullmatch(self.aan_email):
            raise BerichtOngeldig("het e-mailadres van de ontvanger is ongeldig")
        alles = "\n".join((self.onderwerp, self.tekst, self.aan_naam, *self.aan_adres))
        if any(v and v in alles for v in self.verboden):
            # Never name the value: it may be a real BSN.
            raise BerichtOngeldig("het bericht bevat een BSN en wordt niet verstuurd")


@dataclass(frozen=True)
class Verzending:
    """What a channel did with a message: `kanaal` is "email" or "post"; `referentie` the
    Message-ID of the mail or the name of the letter for the post."""

    kanaal: Literal["email", "post"]
    referentie: str
    verzonden_op: datetime
    pdf: bytes | None = None  # the letter, for a channel that makes one


class Berichtkanaal(Protocol):
    @property
    def naam(self) -> Literal["email", "post"]: ...

    def verstuur(self, bericht: Bericht) -> Verzending:
        """Send (or for the post: make) the message. Raises BerichtOngeldig or BerichtGeweigerd
        (permanent) or RetryableError when nothing was accepted and a retry may work."""
        ...
