"""Plain records the store hands out (read side)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class CommitReceipt:
    """Given with a job to write: set by the store once the transaction that wrote it has
    committed, so the writer knows the row is there without reading it back (the hand-off,
    gateway/pipeline/worker.py). Never set for a write that was rolled back."""

    __slots__ = ("committed",)

    def __init__(self) -> None:
        self.committed = False


@dataclass(frozen=True)
class OutboxMessage:
    queue: str
    message_id: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    # Set: the relay leaves the job alone until then (a hand-off, gateway/pipeline/handoff.py).
    held_until: datetime | None = None
    # A held job this one follows: marked handed over in the transaction that writes this one.
    hands_over: str | None = None
    receipt: CommitReceipt | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    queue: str
    message_id: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class VerzoekRecord:
    verzoeknummer: str
    volgnummer: int | None
    state: str
    doel: str | None
    type: str | None
    naam: str | None
    bevoegd_gezag_oin: str | None
    zaak_url: str | None
    zaak_identificatie: str | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PogingRecord:
    """A version waiting for its next automatic attempt."""

    verzoeknummer: str
    volgnummer: int
    stap: str
    poging: int  # the attempts made so far
    max_pogingen: int
    volgende_om: datetime


@dataclass(frozen=True)
class VersieRecord:
    verzoeknummer: str
    volgnummer: int
    state: str
    doel: str | None
    oin: str | None
    attempts: int
    last_error: str | None
    failed_stage: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class EventRecord:
    id: int
    verzoeknummer: str
    volgnummer: int | None
    at: datetime
    kind: str
    detail: str | None
    actor: str | None


@dataclass(frozen=True)
class ArchiveRecord:
    id: int
    verzoeknummer: str
    volgnummer: int
    kind: str
    document_id: str | None
    bestandsnaam: str | None
    path: str
    size: int
    sha256: str
    media_type: str | None


def row_dict(row: Any) -> dict[str, Any]:
    """A SQLAlchemy Row, or a row that is a dict already (gateway/store/driver_sql.py)."""
    return dict(row) if isinstance(row, dict) else dict(row._mapping)
