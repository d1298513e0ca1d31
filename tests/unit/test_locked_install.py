"""The environment the tests run in is the one requirements.lock pins (`make` installs from it
with hashes): a fresh machine gets exactly these versions."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest

from tests.services import IN_CI

LOCK = Path(__file__).resolve().parents[2] / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.M)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_locked_package_is_installed_at_its_pinned_version() -> None:
    pins = {_normal(n): v for n, v in PIN.findall(LOCK.read_text("utf-8"))}
    assert len(pins) > 50 and "fastapi" in pins and "alembic" in pins
    installed = {_normal(d.metadata["Name"]): d.version for d in metadata.distributions()}
    missing = sorted(n for n in pins if n not in installed)
    different = sorted(f"{n} {installed[n]} (lock: {v})" for n, v in pins.items() if installed.get(n, v) != v)
    if (missing or different) and not IN_CI:
        pytest.skip(f"this .venv was not installed from requirements.lock: {(missing + different)[:3]}")
    assert not missing, f"locked but not installed: {missing}"
    assert not different, f"installed at another version than locked: {different}"


def test_every_pin_carries_a_hash() -> None:
    text = LOCK.read_text("utf-8")
    pins = list(PIN.finditer(text))
    assert pins
    for this, after in zip(pins, [*pins[1:], None], strict=True):
        block = text[this.start() : after.start() if after else len(text)]
        assert "--hash=sha256:" in block, this.group(0)
