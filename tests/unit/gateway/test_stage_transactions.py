"""How many store transactions the translate stage takes per verzoek, and which of them write.

On SQLite every write transaction takes the database-wide write lock (BEGIN IMMEDIATE), which
all consumer threads and workers share: bookkeeping that can be one write must be one write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


@pytest.fixture
def ctx(tmp_path: Path) -> StageContext:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gw.db'}")
    return StageContext(Settings(data_dir=tmp_path), store, Archive(tmp_path / "archive", store))


def begins(store: SqlStore) -> list[str]:
    """The BEGIN statements sent from now on: "BEGIN IMMEDIATE" writes, "BEGIN" only reads."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("BEGIN"):
            seen.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", record)
    return seen


def test_translate_writes_the_description_once_and_the_outcome_once(ctx: StageContext) -> None:
    fetched(ctx, VERBOUWING, 1, example("verbouwing-initieren"))
    sent = begins(ctx.store)

    TranslateStage(ctx, RecordingDelivery()).handle(StageJob(VERBOUWING, 1))
    writes = [s for s in sent if s == "BEGIN IMMEDIATE"]

    versie = ctx.store.get_versie(VERBOUWING, 1)
    assert versie is not None and versie.state == State.DELIVERED
    record = ctx.store.get_verzoek(VERBOUWING)
    assert record is not None and record.naam  # the description was written
    checkpoints = len(ctx.store.checkpoints_for(VERBOUWING))
    # The description (summary + search terms), each checkpoint, the Logboek Dataverwerkingen
    # record of the registration (its own append-only table), the transition with its job.
    assert checkpoints >= 1
    with ctx.store.engine.connect() as conn:
        logged = conn.execute(sa.select(sa.func.count()).select_from(schema.logboek)).scalar_one()
    assert logged == 1
    assert len(writes) == 1 + checkpoints + logged + 1
