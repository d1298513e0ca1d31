"""What the translate stage decides for each version: deliver, reroute, skip, park, supersede, wait."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from adapters.base import DeliveryResult
from adapters.memory import RecordingDelivery
from gateway.archive import Archive
from gateway.errors import PermanentError
from gateway.events import REPORT, TRANSLATE, StageJob
from gateway.pipeline.context import StageContext
from gateway.pipeline.translate import TranslateStage
from gateway.pipeline.waiting import release_waiting
from gateway.settings import APELDOORN_OIN, OMGEVINGSDIENST_OIN, Settings
from gateway.store import OutboxMessage, SqlStore, State
from gateway.store.schema import archive as archive_table
from stam_mapping import parse_verzoek

EXAMPLES = resources.files("dso_client.sandbox.examples")
VERBOUWING = "2026031000101"


def example(name: str) -> bytes:
    return EXAMPLES.joinpath(f"{name}.xml").read_bytes()


@pytest.fixture
def ctx(tmp_path: Path) -> StageContext:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gw.db'}")
    return StageContext(Settings(data_dir=tmp_path), store, Archive(tmp_path / "archive", store))


@pytest.fixture
def delivery() -> RecordingDelivery:
    return RecordingDelivery()


def fetched(ctx: StageContext, vnr: str, volgnummer: int, xml: bytes) -> None:
    """Put a version in the state the fetch stage leaves it in."""
    job = OutboxMessage(queue="dso.fetch", message_id=f"n-{vnr}-{volgnummer}", body=b"{}")
    ctx.store.record_notification(vnr, volgnummer, APELDOORN_OIN, job)
    ctx.archive.put_bytes(vnr, volgnummer, "stam", xml, "samenvatting.xml")
    for doc in parse_verzoek(xml).documenten():
        path = ctx.archive.document_path(vnr, volgnummer, doc.document_id)
        path.write_bytes(b"%PDF-1.4 test")
        ctx.archive.register_file(
            vnr,
            volgnummer,
            kind="document",
            path=path,
            size=13,
            sha256="0" * 64,
            document_id=doc.document_id,
            bestandsnaam=doc.bestandsnaam,
            media_type="application/pdf",
        )
    ctx.store.transition(vnr, volgnummer, to=State.FETCHED, event="fetched")


def state(ctx: StageContext, vnr: str, volgnummer: int) -> str:
    versie = ctx.store.get_versie(vnr, volgnummer)
    assert versie is not None
    return versie.state


def queued(ctx: StageContext) -> list[str]:
    out: list[str] = []
    ctx.store.relay_outbox(lambda row: out.append(row.queue))
    return [q for q in out if q != "dso.fetch"]


def test_delivers_and_queues_the_report(ctx: StageContext, delivery: RecordingDelivery) -> None:
    fetched(ctx, VERBOUWING, 1, example("verbouwing-initieren"))
    TranslateStage(ctx, delivery).handle(StageJob(VERBOUWING, 1))
    assert state(ctx, VERBOUWING, 1) == State.DELIVERED
    assert queued(ctx) == [REPORT]
    record = ctx.store.get_verzoek(VERBOUWING)
    assert record is not None and record.zaak_url and record.doel == "Initiëren"
    # Redelivered: a no-op, nothing delivered twice.
    TranslateStage(ctx, delivery).handle(StageJob(VERBOUWING, 1))
    assert len(delivery.zaken) == 1


def test_aanvulling_waits_for_an_older_version_in_flight(
    ctx: StageContext, delivery: RecordingDelivery
) -> None:
    """Issue 14, item 2: waiting is not an attempt. The aanvulling rests in WAITING without a
    job and without a retry; when version 1 is delivered its translate job is queued once."""
    fetched(ctx, VERBOUWING, 1, example("verbouwing-initieren"))
    fetched(ctx, VERBOUWING, 2, example("verbouwing-aanvullen"))
    queued(ctx)  # the fetch jobs of the set-up
    stage = TranslateStage(ctx, delivery)
    stage.handle(StageJob(VERBOUWING, 2))  # no exception: nothing for the worker to count
    assert state(ctx, VERBOUWING, 2) == State.WAITING
    versie = ctx.store.get_versie(VERBOUWING, 2)
    assert versie is not None and versie.attempts == 0
    assert release_waiting(ctx) == 0 and queued(ctx) == []  # version 1 still in flight
    stage.handle(StageJob(VERBOUWING, 1))
    assert state(ctx, VERBOUWING, 2) == State.FETCHED
    assert sorted(queued(ctx)) == [REPORT, TRANSLATE]  # v1's report, v2's translate: once
    assert release_waiting(ctx) == 0  # a second sweep queues nothing more
    stage.handle(StageJob(VERBOUWING, 2))
    assert state(ctx, VERBOUWING, 2) == State.DELIVERED
    assert len(delivery.zaken) == 1  # the aanvulling went to the same zaak


def test_a_failed_older_version_releases_the_waiting_one(
    ctx: StageContext, delivery: RecordingDelivery
) -> None:
    fetched(ctx, VERBOUWING, 1, example("verbouwing-initieren"))
    fetched(ctx, VERBOUWING, 2, example("verbouwing-aanvullen"))
    TranslateStage(ctx, delivery).handle(StageJob(VERBOUWING, 2))
    ctx.store.record_failure(VERBOUWING, 1, stage="translate", reason="ZRC antwoordde 400")
    queued(ctx)
    assert release_waiting(ctx) == 1 and queued(ctx) == [TRANSLATE]


def test_waiting_has_a_generous_limit_in_time(ctx: StageContext, delivery: RecordingDelivery) -> None:
    fetched(ctx, VERBOUWING, 1, example("verbouwing-initieren"))
    fetched(ctx, VERBOUWING, 2, example("verbouwing-aanvullen"))
    TranslateStage(ctx, delivery).handle(StageJob(VERBOUWING, 2))
    assert ctx.settings.max_wait_for_older_version >= 24
    impatient = StageContext(
        ctx.settings.model_copy(update={"max_wait_for_older_version": 1e-9}), ctx.store, ctx.archive
    )
    release_waiting(impatient)
    versie = ctx.store.get_versie(VERBOUWING, 2)
    assert versie is not None and versie.state == State.FAILED and versie.failed_stage == "translate"
    assert "eerdere versie(s) 1" in (versie.last_error or "")


def test_older_version_after_a_newer_one_is_superseded(
    ctx: StageContext, delivery: RecordingDelivery
) -> None:
    fetched(ctx, VERBOUWING, 2, example("verbouwing-aanvullen"))
    stage = TranslateStage(ctx, delivery)
    stage.handle(StageJob(VERBOUWING, 2))  # an aanvulling for a verzoek we never saw: a new zaak
    fetched(ctx, VERBOUWING, 1, example("verbouwing-initieren"))
    stage.handle(StageJob(VERBOUWING, 1))
    assert state(ctx, VERBOUWING, 1) == State.SUPERSEDED
    assert len(delivery.zaken) == 1
    record = ctx.store.get_verzoek(VERBOUWING)
    assert record is not None and record.volgnummer == 2


def test_intrekking_of_an_unknown_verzoek_is_parked(ctx: StageContext, delivery: RecordingDelivery) -> None:
    fetched(ctx, "2026031100202", 2, example("sloop-intrekken"))
    TranslateStage(ctx, delivery).handle(StageJob("2026031100202", 2))
    assert state(ctx, "2026031100202", 2) == State.PARKED
    assert len(delivery.zaken) == 0


def test_wrong_bevoegd_gezag_is_rerouted_not_delivered(
    ctx: StageContext, delivery: RecordingDelivery
) -> None:
    other = b"00000001234567890000"
    xml = example("kap-percelen").replace(APELDOORN_OIN.encode(), other)
    fetched(ctx, "2026031300404", 1, xml)
    TranslateStage(ctx, delivery).handle(StageJob("2026031300404", 1))
    assert state(ctx, "2026031300404", 1) == State.FETCHED
    assert queued(ctx) == [REPORT]
    assert len(delivery.zaken) == 0


def test_kopiebericht_is_recorded_and_skipped(ctx: StageContext, delivery: RecordingDelivery) -> None:
    settings = ctx.settings.model_copy(update={"our_oins": [APELDOORN_OIN]})
    ctx = StageContext(settings, ctx.store, ctx.archive)
    xml = example("melding-opslag-gemachtigde")
    assert OMGEVINGSDIENST_OIN.encode() in xml
    fetched(ctx, "2026031200303", 1, xml)
    TranslateStage(ctx, delivery).handle(StageJob("2026031200303", 1))
    assert state(ctx, "2026031200303", 1) == State.SKIPPED
    assert len(delivery.zaken) == 0
    assert TRANSLATE not in queued(ctx)


def test_a_document_dso_did_not_list_fails_with_its_real_cause(
    ctx: StageContext, delivery: RecordingDelivery
) -> None:
    """Issue 14, item 10: not "unexpected ZGW answer: KeyError", but what is really wrong."""
    xml = example("verbouwing-initieren")
    fetched(ctx, VERBOUWING, 1, xml)
    [first, *_] = parse_verzoek(xml).documenten()
    with ctx.store.engine.begin() as conn:  # as if DSO's referenties had not listed it
        conn.execute(archive_table.delete().where(archive_table.c.document_id == first.document_id))
    with pytest.raises(PermanentError, match="verzoekreferenties niet") as info:
        TranslateStage(ctx, delivery).handle(StageJob(VERBOUWING, 1))
    assert first.document_id in str(info.value) and "KeyError" not in str(info.value)
    assert delivery.zaken == {} or len(delivery.zaken) == 0


def test_a_stam_about_another_verzoek_is_refused(ctx: StageContext, delivery: RecordingDelivery) -> None:
    """Issue 14, item 10: DSO's samenvatting must be the version we asked for."""
    other = example("verbouwing-initieren").replace(VERBOUWING.encode(), b"2026031000999")
    fetched(ctx, VERBOUWING, 1, other)
    with pytest.raises(PermanentError, match="gaat over verzoek 2026031000999"):
        TranslateStage(ctx, delivery).handle(StageJob(VERBOUWING, 1))
    assert len(delivery.zaken) == 0


class _NotingDelivery(RecordingDelivery):
    """The fake, saying something about the registration (as the ZGW adapter does when it took
    another zaaktype version than the one valid on the indieningsdatum)."""

    def deliver(self, *args: Any, **kwargs: Any) -> DeliveryResult:
        result = super().deliver(*args, **kwargs)
        notitie = "zaaktype X: geen gepubliceerde versie geldig op 2019-06-01; de huidige versie is gebruikt"
        return result.model_copy(update={"notities": (notitie,)})


def test_what_the_adapter_notes_is_on_the_timeline(ctx: StageContext) -> None:
    fetched(ctx, VERBOUWING, 1, example("verbouwing-initieren"))
    TranslateStage(ctx, _NotingDelivery()).handle(StageJob(VERBOUWING, 1))
    [delivered] = [e for e in ctx.store.events_for(VERBOUWING) if e.kind == "delivered"]
    assert "geregistreerd als zaak" in (delivered.detail or "")
    assert "geen gepubliceerde versie geldig op 2019-06-01" in (delivered.detail or "")
