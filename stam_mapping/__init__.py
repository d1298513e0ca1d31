"""STAM (DSO verzoekberichten) to the canonical Verzoek, and from there to ZGW / StUF-ZKN payloads.

Imports nothing of the rest of the gateway (import-linter contract)."""

from stam_mapping.canonical import canonical_json
from stam_mapping.errors import MappingFileError, MappingGap, StamError, StamRejected
from stam_mapping.model import Notificatie, Verzoek
from stam_mapping.parser import parse_notificatie, parse_verzoek

__all__ = [
    "MappingFileError",
    "MappingGap",
    "Notificatie",
    "StamError",
    "StamRejected",
    "Verzoek",
    "canonical_json",
    "parse_notificatie",
    "parse_verzoek",
]
