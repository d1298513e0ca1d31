"""The STAM test corpus in tests/fixtures/stam/ and its golden files."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from tests.services import SHARED, require_shared

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "stam"
VALID = sorted((FIXTURES / "valid").glob("*.xml"))
REJECTED = sorted((FIXTURES / "rejected").glob("*.xml"))
REJECTED_EXPECTED: dict[str, str] = json.loads((FIXTURES / "rejected" / "expected.json").read_text("utf-8"))
MAPPING_GAP = sorted((FIXTURES / "mapping_gap").glob("*.xml"))
EXAMPLES = SHARED / "domain" / "examples"  # for globbing; read one file through example()


def example(name: str) -> Path:
    """One of ../shared/domain/examples (skipped outside CI when ../shared is absent)."""
    return require_shared("domain", "examples", name)


# Aanvullen/Intrekken goldens are diffs against the version before them.
PREVIOUS = {
    "02-dakkapel-aanvullen.xml": "01-dakkapel-initieren.xml",
    "03-dakkapel-intrekken.xml": "02-dakkapel-aanvullen.xml",
    "32-aanvullen-na-27.xml": "27-veel-activiteiten-en-bijlagen.xml",
    "33-intrekken-na-27.xml": "32-aanvullen-na-27.xml",
}
REGISTRATIEDATUM = date(2024, 7, 1)  # plans are reproducible only with a fixed registratiedatum

UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def check_golden(path: Path, actual: str) -> None:
    """Compare with the golden file; UPDATE_GOLDEN=1 rewrites it (and says so by skipping)."""
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
        pytest.skip(f"golden file rewritten: {path.name}")
    assert path.exists(), f"missing golden file {path.name}: run with UPDATE_GOLDEN=1 and review it"
    assert path.read_text(encoding="utf-8") == actual, f"{path.name} differs (UPDATE_GOLDEN=1 to accept)"
