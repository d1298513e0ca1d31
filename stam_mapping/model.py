"""The canonical model of a DSO verzoek: what the gateway understands, independent of the
STAM schema version it came in. Frozen, validated on construction; no I/O.

Field names are Dutch domain words in snake_case. BSNs are kept as they are: masking is the
concern of whoever shows or logs them (gateway.bsn_mask.mask_bsns; `Verzoek.bsns()` lists them).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

# These run for every identifier of every verzoek, so they use str methods and one precompiled
# pattern instead of re.fullmatch(pattern string). `len(v) == n and v.isdecimal()` is exactly
# `re.fullmatch(r"\d{n}", v)`: both accept any Unicode decimal digit (category Nd).
_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")
_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)  # the 11-proef: the last digit counts -1


def _elfproef_bsn(value: str) -> bool:
    return sum(int(c) * w for c, w in zip(value, _BSN_WEIGHTS, strict=True)) % 11 == 0


def _check_bsn(value: str) -> str:
    # Never put the value itself in the message: it may be a real BSN.
    if not (len(value) == 9 and ascii_digits(value)):
        raise ValueError("bsn must be 9 digits")
    if not _elfproef_bsn(value):
        raise ValueError("bsn fails the 11-proef")
    return value


# The highest volgnummer we accept: far more versions than one verzoek will ever have, and small
# enough for every integer column (PostgreSQL INTEGER ends at 2^31 - 1).
MAX_VOLGNUMMER = 99_999


def ascii_digits(value: str) -> bool:
    """Only 0-9: str.isdecimal() and the regex \\d also accept Arabic-Indic or fullwidth digits."""
    return bool(value) and value.isascii() and value.isdecimal()


def _check_digits(n: int, what: str) -> Any:
    message = f"{what} must be {n} digits"

    def check(value: str) -> str:
        if not (len(value) == n and ascii_digits(value)):
            raise ValueError(message)
        return value

    return check


def _normalise_postcode(value: str) -> str:
    compact = value.replace(" ", "").upper()
    if _POSTCODE.fullmatch(compact):
        return compact
    raise ValueError("postcode must look like 1234AB")


Bsn = Annotated[str, AfterValidator(_check_bsn)]
Oin = Annotated[str, AfterValidator(_check_digits(20, "oin"))]
Verzoeknummer = Annotated[str, AfterValidator(_check_digits(13, "verzoeknummer"))]
KvkNummer = Annotated[str, AfterValidator(_check_digits(8, "kvkNummer"))]
Vestigingsnummer = Annotated[str, AfterValidator(_check_digits(12, "vestigingsnummer"))]
BagId = Annotated[str, AfterValidator(_check_digits(16, "bagNummeraanduidingId"))]
Postcode = Annotated[str, AfterValidator(_normalise_postcode)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Doel(StrEnum):
    INITIEREN = "Initiëren"
    AANVULLEN = "Aanvullen"
    INTREKKEN = "Intrekken"
    CONCEPTVERZOEK = "Conceptverzoek"  # STAM 2 called it "Vooroverleg"


class VerzoekType(StrEnum):
    AANVRAAG_VERGUNNING = "Aanvraag vergunning"
    MELDING = "Melding"
    INFORMATIE = "Informatie"
    INFORMATIE_ONGEWOON_VOORVAL = "Informatie ongewoon voorval"
    AANVRAAG_MAATWERKVOORSCHRIFT = "Aanvraag maatwerkvoorschrift"
    MELDING_GELIJKWAARDIGE_MAATREGEL = "Melding gelijkwaardige maatregel"
    AANVRAAG_TOESTEMMING_GELIJKWAARDIGE_MAATREGEL = "Aanvraag toestemming gelijkwaardige maatregel"


class BinnenlandsAdres(_Frozen):
    straatnaam: str | None = None
    huisnummer: int | None = None
    huisletter: str | None = None
    huisnummertoevoeging: str | None = None
    postcode: Postcode | None = None
    woonplaats: str | None = None


class BuitenlandsAdres(_Frozen):
    regels: tuple[str, ...] = ()  # adresBuitenland1..3
    land: str | None = None


class Adres(_Frozen):
    """Exactly one of binnenlands/buitenlands is set."""

    binnenlands: BinnenlandsAdres | None = None
    buitenlands: BuitenlandsAdres | None = None


class NatuurlijkPersoon(_Frozen):
    bsn: Bsn | None = None  # "000000000" in STAM means unknown: the parser makes it None
    voorletters: str | None = None
    voornamen: str | None = None
    voorvoegsel: str | None = None
    achternaam: str | None = None
    emailadres: str | None = None
    telefoonnummer: str | None = None
    verblijfsadres: Adres | None = None
    correspondentieadres: Adres | None = None


class Contactpersoon(_Frozen):
    voorletters: str | None = None
    achternaam: str | None = None
    emailadres: str | None = None
    telefoonnummer: str | None = None


class NietNatuurlijkPersoon(_Frozen):
    kvk_nummer: KvkNummer | None = None
    vestigingsnummer: Vestigingsnummer | None = None
    naam: str | None = None
    bezoekadres: Adres | None = None
    postadres: Adres | None = None
    contactpersoon: Contactpersoon | None = None


class Betrokkene(_Frozen):
    """Initiatiefnemer or gemachtigde: exactly one of the two persons is set."""

    natuurlijk_persoon: NatuurlijkPersoon | None = None
    niet_natuurlijk_persoon: NietNatuurlijkPersoon | None = None


class Organisatie(_Frozen):
    oin: Oin
    naam: str | None = None


class KadastraalPerceel(_Frozen):
    kadastrale_gemeente: str | None = None
    kadastrale_gemeente_code: str
    sectie: str
    perceelnummer: str
    appartementsindex: str | None = None


class Geometrie(_Frozen):
    """Coordinates exactly as in the message, in its own CRS (EPSG code as int).

    `type` is "Point" or "Polygon". For a Point `rings` is one ring with one position;
    for a Polygon the first ring is the exterior and the rest are holes. Positions are
    (x, y) in the axis order of the CRS (EPSG:4258 is lat, lon)."""

    type: str
    epsg: int
    rings: tuple[tuple[tuple[float, float], ...], ...]


class AdresAanduiding(BinnenlandsAdres):
    bag_nummeraanduiding_id: BagId | None = None


class Projectlocatie(_Frozen):
    adres: AdresAanduiding | None = None
    percelen: tuple[KadastraalPerceel, ...] = ()
    geometrie: Geometrie | None = None


class Document(_Frozen):
    document_id: str
    bestandsnaam: str
    documentsoort_dso: str | None = None  # inherited from the gevraagdeBijlage when inside one
    vertrouwelijk: bool = False
    vraag_id: int | None = None  # set when the document answers a gevraagdeBijlage


class GevraagdeBijlage(_Frozen):
    documentsoort_dso: str | None = None
    documenten: tuple[Document, ...] = ()


class Specificatie(_Frozen):
    vraag_id: int
    vraagtekst: str | None = None
    antwoord: str | None = None
    groepering: str | None = None
    gevraagde_bijlagen: tuple[GevraagdeBijlage, ...] = ()


class Projectactiviteit(_Frozen):
    activiteit_id: str
    activiteit_naam: str | None = None
    specificaties: tuple[Specificatie, ...] = ()


class Verzoek(_Frozen):
    stam_versie: str  # "stam-v4" or "stam-v2": the namespace version it came in
    verzoeknummer: Verzoeknummer
    volgnummer: int = Field(ge=1, le=MAX_VOLGNUMMER)
    doel: Doel
    type: VerzoekType
    indien_datum: datetime | date
    project_id: str | None = None
    naam: str | None = None
    omschrijving: str | None = None
    ambtshalve: bool | None = None
    bevoegd_gezag: Organisatie
    uitvoerende_instantie: Organisatie | None = None
    initiatiefnemer: Betrokkene | None = None
    gemachtigde: Betrokkene | None = None
    projectlocaties: tuple[Projectlocatie, ...] = ()
    projectactiviteiten: tuple[Projectactiviteit, ...] = ()
    verzoekbijlagen: tuple[Document, ...] = ()
    onbekende_elementen: int = 0  # unknown elements the parser skipped (profile tolerance rule)

    @field_validator("naam", "omschrijving", "project_id")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    def documenten(self) -> tuple[Document, ...]:
        """Every document of the verzoek, gevraagde bijlagen first, each documentId once."""
        seen: dict[str, Document] = {}
        for activiteit in self.projectactiviteiten:
            for spec in activiteit.specificaties:
                for bijlage in spec.gevraagde_bijlagen:
                    for doc in bijlage.documenten:
                        seen.setdefault(doc.document_id, doc)
        for doc in self.verzoekbijlagen:
            seen.setdefault(doc.document_id, doc)
        return tuple(seen.values())

    def bsns(self) -> tuple[str, ...]:
        """Every BSN in the verzoek: what a log scrubber or masker must never let through."""
        found = []
        for betrokkene in (self.initiatiefnemer, self.gemachtigde):
            if betrokkene and betrokkene.natuurlijk_persoon and betrokkene.natuurlijk_persoon.bsn:
                found.append(betrokkene.natuurlijk_persoon.bsn)
        return tuple(found)


class Notificatie(_Frozen):
    verzoeknummer: Verzoeknummer
    volgnummer: int | None = Field(default=None, ge=1, le=MAX_VOLGNUMMER)
    bevoegd_gezag_oin: Oin | None = None
