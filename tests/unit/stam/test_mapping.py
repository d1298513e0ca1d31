"""The municipal mapping file: the shipped example, errors that point at the line, precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from stam_mapping import MappingFileError, MappingGap, parse_verzoek
from stam_mapping.mapping import default_mapping, load_mapping
from stam_mapping.model import Doel, VerzoekType
from tests.unit.stam.corpus import FIXTURES, MAPPING_GAP

DEMO_ACTIVITEITEN = [
    "nl.imow-gm0200.activiteit.BouwactiviteitOmgevingsplan",
    "nl.imow-gm0200.activiteit.Bouwactiviteit",
    "nl.imow-gm0200.activiteit.OpslaanGevaarlijkeStoffenInOpslagtanks",
    "nl.imow-gm0200.activiteit.KappenVanHoutopstand",
    "nl.imow-gm0200.activiteit.Sloopactiviteit",
]
SHIPPED = Path(__file__).resolve().parents[3] / "stam_mapping" / "data" / "default-mapping.yaml"


def test_default_mapping_covers_the_shared_catalogue() -> None:
    m = default_mapping()
    assert (m.catalogus.domein, m.catalogus.rsin, m.bronorganisatie) == ("DSO", "002220647", "002220647")
    assert m.zaaktype_per_doel[Doel.CONCEPTVERZOEK] == "DSO-CONCEPTVERZOEK"
    assert {t: m.zaaktype_per_type[t] for t in VerzoekType} == {
        VerzoekType.AANVRAAG_VERGUNNING: "DSO-OMGEVINGSVERGUNNING",
        VerzoekType.MELDING: "DSO-MELDING",
        VerzoekType.MELDING_GELIJKWAARDIGE_MAATREGEL: "DSO-MELDING",
        VerzoekType.INFORMATIE: "DSO-INFORMATIE",
        VerzoekType.INFORMATIE_ONGEWOON_VOORVAL: "DSO-INFORMATIE",
        VerzoekType.AANVRAAG_MAATWERKVOORSCHRIFT: "DSO-MAATWERK",
        VerzoekType.AANVRAAG_TOESTEMMING_GELIJKWAARDIGE_MAATREGEL: "DSO-MAATWERK",
    }
    assert sorted(m.activiteiten) == sorted(DEMO_ACTIVITEITEN)
    assert m.eigenschappen == {284856: "Bouwkosten", 368212: "Bouwkosten", 391002: "Hoeveelheid"}
    assert m.activiteiten_eigenschap == "Activiteiten"
    assert (m.roltypen.initiator.omschrijving, m.roltypen.initiator.omschrijving_generiek) == (
        "Aanvrager",
        "initiator",
    )
    assert m.roltypen.gemachtigde.omschrijving == "Gemachtigde"
    assert m.statussen.aanvullen.statustype == "Aangevuld"
    assert [
        m.informatieobjecttype_voor(s) for s in ("Bouwtekening", "Situatietekening", "Rapport", "Foto", None)
    ] == [
        "Bouwtekening",
        "Situatietekening",
        "Rapport",
        "Bijlage",
        "Bijlage",
    ]
    assert load_mapping(SHIPPED) == m


def test_unmapped_activiteit_is_a_mapping_gap_naming_it() -> None:
    verzoek = parse_verzoek(MAPPING_GAP[0].read_bytes())
    with pytest.raises(MappingGap, match=r"activiteitId nl\.imow-gm0999\.activiteit\.Onbekend") as info:
        default_mapping().zaaktype_voor(verzoek)
    assert info.value.retryable is False


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _shipped_with(replace: str, by: str) -> str:
    text = SHIPPED.read_text(encoding="utf-8")
    assert replace in text
    return text.replace(replace, by)


def test_precedence_doel_then_activiteit_then_type(tmp_path: Path) -> None:
    text = _shipped_with(
        "\n  nl.imow-gm0200.activiteit.KappenVanHoutopstand:\n",
        "\n  nl.imow-gm0200.activiteit.KappenVanHoutopstand:\n"
        "    zaaktype: DSO-KAP\n    voor_types: [Melding]\n",
    )
    m = load_mapping(_write(tmp_path, text))
    melding_kap = parse_verzoek((FIXTURES / "valid" / "20-nnp-zonder-vestiging.xml").read_bytes())
    assert melding_kap.type is VerzoekType.MELDING
    assert m.zaaktype_voor(melding_kap) == "DSO-KAP"  # activiteit beats type
    vergunning_kap = parse_verzoek((FIXTURES / "valid" / "27-veel-activiteiten-en-bijlagen.xml").read_bytes())
    assert m.zaaktype_voor(vergunning_kap) == "DSO-OMGEVINGSVERGUNNING"  # voor_types excludes it
    concept = parse_verzoek((FIXTURES / "valid" / "05-v2-vooroverleg.xml").read_bytes())
    assert m.zaaktype_voor(concept) == "DSO-CONCEPTVERZOEK"  # doel beats everything


def test_no_zaaktype_for_a_type_is_a_gap(tmp_path: Path) -> None:
    m = load_mapping(_write(tmp_path, _shipped_with("  Informatie: DSO-INFORMATIE\n", "")))
    verzoek = parse_verzoek((FIXTURES / "valid" / "30-minimaal.xml").read_bytes())
    with pytest.raises(MappingGap, match="no zaaktype for verzoek type 'Informatie'"):
        m.zaaktype_voor(verzoek)


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        (
            '  rsin: "002220647"',
            '  rsin: "002220648"',
            r"catalogus\.rsin \(line 14\): rsin fails the 11-proef",
        ),
        (
            "  zaak: zaakvertrouwelijk",
            "  zaak: geheimpje",
            r"vertrouwelijkheid\.zaak \(line \d+\): Input should be",
        ),
        (
            "kenmerk_bron: DSO",
            "kenmerk_bron: DSO\nonbekende_sleutel: 1",
            r"onbekende_sleutel \(line \d+\): Extra inputs",
        ),
        (
            "  Melding: DSO-MELDING",
            "  Meldingen: DSO-MELDING",
            r"zaaktype_per_type\.Meldingen.*Input should be",
        ),
        ("  284856: Bouwkosten", "  vraag: Bouwkosten", r"eigenschappen\.vraag\.\[key\] \(line \d+\)"),
        ("catalogus:\n", "catalogus: [\n", r"at line \d+, column \d+"),
    ],
)
def test_bad_mapping_file_names_file_key_and_line(
    tmp_path: Path, replace: str, by: str, expected: str
) -> None:
    path = _write(tmp_path, _shipped_with(replace, by))
    with pytest.raises(MappingFileError, match=expected) as info:
        load_mapping(path)
    assert str(path) in str(info.value)


def test_missing_or_non_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(MappingFileError, match="cannot read the mapping file"):
        load_mapping(tmp_path / "nope.yaml")
    with pytest.raises(MappingFileError, match="must be a YAML mapping"):
        load_mapping(_write(tmp_path, "- a\n- b\n"))
