"""Times as a person in the Netherlands reads them: Europe/Amsterdam, one format everywhere.

The store and the API keep UTC / RFC 3339 with an offset; only what staff read goes through here."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_FORMAT = "%d-%m-%Y %H:%M"  # 01-12-2026 22:45: the Dutch order, 24-hour clock


def lokaal(moment: datetime | None) -> str:
    """ "01-12-2026 22:45" in Dutch time; a naive time is taken to be UTC (as the store keeps it)."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(AMSTERDAM).strftime(_FORMAT)


def klok(moment: datetime | None) -> str:
    """Only the time of day, "22:45", in Dutch time: for "volgende poging om 22:45"."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(AMSTERDAM).strftime("%H:%M")


def iso_lokaal(moment: datetime | None) -> str:
    """For <time datetime="...">: machine-readable, with the Dutch offset."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(AMSTERDAM).isoformat(timespec="seconds")
