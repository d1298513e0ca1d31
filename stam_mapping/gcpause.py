"""Pausing the cyclic garbage collector while a large verzoek is turned into objects.

Parsing an 8 MB verzoek allocates hundreds of thousands of objects and no reference cycles;
the collector would walk them all again and again (measured: 30-50 % of the time). The
previous state is restored, so a caller that disabled the collector itself keeps it off."""

from __future__ import annotations

import gc
from types import TracebackType


class gc_paused:  # lower case: it is used like the function it replaced, `with gc_paused():`
    """A class rather than @contextmanager: it runs twice per verzoek, and for a small verzoek
    the generator machinery of @contextmanager was a measurable part of the cost."""

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._was_enabled:
            gc.enable()
