"""The archiefactiedatum Open Zaak derives when a zaak gets its eindstatus (brondatum.py):
brondatum from the resultaattype's brondatumArchiefprocedure, plus archiefactietermijn."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Any

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


class ArchiefError(Exception):
    """The brondatum cannot be derived (Open Zaak: `archiefactiedatum-error`)."""


def add_duration(start: date, duration: str) -> date:
    """start + an ISO 8601 date duration (PnYnMnWnD), months clamped to the month's end."""
    match = _DURATION.match(duration)
    if not match or duration == "P":
        raise ArchiefError(f"Onbekende termijn {duration!r}.")
    years, months, weeks, days = (int(g or 0) for g in match.groups())
    month_index = start.month - 1 + months
    year = start.year + years + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) + timedelta(weeks=weeks, days=days)


def brondatum(
    resultaattype: dict[str, Any], einddatum: date, zaakeigenschappen: list[dict[str, Any]]
) -> date:
    """The date the archiefactietermijn counts from. The test server has no besluiten, deelzaken,
    relevante zaken or zaakobject attributes, so those afleidingswijzen cannot be derived."""
    procedure = resultaattype.get("brondatumArchiefprocedure") or {}
    afleidingswijze = procedure.get("afleidingswijze")
    if afleidingswijze == "afgehandeld":
        return einddatum
    if afleidingswijze == "termijn":
        if not procedure.get("procestermijn"):
            raise ArchiefError("Geen procestermijn bij afleidingswijze termijn.")
        return add_duration(einddatum, str(procedure["procestermijn"]))
    if afleidingswijze == "eigenschap":
        naam = procedure.get("datumkenmerk")
        waarden = [e["waarde"] for e in zaakeigenschappen if e.get("naam") == naam]
        if not waarden:
            raise ArchiefError(f"Geen zaakeigenschap {naam!r} voor de brondatum.")
        try:
            return date.fromisoformat(str(waarden[0])[:10])
        except ValueError:
            raise ArchiefError(f"Zaakeigenschap {naam!r} is geen datum.") from None
    raise ArchiefError(f"Afleidingswijze {afleidingswijze!r} kan niet bepaald worden.")


def archiefactiedatum(
    resultaattype: dict[str, Any], einddatum: date, zaakeigenschappen: list[dict[str, Any]]
) -> date | None:
    """None when the resultaattype has no archiefactietermijn (nothing to compute)."""
    termijn = resultaattype.get("archiefactietermijn")
    begin = brondatum(resultaattype, einddatum, zaakeigenschappen)
    return add_duration(begin, str(termijn)) if termijn else None
