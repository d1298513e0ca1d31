"""DSOGW_QUEUE_PREFIX (issue 14, item 11): two installations on one broker do not take each
other's messages, dead letters or replays; the gateway keeps seeing its logical queue names."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from gateway import queue_prefix
from gateway.bootstrap import bootstrap
from gateway.events import FETCH, STAGES
from gateway.settings import Settings


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_two_installations_on_one_broker_keep_their_messages(tmp_path: Path, backend: str) -> None:
    url = "memory://gedeeld" if backend == "memory" else f"sqlite:///{tmp_path / 'q.db'}"
    a, b = queue_prefix.connect(url, "gem1"), queue_prefix.connect(url, "gem2")
    plain = queue_prefix.connect(url, "")
    try:
        a.publish(FETCH, b"voor gem1", message_id="m-a")
        b.publish(FETCH, b"voor gem2", message_id="m-b")
        assert plain.receive(FETCH, 0.2) is None  # nothing on the unprefixed name
        got_b = b.receive(FETCH, 1.0)
        assert got_b is not None and got_b.body == b"voor gem2" and b.receive(FETCH, 0.2) is None
        got_a = a.receive(FETCH, 1.0)
        assert got_a is not None and got_a.body == b"voor gem1"
        a.dead_letter(got_a, "kapot")
        b.ack(got_b)
        [letter] = a.dead_letters(FETCH)
        assert letter.queue == FETCH and letter.message_id == "m-a"  # the logical name
        assert b.dead_letters(FETCH) == [] and b.dead_letters() == []
        assert [d.queue for d in a.dead_letters()] == [FETCH]
        assert b.replay(FETCH, "m-a") == 0
        assert a.replay(FETCH, "m-a") == 1
        again = a.receive(FETCH, 1.0)
        assert again is not None and again.message_id == "m-a"
        a.ack(again)
    finally:
        for q in (a, b, plain):
            q.close()


def test_the_setting_applies_to_the_container_queue(tmp_path: Path) -> None:
    c = bootstrap(Settings(_env_file=None, data_dir=tmp_path, delivery="memory", queue_prefix="acc"))
    try:
        assert isinstance(c.queue, queue_prefix.PrefixedQueue)
        c.queue.publish(STAGES[0], b"x", message_id="m-1")
        inner = c.queue.inner
        message = inner.receive(f"acc.{STAGES[0]}", 1.0)
        assert message is not None and message.message_id == "m-1"
        inner.ack(message)
    finally:
        c.close()


@pytest.mark.parametrize("bad", ["a.b", "-x", "x" * 41, "gem 1", "gem/1"])
def test_a_prefix_that_cannot_be_a_queue_name_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, queue_prefix=bad)
