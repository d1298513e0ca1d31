"""The README's settings table, generated from the Settings object so the two cannot disagree.

    .venv/bin/python -m gateway.settings_doc --write README.md   # regenerate the table in place

A unit test fails when the committed README and Settings differ."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from gateway.settings import Settings

START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def _default(value: Any) -> str:
    if isinstance(value, SecretStr):
        return "(demo value)" if value.get_secret_value() else "–"
    if value is None or value in ("", [], {}):
        return "–"
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else str(value)
    return f"`{text}`" if len(text) <= 60 else "(see the description)"


def table() -> str:
    rows = ["| setting | default | what |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        description = re.sub(r"\s+", " ", field.description or "").replace("|", "\\|")
        default = field.get_default(call_default_factory=True)
        rows.append(f"| `DSOGW_{name.upper()}` | {_default(default)} | {description} |")
    return "\n".join(rows)


def replace_block(readme: str) -> str:
    before, _, rest = readme.partition(START)
    _, _, after = rest.partition(END)
    return f"{before}{START}\n{table()}\n{END}{after}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path, help="regenerate the table between the markers in this file")
    args = parser.parse_args()
    if args.write:
        args.write.write_text(replace_block(args.write.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(table())


if __name__ == "__main__":
    main()
