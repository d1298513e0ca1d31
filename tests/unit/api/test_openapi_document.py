"""The committed OpenAPI document matches the app's, and follows the ADR basics."""

from __future__ import annotations

import json
from pathlib import Path

from gateway.api.openapi_doc import document

COMMITTED = Path(__file__).resolve().parents[3] / "openapi" / "openapi.json"
REGENERATE = ".venv/bin/python -m gateway.api.openapi_doc > openapi/openapi.json"


def test_committed_document_has_not_drifted() -> None:
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert document() == committed, f"openapi/openapi.json is out of date; regenerate with: {REGENERATE}"


def test_no_422_and_camel_case_query_keys() -> None:
    doc = document()
    for path, item in doc["paths"].items():
        assert not path.endswith("/"), path
        for operation in item.values():
            assert "422" not in operation["responses"]
            for param in operation.get("parameters", []):
                assert "_" not in param["name"], (path, param["name"])
