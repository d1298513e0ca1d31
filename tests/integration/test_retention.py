"""Archive retention on SQLite and PostgreSQL: bijlagen and PDFs of verzoeken done for longer than
the retention go; the STAM XML, anything still in progress, failed or parked, and recent work stay."""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.archive import Archive
from gateway.bootstrap import bootstrap
from gateway.cli.archive import add_archive_commands
from gateway.retention import purge_archive
from gateway.settings import APELDOORN_OIN, Settings
from gateway.store import OutboxMessage, SqlStore, State
from gateway.store.schema import metadata

LATER = datetime.now(UTC) + timedelta(days=100)
DONE, IN_PROGRESS, FAILED = "2026010100001", "2026010100002", "2026010100003"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    url = (
        f"sqlite:///{tmp_path / 'gateway.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    s = SqlStore.from_url(url)
    with s.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    yield s
    s.close()


def _version(store: SqlStore, archive: Archive, nr: str, volgnummer: int, path: list[State]) -> None:
    store.record_notification(
        nr, volgnummer, APELDOORN_OIN, OutboxMessage("dso.fetch", f"{nr}-{volgnummer}", b"{}")
    )
    archive.put_bytes(nr, volgnummer, "stam", b"<verzoek/>", "samenvatting.xml")
    archive.put_bytes(
        nr, volgnummer, "pdf", b"%PDF-1.4 samenvatting", "verzoek.pdf", media_type="application/pdf"
    )
    doc = archive.document_path(nr, volgnummer, f"DOC-{volgnummer}")
    doc.write_bytes(b"x" * 1000)
    archive.register_file(
        nr, volgnummer, kind="document", path=doc, size=1000, sha256="0" * 64,
        document_id=f"DOC-{volgnummer}", bestandsnaam="tekening.pdf", media_type="application/pdf",
    )  # fmt: skip
    for state in path:
        store.transition(nr, volgnummer, to=state, event=str(state))


def _kinds(store: SqlStore, nr: str) -> list[str]:
    return sorted(r.kind for r in store.archive_for(nr))


def test_only_bijlagen_of_verzoeken_done_long_enough_are_purged(store: SqlStore, tmp_path: Path) -> None:
    archive = Archive(tmp_path / "archive", store)
    _version(store, archive, DONE, 1, [State.FETCHED, State.DELIVERED, State.REPORTED])
    _version(store, archive, DONE, 2, [State.FETCHED, State.DELIVERED, State.REPORTED])
    _version(store, archive, IN_PROGRESS, 1, [State.FETCHED, State.DELIVERED, State.REPORTED])
    _version(store, archive, IN_PROGRESS, 2, [State.FETCHED])  # an aanvulling being delivered
    _version(store, archive, FAILED, 1, [State.FAILED])  # staff may still retry it
    done_files = [Path(r.path) for r in store.archive_for(DONE) if r.kind != "stam"]

    # Not yet: everything finished today, the retention is 30 days.
    assert purge_archive(store, older_than=timedelta(days=30)).files == 0

    dry = purge_archive(store, older_than=timedelta(days=30), now=LATER, dry_run=True)
    assert (dry.verzoeken, dry.files, dry.bytes) == (1, 4, 2 * (1000 + len(b"%PDF-1.4 samenvatting")))
    assert all(p.exists() for p in done_files)

    result = purge_archive(store, older_than=timedelta(days=30), now=LATER)
    assert result == dry
    assert _kinds(store, DONE) == ["stam", "stam"]
    assert not any(p.exists() for p in done_files)
    assert archive.stam(DONE, 2) == b"<verzoek/>"  # the next aanvulling is compared with it
    assert archive.find_document(DONE, "DOC-1") is None  # so a later fetch downloads it again
    assert _kinds(store, IN_PROGRESS) == ["document", "document", "pdf", "pdf", "stam", "stam"]
    assert _kinds(store, FAILED) == ["document", "pdf", "stam"]
    [event] = [e for e in store.events_for(DONE) if e.kind == "archive-purged"]
    assert "4 bijlage(n)" in (event.detail or "")

    # A second run finds nothing more to do.
    assert purge_archive(store, older_than=timedelta(days=30), now=LATER).files == 0


def test_cli_needs_a_retention_and_reports_what_it_did(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    add_archive_commands(parser.add_subparsers(dest="command", required=True))
    settings = Settings(data_dir=tmp_path)
    args = parser.parse_args(["archive", "purge", "--dry-run"])
    assert args.func(settings, args) == 2
    assert "DSOGW_ARCHIVE_RETENTION_DAYS" in capsys.readouterr().out
    args = parser.parse_args(["archive", "purge", "--older-than", "90"])
    assert args.func(settings, args) == 0
    assert capsys.readouterr().out.startswith("archive purge: removed 0 file(s)")


def test_the_worker_purges_on_its_own_when_a_retention_is_set(tmp_path: Path) -> None:
    # A retention of about a tenth of a second, checked every 50 ms.
    settings = Settings(data_dir=tmp_path, archive_retention_days=1e-6, archive_purge_interval=0.05)
    container = bootstrap(settings)
    try:
        _version(
            container.store, container.archive, DONE, 1, [State.FETCHED, State.DELIVERED, State.REPORTED]
        )
        worker = container.worker()
        worker.start()
        try:
            deadline = time.monotonic() + 10
            while _kinds(container.store, DONE) != ["stam"] and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            worker.stop()
        assert _kinds(container.store, DONE) == ["stam"]
        # The runs after it find nothing more to do: the purge is on the timeline once.
        assert [e.kind for e in container.store.events_for(DONE)].count("archive-purged") == 1
    finally:
        container.close()
