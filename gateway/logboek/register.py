"""The register of verwerkingsactiviteiten every logboek record points to (register.yaml).

Kept in configuration, not code: a municipality names its own activities and purposes, or points
them at URIs in its own AVG art. 30 register, by giving DSOGW_LOGBOEK_REGISTER another file."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULT_REGISTER = Path(__file__).with_name("register.yaml")

# The activities the gateway's code records; a register without one of them is refused at start.
OPHALEN = "ophalen"
ARCHIVEREN = "archiveren"
REGISTREREN_ZAAK = "registreren-zaak"
INZAGE_ONVERSLEUTELD = "inzage-onversleuteld"
ZOEKEN_BSN = "zoeken-bsn"
BERICHT_INITIATIEFNEMER = "bericht-initiatiefnemer"
ARCHIEF_OPSCHONEN = "archief-opschonen"
LOGBOEK_EXPORT = "logboek-export"
NODIG = (
    OPHALEN,
    ARCHIVEREN,
    REGISTREREN_ZAAK,
    INZAGE_ONVERSLEUTELD,
    ZOEKEN_BSN,
    BERICHT_INITIATIEFNEMER,
    ARCHIEF_OPSCHONEN,
    LOGBOEK_EXPORT,
)


class RegisterError(ValueError):
    """The register file cannot be used; the message says which file and what is wrong."""


@dataclass(frozen=True)
class Verwerkingsactiviteit:
    sleutel: str
    uri: str  # dpl.core.processing_activity_id
    naam: str
    doel: str  # doelbinding
    grondslag: str


@dataclass(frozen=True)
class Register:
    activiteiten: dict[str, Verwerkingsactiviteit]

    def __getitem__(self, sleutel: str) -> Verwerkingsactiviteit:
        return self.activiteiten[sleutel]


@functools.cache
def load_register(path: Path = DEFAULT_REGISTER) -> Register:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RegisterError(f"logboek register {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("verwerkingsactiviteiten"), dict):
        raise RegisterError(f"logboek register {path}: no 'verwerkingsactiviteiten' mapping")
    basis = str(data.get("basis_uri") or "")
    activiteiten: dict[str, Verwerkingsactiviteit] = {}
    for sleutel, waarden in data["verwerkingsactiviteiten"].items():
        if not isinstance(waarden, dict) or not waarden.get("doel"):
            raise RegisterError(f"logboek register {path}: activity {sleutel!r} needs a 'doel'")
        activiteiten[str(sleutel)] = Verwerkingsactiviteit(
            sleutel=str(sleutel),
            uri=str(waarden.get("uri") or basis + str(sleutel)),
            naam=str(waarden.get("naam") or sleutel),
            doel=str(waarden["doel"]),
            grondslag=str(waarden.get("grondslag") or ""),
        )
    missing = [s for s in NODIG if s not in activiteiten]
    if missing:
        raise RegisterError(f"logboek register {path}: missing activities {', '.join(missing)}")
    return Register(activiteiten)
