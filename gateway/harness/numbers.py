"""Fresh verzoeknummers: 13 digits, YYYYMMDD + 5 digits, unique within a run.

The 5-digit part starts at a random offset so that two runs on the same day (against a long-lived
environment) are unlikely to collide either."""

from __future__ import annotations

import random
from datetime import date


class VerzoeknummerGenerator:
    def __init__(self, today: date | None = None, start: int | None = None) -> None:
        self._prefix = (today or date.today()).strftime("%Y%m%d")
        self._next = start if start is not None else random.randrange(10_000, 90_000)

    def __call__(self) -> str:
        value = self._next % 100_000
        self._next += 1
        return f"{self._prefix}{value:05d}"
