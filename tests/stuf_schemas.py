"""The official StUF-ZKN 3.10 schemas in ../shared/stuf (tests only, never copied here).

Outside CI a test that needs them skips with a reason when ../shared is absent; under CI=true
it fails: CI must check every StUF message against them."""

from __future__ import annotations

from pathlib import Path

from adapters.stuf_zkn.schemas import DEFAULT_SCHEMA_DIR, MUTATIE, StufSchemas
from tests.services import require_service


def require_stuf_schemas() -> StufSchemas:
    require_service(f"the StUF-ZKN schemas ({DEFAULT_SCHEMA_DIR})", (DEFAULT_SCHEMA_DIR / MUTATIE).is_file())
    return StufSchemas(Path(DEFAULT_SCHEMA_DIR))
