"""The report stage: what the gateway owes once the zaak exists, and nothing DSO does not document."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.memory import RecordingDelivery
from gateway import beslistermijn
from gateway.archive import Archive
from gateway.events import StageJob
from gateway.pipeline.context import StageContext
from gateway.pipeline.report import ReportStage
from gateway.pipeline.translate import TranslateStage
from gateway.reporting import RecordingStatusReporter
from gateway.settings import Settings
from gateway.store import SqlStore, State
from tests.unit.gateway.test_translate_stage import VERBOUWING, example, fetched
from tests.unit.gateway.transactions import transactions


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


# --- the ontvangstbevestiging ---------------------------------------------------------------

from gateway.berichten.afzenden import Berichtendienst  # noqa: E402
from gateway.berichten.bericht import bevat_bsn  # noqa: E402
from gateway.berichten.memory import RecordingKanaal  # noqa: E402
from gateway.berichten.pdf import pdf_text  # noqa: E402
from gateway.berichten.post import PostKanaal  # noqa: E402
from gateway.berichten.zaakdocument import RecordingZaakDocumenten  # noqa: E402
from stam_mapping.mapping import default_mapping  # noqa: E402

TYPEN = {"ontvangstbevestiging": "Ontvangstbevestiging", "statusbericht": "Statusbericht"}


def _stage(ctx: StageContext, mail: RecordingKanaal, zaak: RecordingZaakDocumenten) -> ReportStage:
    dienst = Berichtendienst(
        ctx.store,
        email=mail,
        post=PostKanaal(ctx.settings.effective_post_dir),
        zaakdocumenten=zaak,
        informatieobjecttypen={
            "ontvangstbevestiging": "Ontvangstbevestiging",
            "statusbericht": "Statusbericht",
        },
    )
    return ReportStage(ctx, RecordingStatusReporter(), dienst, default_mapping())


def _deliver(ctx: StageContext, name: str, volgnummer: int = 1) -> str:
    xml = example(name)
    from stam_mapping import parse_verzoek

    vnr = parse_verzoek(xml).verzoeknummer
    fetched(ctx, vnr, volgnummer, xml)
    TranslateStage(ctx, RecordingDelivery()).handle(StageJob(vnr, volgnummer))
    return vnr


def test_ontvangstbevestiging_by_email_with_beslistermijn_once(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    mail, zaak = RecordingKanaal(), RecordingZaakDocumenten()
    vnr = _deliver(ctx, "verbouwing-initieren")
    stage = _stage(ctx, mail, zaak)
    stage.handle(StageJob(vnr, 1, action="link"))
    stage.handle(StageJob(vnr, 1, action="link"))  # redelivered
    [bericht] = mail.verzonden
    record = ctx.store.get_verzoek(vnr)
    assert record is not None and record.state == State.REPORTED
    assert bericht.aan_email == "a.jansen@example.org"
    # receipt date and verzoeknummer; zaaknummer and project; procedure and besluit date; contact
    for expected in (
        "10 maart 2026",
        vnr,
        str(record.zaak_identificatie),
        "Aanbouw achterzijde",
        "reguliere voorbereidingsprocedure",
        "5 mei 2026",
        "vergunningen@apeldoorn.example",
    ):
        assert expected in bericht.tekst, expected
    assert len(zaak.documenten) == 1
    termijn = beslistermijn.termijn(ctx.store, vnr)
    assert termijn is not None and termijn.uiterlijk.isoformat() == "2026-05-05" and termijn.weken == 8
    reported = [e for e in ctx.store.events_for(vnr) if e.kind == "reported"]
    assert "per e-mail verstuurd" in (reported[0].detail or "")


def test_gemachtigde_gets_it_and_the_aanvraag_names_whom_for(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    mail = RecordingKanaal()
    vnr = _deliver(ctx, "melding-opslag-gemachtigde")
    _stage(ctx, mail, RecordingZaakDocumenten()).handle(StageJob(vnr, 1, action="link"))
    [bericht] = mail.verzonden
    assert bericht.aan_email == "k.smit@milieuadvies-oost.example"
    assert "ingediend namens" in bericht.tekst


def test_without_email_a_letter_in_the_zaak_listed_for_post(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    mail, zaak = RecordingKanaal(), RecordingZaakDocumenten()
    vnr = _deliver(ctx, "kap-percelen")
    _stage(ctx, mail, zaak).handle(StageJob(vnr, 1, action="link"))
    assert mail.verzonden == []
    [letter] = list(ctx.settings.effective_post_dir.glob("*.pdf"))
    [(_, document)] = zaak.documenten.values()
    assert document.inhoud == letter.read_bytes()
    assert any(e.kind == "per-post-te-versturen" for e in ctx.store.events_for(vnr))
    versie = ctx.store.get_versie(vnr, 1)
    assert versie is not None and versie.state == State.REPORTED


def test_an_invalid_email_address_in_the_stam_means_a_letter_not_a_failure(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    mail = RecordingKanaal()
    xml = example("verbouwing-initieren").replace(b"a.jansen@example.org", b"a.jansen bij example")
    fetched(ctx, VERBOUWING, 1, xml)
    TranslateStage(ctx, RecordingDelivery()).handle(StageJob(VERBOUWING, 1))
    _stage(ctx, mail, RecordingZaakDocumenten()).handle(StageJob(VERBOUWING, 1, action="link"))
    versie = ctx.store.get_versie(VERBOUWING, 1)
    assert versie is not None and versie.state == State.REPORTED
    assert mail.verzonden == [] and any(
        e.kind == "per-post-te-versturen" for e in ctx.store.events_for(VERBOUWING)
    )


def test_aanvulling_gets_its_own_text_and_the_first_versions_address(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    mail = RecordingKanaal()
    stage = _stage(ctx, mail, RecordingZaakDocumenten())
    _deliver(ctx, "verbouwing-initieren")
    stage.handle(StageJob(VERBOUWING, 1, action="link"))
    _deliver(ctx, "verbouwing-aanvullen", 2)
    stage.handle(StageJob(VERBOUWING, 2, action="link"))
    first, second = mail.verzonden
    assert "aanvulling" in second.onderwerp and "aanvulling" not in first.onderwerp
    assert second.aan_email == first.aan_email == "a.jansen@example.org"
    assert "5 mei 2026" in second.tekst  # the term runs from the first receipt


def test_turned_off_for_a_municipality_whose_case_system_sends_it(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, ontvangstbevestiging_versturen=False)
    mail = RecordingKanaal()
    vnr = _deliver(ctx, "verbouwing-initieren")
    _stage(ctx, mail, RecordingZaakDocumenten()).handle(StageJob(vnr, 1, action="link"))
    assert mail.verzonden == []
    versie = ctx.store.get_versie(vnr, 1)
    assert versie is not None and versie.state == State.REPORTED


def test_no_bsn_in_any_message_sent(tmp_path: Path) -> None:
    """Every shipped example through the report stage; every mail and PDF scanned for the
    examples' BSNs and for anything that passes the 11-proef."""
    from importlib import resources

    from stam_mapping import parse_verzoek

    ctx = _ctx(tmp_path)
    mail, zaak = RecordingKanaal(), RecordingZaakDocumenten()
    stage = _stage(ctx, mail, zaak)
    bsns: set[str] = set()
    for path in sorted(resources.files("dso_client.sandbox.examples").iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".xml"):
            continue
        verzoek = parse_verzoek(path.read_bytes())
        bsns.update(verzoek.bsns())
        if verzoek.doel.value == "Intrekken" or verzoek.volgnummer > 1:
            continue
        _deliver(ctx, path.name.removesuffix(".xml"))
        stage.handle(StageJob(verzoek.verzoeknummer, 1, action="link"))
    assert bsns, "the examples hold BSNs: the scan must have something to look for"
    texts = [f"{b.onderwerp}\n{b.tekst}\n{b.aan_naam}\n{b.aan_adres}" for b in mail.verzonden]
    texts += [pdf_text(d.inhoud) for _, d in zaak.documenten.values()]
    texts += [pdf_text(p.read_bytes()) for p in ctx.settings.effective_post_dir.glob("*.pdf")]
    assert len(mail.verzonden) >= 3 and len(texts) >= 2 * len(mail.verzonden)
    for text in texts:
        assert not any(bsn in text for bsn in bsns)
        assert not bevat_bsn(text)


def test_after_doorsturen_the_initiatiefnemer_hears_of_the_new_bevoegd_gezag_once(tmp_path: Path) -> None:
    from gateway.doorsturen import doorsturen
    from gateway.events import REPORT, parse_job

    ctx = _ctx(tmp_path)
    mail = RecordingKanaal()
    stage = _stage(ctx, mail, RecordingZaakDocumenten())
    vnr = _deliver(ctx, "verbouwing-initieren")
    stage.handle(StageJob(vnr, 1, action="link"))
    ctx.store.relay_outbox(lambda row: None)  # what came before is not this test's business
    uitkomst = doorsturen(
        ctx,
        RecordingStatusReporter(),
        vnr,
        naar_oin="00000001823288444000",
        reden="Behandeling door de omgevingsdienst",
        actor="olga",
        naar_naam="Omgevingsdienst Veluwe IJssel",
    )
    assert uitkomst.geaccepteerd
    jobs: list[StageJob] = []
    ctx.store.relay_outbox(lambda row: jobs.append(parse_job(row.body)[1]) if row.queue == REPORT else None)
    [job] = jobs
    stage.handle(job)
    stage.handle(job)  # redelivered: told once
    berichten = [b for b in mail.verzonden if "andere organisatie" in b.onderwerp]
    assert len(berichten) == 1
    assert "Omgevingsdienst Veluwe IJssel" in berichten[0].tekst and "Behandeling door" in berichten[0].tekst


def test_a_doorsturen_refused_by_dso_is_not_told_to_the_initiatiefnemer(tmp_path: Path) -> None:
    from gateway.doorsturen import doorsturen

    ctx = _ctx(tmp_path)
    vnr = _deliver(ctx, "verbouwing-initieren")
    ctx.store.relay_outbox(lambda row: None)
    naar = "00000001823288444000"
    uitkomst = doorsturen(
        ctx, RecordingStatusReporter(weiger_naar={naar}), vnr, naar_oin=naar, reden="r", actor="olga"
    )
    assert not uitkomst.geaccepteerd
    queued: list[str] = []
    ctx.store.relay_outbox(lambda row: queued.append(row.queue))
    assert queued == []  # the transfer is not real yet: staff settle it first


def test_an_intrekking_waits_until_the_earlier_version_is_reported(tmp_path: Path) -> None:
    """Otherwise the zaak is closed before the ontvangstbevestiging could be stored in it."""
    from gateway.pipeline.waiting import release_waiting

    ctx = _ctx(tmp_path)
    vnr = _deliver(ctx, "sloop-initieren")
    fetched(ctx, vnr, 2, example("sloop-intrekken"))
    translate = TranslateStage(ctx, RecordingDelivery())
    translate.handle(StageJob(vnr, 2))
    waiting = ctx.store.get_versie(vnr, 2)
    assert waiting is not None and waiting.state == State.WAITING  # version 1 is delivered, not told
    release_waiting(ctx, vnr)
    still = ctx.store.get_versie(vnr, 2)
    assert still is not None and still.state == State.WAITING
    _stage(ctx, RecordingKanaal(), RecordingZaakDocumenten()).handle(StageJob(vnr, 1, action="link"))
    release_waiting(ctx, vnr)
    translate.handle(StageJob(vnr, 2))
    versie = ctx.store.get_versie(vnr, 2)
    assert versie is not None and versie.state == State.DELIVERED


# --- what the report costs the store, and what it may leave to its final commit ---------------


def test_an_ontvangstbevestiging_costs_three_commits_and_keeps_the_timeline(tmp_path: Path) -> None:
    """Three commits: the ":poging" before the mail, the ":verzonden" (with its event and the
    Logboek's record) after it, and one for the rest: the message's place in the zaak with the
    REPORTED transition and the beslistermijn. The timeline reads as before."""
    ctx = _ctx(tmp_path)
    mail, zaak = RecordingKanaal(), RecordingZaakDocumenten()
    vnr = _deliver(ctx, "verbouwing-initieren")
    begun = transactions(ctx.store)
    _stage(ctx, mail, zaak).handle(StageJob(vnr, 1, action="link"))

    # Reads: the version, the verzoek, the checkpoints (once). The STAM's archive row is known
    # from the fetch that registered it in this process (Archive.stam).
    assert begun.count("write") == 3 and begun.count("read") == 3
    kinds = [e.kind for e in ctx.store.events_for(vnr)]
    assert kinds[-3:] == ["bericht-verzonden", "bericht-in-zaak", "reported"]
    checkpoints = ctx.store.checkpoints_for(vnr)
    assert checkpoints[f"bericht:{vnr}-1-ontvangst:zaak"] == {
        "url": f"memory://documenten/BER-{vnr}-1-ontvangst"
    }
    assert beslistermijn.termijn(ctx.store, vnr) is not None
    assert len(mail.verzonden) == 1 and len(zaak.documenten) == 1


def test_a_failed_message_still_leaves_the_beslistermijn(tmp_path: Path) -> None:
    """The beslistermijn waits for the final commit, but when the message fails (here: possibly
    sent already, so never sent again) the zaak exists all the same and its termijn runs."""
    from gateway.errors import PermanentError

    ctx = _ctx(tmp_path)
    mail = RecordingKanaal()
    vnr = _deliver(ctx, "verbouwing-initieren")
    ctx.store.checkpoint_put(vnr, f"bericht:{vnr}-1-ontvangst:poging:1", {"kanaal": "email"})

    with pytest.raises(PermanentError, match="mogelijk al per e-mail verstuurd"):
        _stage(ctx, mail, RecordingZaakDocumenten()).handle(StageJob(vnr, 1, action="link"))

    assert mail.verzonden == []
    termijn = beslistermijn.termijn(ctx.store, vnr)
    assert termijn is not None and termijn.uiterlijk.isoformat() == "2026-05-05"


def test_a_crash_before_the_final_commit_stores_nothing_twice(tmp_path: Path) -> None:
    """The worker dies after the message was sent and stored in the zaak but before the final
    commit: what the store then holds is what verstuur(uitstellen=True) wrote itself, its
    Uitkomst lost with the worker. The next delivery sends nothing again and the zaak gets no
    second document."""
    from gateway.berichten import opstellen
    from stam_mapping import parse_verzoek

    ctx = _ctx(tmp_path)
    mail, zaak = RecordingKanaal(), RecordingZaakDocumenten()
    vnr = _deliver(ctx, "verbouwing-initieren")
    stage = _stage(ctx, mail, zaak)
    assert stage.berichten is not None and stage.mapping is not None
    record = ctx.store.get_verzoek(vnr)
    assert record is not None and record.zaak_url
    bericht = opstellen.ontvangstbevestiging(
        parse_verzoek(ctx.archive.stam(vnr, 1)),
        zaaknummer=str(record.zaak_identificatie),
        zaaktype=None,
        berichten=stage.mapping.berichten,
        sjablonen=stage.sjablonen,
        eerste=None,
    )
    lost = stage.berichten.verstuur(vnr, 1, bericht, record.zaak_url, uitstellen=True)
    assert lost.checkpoints and lost.events  # left to the commit that never came
    assert f"bericht:{vnr}-1-ontvangst:zaak" not in ctx.store.checkpoints_for(vnr)
    assert "bericht-in-zaak" not in [e.kind for e in ctx.store.events_for(vnr)]

    stage.handle(StageJob(vnr, 1, action="link"))

    versie = ctx.store.get_versie(vnr, 1)
    assert versie is not None and versie.state == State.REPORTED
    assert len(mail.verzonden) == 1 and len(zaak.documenten) == 1
    kinds = [e.kind for e in ctx.store.events_for(vnr)]
    assert kinds.count("bericht-verzonden") == 1 and kinds.count("bericht-in-zaak") == 1
    assert kinds[-2:] == ["bericht-in-zaak", "reported"]
