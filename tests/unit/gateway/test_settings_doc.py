"""The README's settings table is generated from Settings: they cannot disagree unnoticed."""

from __future__ import annotations

from pathlib import Path

from gateway.settings import Settings
from gateway.settings_doc import END, START, replace_block, table

README = Path(__file__).resolve().parents[3] / "README.md"


def test_readme_settings_table_matches_settings() -> None:
    readme = README.read_text(encoding="utf-8")
    assert START in readme and END in readme
    assert replace_block(readme) == readme, (
        "README settings table is out of date: .venv/bin/python -m gateway.settings_doc --write README.md"
    )


def test_every_setting_is_described() -> None:
    undocumented = [name for name, field in Settings.model_fields.items() if not field.description]
    assert undocumented == []
    generated = table()
    assert all(f"`DSOGW_{name.upper()}`" in generated for name in Settings.model_fields)
    assert "`DSOGW_API_HOST`" in generated and "`DSOGW_API_PORT`" in generated
