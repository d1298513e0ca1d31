"""One contract suite for the Store, run against SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

import pytest

from gateway.store import CommitReceipt, OutboxMessage, OutboxRow, SqlStore, State
from gateway.store.queries import VerzoekFilter, search_verzoeken

VNR = "2024031400042"
OIN = "00000001001600820000"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'gateway.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    s = SqlStore.from_url(url)
    if request.param == "postgresql":
        # Each test starts from empty tables in the session's database.
        from gateway.store.schema import metadata

        with s.engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
    yield s
    s.close()


def job(n: int, queue: str = "dso.fetch") -> OutboxMessage:
    return OutboxMessage(
        queue=queue, message_id=f"m-{n}", body=f"body-{n}".encode(), headers={"ce-id": f"m-{n}"}
    )


def test_notification_is_stored_with_its_job(store: SqlStore) -> None:
    assert store.record_notification(VNR, 1, OIN, job(1))
    versie = store.get_versie(VNR, 1)
    assert versie is not None and versie.state == State.RECEIVED
    assert store.pending_outbox() == 1
    record = store.get_verzoek(VNR)
    assert record is not None and record.state == State.RECEIVED and record.bevoegd_gezag_oin == OIN


def test_duplicate_notification_is_a_no_op_on_the_timeline(store: SqlStore) -> None:
    store.record_notification(VNR, 1, OIN, job(1))
    assert not store.record_notification(VNR, 1, OIN, job(2))
    assert store.pending_outbox() == 1
    assert [e.kind for e in store.events_for(VNR)] == ["received", "duplicate-notification"]


def test_transition_with_expect_makes_redelivery_a_no_op(store: SqlStore) -> None:
    store.record_notification(VNR, 1, OIN, job(1))
    assert store.transition(VNR, 1, to=State.FETCHED, event="fetched", expect={State.RECEIVED}, job=job(2))
    assert not store.transition(
        VNR, 1, to=State.FETCHED, event="fetched", expect={State.RECEIVED}, job=job(3)
    )
    assert store.pending_outbox() == 2


def test_a_failed_job_write_rolls_back_the_state_change(store: SqlStore) -> None:
    store.record_notification(VNR, 1, OIN, job(1))
    with pytest.raises(Exception):  # noqa: B017 - the unique message_id violation, backend-specific type
        store.transition(VNR, 1, to=State.FETCHED, event="fetched", job=job(1))
    versie = store.get_versie(VNR, 1)
    assert versie is not None and versie.state == State.RECEIVED


def test_older_version_does_not_overwrite_the_summary(store: SqlStore) -> None:
    store.record_notification(VNR, 2, OIN, job(1))
    store.transition(VNR, 2, to=State.FETCHED, event="fetched")
    store.record_notification(VNR, 1, OIN, job(2))
    record = store.get_verzoek(VNR)
    assert record is not None and record.volgnummer == 2 and record.state == State.FETCHED


def test_a_transition_checks_its_expectation_and_makes_a_missing_verzoek_row(store: SqlStore) -> None:
    from datetime import UTC, datetime

    from gateway.store import schema

    with pytest.raises(KeyError):
        store.transition(VNR, 1, to=State.FETCHED, event="fetched", expect={State.RECEIVED})
    now = datetime.now(UTC)
    with store.engine.begin() as conn:  # a version whose verzoek row is missing
        conn.execute(
            schema.versies.insert().values(
                verzoeknummer=VNR, volgnummer=1, state="received", attempts=0, created_at=now, updated_at=now
            )
        )
    assert not store.transition(VNR, 1, to=State.FETCHED, event="fetched", expect=set())  # nothing meets it
    assert store.get_verzoek(VNR) is None
    summary = {"zaak_url": "http://zaak/1"}
    assert store.transition(
        VNR, 1, to=State.FETCHED, event="fetched", expect={State.RECEIVED}, summary=summary
    )
    record = store.get_verzoek(VNR)
    assert record is not None and (record.volgnummer, record.state, record.zaak_url) == (
        1,
        "fetched",
        "http://zaak/1",
    )
    assert [e.kind for e in store.events_for(VNR)] == ["fetched"]


def test_failure_is_recorded_with_reason(store: SqlStore) -> None:
    store.record_notification(VNR, 1, OIN, job(1))
    store.record_failure(VNR, 1, stage="translate", reason="mapping gap: activiteit X")
    versie = store.get_versie(VNR, 1)
    assert versie is not None and versie.state == State.FAILED and versie.failed_stage == "translate"
    record = store.get_verzoek(VNR)
    assert record is not None and record.last_error == "mapping gap: activiteit X"
    assert store.events_for(VNR)[-1].kind == "failed-translate"


def test_checkpoints_keep_the_first_result(store: SqlStore) -> None:
    assert store.checkpoint_get(VNR, "zaak") is None
    assert store.checkpoint_put(VNR, "zaak", {"url": "http://zaak/1"}) == {"url": "http://zaak/1"}
    # A second put says which value stands: the first.
    assert store.checkpoint_put(VNR, "zaak", {"url": "http://zaak/2"}) == {"url": "http://zaak/1"}
    assert store.checkpoint_get(VNR, "zaak") == {"url": "http://zaak/1"}
    assert store.checkpoints_for(VNR) == {"zaak": {"url": "http://zaak/1"}}


def test_several_checkpoints_at_once_keep_their_values_and_the_first_result(store: SqlStore) -> None:
    """One put of many keys (a delivery's write-behind checkpoints): values of every JSON kind
    come back as they went in, and a key that was already there keeps its first value."""
    store.checkpoint_put(VNR, "zaak", {"url": "http://zaak/1"})
    values = {
        "zaak": {"url": "http://zaak/2"},
        "rol:initiator": {"url": "http://rol/1", "n": 3, "f": 2.5, "ok": True, "leeg": None},
        "document:DOC-0001": {"naam": "Tekening één — €", "delen": [1, {"x": "y"}], "quote": 'a"b\\c'},
        "status:ontvangen": {},
    }
    stood = store.checkpoints_put(VNR, values)
    assert stood == {**values, "zaak": {"url": "http://zaak/1"}}
    assert store.checkpoints_for(VNR) == stood
    assert store.checkpoints_put(VNR, {"status:ontvangen": {"again": 1}}) == {"status:ontvangen": {}}


def test_outbox_relay_marks_only_what_was_published(store: SqlStore) -> None:
    for n in range(3):
        store.record_notification(f"20240314{n:05d}", 1, OIN, job(n))
    seen: list[str] = []

    def flaky(row: OutboxRow) -> None:
        if row.message_id == "m-1":
            raise ConnectionError("broker down")
        seen.append(row.message_id)

    with pytest.raises(ConnectionError):
        store.relay_outbox(flaky)
    # m-0 was confirmed before the failure: it stays marked, so it is not published twice...
    assert store.pending_outbox() == 2
    published: list[str] = []
    store.relay_outbox(lambda row: published.append(row.message_id))
    # ...and nothing is lost: m-1 and m-2 are still to be published, in order.
    assert published == ["m-1", "m-2"]
    assert store.pending_outbox() == 0


def test_a_held_job_waits_for_its_worker_or_for_its_hold_to_run_out(store: SqlStore) -> None:
    """Hand-off (gateway/pipeline/handoff.py): the relay leaves a held row alone; the worker marks
    it handed over, or releases it, or dies and the hold runs out."""
    from datetime import UTC, datetime, timedelta

    later = datetime.now(UTC) + timedelta(minutes=5)
    store.record_notification(VNR, 1, OIN, job(1))
    relayed: list[str] = []
    assert store.relay_outbox(lambda row: relayed.append(row.message_id)) == 1
    for n, held_until in ((2, later), (3, later), (4, later), (5, datetime.now(UTC) - timedelta(seconds=1))):
        store.enqueue(dataclasses.replace(job(n, "dso.translate"), held_until=held_until))
    # Held: not for the relay; a hold that ran out (m-5, a worker that died) is.
    assert [n for n in ("m-2", "m-3", "m-4", "m-5") if store.outbox_held(n)] == ["m-2", "m-3", "m-4", "m-5"]
    assert store.relay_outbox(lambda row: relayed.append(row.message_id)) == 1
    assert relayed == ["m-1", "m-5"] and not store.outbox_held("m-5")
    # Run by its worker: as published.
    assert store.outbox_handed_over("m-2")
    assert not store.outbox_held("m-2") and not store.outbox_handed_over("m-2")
    # Given back: the relay publishes it on its next round.
    store.outbox_release("m-3")
    assert store.relay_outbox(lambda row: relayed.append(row.message_id)) == 1
    assert relayed[-1] == "m-3"
    # A renewal moves the hold (here into the past, as if the worker had stopped renewing it).
    store.outbox_renew_holds(["m-4"], datetime.now(UTC) - timedelta(seconds=1))
    assert store.relay_outbox(lambda row: relayed.append(row.message_id)) == 1
    assert relayed[-1] == "m-4" and store.pending_outbox() == 0


def test_a_transition_queues_its_job_and_takes_over_the_held_one(store: SqlStore) -> None:
    """The next stage's job, written with the transition that causes it (PostgreSQL: with its
    event in one statement), marks the job the stage ran as handed over, in the same commit."""
    from datetime import UTC, datetime, timedelta

    later = datetime.now(UTC) + timedelta(minutes=5)
    store.record_notification(VNR, 1, OIN, job(1))
    store.enqueue(dataclasses.replace(job(2, "dso.translate"), held_until=later))
    receipt = CommitReceipt()
    nxt = dataclasses.replace(job(3, "dso.report"), held_until=later, hands_over="m-2", receipt=receipt)
    assert store.transition(VNR, 1, to=State.FETCHED, event="fetched", detail="opgehaald", job=nxt)
    assert receipt.committed
    assert not store.outbox_held("m-2") and store.outbox_held("m-3")  # m-2 ran, m-3 waits
    assert [(e.kind, e.detail) for e in store.events_for(VNR)][-1] == ("fetched", "opgehaald")
    relayed: list[OutboxRow] = []
    assert store.relay_outbox(relayed.append) == 1  # m-1: neither m-2 (handed over) nor m-3 (held)
    store.outbox_release("m-3")
    assert store.relay_outbox(relayed.append) == 1
    assert [(r.message_id, r.queue, r.body, r.headers) for r in relayed] == [
        ("m-1", "dso.fetch", b"body-1", {"ce-id": "m-1"}),
        ("m-3", "dso.report", b"body-3", {"ce-id": "m-3"}),
    ]
    # An expectation that does not hold writes neither the event nor the job.
    assert not store.transition(VNR, 1, to=State.DELIVERED, event="x", expect={State.RECEIVED}, job=job(4))
    assert store.events_for(VNR)[-1].kind == "fetched" and store.pending_outbox() == 0


def _with_receipt(n: int) -> tuple[OutboxMessage, CommitReceipt]:
    receipt = CommitReceipt()
    return dataclasses.replace(job(n, "dso.translate"), receipt=receipt), receipt


def test_a_jobs_receipt_is_set_when_its_transaction_commits_and_only_then(store: SqlStore) -> None:
    """The hand-off trusts a job's receipt instead of reading the row back (gateway/pipeline/worker.py)."""
    alone, alone_receipt = _with_receipt(1)
    store.enqueue(alone)
    assert alone_receipt.committed
    grouped, grouped_receipt = _with_receipt(2)
    with store.together():
        store.enqueue(grouped)
        assert not grouped_receipt.committed  # written, not committed yet
    assert grouped_receipt.committed
    undone, undone_receipt = _with_receipt(3)
    with pytest.raises(RuntimeError), store.together():
        store.enqueue(undone)
        raise RuntimeError("the stage failed after its write")
    assert not undone_receipt.committed and store.pending_outbox() == 2
    # The rolled-back receipt is forgotten: a later commit does not set it.
    later, later_receipt = _with_receipt(4)
    store.enqueue(later)
    assert later_receipt.committed and not undone_receipt.committed and store.pending_outbox() == 3


def test_concurrent_relays_publish_each_row_once(store: SqlStore) -> None:
    for n in range(40):
        store.record_notification(f"20240315{n:05d}", 1, OIN, job(n))
    published: list[str] = []
    lock = threading.Lock()

    def publish(row: OutboxRow) -> None:
        with lock:
            published.append(row.message_id)

    def relay() -> None:
        while store.relay_outbox(publish, limit=5):
            pass

    threads = [threading.Thread(target=relay) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(published) == sorted(f"m-{n}" for n in range(40))


def test_list_search_and_paging(store: SqlStore) -> None:
    for n in range(5):
        vnr = f"20240316{n:05d}"
        store.record_notification(vnr, 1, OIN, job(n))
        store.update_summary(vnr, naam=f"Dakkapel {n}", zaak_identificatie=f"ZAAK-{n}")
    rows, total = search_verzoeken(store, VerzoekFilter(), limit=2)
    assert total == 5 and len(rows) == 2
    assert rows[0].verzoeknummer == "2024031600004"  # newest first
    assert search_verzoeken(store, VerzoekFilter(zoek="ZAAK-3"))[0][0].verzoeknummer == "2024031600003"
    assert search_verzoeken(store, VerzoekFilter(zoek="dakkapel 2"))[1] == 1
    assert search_verzoeken(store, VerzoekFilter(zoek="2024031600001"))[1] == 1
    assert store.counts_by_state() == {"received": 5}


def test_a_search_pages_with_its_total_on_every_page_and_past_the_last(store: SqlStore) -> None:
    """A search reads its total from the page's rows (one query): every page, the last one
    short, and a page past the end (no rows to carry it) must still give the full total."""
    for n in range(7):
        vnr = f"20240316{n:05d}"
        store.record_notification(vnr, 1, OIN, job(n))
        store.update_summary(vnr, naam=f"Dakkapel {n}" if n != 3 else "Aanbouw", zaak_identificatie=f"Z-{n}")
    seen: list[str] = []
    for offset in (0, 2, 4):
        rows, total = search_verzoeken(store, VerzoekFilter(zoek="dakkapel"), offset=offset, limit=2)
        assert total == 6
        seen += [r.verzoeknummer for r in rows]
        assert all(r.naam and r.naam.startswith("Dakkapel") for r in rows)
    assert seen == [f"20240316{n:05d}" for n in (6, 5, 4, 2, 1, 0)]  # newest first, none twice
    assert search_verzoeken(store, VerzoekFilter(zoek="dakkapel"), offset=6, limit=2) == ([], 6)
    assert search_verzoeken(store, VerzoekFilter(zoek="kapschuur"), limit=2) == ([], 0)
    assert search_verzoeken(store, VerzoekFilter(zoek="kapschuur"), offset=4, limit=2) == ([], 0)


def test_describe_writes_the_summary_and_replaces_the_search_terms(store: SqlStore) -> None:
    store.record_notification(VNR, 1, OIN, job(1))
    summary = {"doel": "aanvraag", "type": "vergunning", "naam": "Dakkapel", "activiteiten": "a.1\nb.2"}
    store.describe(VNR, summary, "dakkapel jansen kerkstraat", "")
    store.describe(VNR, {**summary, "naam": "Dakkapel achter"}, "dakkapel pietersen dorpsweg", "")
    record = store.get_verzoek(VNR)
    assert record is not None and (record.naam, record.doel, record.type) == (
        "Dakkapel achter",
        "aanvraag",
        "vergunning",
    )
    assert search_verzoeken(store, VerzoekFilter(activiteit="b.2"))[1] == 1
    assert search_verzoeken(store, VerzoekFilter(zoek="pietersen"))[1] == 1
    assert search_verzoeken(store, VerzoekFilter(zoek="jansen"))[1] == 0  # replaced, not added
    # A verzoek the store does not know yet gets its search row; there is no summary to update.
    store.describe("2024031699999", summary, "onbekend", "")
    assert store.get_verzoek("2024031699999") is None


def test_archive_index(store: SqlStore) -> None:
    store.add_archive(VNR, 1, kind="stam", path="/a/x.xml", size=10, sha256="0" * 64)
    store.add_archive(VNR, 2, kind="document", path="/a/d", size=5, sha256="1" * 64, document_id="DOC-1")
    assert [a.kind for a in store.archive_for(VNR)] == ["stam", "document"]
    assert [a.document_id for a in store.archive_for(VNR, 2)] == ["DOC-1"]


def test_many_files_of_a_version_are_indexed_in_order(store: SqlStore) -> None:
    """A fetch indexes all its files in one write; more than one multi-row INSERT's worth too."""
    files = [
        {
            "kind": "document",
            "path": f"/a/{n}",
            "size": n,
            "sha256": f"{n:064d}",
            "document_id": f"DOC-{n:04d}",
            "bestandsnaam": f"bijlage {n}.pdf",
            "media_type": "application/pdf" if n % 2 else None,
        }
        for n in range(1, 151)
    ]
    store.add_archive_files(VNR, 1, files)
    stored = store.archive_for(VNR, 1)
    assert [(a.document_id, a.size, a.media_type) for a in stored] == [
        (f["document_id"], f["size"], f["media_type"]) for f in files
    ]


def test_a_file_archived_again_at_the_same_path_replaces_its_row(store: SqlStore) -> None:
    # A retried fetch writes the STAM XML again: one row, with what was written last.
    store.add_archive(VNR, 1, kind="stam", path="/a/x.xml", size=10, sha256="0" * 64)
    store.add_archive(VNR, 1, kind="stam", path="/a/x.xml", size=12, sha256="2" * 64)
    store.add_archive(VNR, 2, kind="stam", path="/a/v2.xml", size=11, sha256="3" * 64)
    assert [(a.volgnummer, a.size) for a in store.archive_for(VNR)] == [(1, 12), (2, 11)]


def test_several_files_indexed_at_once_replace_their_rows_as_one_by_one_would(store: SqlStore) -> None:
    # A fetch indexes its files in one write; a retried fetch's files replace the first one's.
    def files(size: int) -> list[dict[str, object]]:
        return [
            {
                "kind": kind,
                "path": f"/a/{name}",
                "size": size,
                "sha256": "0" * 64,
                "document_id": document_id,
                "bestandsnaam": name,
                "media_type": None,
            }
            for kind, name, document_id in (
                ("stam", "x.xml", None),
                ("pdf", "v.pdf", None),
                ("document", "d", "D1"),
            )
        ]

    store.add_archive(VNR, 1, kind="document", path="/a/other", size=1, sha256="1" * 64, document_id="D0")
    store.add_archive_files(VNR, 1, files(10))
    store.add_archive_files(VNR, 1, files(12))
    store.add_archive_files(VNR, 1, [])
    index = store.archive_for(VNR, 1)
    assert sorted((a.path, a.size) for a in index) == [
        ("/a/d", 12),
        ("/a/other", 1),
        ("/a/v.pdf", 12),
        ("/a/x.xml", 12),
    ]
    assert {a.path: a.document_id for a in index}["/a/d"] == "D1"


def test_a_transition_clears_a_poging_only_where_one_can_be(store: SqlStore) -> None:
    """A version never retried has no pogingen row: its transitions skip the DELETE (one
    statement fewer per stage); a retried one's is cleared by the step that succeeds."""
    import sqlalchemy as sa

    deletes: list[str] = []
    sa.event.listen(
        store.engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: (
            deletes.append(statement) if "DELETE FROM pogingen" in statement else None
        ),
    )
    store.record_notification(VNR, 1, OIN, job(1))
    assert store.transition(VNR, 1, to=State.FETCHED, event="fetched", expect={State.RECEIVED})
    assert deletes == []
    from datetime import UTC, datetime, timedelta

    later = datetime.now(UTC) + timedelta(minutes=1)
    store.record_attempt(
        VNR, 1, stage="translate", reason="ZGW 503", attempt=1, max_attempts=5, next_at=later
    )
    assert (VNR, 1) in store.pogingen_for([VNR])
    assert store.transition(VNR, 1, to=State.DELIVERED, event="delivered", expect={State.FETCHED})
    assert len(deletes) == 1 and store.pogingen_for([VNR]) == {}


def test_the_verzoek_follows_its_newest_version_and_an_older_one_only_adds_facts(store: SqlStore) -> None:
    def verzoek() -> tuple[int | None, str, str | None, str | None]:
        record = store.get_verzoek(VNR)
        assert record is not None
        return record.volgnummer, record.state, record.zaak_url, record.last_error

    store.record_notification(VNR, 2, OIN, job(2))
    assert store.transition(VNR, 2, to=State.FETCHED, event="fetched", expect={State.RECEIVED})
    assert verzoek() == (2, "fetched", None, None)
    store.record_notification(VNR, 1, OIN, job(1))  # an older version arrives late
    assert verzoek() == (2, "fetched", None, None)
    assert store.transition(
        VNR, 1, to=State.DELIVERED, event="delivered", summary={"zaak_url": "http://zrc/zaken/1"}
    )
    assert verzoek() == (2, "fetched", "http://zrc/zaken/1", None)  # a fact, not its state
    store.record_failure(VNR, 2, stage="translate", reason="ZGW weigerde")
    assert verzoek() == (2, "failed", "http://zrc/zaken/1", "ZGW weigerde")
    assert store.transition(VNR, 2, to=State.FETCHED, event="retry", expect={State.FAILED})
    assert verzoek() == (2, "fetched", "http://zrc/zaken/1", None)  # moving on clears the error
    store.record_notification(VNR, 3, OIN, job(3))
    assert verzoek() == (3, "received", "http://zrc/zaken/1", None)
