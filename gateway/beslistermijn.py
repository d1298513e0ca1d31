"""The beslistermijn per verzoek, as staff see it: when the besluit is due and which open zaken
come close to it.

The report stage records it (checkpoint "beslistermijn", write-once: the first version's receipt
counts); a zaak is closed when the case system reports its eindstatus (checkpoint
"zaak-afgesloten", written by gateway/zaakstatus.py). Suspension (opschorting) is the case
system's business: the date shown is the one without it, as on the zaak."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gateway.store import SqlStore

CHECKPOINT = "beslistermijn"
AFGESLOTEN = "zaak-afgesloten"


@dataclass(frozen=True)
class Termijn:
    verzoeknummer: str
    uiterlijk: date
    procedure: str
    weken: int
    afgesloten: bool

    def dagen_over(self, vandaag: date) -> int:
        return (self.uiterlijk - vandaag).days

    def nadert(self, vandaag: date, dagen: int) -> bool:
        """Open, and due within `dagen` days (or overdue)."""
        return not self.afgesloten and self.dagen_over(vandaag) <= dagen


def record(store: SqlStore, verzoeknummer: str, *, uiterlijk: date, procedure: str, weken: int) -> None:
    store.checkpoints_put(verzoeknummer, checkpoint(uiterlijk=uiterlijk, procedure=procedure, weken=weken))


def checkpoint(*, uiterlijk: date, procedure: str, weken: int) -> dict[str, dict[str, object]]:
    """The checkpoint as {key: value}, for a caller that writes it with its own commit."""
    return {CHECKPOINT: {"uiterlijk": uiterlijk.isoformat(), "procedure": procedure, "weken": weken}}


def termijn(store: SqlStore, verzoeknummer: str) -> Termijn | None:
    value = store.checkpoint_get(verzoeknummer, CHECKPOINT)
    if value is None:
        return None
    return _termijn(verzoeknummer, value, store.checkpoint_get(verzoeknummer, AFGESLOTEN) is not None)


def naderend(store: SqlStore, vandaag: date, dagen: int) -> list[Termijn]:
    """Open zaken due within `dagen` days or overdue, the most urgent first."""
    afgesloten = {vnr for vnr, _ in store.checkpoints_named(AFGESLOTEN)}
    termijnen = [_termijn(vnr, v, vnr in afgesloten) for vnr, v in store.checkpoints_named(CHECKPOINT)]
    return sorted((t for t in termijnen if t.nadert(vandaag, dagen)), key=lambda t: t.uiterlijk)


def _termijn(verzoeknummer: str, value: dict[str, object], afgesloten: bool) -> Termijn:
    return Termijn(
        verzoeknummer,
        date.fromisoformat(str(value["uiterlijk"])),
        str(value.get("procedure", "")),
        int(str(value.get("weken", 0))),
        afgesloten,
    )
