"""The parsed STAM a consumer thread has just made. With hand-off (gateway/pipeline/handoff.py)
one thread fetches (the Logboek reads the persons from the STAM), translates and reports, and
each parsed the same archived bytes again: about 3 % of a worker's CPU per parse. Kept per
thread, one at a time, and only for a STAM of ordinary size, so a thread never holds a large
verzoek's model after it moved on."""

from __future__ import annotations

import threading

from stam_mapping import parse_verzoek
from stam_mapping.model import Verzoek

_KEEP_UP_TO = 256 * 1024  # bytes of STAM; a typical verzoek is a few KB
_last = threading.local()


def parse_stam(raw: bytes, *, max_bytes: int, keep_up_to: int = _KEEP_UP_TO) -> Verzoek:
    """parse_verzoek, or the model this thread made from the same bytes under the same limit
    (the model is frozen, and parsing is a pure function of the two)."""
    key = (raw, max_bytes)
    if getattr(_last, "key", None) == key:
        verzoek: Verzoek = _last.verzoek
        return verzoek
    verzoek = parse_verzoek(raw, max_bytes=max_bytes)
    if len(raw) <= keep_up_to:
        _last.key, _last.verzoek = key, verzoek
    else:
        _last.key = _last.verzoek = None
    return verzoek
