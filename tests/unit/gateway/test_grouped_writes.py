"""GroupedWrites: writes that arrive while a group is being written go into the next group, one
commit for all of them; each caller gets its own result or error, after the commit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.events import FETCH
from gateway.store import OutboxMessage, SqlStore, State
from gateway.store.grouped import GroupedWrites


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gw.db'}")
    yield store
    store.close()


def commits(store: SqlStore) -> list[int]:
    done: list[int] = []
    sa.event.listen(store.engine, "commit", lambda _conn: done.append(1))
    return done


def notification(store: SqlStore, n: int, volgnummer: int = 1) -> Any:
    vnr = f"2026031{n:06d}"
    return partial(
        store.record_notification, vnr, volgnummer, None, OutboxMessage(FETCH, f"m-{n}-{volgnummer}", b"{}")
    )


def test_writes_waiting_behind_a_group_are_committed_together(store: SqlStore) -> None:
    writes = GroupedWrites(store)
    release = threading.Event()

    def blocker() -> bool:
        release.wait(10)  # the first group is "committing" while the others arrive
        return bool(notification(store, 0)())

    committed = commits(store)
    first = writes.submit(blocker)
    rest = [writes.submit(notification(store, n)) for n in range(1, 21)]
    release.set()

    assert first.result(10) is True
    assert [f.result(10) for f in rest] == [True] * 20
    assert len(committed) <= 2  # one commit per write before
    versies = store.all_versies()
    assert len(versies) == 21 and {v.state for v in versies} == {State.RECEIVED}
    writes.close()


def test_a_write_that_fails_fails_alone_and_a_duplicate_is_told(store: SqlStore) -> None:
    writes = GroupedWrites(store)
    release = threading.Event()

    def broken() -> None:
        release.wait(10)
        raise ValueError("on purpose")

    bad = writes.submit(broken)
    good = writes.submit(notification(store, 1))
    again = writes.submit(notification(store, 1))  # the same version, in the same group
    release.set()

    with pytest.raises(ValueError, match="on purpose"):
        bad.result(10)
    assert good.result(10) is True
    assert again.result(10) is False
    assert [e.kind for e in store.events_for("2026031000001")] == ["received", "duplicate-notification"]
    writes.close()
    with pytest.raises(RuntimeError, match="closed"):
        writes.submit(notification(store, 2))
