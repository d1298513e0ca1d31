"""Times as a person in the Netherlands reads them: Europe/Amsterdam, one format everywhere.

The store and the API keep UTC / RFC 3339 with an offset; only what staff read goes through here."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_FORMAT = "%d-%m-%Y %H:%M"  # 01-12-2026 22:45: the Dutch order, 24-hour clock


def _dutch(moment: datetime | str | None) -> datetime | None:
    if moment is None or moment == "":
        return None
    if isinstance(moment, str):  # an RFC 3339 text, as the API models carry it
        moment = datetime.fromisoformat(moment)
    # A naive time is UTC: that is how the store keeps it.
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(AMSTERDAM)


def lokaal(moment: datetime | str | None) -> str:
    """For example "01-12-2026 22:45", in Dutch time."""
    dutch = _dutch(moment)
    return dutch.strftime(_FORMAT) if dutch else ""


def klok(moment: datetime | str | None) -> str:
    """Only the time of day, "22:45", in Dutch time: for "volgende poging om 22:45"."""
    dutch = _dutch(moment)
    return dutch.strftime("%H:%M") if dutch else ""


def iso_lokaal(moment: datetime | str | None) -> str:
    """For <time datetime="...">: machine-readable, with the Dutch offset."""
    dutch = _dutch(moment)
    return dutch.isoformat(timespec="seconds") if dutch else ""
