"""Logboek Dataverwerkingen: keyed hashes, the register, the export CLI, retention, trace ids."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from pydantic import SecretStr

from gateway.cli import main
from gateway.logboek import exporteer, installeer, periodic_jobs, purge, vastleggingen, voor
from gateway.logboek.register import DEFAULT_REGISTER, RegisterError, load_register
from gateway.logboek.sleutel import KEY_FILE, subject_hash
from gateway.settings import Settings
from gateway.store import SqlStore
from stam_mapping import parse_verzoek

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "stam" / "valid"
BSN = "999993653"  # in fixture 01


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **extra)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> SqlStore:
    s = SqlStore.from_url(f"sqlite:///{tmp_path / 'gateway.db'}")
    installeer(_settings(tmp_path, logboek_sleutel=SecretStr("sleutel-a")), s)
    return s


def test_the_hash_is_keyed_same_bsn_other_key_other_hash(tmp_path: Path) -> None:
    a, b = subject_hash(b"key-a", "BSN", BSN), subject_hash(b"key-b", "BSN", BSN)
    assert a != b and a == subject_hash(b"key-a", "BSN", f" {BSN} ")
    assert BSN not in a and len(a) == 64
    # Also through the installed logboeken: two installations with different keys.
    one = SqlStore.from_url(f"sqlite:///{tmp_path / 'one.db'}")
    two = SqlStore.from_url(f"sqlite:///{tmp_path / 'two.db'}")
    h1 = installeer(_settings(tmp_path, logboek_sleutel=SecretStr("k1")), one).bsn(BSN)
    h2 = installeer(_settings(tmp_path, logboek_sleutel=SecretStr("k2")), two).bsn(BSN)
    assert h1.id != h2.id and h1.soort == h2.soort == "natuurlijk persoon"


def test_without_a_key_setting_one_is_generated_once_per_installation(tmp_path: Path) -> None:
    s = SqlStore.from_url(f"sqlite:///{tmp_path / 'gateway.db'}")
    first = installeer(_settings(tmp_path), s).bsn(BSN)
    key_file = tmp_path / KEY_FILE
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = installeer(_settings(tmp_path), s).bsn(BSN)  # another process of the installation
    assert first == again
    key_file.unlink()
    assert installeer(_settings(tmp_path), s).bsn(BSN) != first  # a new installation, a new key


def test_subjects_of_a_verzoek_are_types_and_hashes_never_the_bsn(store: SqlStore) -> None:
    verzoek = parse_verzoek((FIXTURES / "01-dakkapel-initieren.xml").read_bytes())
    subjects = voor(store).betrokkenen(verzoek)
    assert subjects and {s.soort for s in subjects} <= {"natuurlijk persoon", "niet-natuurlijk persoon"}
    assert voor(store).bsn(BSN) in subjects
    assert all(BSN not in json.dumps(s.as_json()) for s in subjects)


def test_register_ships_every_activity_and_refuses_an_incomplete_one(tmp_path: Path) -> None:
    register = load_register(DEFAULT_REGISTER)
    assert register["ophalen"].doel and register["ophalen"].uri.endswith(":ophalen")
    partial = tmp_path / "register.yaml"
    partial.write_text("verwerkingsactiviteiten:\n  ophalen: {doel: x}\n", encoding="utf-8")
    with pytest.raises(RegisterError, match="missing activities archiveren"):
        load_register(partial)
    broken = tmp_path / "broken.yaml"
    broken.write_text("verwerkingsactiviteiten: [", encoding="utf-8")
    with pytest.raises(RegisterError, match=str(broken)):
        load_register(broken)
    nodoel = tmp_path / "nodoel.yaml"
    nodoel.write_text("verwerkingsactiviteiten:\n  ophalen: {naam: x}\n", encoding="utf-8")
    with pytest.raises(RegisterError, match="needs a 'doel'"):
        load_register(nodoel)


def test_trace_and_span_come_from_the_active_span(store: SqlStore) -> None:
    context = SpanContext(
        trace_id=0x0AF7651916CD43DD8448EB211C80319C,
        span_id=0xB7AD6B7169203331,
        is_remote=False,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    with trace.use_span(NonRecordingSpan(context)):
        voor(store).vastleggen("ophalen", name="fetch", actor="test", betrokkenen=[])
    voor(store).vastleggen("ophalen", name="fetch", actor="test", betrokkenen=[])  # no active span
    traced, untraced = vastleggingen(store)
    assert (traced.trace_id, traced.span_id) == ("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331")
    assert len(untraced.trace_id) == 32 and untraced.trace_id != traced.trace_id


def test_retention_deletes_only_records_older_than_it(store: SqlStore, tmp_path: Path) -> None:
    boek = voor(store)
    old = datetime.now(UTC) - timedelta(days=40)
    boek.vastleggen("ophalen", name="fetch", actor="t", betrokkenen=[boek.bsn(BSN)], start_time=old)
    boek.vastleggen("archiveren", name="archive", actor="t", betrokkenen=[boek.bsn(BSN)])
    assert purge(store, retention_days=30) == 1
    assert [v.verwerkingsactiviteit for v in vastleggingen(store)] == ["archiveren"]
    assert purge(store, retention_days=30) == 0
    # The workers' job exists only with a retention set, and runs the same purge.
    assert periodic_jobs(_settings(tmp_path), store) == []
    [(interval, job)] = periodic_jobs(_settings(tmp_path, logboek_retention_days=1), store)
    assert interval == _settings(tmp_path).archive_purge_interval
    assert job() == 0


def test_export_writes_standard_field_names_and_records_itself(store: SqlStore) -> None:
    import io

    boek = voor(store)
    boek.vastleggen("ophalen", name="fetch", actor="w", betrokkenen=[boek.bsn(BSN)], verzoeknummer="1" * 13)
    out = io.StringIO()
    assert exporteer(store, out, since=datetime(2020, 1, 1, tzinfo=UTC), actor="cli:test") == 1
    [line] = [json.loads(x) for x in out.getvalue().splitlines()]
    assert {"trace_id", "operation_id", "status_code", "name", "start_time", "end_time"} <= line.keys()
    assert line["attributes"]["dpl.core.processing_activity_id"].endswith(":ophalen")
    [subject] = line["attributes"]["dpl.core.data_subjects"]
    assert subject["dpl.core.data_subject_id"] == boek.bsn(BSN).id
    assert subject["dpl.core.data_subject_id_type"] == "BSN" and BSN not in out.getvalue()
    assert [v.verwerkingsactiviteit for v in vastleggingen(store)] == ["ophalen", "logboek-export"]


def test_export_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DSOGW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DSOGW_LOGBOEK_SLEUTEL", "cli-sleutel")
    s = SqlStore.from_url(f"sqlite:///{tmp_path / 'gateway.db'}")
    boek = installeer(Settings(), s)
    boek.vastleggen("ophalen", name="fetch", actor="w", betrokkenen=[boek.bsn(BSN)])
    boek.vastleggen(
        "archiveren", name="archive", actor="w", betrokkenen=[], start_time=datetime(2019, 5, 1, tzinfo=UTC)
    )
    capsys.readouterr()  # the setup's log lines (structlog unconfigured until main() runs)
    assert main(["logboek", "export", "--since", "2020-01-01"]) == 0
    out, err = capsys.readouterr()
    lines = [json.loads(x) for x in out.splitlines()]
    assert [x["name"] for x in lines] == ["fetch"]  # the 2019 record is before --since
    assert "1 vastlegging(en)" in err and BSN not in out
    # The export is on the logboek now, so the next export shows it.
    assert main(["logboek", "export", "--since", "2020-01-01"]) == 0
    names = [json.loads(x)["name"] for x in capsys.readouterr().out.splitlines()]
    assert names == ["fetch", "export"]
    with pytest.raises(SystemExit) as exc:
        main(["logboek", "export", "--since", "gisteren"])
    assert exc.value.code == 2 and "not a date" in capsys.readouterr().err


def test_archive_purge_is_recorded_with_the_subjects_of_the_fetch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gateway.archive import Archive
    from gateway.retention import purge_archive
    from gateway.settings import APELDOORN_OIN
    from gateway.store import OutboxMessage, State

    # Opened as `dso-gateway archive purge` opens it: no bootstrap, the key from the environment.
    monkeypatch.setenv("DSOGW_LOGBOEK_SLEUTEL", "purge-sleutel")
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'purge.db'}")
    nr = "2026010100001"
    archive = Archive(tmp_path / "archive", store)
    store.record_notification(nr, 1, APELDOORN_OIN, OutboxMessage("dso.fetch", f"{nr}-1", b"{}"))
    archive.put_bytes(nr, 1, "pdf", b"%PDF-1.4 x", "verzoek.pdf", media_type="application/pdf")
    for state in (State.FETCHED, State.DELIVERED, State.REPORTED):
        store.transition(nr, 1, to=state, event=str(state))
    boek = voor(store)
    boek.vastleggen("ophalen", name="fetch", actor="w", betrokkenen=[boek.bsn(BSN)], verzoeknummer=nr)

    purge_archive(store, older_than=timedelta(days=30), now=datetime.now(UTC) + timedelta(days=100))
    [purged] = [v for v in vastleggingen(store) if v.verwerkingsactiviteit == "archief-opschonen"]
    assert purged.verzoeknummer == nr and purged.attributes == {"bestanden": 1}
    assert purged.betrokkenen == [{"soort": "natuurlijk persoon", "id_type": "BSN",
                                   "id": subject_hash(b"purge-sleutel", "BSN", BSN)}]  # fmt: skip


@pytest.mark.postgres
def test_subject_filter_and_retention_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    store = SqlStore.from_url(postgres_url)
    try:
        boek = installeer(_settings(tmp_path, logboek_sleutel=SecretStr("pg-sleutel")), store)
        old = datetime.now(UTC) - timedelta(days=400)
        boek.vastleggen("ophalen", name="fetch", actor="w", betrokkenen=[boek.bsn(BSN)], start_time=old)
        boek.vastleggen("archiveren", name="archive", actor="w", betrokkenen=[boek.bsn(BSN)])
        boek.vastleggen("archiveren", name="archive", actor="w", betrokkenen=[boek.bsn("111222333")])
        mine = boek.bsn(BSN).id
        assert [v.name for v in vastleggingen(store, subject_id=mine)] == ["fetch", "archive"]
        assert purge(store, retention_days=365) == 1
        [left] = vastleggingen(store, subject_id=mine)
        assert left.start_time.tzinfo is not None and left.betrokkenen[0]["id"] == mine
    finally:
        store.close()
