"""The layout keeps a folder named queue/ at the root; it must never shadow the stdlib."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_stdlib_queue_is_not_shadowed() -> None:
    import queue

    assert hasattr(queue, "Queue") and hasattr(queue, "SimpleQueue")
    assert (
        Path(queue.__file__ or "").resolve().parent
        == Path(importlib.import_module("os").__file__ or "").resolve().parent
    )
    assert "message_queue" not in (queue.__file__ or "")


def test_queue_folder_has_no_init() -> None:
    assert (ROOT / "queue" / "message_queue").is_dir()
    assert not (ROOT / "queue" / "__init__.py").exists()


def test_message_queue_imports_as_its_own_package() -> None:
    import message_queue

    assert Path(message_queue.__file__ or "").resolve().parent == ROOT / "queue" / "message_queue"
    assert "queue" in sys.modules and sys.modules["queue"].__name__ == "queue"
