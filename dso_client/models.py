"""What the afhandelen API returns, as frozen value objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class DocumentReferentie:
    document_id: str
    bestandsnaam: str
    media_type: str
    size: int | None
    sha256: str | None
    url: str


@dataclass(frozen=True, slots=True)
class Verzoekreferenties:
    verzoeknummer: str
    volgnummer: int
    samenvatting_url: str
    pdf_url: str | None
    documenten: tuple[DocumentReferentie, ...]


@dataclass(frozen=True, slots=True)
class DownloadResult:
    path: Path
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ZoekResultaat:
    verzoeknummer: str
    volgnummer: int
    bevoegd_gezag_oin: str
    indien_datum: datetime | None
