"""Every valid corpus message against its golden canonical JSON and ZgwPlan JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from stam_mapping import canonical_json, parse_verzoek
from stam_mapping.mapping import default_mapping
from stam_mapping.zgw import build_zgw_plan
from tests.unit.stam.corpus import PREVIOUS, REGISTRATIEDATUM, VALID, check_golden


def _golden(xml: Path, kind: str) -> Path:
    return xml.with_name(xml.stem + f".{kind}.json")


@pytest.mark.parametrize("xml", VALID, ids=lambda p: p.stem)
def test_canonical_json_matches_golden(xml: Path) -> None:
    check_golden(_golden(xml, "verzoek"), canonical_json(parse_verzoek(xml.read_bytes())))


@pytest.mark.parametrize("xml", VALID, ids=lambda p: p.stem)
def test_zgw_plan_matches_golden(xml: Path) -> None:
    verzoek = parse_verzoek(xml.read_bytes())
    previous = parse_verzoek(xml.with_name(PREVIOUS[xml.name]).read_bytes()) if xml.name in PREVIOUS else None
    plan = build_zgw_plan(verzoek, default_mapping(), previous, registratiedatum=REGISTRATIEDATUM)
    check_golden(_golden(xml, "zgw"), canonical_json(plan))


def test_corpus_is_complete() -> None:
    assert len(VALID) >= 30
    stray = {p.name for p in VALID[0].parent.glob("*.json")} - {
        _golden(x, kind).name for x in VALID for kind in ("verzoek", "zgw")
    }
    assert not stray, f"golden files without a message: {sorted(stray)}"
