"""Property: whatever the bytes, parse_verzoek returns a Verzoek or raises a StamError, nothing else."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from stam_mapping import StamError, Verzoek, parse_notificatie, parse_verzoek
from tests.unit.stam.corpus import VALID

SEEDS = [p.read_bytes() for p in VALID if "utf16" not in p.name and "latin1" not in p.name]
FUZZ = settings(
    max_examples=int(os.environ.get("STAM_FUZZ_EXAMPLES", "250")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _only_stam_errors(data: bytes) -> None:
    with contextlib.suppress(StamError):
        assert isinstance(parse_verzoek(data), Verzoek)
    with contextlib.suppress(StamError):
        parse_notificatie(data)


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(data: bytes) -> None:
    _only_stam_errors(data)


@st.composite
def _byte_mutations(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        start = draw(st.integers(0, len(data) - 1))
        end = min(len(data), start + draw(st.integers(0, 64)))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "duplicate", "truncate"]))
        if kind == "delete":
            del data[start:end]
        elif kind == "insert":
            data[start:start] = draw(st.binary(min_size=1, max_size=32))
        elif kind == "replace":
            data[start:end] = draw(st.binary(max_size=32))
        elif kind == "duplicate":
            data[start:start] = data[start:end]
        else:
            del data[start:]
    return bytes(data)


@FUZZ
@given(_byte_mutations())
def test_mutated_valid_messages(data: bytes) -> None:
    _only_stam_errors(data)


_TEXTS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["", " ", "0", "-1", "000000000", "999999999", "1e400", "nan", "true", "2024-02-30", "9" * 30]
    ),
)


@st.composite
def _tree_mutations(draw: st.DrawFn) -> bytes:
    """Well-formed XML with elements dropped, duplicated or given other text: the validation paths."""
    root = etree.fromstring(draw(st.sampled_from(SEEDS)))
    elements = list(root.iter(etree.Element))
    for _ in range(draw(st.integers(1, 6))):
        element = draw(st.sampled_from(elements))
        kind = draw(st.sampled_from(["text", "drop", "duplicate", "attribute"]))
        parent = element.getparent()
        if kind == "text" or parent is None:
            element.text = "".join(c for c in draw(_TEXTS) if c.isprintable())
        elif kind == "drop":
            parent.remove(element)
        elif kind == "duplicate":
            parent.append(etree.fromstring(etree.tostring(element, with_tail=False)))
        else:
            element.set("srsName", draw(st.sampled_from(["EPSG:28992", "EPSG:4258", "EPSG:1", "x", ""])))
        elements = list(root.iter(etree.Element))
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


@FUZZ
@given(_tree_mutations())
def test_mutated_trees(data: bytes) -> None:
    _only_stam_errors(data)


def test_seeds_are_valid() -> None:
    assert len(SEEDS) >= 28
    for seed in SEEDS:
        assert isinstance(parse_verzoek(seed), Verzoek)


def test_seed_paths_exist() -> None:
    assert all(isinstance(p, Path) and p.exists() for p in VALID)
