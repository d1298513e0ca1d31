"""The report stage: what the gateway owes once the zaak exists, and nothing DSO does not document."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.memory import RecordingDelivery
from gateway.archive import Archive
from gateway.events import StageJob
from gateway.pipeline.context import StageContext
from gateway.pipeline.report import ReportStage
from gateway.pipeline.translate import TranslateStage
from gateway.reporting import RecordingStatusReporter
from gateway.settings import Settings
from gateway.store import SqlStore, State
from tests.unit.gateway.test_translate_stage import VERBOUWING, example, fetched


def _ctx(tmp_path: Path, **settings: object) -> StageContext:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gw.db'}")
    return StageContext(Settings(data_dir=tmp_path, **settings), store, Archive(tmp_path / "archive", store))  # type: ignore[arg-type]


def _delivered(ctx: StageContext) -> None:
    fetched(ctx, VERBOUWING, 1, example("verbouwing-initieren"))
    TranslateStage(ctx, RecordingDelivery()).handle(StageJob(VERBOUWING, 1))
    versie = ctx.store.get_versie(VERBOUWING, 1)
    assert versie is not None and versie.state == State.DELIVERED


def test_production_defaults_report_without_calling_dso(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    assert ctx.settings.dso_samenwerking_koppelen is False and ctx.settings.dso_samenwerking_url is None
    _delivered(ctx)
    reporter = RecordingStatusReporter()
    ReportStage(ctx, reporter).handle(StageJob(VERBOUWING, 1, action="link"))
    versie = ctx.store.get_versie(VERBOUWING, 1)
    assert versie is not None and versie.state == State.REPORTED and versie.last_error is None
    assert reporter.links == [] and reporter.reroutes == []
    reported = [e for e in ctx.store.events_for(VERBOUWING) if e.kind == "reported"]
    assert len(reported) == 1 and "niets aan DSO gemeld" in (reported[0].detail or "")


def test_samenwerking_link_only_on_explicit_opt_in(tmp_path: Path) -> None:
    ctx = _ctx(
        tmp_path, dso_samenwerking_koppelen=True, dso_samenwerking_url="http://127.0.0.1:1/samenwerken"
    )
    _delivered(ctx)
    reporter = RecordingStatusReporter()
    stage = ReportStage(ctx, reporter)
    stage.handle(StageJob(VERBOUWING, 1, action="link"))
    stage.handle(StageJob(VERBOUWING, 1, action="link"))  # redelivered: linked once
    record = ctx.store.get_verzoek(VERBOUWING)
    assert record is not None
    assert reporter.links == [(VERBOUWING, ctx.settings.default_oin, record.zaak_identificatie)]


def test_opt_in_without_url_is_refused_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="dso_samenwerking_url"):
        Settings(data_dir=tmp_path, dso_samenwerking_koppelen=True)
