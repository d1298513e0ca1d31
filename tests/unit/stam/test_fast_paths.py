"""The cheaper ways of doing things (issue 3) check exactly what the slower ones checked."""

from __future__ import annotations

import gc
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from stam_mapping import StamRejected, parse_verzoek
from stam_mapping.gcpause import gc_paused
from stam_mapping.geo import _transformer, to_geojson
from stam_mapping.model import BinnenlandsAdres, Geometrie, NatuurlijkPersoon, Notificatie, _elfproef_bsn
from stam_mapping.parser import describe_validation_error
from stam_mapping.zgw_plan import ZgwDocument
from tests.unit.stam.corpus import FIXTURES

_MINIMAAL = (FIXTURES / "valid" / "30-minimaal.xml").read_bytes()
_DIGITS = st.text(alphabet=st.sampled_from("0123456789٠١٢٣٤٥٦٧٨٩²x \n"), max_size=22)


@given(_DIGITS)
def test_digit_check_accepts_what_the_regex_accepted(value: str) -> None:
    # Verzoeknummer: 13 ASCII digits. `re.fullmatch(r"\d{13}", v)` also took other scripts' digits
    # (Arabic-Indic, say), which do not belong in a URL or file name; the digit check refuses them.
    expected = re.fullmatch(r"[0-9]{13}", value) is not None
    try:
        Notificatie(verzoeknummer=value)
        accepted = True
    except ValidationError as exc:
        assert "verzoeknummer must be 13 digits" in str(exc)
        accepted = False
    assert accepted == expected


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_elfproef_is_the_11_proef(bsn: str) -> None:
    digits = [int(c) for c in bsn]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    assert _elfproef_bsn(bsn) == (total % 11 == 0)


def test_bsn_and_postcode_messages_never_echo_the_value() -> None:
    with pytest.raises(ValidationError) as info:
        NatuurlijkPersoon(bsn="123456788")
    described = describe_validation_error(info.value)
    assert described == "bsn: bsn fails the 11-proef" and "123456788" not in described
    assert BinnenlandsAdres(postcode="7315 ab").postcode == "7315AB"
    with pytest.raises(ValidationError, match="postcode must look like 1234AB"):
        BinnenlandsAdres(postcode="0315AB")


def test_zgw_document_body_must_still_be_a_dict() -> None:
    fields = {"key": "document:D1", "document_id": "D1", "informatieobjecttype_omschrijving": "Bijlage"}
    body = {"titel": "a.pdf"}
    assert ZgwDocument(**fields, body=body).body == body
    with pytest.raises(ValidationError):
        ZgwDocument(**fields, body=[("titel", "a.pdf")])  # type: ignore[arg-type]
    # From JSON the body is checked as dict[str, Any], as before.
    with pytest.raises(ValidationError):
        ZgwDocument.model_validate_json(
            '{"key": "k", "document_id": "D1", "informatieobjecttype_omschrijving": "B", "body": [1]}'
        )


@pytest.mark.parametrize("enabled", [True, False])
def test_gc_paused_restores_the_collector_state(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with pytest.raises(RuntimeError), gc_paused():
            assert not gc.isenabled()
            raise RuntimeError
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_an_exclamation_mark_in_text_is_no_doctype() -> None:
    data = _MINIMAAL.replace(b"<vx:verzoeknummer>", b"<!-- let op! --><vx:verzoeknummer>")
    assert parse_verzoek(data).verzoeknummer == parse_verzoek(_MINIMAAL).verzoeknummer


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_doctype_in_utf16_is_still_seen_before_parsing(encoding: str) -> None:
    data = ('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a/>').encode(encoding)
    with pytest.raises(StamRejected, match="DOCTYPE"):
        parse_verzoek(data)


def test_one_pyproj_call_per_geometry_gives_the_per_ring_result() -> None:
    outer = ((194000.0, 469000.0), (194100.0, 469000.0), (194100.0, 469100.0), (194000.0, 469000.0))
    hole = ((194010.0, 469010.0), (194020.0, 469010.0), (194020.0, 469020.0), (194010.0, 469010.0))
    polygon = to_geojson(Geometrie(type="Polygon", epsg=28992, rings=(outer, hole)))
    transformer = _transformer(28992)
    for ring, got in zip((outer, hole), polygon["coordinates"], strict=True):
        lons, lats = transformer.transform([p[0] for p in ring], [p[1] for p in ring])
        assert got == [[round(lon, 7), round(lat, 7)] for lon, lat in zip(lons, lats, strict=True)]
    point = to_geojson(Geometrie(type="Point", epsg=4258, rings=(((52.1, 5.9),),)))
    (lon,), (lat,) = _transformer(4258).transform([5.9], [52.1])
    assert point["coordinates"] == [round(lon, 7), round(lat, 7)]
