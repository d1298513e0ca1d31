"""Configuration of the ZGW test server."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ZgwTestServerConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    secret: str = "sandbox-secret-change-me-0123456789abcdef"  # noqa: S105 - the test server's own, documented default
    # Empty: any client_id signed with `secret` is accepted.
    client_ids: tuple[str, ...] = ()
    jwt_max_age_seconds: int = 3600  # what Open Zaak enforces by default
    # Size of one bestandsdeel; Open Zaak's default is much larger, small values exercise the flow.
    part_size: int = 1024 * 1024
    # Items per page of a paginated list (Open Zaak: 100); small values exercise `next`.
    page_size: int = Field(100, ge=1)
    # Where bestandsdelen and merged blobs go; None: a fresh temporary directory.
    blob_dir: Path | None = None
    # A YAML file in the format of the packaged catalogue.yaml; None: the packaged one.
    catalogue_file: Path | None = None
    # Which Catalogi API to imitate: 1.3.1 (what Open Zaak serves) or 1.3.3 (adds required
    # *Omschrijving/*Identificaties fields; ZaakType.informatieobjecttypen becomes a list).
    catalogi_version: Literal["1.3.1", "1.3.3"] = "1.3.1"
