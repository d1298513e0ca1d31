"""The mapping file's stuf_zkn section: a StUF zaaktype code per zaaktype, at most 10 characters
(ZKN:Code), checked when the file is loaded and when the StUF adapter starts."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from stam_mapping import MappingFileError, MappingGap, parse_verzoek
from stam_mapping.mapping import load_mapping
from stam_mapping.stuf import missing_zaaktype_codes, zaaktype_code
from tests.unit.stam.corpus import FIXTURES

DEFAULT = resources.files("stam_mapping.data").joinpath("default-mapping.yaml").read_text("utf-8")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_mapping_has_a_fitting_code_for_every_zaaktype(tmp_path: Path) -> None:
    mapping = load_mapping(_write(tmp_path, DEFAULT))
    assert missing_zaaktype_codes(mapping) == []
    verzoek = parse_verzoek((FIXTURES / "valid" / "01-dakkapel-initieren.xml").read_bytes())
    assert mapping.zaaktype_voor(verzoek) == "DSO-OMGEVINGSVERGUNNING"
    assert zaaktype_code(verzoek, mapping) == "OMGVERG"


def test_a_code_longer_than_10_is_refused_naming_the_key_and_line(tmp_path: Path) -> None:
    text = DEFAULT.replace("DSO-MELDING: MELDING", "DSO-MELDING: MELDINGEN-DSO")
    with pytest.raises(MappingFileError) as info:
        load_mapping(_write(tmp_path, text))
    message = str(info.value)
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if "MELDINGEN-DSO" in row)
    assert "stuf_zkn.zaaktype_codes.DSO-MELDING" in message and f"(line {line})" in message
    assert "at most 10 characters" in message


def test_a_long_zaaktype_without_a_code_is_listed_and_a_gap_at_run_time(tmp_path: Path) -> None:
    text = DEFAULT.replace("    DSO-OMGEVINGSVERGUNNING: OMGVERG\n", "")
    mapping = load_mapping(_write(tmp_path, text))  # a ZGW-only gateway may run with it
    assert missing_zaaktype_codes(mapping) == ["DSO-OMGEVINGSVERGUNNING"]
    verzoek = parse_verzoek((FIXTURES / "valid" / "01-dakkapel-initieren.xml").read_bytes())
    with pytest.raises(MappingGap, match=r"DSO-OMGEVINGSVERGUNNING.*stuf_zkn\.zaaktype_codes"):
        zaaktype_code(verzoek, mapping)


def test_a_short_zaaktype_without_an_entry_is_sent_as_it_is(tmp_path: Path) -> None:
    text = DEFAULT.replace("Aanvraag vergunning: DSO-OMGEVINGSVERGUNNING", "Aanvraag vergunning: KAP")
    mapping = load_mapping(_write(tmp_path, text))
    verzoek = parse_verzoek((FIXTURES / "valid" / "01-dakkapel-initieren.xml").read_bytes())
    assert zaaktype_code(verzoek, mapping) == "KAP"
