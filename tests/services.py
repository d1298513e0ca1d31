"""Shared rules for tests that need a real service (PostgreSQL, a broker, Chromium).

Under CI=true a missing service FAILS the test: CI must run these suites, never skip them.
Elsewhere the test is skipped with a reason that names the service."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_service(name: str, available: bool) -> None:
    if available:
        return
    if IN_CI:
        pytest.fail(f"{name} is not available, and CI=true: this suite must run in CI")
    pytest.skip(f"{name} is not available on this machine")


# The project's shared material (official OpenAPI files, StUF schemas, example verzoeken) lies in
# ../shared beside a checkout; a fresh clone has none of it.
SHARED = Path(__file__).resolve().parents[2] / "shared"


def require_shared(*parts: str) -> Path:
    """The path under ../shared; outside CI a test without it is skipped, under CI=true it fails."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if IN_CI:
            pytest.fail(f"../shared/{'/'.join(parts)} is missing, and CI=true: this test must run in CI")
        pytest.skip(f"../shared/{'/'.join(parts)} is not available (a clone without ../shared)")
    return path
