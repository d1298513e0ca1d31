"""The BSN mask: `mask_bsns` for any text (log lines, span names and attributes, pages), and
`masked` for what people read: every free-text field, for every role without BSN rights.

The STAM fields known to hold a BSN are masked where they are read; but a citizen can type a
BSN anywhere (a project name, a description, a bijlage's file name) and that text reaches the
list, the detail page, the timeline and /v1/verzoeken. So every text field of a record shown
to a role that may not see BSNs goes through the same mask as the logs (9-digit runs that pass
the 11-proef; UUIDs and hex ids are left alone)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any, TypeVar

from gateway.auth.principal import Principal

T = TypeVar("T")

# A run of exactly nine ASCII digits is BSN-shaped. UUIDs and other hex ids (message ids,
# sha256 digests) are matched first and left alone: masking digits inside them would make log
# lines stop matching the queue messages they are about, and they are never a BSN.
_HEX = "[0-9a-fA-F]"
_NINE_DIGITS = re.compile(
    rf"(?P<uuid>{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}})"
    rf"|(?P<hex>(?<![0-9A-Za-z])(?={_HEX}*[a-fA-F]){_HEX}{{16,}}(?![0-9A-Za-z]))"
    r"|(?<![0-9])(?P<nine>[0-9]{9})(?![0-9])"
)


def _passes_elfproef(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0


def mask_bsns(text: str) -> str:
    """Replace every BSN-shaped number in `text` by `*****` plus its last four digits."""

    def repl(match: re.Match[str]) -> str:
        value = match.group("nine")
        if value is None:  # a UUID or hex id
            return match.group(0)
        return "*****" + value[-4:] if _passes_elfproef(value) else value

    return _NINE_DIGITS.sub(repl, text)


def masked(record: T, who: Principal | None) -> T:
    """`record` (a dataclass) with every str field masked, unless `who` may see BSNs."""
    if who is not None and who.sees_bsn:
        return record
    assert dataclasses.is_dataclass(record) and not isinstance(record, type)
    changes: dict[str, Any] = {
        f.name: mask_bsns(value)
        for f in dataclasses.fields(record)
        if isinstance(value := getattr(record, f.name), str)
    }
    return dataclasses.replace(record, **changes)


def masked_all(records: Iterable[T], who: Principal | None) -> list[T]:
    return [masked(r, who) for r in records]
