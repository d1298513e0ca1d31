"""Field checks shared by the test server's resources (what Open Zaak's serializers enforce)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, get_args

from adapters.zgw.testserver.problems import Invalid
from stam_mapping.mapping import Vertrouwelijkheidaanduiding


def required(body: dict[str, Any], invalid: Invalid, *names: str) -> None:
    for name in names:
        if body.get(name) in (None, ""):
            invalid.add(name, "required", "Dit veld is vereist.")


def max_length(body: dict[str, Any], invalid: Invalid, limits: dict[str, int], prefix: str = "") -> None:
    for name, limit in limits.items():
        value = body.get(name)
        if isinstance(value, str) and len(value) > limit:
            invalid.add(
                f"{prefix}{name}",
                "max_length",
                f"Zorg ervoor dat dit veld niet meer dan {limit} karakters bevat.",
            )


def rsin(body: dict[str, Any], invalid: Invalid, *names: str, prefix: str = "") -> None:
    """RSIN and BSN as vng_api_common checks them, in its order: only digits, then exactly
    9 characters, then the 11-proef (BSN uses the same routine and text). An empty string is
    allowed: the fields are optional or already `required`-checked."""
    for name in names:
        value = body.get(name)
        if value is None or value == "":
            continue
        field = f"{prefix}{name}"
        text = str(value)
        if not text.isdigit():
            invalid.add(field, "only-digits", "Voer een getal in.")
        elif len(text) != 9:
            invalid.add(field, "invalid-length", "Een RSIN moet 9 tekens lang zijn.")
        elif not elfproef(text):
            invalid.add(field, "invalid", "Onjuist RSIN nummer.")


def elfproef(value: str) -> bool:
    total = sum(int(d) * w for d, w in zip(value[:8], range(9, 1, -1), strict=True)) - int(value[8])
    return total % 11 == 0


def is_date(body: dict[str, Any], invalid: Invalid, *names: str) -> None:
    for name in names:
        value = body.get(name)
        if value is None:
            continue
        try:
            date.fromisoformat(str(value))
        except ValueError:
            invalid.add(name, "invalid", "Datum heeft het verkeerde formaat.")


def is_datetime(body: dict[str, Any], invalid: Invalid, *names: str) -> None:
    for name in names:
        value = body.get(name)
        if value is None:
            continue
        try:
            datetime.fromisoformat(str(value))
        except ValueError:
            invalid.add(name, "invalid", "Datetime heeft een verkeerd formaat.")


def one_of(
    body: dict[str, Any], invalid: Invalid, name: str, allowed: tuple[str, ...], prefix: str = ""
) -> None:
    value = body.get(name)
    if value is not None and value not in allowed:
        invalid.add(f"{prefix}{name}", "invalid_choice", f'"{value}" is een ongeldige keuze.')


# The ZGW levels, lowest first (the order matters: a client's maximum is compared by index).
VERTROUWELIJKHEID: tuple[str, ...] = get_args(Vertrouwelijkheidaanduiding)
BETROKKENE_TYPEN = (
    "natuurlijk_persoon",
    "niet_natuurlijk_persoon",
    "vestiging",
    "organisatorische_eenheid",
    "medewerker",
)
OBJECT_TYPEN = (
    "adres",
    "besluit",
    "buurt",
    "enkelvoudig_document",
    "gemeente",
    "gemeentelijke_openbare_ruimte",
    "huishouden",
    "inrichtingselement",
    "kadastrale_onroerende_zaak",
    "kunstwerkdeel",
    "maatschappelijke_activiteit",
    "medewerker",
    "natuurlijk_persoon",
    "niet_natuurlijk_persoon",
    "openbare_ruimte",
    "organisatorische_eenheid",
    "pand",
    "spoorbaandeel",
    "status",
    "terreindeel",
    "terrein_gebouwd_object",
    "vestiging",
    "waterdeel",
    "wegdeel",
    "wijk",
    "woonplaats",
    "woz_deelobject",
    "woz_object",
    "woz_waarde",
    "zakelijk_recht",
    "overige",
)
DOCUMENT_STATUS = ("in_bewerking", "ter_vaststelling", "definitief", "gearchiveerd")
