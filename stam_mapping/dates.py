"""The calendar date of an indienDatum as a Dutch municipality counts it.

`2024-03-14T23:30:00Z` was filed on 15 March in the Netherlands: dates in the case system are
taken in Europe/Amsterdam. A naive dateTime is taken as it stands."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@cache
def _amsterdam() -> tzinfo | None:
    try:
        return ZoneInfo("Europe/Amsterdam")
    except ZoneInfoNotFoundError:  # no tz database on this host: keep the message's own offset
        return None


def dutch_date(value: datetime | date) -> date:
    if not isinstance(value, datetime):
        return value
    zone = _amsterdam()
    if value.tzinfo is not None and zone is not None:
        return value.astimezone(zone).date()
    return value.date()
