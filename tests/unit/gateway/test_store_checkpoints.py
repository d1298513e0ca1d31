"""StoreCheckpoints: one read per delivery, every write durable before `put` returns, except the
ones the adapter lets the store write behind (until the next durable one or the end)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.pipeline.checkpoints import StoreCheckpoints
from gateway.store import SqlStore

VNR = "2026031000101"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gw.db'}")
    yield store
    store.close()


def statements(store: SqlStore) -> list[str]:
    """The SQL the store sends from now on, checkpoints table only."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "checkpoints" in statement:
            seen.append(statement.split(maxsplit=1)[0].upper())

    sa.event.listen(store.engine, "before_cursor_execute", record)
    return seen


def test_reads_are_served_from_one_query(store: SqlStore) -> None:
    store.checkpoint_put(VNR, "zaak", {"url": "https://zaken/1"})
    store.checkpoint_put("2026031000999", "zaak", {"url": "https://zaken/other"})
    sent = statements(store)
    checkpoints = StoreCheckpoints(store, VNR)

    for _ in range(5):
        assert checkpoints.get("zaak") == {"url": "https://zaken/1"}
        assert checkpoints.get("rol:initiator") is None

    assert sent == ["SELECT"]


def test_a_put_is_durable_before_it_returns_and_reads_nothing(store: SqlStore) -> None:
    checkpoints = StoreCheckpoints(store, VNR)
    checkpoints.get("zaak")  # loaded
    sent = statements(store)

    checkpoints.put("zaak:pending", {})
    # Another connection (a restarted worker) sees it at once.
    assert StoreCheckpoints(store, VNR).get("zaak:pending") == {}
    assert sent[0] == "INSERT"
    assert sent.count("INSERT") == 1
    assert checkpoints.get("zaak:pending") == {}


def test_the_first_value_stands_and_a_known_key_is_not_written_again(store: SqlStore) -> None:
    checkpoints = StoreCheckpoints(store, VNR)
    checkpoints.put("document:DOC-1", {"url": "eerste"})
    sent = statements(store)

    checkpoints.put("document:DOC-1", {"url": "tweede"})

    assert sent == []
    assert checkpoints.get("document:DOC-1") == {"url": "eerste"}
    assert store.checkpoint_get(VNR, "document:DOC-1") == {"url": "eerste"}


def test_a_key_written_by_another_delivery_since_the_load_takes_the_stored_value(store: SqlStore) -> None:
    ours = StoreCheckpoints(store, VNR)
    assert ours.get("zaak") is None  # loaded before the other delivery wrote
    StoreCheckpoints(store, VNR).put("zaak", {"url": "https://zaken/van-de-ander"})

    ours.put("zaak", {"url": "https://zaken/van-ons"})

    assert ours.get("zaak") == {"url": "https://zaken/van-de-ander"}
    assert store.checkpoint_get(VNR, "zaak") == {"url": "https://zaken/van-de-ander"}


def test_what_a_caller_changes_in_a_value_does_not_change_the_checkpoint(store: SqlStore) -> None:
    checkpoints = StoreCheckpoints(store, VNR)
    value = {"url": "https://zaken/1"}
    checkpoints.put("zaak", value)
    value["url"] = "gewijzigd"
    got = checkpoints.get("zaak")
    assert got is not None
    got["url"] = "ook gewijzigd"

    assert checkpoints.get("zaak") == {"url": "https://zaken/1"}


def test_nothing_is_read_until_a_checkpoint_is_asked_for(store: SqlStore) -> None:
    sent = statements(store)
    StoreCheckpoints(store, VNR)
    assert sent == []


def _behind(key: str, value: dict[str, Any]) -> bool:
    return not key.endswith(":pending")  # results wait, markers do not


def transactions(store: SqlStore) -> list[int]:
    begun: list[int] = []
    sa.event.listen(store.engine, "begin", lambda _conn: begun.append(1))
    return begun


def test_a_result_written_behind_goes_with_the_next_marker_in_one_transaction(store: SqlStore) -> None:
    checkpoints = StoreCheckpoints(store, VNR, _behind)
    checkpoints.get("zaak")  # loaded
    begun = transactions(store)

    checkpoints.put("zaak", {"url": "https://zaken/1"})
    checkpoints.put("v1:rol:initiator", {"url": "https://rollen/1"})
    assert begun == []  # nothing written yet
    assert checkpoints.get("zaak") == {"url": "https://zaken/1"}  # this delivery knows it

    checkpoints.put("v1:status:pending", {"datumStatusGezet": "2026-03-10T10:00:00Z"})
    # A restarted worker sees the marker and everything before it, written at once.
    assert set(store.checkpoints_for(VNR)) == {"zaak", "v1:rol:initiator", "v1:status:pending"}
    assert len(begun) == 2  # the one write, and the read just now
    assert checkpoints.unwritten() == {}


def test_flush_writes_what_waited_and_the_first_value_stands(store: SqlStore) -> None:
    checkpoints = StoreCheckpoints(store, VNR, _behind)
    assert checkpoints.get("zaak") is None
    StoreCheckpoints(store, VNR).put("zaak", {"url": "https://zaken/van-de-ander"})
    checkpoints.put("zaak", {"url": "https://zaken/van-ons"})
    checkpoints.put("v1:status", {"url": "https://statussen/1"})

    checkpoints.flush()

    assert store.checkpoints_for(VNR) == {
        "zaak": {"url": "https://zaken/van-de-ander"},
        "v1:status": {"url": "https://statussen/1"},
    }
    assert checkpoints.get("zaak") == {"url": "https://zaken/van-de-ander"}
    assert checkpoints.unwritten() == {}


def test_a_transition_writes_what_waited_in_its_own_transaction(store: SqlStore) -> None:
    from gateway.events import FETCH
    from gateway.store import OutboxMessage, State

    store.record_notification(VNR, 1, None, OutboxMessage(FETCH, "m-1", b"{}"))
    store.transition(VNR, 1, to=State.FETCHED, event="fetched")
    checkpoints = StoreCheckpoints(store, VNR, _behind)
    checkpoints.put("zaak", {"url": "https://zaken/1"})
    begun = transactions(store)

    store.transition(
        VNR,
        1,
        to=State.DELIVERED,
        event="delivered",
        expect={State.FETCHED},
        checkpoints=checkpoints.unwritten(),
    )

    assert len(begun) == 1
    assert store.checkpoints_for(VNR) == {"zaak": {"url": "https://zaken/1"}}
