"""connect(url) picks the implementation by scheme and turns query parameters into options."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

import message_queue
from message_queue.errors import QueueConfigError, QueueUnavailable
from message_queue.memory import MemoryQueue
from message_queue.sqlite import SqliteQueue
from message_queue.stomp import StompQueue


def test_memory_url_with_a_name_shares_one_broker() -> None:
    name = uuid.uuid4().hex
    first, second = message_queue.connect(f"memory://{name}"), message_queue.connect(f"memory://{name}")
    other = message_queue.connect("memory://")
    assert isinstance(first, MemoryQueue)
    first.publish("q", b"x", message_id="m-1")
    assert second.depth("q") == 1
    assert other.depth("q") == 0


def test_sqlite_url_creates_parent_folders_and_takes_options(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "queue.db"
    queue = message_queue.connect(f"sqlite:///{path}?visibility_timeout=12.5")
    try:
        assert isinstance(queue, SqliteQueue)
        assert queue.path == path
        assert queue.visibility_timeout == 12.5
        assert path.exists()
    finally:
        queue.close()


def test_sqlite_url_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    queue = message_queue.connect("sqlite:///var/queue.db")
    queue.close()
    assert (tmp_path / "var" / "queue.db").exists()


def test_stomp_url_is_parsed_without_connecting() -> None:
    queue = message_queue.connect("stomp://user:p%40ss@broker.example:61613?flavour=rabbitmq&prefetch=5")
    assert isinstance(queue, StompQueue)
    assert (queue.host, queue.port, queue.flavour, queue.prefetch) == ("broker.example", 61613, "rabbitmq", 5)
    assert queue._password == "p@ss"


@pytest.mark.parametrize(
    "url",
    [
        "redis://localhost",
        "no-scheme",
        "sqlite://relative.db",
        "stomp://localhost",
        "stomp://h:61613?flavour=kafka",
        "stomp://h:61613?prefetch=many",
        "sqlite:////tmp/x.db?unknown_option=1",
    ],
)
def test_urls_that_cannot_work_are_config_errors(url: str) -> None:
    with pytest.raises(QueueConfigError) as info:
        message_queue.connect(url)
    assert info.value.retryable is False


def test_unreachable_broker_is_retryable() -> None:
    queue = message_queue.connect("stomp://guest:guest@127.0.0.1:9?connect_timeout=0.3")
    with pytest.raises(QueueUnavailable) as info:
        queue.publish("q", b"x", message_id="m-1")
    assert info.value.retryable is True
    assert "guest" not in str(info.value)  # credentials never end up in an error message
    queue.close()


def test_stomp_queue_names_are_checked() -> None:
    queue = message_queue.connect("stomp://127.0.0.1:9")
    with pytest.raises(QueueConfigError):
        queue.receive("../etc", timeout=0)
