"""Example verzoeken shipped with the sandbox (package data), in the order the demo submits them:
one zaak is aangevuld, another is ingetrokken, plus a melding and a kap-aanvraag."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources


@dataclass(frozen=True)
class Example:
    name: str
    verzoeknummer: str
    volgnummer: int
    xml: bytes
    bijlage_sizes: dict[str, int] = field(default_factory=dict)
    description: str = ""


# (name, verzoeknummer, volgnummer, bijlage sizes, description)
_CATALOGUE: tuple[tuple[str, str, int, dict[str, int], str], ...] = (
    (
        "verbouwing-initieren",
        "2026031000101",
        1,
        {"DOC-2026031000101-0001": 310_000, "DOC-2026031000101-0002": 95_000},
        "aanvraag vergunning, natuurlijk persoon, twee bijlagen",
    ),
    (
        "verbouwing-aanvullen",
        "2026031000101",
        2,
        {"DOC-2026031000101-0003": 325_000},
        "aanvulling: vervangt de bouwtekening, bouwkosten gewijzigd",
    ),
    (
        "sloop-initieren",
        "2026031100202",
        1,
        {"DOC-2026031100202-0001": 140_000},
        "sloopaanvraag door een stichting",
    ),
    ("sloop-intrekken", "2026031100202", 2, {}, "intrekking van de sloopaanvraag"),
    (
        "melding-opslag-gemachtigde",
        "2026031200303",
        1,
        {"DOC-2026031200303-0001": 220_000},
        "melding door een bedrijf met gemachtigde, vlak als locatie, vertrouwelijk rapport",
    ),
    (
        "kap-percelen",
        "2026031300404",
        1,
        {"DOC-2026031300404-0001": 60_000},
        "kapaanvraag, alleen kadastrale percelen",
    ),
)


def list_examples() -> list[Example]:
    files = resources.files(__name__)
    return [
        Example(name, vnr, volgnummer, files.joinpath(f"{name}.xml").read_bytes(), dict(sizes), description)
        for name, vnr, volgnummer, sizes, description in _CATALOGUE
    ]


def get_example(name: str) -> Example | None:
    return next((e for e in list_examples() if e.name == name), None)
