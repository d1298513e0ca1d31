"""How many store transactions the translate stage takes per verzoek, and which of them write.

On SQLite every write transaction takes the database-wide write lock (BEGIN IMMEDIATE), which
all consumer threads and workers share: bookkeeping that can be one write must be one write."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from adapters.memory import RecordingDelivery
from gateway.archive import Archive
from gateway.events import StageJob
from gateway.pipeline.context import StageContext
from gateway.pipeline.translate import TranslateStage
from gateway.settings import Settings
from gateway.store import SqlStore, State, schema
from tests.unit.gateway.test_translate_stage import VERBOUWING, example, fetched
from tests.unit.gateway.transactions import transactions


@pytest.fixture
def ctx(tmp_path: Path) -> StageContext:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gw.db'}")
    return StageContext(Settings(data_dir=tmp_path), store, Archive(tmp_path / "archive", store))


def test_translate_writes_the_description_once_and_the_outcome_once(ctx: StageContext) -> None:
    fetched(ctx, VERBOUWING, 1, example("verbouwing-initieren"))
    sent = transactions(ctx.store)

    TranslateStage(ctx, RecordingDelivery()).handle(StageJob(VERBOUWING, 1))
    writes = [s for s in sent if s == "write"]

    versie = ctx.store.get_versie(VERBOUWING, 1)
    assert versie is not None and versie.state == State.DELIVERED
    record = ctx.store.get_verzoek(VERBOUWING)
    assert record is not None and record.naam  # the description was written
    checkpoints = len(ctx.store.checkpoints_for(VERBOUWING))
    # The description (summary + search terms), each checkpoint (the memory adapter writes
    # none behind), then one transaction for the Logboek Dataverwerkingen record of the
    # registration and the transition with its job.
    assert checkpoints >= 1
    with ctx.store.engine.connect() as conn:
        logged = conn.execute(sa.select(sa.func.count()).select_from(schema.logboek)).scalar_one()
    assert logged == 1
    assert len(writes) == 1 + checkpoints + 1


def test_translate_reads_each_thing_it_needs_once(ctx: StageContext) -> None:
    fetched(ctx, VERBOUWING, 1, example("verbouwing-initieren"))
    sent = transactions(ctx.store)

    TranslateStage(ctx, RecordingDelivery()).handle(StageJob(VERBOUWING, 1))

    # The verzoek's versions (this one's state and the ones it builds on), the STAM's archive
    # record, the archived documents (checked, then delivered), the checkpoints; and after the
    # delivery the versions again, for a newer one that began waiting meanwhile. Before: 8.
    assert len([s for s in sent if s == "read"]) == 5


def test_fetch_writes_its_index_logboek_and_transition_in_one_transaction(ctx: StageContext) -> None:
    from gateway.pipeline.fetch import FetchStage
    from gateway.settings import APELDOORN_OIN
    from gateway.store import OutboxMessage
    from tests.unit.gateway.test_fetch_stage import VNR, dso

    ctx.store.record_notification(VNR, 1, APELDOORN_OIN, OutboxMessage("dso.fetch", "n-1", b"{}"))
    sent = transactions(ctx.store)

    FetchStage(ctx, dso(200)).handle(StageJob(VNR, 1, APELDOORN_OIN))

    # Before: one write per archived file (STAM, PDF, bijlage), one for the Logboek, one for
    # the transition.
    assert [s for s in sent if s == "write"] == ["write"]
    assert {r.kind for r in ctx.store.archive_for(VNR, 1)} == {"stam", "pdf", "document"}
    with ctx.store.engine.connect() as conn:
        logged = conn.execute(sa.select(sa.func.count()).select_from(schema.logboek)).scalar_one()
    assert logged == 2  # ophalen and archiveren
    versie = ctx.store.get_versie(VNR, 1)
    assert versie is not None and versie.state == State.FETCHED


def test_writes_together_are_committed_or_rolled_back_as_one(ctx: StageContext) -> None:
    from gateway.store import OutboxMessage

    store = ctx.store
    store.record_notification(VERBOUWING, 1, None, OutboxMessage("dso.fetch", "n-1", b"{}"))
    store.checkpoint_put(VERBOUWING, "zaak", {"url": "https://zaken/1"})
    with pytest.raises(RuntimeError, match="on purpose"), store.together():
        store.transition(VERBOUWING, 1, to=State.FETCHED, event="fetched")
        store.add_event(VERBOUWING, 1, "note", "written together")
        raise RuntimeError("on purpose")
    versie = store.get_versie(VERBOUWING, 1)
    assert versie is not None and versie.state == State.RECEIVED
    assert [e.kind for e in store.events_for(VERBOUWING)] == ["received"]

    with store.together():
        # A write that fails and is handled (a checkpoint written before) undoes only itself.
        assert store.checkpoint_put(VERBOUWING, "zaak", {"url": "https://zaken/2"}) == {
            "url": "https://zaken/1"
        }
        store.transition(VERBOUWING, 1, to=State.FETCHED, event="fetched")
        store.add_event(VERBOUWING, 1, "note", "written together")
    versie = store.get_versie(VERBOUWING, 1)
    assert versie is not None and versie.state == State.FETCHED
    assert [e.kind for e in store.events_for(VERBOUWING)] == ["received", "fetched", "note"]
