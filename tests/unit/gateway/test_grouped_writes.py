"""GroupedWrites: writes that arrive while a group is being written go into the next group, one
commit for all of them; each caller gets its own result or error, after the commit. And
SqlStore.record_notifications, the intake's group write, ends as record_notification one after
another would."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

from gateway.events import FETCH
from gateway.store import Notification, OutboxMessage, SqlStore, State
from gateway.store.grouped import GroupedWrites
from gateway.store.queries import VerzoekFilter, search_verzoeken
from gateway.store.schema import metadata


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gw.db'}")
    yield store
    store.close()


def commits(store: SqlStore) -> list[int]:
    done: list[int] = []
    sa.event.listen(store.engine, "commit", lambda _conn: done.append(1))
    return done


def notification(vnr: str, volgnummer: int | None, oin: str | None = None, n: int = 0) -> Notification:
    job = OutboxMessage(FETCH, f"m-{vnr}-{volgnummer}-{n}", b"{}")
    return Notification(vnr, volgnummer, oin, job, detail=f"notificatie {n}")


class Held:
    """A group write that waits until released: the next writes queue up behind it."""

    def __init__(self, store: SqlStore, fail: Exception | None = None) -> None:
        self.store = store
        self.release = threading.Event()
        self.first = True
        self.fail = fail

    def one(self, n: Notification) -> bool:
        self._hold()
        return self.store.record_notifications([n])[0]

    def many(self, ns: Sequence[Notification]) -> list[bool]:
        self._hold()
        return self.store.record_notifications(ns)

    def _hold(self) -> None:
        if self.first:
            self.first = False
            self.release.wait(10)
            if self.fail is not None:
                raise self.fail


def test_writes_waiting_behind_a_group_are_committed_together(store: SqlStore) -> None:
    held = Held(store)
    writes = GroupedWrites(store, held.one, held.many)
    committed = commits(store)
    first = writes.submit(notification("2026031000000", 1))
    rest = [writes.submit(notification(f"2026031{n:06d}", 1)) for n in range(1, 21)]
    held.release.set()

    assert first.result(10) is True
    assert [f.result(10) for f in rest] == [True] * 20
    assert len(committed) <= 2  # one commit per notification before
    versies = store.all_versies()
    assert len(versies) == 21 and {v.state for v in versies} == {State.RECEIVED}
    writes.close()
    with pytest.raises(RuntimeError, match="closed"):
        writes.submit(notification("2026031000099", 1))


class Fussy(Held):
    """Its group write always fails; written alone, the verzoek ending in 13 fails."""

    def one(self, n: Notification) -> bool:
        if n.verzoeknummer.endswith("13"):
            raise ValueError("on purpose")
        return super().one(n)

    def many(self, ns: Sequence[Notification]) -> list[bool]:
        raise ValueError("the group write fails")


def test_when_the_group_write_fails_each_is_written_alone(store: SqlStore) -> None:
    fussy = Fussy(store)
    writes = GroupedWrites(store, fussy.one, fussy.many)
    blocker = writes.submit(notification("2026031000000", 1))  # held: a group of its own
    futures = [writes.submit(notification(f"20260310000{n}", 1)) for n in (11, 12, 13, 12)]
    fussy.release.set()

    assert blocker.result(10) is True
    assert futures[0].result(10) is True and futures[1].result(10) is True
    with pytest.raises(ValueError, match="on purpose"):
        futures[2].result(10)
    assert futures[3].result(10) is False  # the same version again, in the same group
    assert sorted(v.verzoeknummer for v in store.all_versies()) == [
        "2026031000000",
        "2026031000011",
        "2026031000012",
    ]
    writes.close()


SEQUENCE = [
    notification("2026031000001", None, None, 1),  # no volgnummer: only the verzoek
    notification("2026031000001", 1, "00000001001", 2),
    notification("2026031000001", 1, None, 3),  # duplicate in the same group
    notification("2026031000002", 2, None, 4),  # known before, newer version
    notification("2026031000002", 1, "00000001002", 5),  # known before: a duplicate
    notification("2026031000003", 1, None, 6),  # known before: a duplicate too
    notification("2026031000004", 3, None, 7),
    notification("2026031000004", 2, None, 8),  # older after newer, both new
    notification("2026031000005", 1, "00000001005", 9),  # known before at 2: an older version
]


def _state(store: SqlStore) -> tuple[object, ...]:
    verzoeken = search_verzoeken(store, VerzoekFilter(), limit=100)[0]
    return (
        sorted((v.verzoeknummer, v.volgnummer, str(v.state), v.oin) for v in store.all_versies()),
        sorted((v.verzoeknummer, v.volgnummer, str(v.state), v.bevoegd_gezag_oin) for v in verzoeken),
        [
            [(e.volgnummer, e.kind, e.detail) for e in store.events_for(nr)]
            for nr in sorted({n.verzoeknummer for n in SEQUENCE})
        ],
        store.pending_outbox(),
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_group_ends_as_one_notification_after_another(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """On PostgreSQL the group's rows go into their tables in one statement (insert_tables)."""
    group_url = f"sqlite:///{tmp_path / 'group.db'}"
    if backend == "postgresql":
        group_url = request.getfixturevalue("postgres_url")
    stores = [SqlStore.from_url(f"sqlite:///{tmp_path / 'one.db'}"), SqlStore.from_url(group_url)]
    with stores[1].engine.begin() as conn:  # the session's PostgreSQL database: from empty tables
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    for s in stores:
        s.record_notification("2026031000002", 1, None, OutboxMessage(FETCH, "m-before-2", b"{}"))
        s.record_notification("2026031000003", 1, None, OutboxMessage(FETCH, "m-before-3", b"{}"))
        s.record_notification("2026031000005", 2, None, OutboxMessage(FETCH, "m-before-5", b"{}"))
    one, group = stores
    expected = [
        one.record_notification(n.verzoeknummer, n.volgnummer, n.oin, n.job, detail=n.detail)
        for n in SEQUENCE
    ]

    assert (
        group.record_notifications(SEQUENCE)
        == expected
        == [True, True, False, True, False, False, True, True, True]
    )
    assert _state(group) == _state(one)
    for s in stores:
        s.close()
