"""The BSN mask for what people read: every free-text field, for every role without BSN rights.

The STAM fields known to hold a BSN are masked where they are read; but a citizen can type a
BSN anywhere (a project name, a description, a bijlage's file name) and that text reaches the
list, the detail page, the timeline and /v1/verzoeken. So every text field of a record shown
to a role that may not see BSNs goes through the same mask as the logs (9-digit runs that pass
the 11-proef; UUIDs and hex ids are left alone)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any, TypeVar

from gateway.auth.principal import Principal
from gateway.logging import mask_bsns

T = TypeVar("T")


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
