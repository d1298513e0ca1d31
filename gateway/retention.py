"""Archive retention: the bijlagen and PDFs of finished verzoeken do not stay here for ever.

The case system is where a verzoek's documents live once delivered; our archive copy exists to
deliver and to retry. Keeping months of bijlagen (with their personal data) in a second place goes
against data minimisation (AVG) and fills the disk, so `dso-gateway archive purge` removes them
once every version of a verzoek is done and nothing has happened to it for the retention period.

Kept: the STAM XML of every version (small, and the next aanvulling is compared with it) and all
store rows and events, which hold no BSN. A verzoek with a failed or parked version keeps its
files: staff may still retry it. A later aanvulling whose unchanged bijlagen were purged simply
fetches them from DSO again (the fetch stage only reuses what the archive still has).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
import structlog

from gateway import logboek
from gateway.store import SqlStore, State
from gateway.store import schema as t

log = structlog.get_logger(__name__)

# Done for good; FAILED and PARKED are final too, but staff may still act on them.
PURGEABLE_STATES = frozenset({State.REPORTED, State.REROUTED, State.SKIPPED, State.SUPERSEDED, State.HANDLED})
PURGED_KINDS = ("document", "pdf")


@dataclass(frozen=True)
class _File:
    row_id: int
    path: Path
    size: int


@dataclass(frozen=True)
class PurgeResult:
    verzoeken: int
    files: int
    bytes: int


def _eligible_verzoeken(store: SqlStore, cutoff: datetime) -> list[str]:
    v = t.versies
    blocking = sa.select(v.c.verzoeknummer).where(v.c.state.not_in([str(s) for s in PURGEABLE_STATES]))
    query = (
        sa.select(v.c.verzoeknummer)
        .where(v.c.verzoeknummer.not_in(blocking))
        .group_by(v.c.verzoeknummer)
        .having(sa.func.max(v.c.updated_at) < cutoff)
    )
    with store.engine.connect() as conn:
        return [str(nr) for nr in conn.execute(query).scalars()]


def periodic_purge(store: SqlStore, retention_days: float) -> PurgeResult:
    """The worker's scheduled run (DSOGW_ARCHIVE_PURGE_INTERVAL); every worker may run it."""
    return purge_archive(store, older_than=timedelta(days=retention_days))


def purge_archive(
    store: SqlStore, *, older_than: timedelta, dry_run: bool = False, now: datetime | None = None
) -> PurgeResult:
    """Remove the bijlagen and PDFs of verzoeken finished more than `older_than` ago."""
    cutoff = (now or datetime.now(UTC)) - older_than
    nummers = _eligible_verzoeken(store, cutoff)
    a = t.archive
    by_verzoek: dict[str, list[_File]] = defaultdict(list)
    with store.engine.connect() as conn:
        for start in range(0, len(nummers), 500):  # keep the IN list within every database's limits
            chunk = nummers[start : start + 500]
            query = sa.select(a.c.id, a.c.verzoeknummer, a.c.path, a.c.size).where(
                a.c.verzoeknummer.in_(chunk), a.c.kind.in_(PURGED_KINDS)
            )
            for row_id, nummer, path, size in conn.execute(query):
                by_verzoek[str(nummer)].append(_File(int(row_id), Path(path), int(size)))
    files_total = sum(len(files) for files in by_verzoek.values())
    bytes_total = sum(f.size for files in by_verzoek.values() for f in files)
    result = PurgeResult(len(by_verzoek), files_total, bytes_total)
    if dry_run:
        return result
    days = older_than.total_seconds() / 86400
    for verzoeknummer, files in by_verzoek.items():
        # Files first, then the rows: a crash in between leaves rows pointing at nothing, which the
        # next run removes; the other order would leave files nobody knows about.
        for f in files:
            f.path.unlink(missing_ok=True)
        with store.engine.begin() as conn:
            deleted = conn.execute(a.delete().where(a.c.id.in_([f.row_id for f in files]))).rowcount
        if not deleted:
            continue  # another worker purged this verzoek at the same moment and records it
        logboek.archief_opgeschoond(store, verzoeknummer, len(files))
        size = sum(f.size for f in files)
        store.add_event(
            verzoeknummer,
            None,
            "archive-purged",
            f"{len(files)} bijlage(n) en PDF's ({size / 1_000_000:.1f} MB) uit het archief verwijderd, "
            f"{days:g} dagen na afronding; het STAM-bericht blijft bewaard",
        )
        log.info("archive.purged", verzoeknummer=verzoeknummer, files=len(files), bytes=size)
    return result
