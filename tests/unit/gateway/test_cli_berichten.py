"""`dso-gateway berichten voorbeeld`: the municipality's templates previewed against a STAM file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from gateway.berichten.pdf import pdf_text
from gateway.cli import main

EXAMPLES = resources.files("dso_client.sandbox.examples")


def _example(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.xml"
    path.write_bytes(EXAMPLES.joinpath(f"{name}.xml").read_bytes())
    return path


def test_preview_prints_every_message_with_its_channel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf_dir = tmp_path / "pdf"
    code = main(
        ["berichten", "voorbeeld", str(_example(tmp_path, "verbouwing-initieren")), "--pdf", str(pdf_dir)]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "=== ontvangstbevestiging (e-mail aan a.jansen@example.org)" in out
    assert "Ontvangstbevestiging van uw aanvraag vergunning 2026031000101" in out
    assert "Besluit genomen over uw verzoek 2026031000101" in out
    assert "999993653" not in out  # the example's BSN
    assert len(list(pdf_dir.glob("*.pdf"))) == 3
    assert any("Ontvangstbevestiging" in pdf_text(p.read_bytes()) for p in pdf_dir.glob("*.pdf"))


def test_templates_beside_the_mapping_file_override_the_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        resources.files("stam_mapping.data").joinpath("default-mapping.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    (tmp_path / "berichten").mkdir()
    (tmp_path / "berichten" / "ontvangstbevestiging.txt.j2").write_text(
        "Onderwerp: Wij hebben {{ verzoeknummer }} ontvangen\n\nBeste {{ aanhef }}, zaak {{ zaaknummer }}.\n",
        encoding="utf-8",
    )
    code = main(
        ["berichten", "voorbeeld", str(_example(tmp_path, "verbouwing-initieren")), "--mapping", str(mapping)]
    )
    out = capsys.readouterr().out
    assert code == 0 and "Onderwerp: Wij hebben 2026031000101 ontvangen" in out
    assert "Beste heer/mevrouw A.M. Jansen, zaak DSO-2026031000101." in out


def test_a_broken_template_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        resources.files("stam_mapping.data").joinpath("default-mapping.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    (tmp_path / "berichten").mkdir()
    (tmp_path / "berichten" / "ontvangstbevestiging.txt.j2").write_text(
        "Onderwerp: x\n{{ bestaat_niet }}\n", encoding="utf-8"
    )
    code = main(
        ["berichten", "voorbeeld", str(_example(tmp_path, "verbouwing-initieren")), "--mapping", str(mapping)]
    )
    err = capsys.readouterr().err
    assert code == 2 and "ontvangstbevestiging.txt.j2" in err and "bestaat_niet" in err


def test_an_unreadable_stam_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<niet-stam/>")
    assert main(["berichten", "voorbeeld", str(bad)]) == 2
    assert "bad.xml" in capsys.readouterr().err
