"""The official StUF-ZKN 3.10 schemas (ZKN 0310 patch 28), compiled once per process, and the
check of one StUF message body against the schema that declares its root element.

The schemas are not part of the product: they are read from a directory (setting
`DSOGW_STUF_ZKN_SCHEMAS`, or `../shared/stuf/zkn0310-patch28` next to the project when that
exists). Without them nothing is validated and callers say so.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

ZKN = "http://www.egem.nl/StUF/sector/zkn/0310"
MUTATIE = "zkn0310/mutatie/zkn0310_msg_mutatie.xsd"  # kennisgevingen: zakLk01, edcLk01
ZS_DMS = "zkn0310/zs-dms/zkn0310_msg_zs-dms.xsd"  # ZDS 1.2 vrije berichten: genereer..._Di02
# Where the schemas are during development and in CI: the shared reference folder.
DEFAULT_SCHEMA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "stuf" / "zkn0310-patch28"

# Kennisgevingen are <entiteittype>Lk01/Lk02 (zakLk01, edcLk01, …); the rest are vrije berichten.
_KENNISGEVING = re.compile(r"[a-z]{3}Lk0[12]")
_lock = threading.RLock()
_cache: dict[tuple[Path, str], etree.XMLSchema] = {}


def default_schema_dir() -> Path | None:
    """The shared schema folder when it is there, else None (validation off)."""
    return DEFAULT_SCHEMA_DIR if (DEFAULT_SCHEMA_DIR / MUTATIE).is_file() else None


def entry_point_for(root_localname: str) -> str:
    """The schema file that declares a StUF-ZKN root element: kennisgevingen live in the
    mutatie schema, the vrije berichten (…_Di02, …_Du02) in the zs-dms schema."""
    return MUTATIE if _KENNISGEVING.fullmatch(root_localname) else ZS_DMS


@dataclass(frozen=True)
class StufSchemas:
    """Validates StUF-ZKN message bodies; each entry point is compiled on first use (~1 s) and
    kept for the life of the process, shared by every instance with the same folder."""

    directory: Path

    def __post_init__(self) -> None:
        for entry in (MUTATIE, ZS_DMS):
            if not (self.directory / entry).is_file():
                raise FileNotFoundError(f"StUF-ZKN schema {entry} not found under {self.directory}")

    def schema(self, entry: str) -> etree.XMLSchema:
        key = (self.directory.resolve(), entry)
        with _lock:
            compiled = _cache.get(key)
            if compiled is None:
                compiled = etree.XMLSchema(etree.parse(str(self.directory / entry)))
                _cache[key] = compiled
            return compiled

    def errors(self, body: etree._Element) -> list[str]:
        """Every schema error of one message body (the element inside soap:Body)."""
        qname = etree.QName(body)
        if qname.namespace != ZKN:
            return [f"root element {qname.text} is not a StUF-ZKN 3.10 message"]
        schema = self.schema(entry_point_for(qname.localname))
        # The element may sit inside a larger (SOAP) tree: validate a copy as its own document.
        document = etree.ElementTree(body) if body.getparent() is None else etree.ElementTree(_copy(body))
        # One compiled schema is shared: its error_log belongs to the last validate() call.
        with _lock:
            if schema.validate(document):
                return []
            log: Any = schema.error_log  # lxml-stubs lack its iteration
            return [f"{qname.localname} line {e.line}: {_without_values(e.message)}" for e in log]


# libxml2 quotes the offending value ("The value '123456782' is not accepted by the pattern"):
# that may be a BSN, and these messages end up in Fo02 answers, errors and logs. Keep the
# element, the facet and the type; drop the value.
_QUOTED_VALUE = (
    (re.compile(r"The value '[^']*'"), "The value"),
    (
        re.compile(r"(Element '[^']*'(?:, attribute '[^']*')?: )'[^']*'( is not a valid value)"),
        r"\1the value\2",
    ),
)


def _without_values(message: str) -> str:
    for pattern, replacement in _QUOTED_VALUE:
        message = pattern.sub(replacement, message)
    return message


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def _copy(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element), _PARSER)
