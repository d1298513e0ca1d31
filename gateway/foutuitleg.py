"""A failure reason as permit staff need it: in Dutch, what happened, what to do and who does it.

The stages record the technical reason (English, from the package that failed; never a BSN).
This module explains it without changing it: the technical text stays available next to the
explanation. The rules recognise our own packages' messages; anything else gets a general
explanation that still says who should look and whether retrying can help."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.store import PogingRecord
from gateway.tijd import klok

FUNCTIONEEL_BEHEER = "functioneel beheer"
TECHNISCH_BEHEER = "technisch beheer"
BEHANDELAAR = "de behandelaar"
NIEMAND = "niemand"

# The worker adds this to a retryable reason when it gives up (gateway.pipeline.worker).
_GIVEN_UP = re.compile(r"\s*\(opgegeven na (\d+) pogingen\)\s*$")


@dataclass(frozen=True)
class Uitleg:
    wat: str  # what happened, for a clerk
    doen: str  # what to do next
    wie: str  # who should do it
    technisch: str  # the recorded reason, unchanged, for the details fold
    permanent: bool  # retrying without a change elsewhere cannot help
    opnieuw_zinvol: bool  # "Opnieuw proberen" makes sense (after the advised change)

    @property
    def advies(self) -> str:
        """One line: "what → who does what"."""
        return f"{self.wat} → {self.doen}"


@dataclass(frozen=True)
class _Regel:
    pattern: re.Pattern[str]
    wat: str
    doen_blijvend: str  # when the failure is final (permanent, or retries given up)
    wie: str
    opnieuw_zinvol: bool = True
    doen_tijdelijk: str = "Niets doen: de gateway probeert het zelf opnieuw."


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_RETRY_AFTER_FIX = "daarna Opnieuw proberen"
_RULES = (
    _Regel(
        _r(r"is not in the mapping file|no (ZGW )?plan for verzoek"),
        "Een activiteit van dit verzoek ontbreekt in de mapping (welk zaaktype erbij hoort).",
        f"Functioneel beheer vult de mapping aan, {_RETRY_AFTER_FIX}.",
        FUNCTIONEEL_BEHEER,
    ),
    _Regel(
        _r(r"zaaktype .* not found|catalogus .* not found|roltype .* not found|has no statustypen"),
        "Het zaaktype (of een rol- of statustype ervan) uit de mapping bestaat niet in het zaaksysteem.",
        f"Functioneel beheer maakt het zaaktype aan of past de mapping aan, {_RETRY_AFTER_FIX}.",
        FUNCTIONEEL_BEHEER,
    ),
    _Regel(
        _r(r"wacht op eerdere versie"),
        "Deze versie wacht tot een eerdere versie van hetzelfde verzoek verwerkt is.",
        "Verwerk eerst de eerdere versie (zie Versies), daarna Opnieuw proberen.",
        BEHANDELAAR,
    ),
    _Regel(
        _r(r"TLS handshake|certificate"),
        "De beveiligde verbinding mislukte: het certificaat werd niet geaccepteerd.",
        f"Technisch beheer controleert het PKIoverheid-certificaat en de aansluiting, {_RETRY_AFTER_FIX}.",
        TECHNISCH_BEHEER,
    ),
    _Regel(
        _r(r"^ZGW .* answered 40[13]\b|^StUF .* 40[13]\b"),
        "Het zaaksysteem weigerde de gateway de toegang.",
        f"Technisch beheer controleert de koppeling met het zaaksysteem (client-id, geheim, rechten), "
        f"{_RETRY_AFTER_FIX}.",
        TECHNISCH_BEHEER,
    ),
    _Regel(
        _r(r"^ZGW .* answered 400|^StUF .*(Fo0\d|fault)"),
        "Het zaaksysteem weigerde de gegevens van dit verzoek.",
        "Functioneel beheer bekijkt in de technische details welk gegeven geweigerd werd en past de "
        "mapping of het zaaktype aan, daarna Opnieuw proberen; kan dat niet, dan Handmatig afhandelen.",
        FUNCTIONEEL_BEHEER,
    ),
    _Regel(
        _r(r"^(ZGW|StUF) .*(timed out|failed|answered (5\d\d|408|429))"),
        "Het zaaksysteem was niet bereikbaar of gaf een storing.",
        f"Technisch beheer controleert of het zaaksysteem werkt, {_RETRY_AFTER_FIX}.",
        TECHNISCH_BEHEER,
    ),
    _Regel(
        _r(r"HTTP 40[13]\b|OIN is geen bevoegd gezag"),
        "Het Omgevingsloket (DSO) weigerde de gateway de toegang tot dit verzoek.",
        "Technisch beheer controleert de API-sleutel, het OIN en de aansluiting bij DSO, "
        f"{_RETRY_AFTER_FIX}.",
        TECHNISCH_BEHEER,
    ),
    _Regel(
        _r(r"not available \(yet\)"),
        "Het Omgevingsloket (DSO) heeft dit verzoek of een bijlage (nog) niet beschikbaar.",
        "Wacht enkele uren en kies dan Opnieuw proberen; blijft het zo, dan meldt technisch beheer "
        "het bij DSO.",
        TECHNISCH_BEHEER,
    ),
    _Regel(
        _r(r"sha256 differs|DSO announced|bytes instead of|ended before its announced size|do not add up"),
        "Een bijlage kwam onvolledig of beschadigd binnen.",
        f"Technisch beheer controleert de verbinding en de opslag, {_RETRY_AFTER_FIX}.",
        TECHNISCH_BEHEER,
    ),
    _Regel(
        _r(r"timeout|connection problem|HTTP (5\d\d|408|425|429)\b"),
        "Het Omgevingsloket (DSO) was niet bereikbaar of gaf een storing.",
        f"Technisch beheer controleert de verbinding met DSO (of de storingsmeldingen van DSO), "
        f"{_RETRY_AFTER_FIX}.",
        TECHNISCH_BEHEER,
    ),
    _Regel(
        _r(
            r"^verzoek(notificatie)?:|gml|xs:(date|boolean)|root element|namespace|occurs more than once"
            r"|must hold exactly one|not well-formed|too large|larger than"
        ),
        "Het STAM-bericht van dit verzoek is onleesbaar of onvolledig; opnieuw proberen helpt niet.",
        "Functioneel beheer handelt het verzoek handmatig af (de PDF en bijlagen staan in het "
        "Omgevingsloket) en kiest Handmatig afgehandeld.",
        FUNCTIONEEL_BEHEER,
        opnieuw_zinvol=False,
    ),
    _Regel(
        _r(r"reading a document failed|could not write the document"),
        "Een bijlage kon niet gelezen of opgeslagen worden in de archiefmap van de gateway.",
        f"Technisch beheer controleert de archiefmap (schijfruimte, rechten), {_RETRY_AFTER_FIX}.",
        TECHNISCH_BEHEER,
    ),
    _Regel(
        _r(r"de database was even niet bereikbaar"),
        "De database van de gateway was niet bereikbaar of te druk.",
        f"Technisch beheer controleert de database (bereikbaarheid, schijfruimte), {_RETRY_AFTER_FIX}.",
        TECHNISCH_BEHEER,
    ),
    _Regel(
        _r(r"^internal error"),
        "Er ging iets mis in de gateway zelf (een programmafout).",
        "Technisch beheer meldt dit met de technische details aan de leverancier; na de oplossing Opnieuw "
        "proberen, of Handmatig afhandelen.",
        TECHNISCH_BEHEER,
    ),
)


def uitleg(reason: str | None, *, given_up: bool | None = None) -> Uitleg | None:
    """The explanation of a recorded failure reason; None when there is no reason.

    `given_up`: the failure is final. By default it is read from the reason: a reason without
    the worker's "(opgegeven na N pogingen)" on a failed version was permanent from the start."""
    if not reason:
        return None
    exhausted = _GIVEN_UP.search(reason) is not None
    technisch = reason
    core = _GIVEN_UP.sub("", reason)
    final = True if given_up is None else given_up
    for rule in _RULES:
        if rule.pattern.search(core):
            if not final:
                return Uitleg(rule.wat, rule.doen_tijdelijk, NIEMAND, technisch, False, True)
            permanent = not exhausted
            return Uitleg(rule.wat, rule.doen_blijvend, rule.wie, technisch, permanent, rule.opnieuw_zinvol)
    if not final:
        return Uitleg(
            "Een tijdelijke storing.",
            "Niets doen: de gateway probeert het zelf opnieuw.",
            NIEMAND,
            technisch,
            False,
            True,
        )
    return Uitleg(
        "De verwerking is gestopt met een fout die de gateway niet nader kan uitleggen.",
        "Technisch beheer bekijkt de technische details en lost de oorzaak op, daarna Opnieuw proberen; "
        "kan dat niet, dan Handmatig afhandelen.",
        TECHNISCH_BEHEER,
        technisch,
        not exhausted,
        True,
    )


def retry_text(poging: PogingRecord) -> str:
    """For example "wordt opnieuw geprobeerd – poging 3 van 6, volgende om 22:45" (Dutch time).
    The number is the attempts made so far, the same count as "Pogingen" and "opgegeven na N"."""
    return (
        f"wordt opnieuw geprobeerd – poging {poging.poging} van {poging.max_pogingen}, "
        f"volgende om {klok(poging.volgende_om)}"
    )
