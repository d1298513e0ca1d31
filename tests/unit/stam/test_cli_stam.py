"""`stam parse` / `stam map` through an argparse parser of our own, as gateway/cli/__init__.py wires it."""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path

import pytest
from lxml import etree

from gateway.cli.stam import add_stam_commands
from stam_mapping import parse_verzoek
from stam_mapping.stuf import INHOUD_PLACEHOLDER
from tests.stuf_schemas import require_stuf_schemas
from tests.unit.stam.corpus import FIXTURES, REJECTED, VALID, example

SANDBOX = sorted((Path(__file__).resolve().parents[3] / "dso_client" / "sandbox" / "examples").glob("*.xml"))


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="dso-gateway")
    add_stam_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    result: int = args.func(None, args)
    return result


def test_parse_prints_canonical_json(capsys: pytest.CaptureFixture[str]) -> None:
    xml = FIXTURES / "valid" / "01-dakkapel-initieren.xml"
    assert _run("stam", "parse", str(xml)) == 0
    out = capsys.readouterr().out
    assert out == (FIXTURES / "valid" / "01-dakkapel-initieren.verzoek.json").read_text("utf-8")


def test_map_zgw_with_previous(capsys: pytest.CaptureFixture[str]) -> None:
    code = _run(
        "stam", "map", str(example("verzoek-dakkapel-aanvullen.xml")), "--to", "zgw",
        "--previous", str(example("verzoek-dakkapel-initieren.xml")), "--registratiedatum", "2024-07-01",
    )  # fmt: skip
    assert code == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["vervallen_document_ids"] == ["DOC-2024031400042-0001"]
    assert plan["zaak"]["registratiedatum"] == "2024-07-01"


ZKN = "{http://www.egem.nl/StUF/sector/zkn/0310}"


def _documents(out: str) -> list[etree._Element]:
    """stdout of `map --to stuf-zkn`: XML documents, each starting with its declaration."""
    parts = out.split("<?xml ")  # parts[0]: structlog's default output when not configured (tests)
    return [etree.fromstring(("<?xml " + part).encode("utf-8")) for part in parts[1:]]


def test_map_stuf_prints_every_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("stam", "map", str(example("verzoek-dakkapel-initieren.xml")), "--to", "stuf-zkn") == 0
    roots = _documents(capsys.readouterr().out)
    assert [etree.QName(r).localname for r in roots] == [
        "genereerZaakIdentificatie_Di02",
        "zakLk01",
        "genereerDocumentIdentificatie_Di02",
        "edcLk01",
        "genereerDocumentIdentificatie_Di02",
        "edcLk01",
    ]
    assert roots[1].findtext(f".//{ZKN}identificatie") == "DSO-2024031400042"
    assert roots[3].findtext(f".//{ZKN}inhoud") == INHOUD_PLACEHOLDER  # no files: a placeholder


def test_map_stuf_aanvullen_with_previous_skips_delivered_documents(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = _run(
        "stam", "map", str(example("verzoek-dakkapel-aanvullen.xml")), "--to", "stuf-zkn",
        "--previous", str(example("verzoek-dakkapel-initieren.xml")),
    )  # fmt: skip
    assert code == 0
    names = [etree.QName(r).localname for r in _documents(capsys.readouterr().out)]
    assert names[-1] == "zakLk01"  # updateZaak_Lk01: the new status
    assert names.count("edcLk01") < len(
        parse_verzoek(example("verzoek-dakkapel-aanvullen.xml").read_bytes()).documenten()
    )


@pytest.mark.parametrize("xml", VALID + SANDBOX, ids=lambda p: p.stem)
def test_map_stuf_validate_exits_0_for_every_fixture(xml: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_stuf_schemas()
    assert _run("stam", "map", str(xml), "--to", "stuf-zkn", "--validate") == 0
    captured = capsys.readouterr()
    assert "valid against" in captured.err and len(_documents(captured.out)) >= 2


def test_map_stuf_validate_exits_2_with_the_first_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_stuf_schemas()
    # dct.omschrijving holds at most 80 characters in StUF; the mapping file does not limit it
    text = resources.files("stam_mapping.data").joinpath("default-mapping.yaml").read_text("utf-8")
    mapping = tmp_path / "lang.yaml"
    mapping.write_text(text.replace("Bouwtekening: Bouwtekening", "Bouwtekening: " + "B" * 81))
    xml = str(example("verzoek-dakkapel-initieren.xml"))
    assert _run("stam", "map", xml, "--to", "stuf-zkn", "--mapping", str(mapping)) == 0  # without: printed
    capsys.readouterr()

    assert _run("stam", "map", xml, "--to", "stuf-zkn", "--mapping", str(mapping), "--validate") == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert "message 4 (voegZaakdocumentToe_Lk01)" in lines[0] and "dct.omschrijving" in lines[0]
    assert "maxLength" in lines[0]


def test_map_stuf_validate_without_schemas_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xml = str(example("verzoek-dakkapel-initieren.xml"))
    assert _run("stam", "map", xml, "--to", "stuf-zkn", "--validate", "--schemas", str(tmp_path)) == 2
    assert "not found" in capsys.readouterr().err


def test_rejected_input_exit_2_one_line_no_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    bad = next(p for p in REJECTED if p.name == "bsn-elfproef.xml")
    assert _run("stam", "parse", str(bad)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "bsn fails the 11-proef" in lines[0] and "123456788" not in lines[0]
    assert "Traceback" not in captured.err


def test_missing_file_and_bad_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("stam", "parse", str(tmp_path / "nope.xml")) == 2
    assert "cannot read" in capsys.readouterr().err
    mapping = tmp_path / "m.yaml"
    mapping.write_text("catalogus: 1\n", encoding="utf-8")
    xml = str(example("verzoek-dakkapel-initieren.xml"))
    assert _run("stam", "map", xml, "--to", "zgw", "--mapping", str(mapping)) == 2
    assert "m.yaml" in capsys.readouterr().err


def test_mapping_gap_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    gap = FIXTURES / "mapping_gap" / "01-onbekende-activiteit.xml"
    assert _run("stam", "map", str(gap), "--to", "zgw") == 2
    assert "nl.imow-gm0999.activiteit.Onbekend" in capsys.readouterr().err


def test_as_a_separate_process(tmp_path: Path) -> None:
    import subprocess

    script = (
        "import argparse, sys\n"
        "from gateway.cli.stam import add_stam_commands\n"
        "p = argparse.ArgumentParser(); add_stam_commands(p.add_subparsers(dest='c', required=True))\n"
        "a = p.parse_args(sys.argv[1:]); sys.exit(a.func(None, a))\n"
    )
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<vx:verzoek xmlns:vx='http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoek'><vx:doel>")
    result = subprocess.run(
        [sys.executable, "-c", script, "stam", "parse", str(bad)],
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[3], check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert (
        result.stderr.count("\n") == 1 and "truncated" in result.stderr and "Traceback" not in result.stderr
    )
