"""A stable JSON text of a model: sorted keys, indented, absent fields left out.

Used for golden files and the `stam parse` command; the same Verzoek always gives the same text."""

from __future__ import annotations

import json

from pydantic import BaseModel


def canonical_json(model: BaseModel) -> str:
    data = model.model_dump(mode="json", exclude_none=True)
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
