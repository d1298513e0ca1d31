"""Parsing untrusted XML bytes safely: no DTD, no entities, no network, bounded size.

Every failure is a StamRejected whose message names the problem without quoting the input:
lxml's own messages can contain fragments of the document, so only its error *type* and
position are passed on.
"""

from __future__ import annotations

import threading
from typing import Any

from lxml import etree

from stam_mapping.errors import StamRejected

_DOCTYPE_MARKERS = tuple(
    "<!DOCTYPE".encode(enc) for enc in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
) + tuple("<!ENTITY".encode(enc) for enc in ("ascii", "utf-16-le", "utf-16-be"))
# A DTD belongs in the prolog; a cheap look at the start rejects the common attack before
# libxml2 even starts. The docinfo check after parsing catches any that sits further on.
_PROLOG_SCAN = 64 * 1024

_local = threading.local()  # lxml parsers must not be shared between threads


def _parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def parse_xml(data: bytes, *, max_bytes: int, what: str) -> etree._Element:
    """The root element of `data`, or StamRejected. `what` names the input in messages."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise StamRejected(f"{what}: input must be bytes")
    size = len(data)
    if size == 0:
        raise StamRejected(f"{what}: empty input")
    if size > max_bytes:
        raise StamRejected(f"{what}: input of {size} bytes exceeds the limit of {max_bytes} bytes")
    head = bytes(data[:_PROLOG_SCAN])
    # Every marker, in every encoding, contains the byte "!"; most messages have none at all,
    # and one memchr is far cheaper than nine substring searches.
    if b"!" in head and any(marker in head for marker in _DOCTYPE_MARKERS):
        raise StamRejected(f"{what}: a DOCTYPE or entity declaration is not allowed")
    try:
        root = etree.fromstring(bytes(data), _parser())
    except etree.XMLSyntaxError as exc:
        raise StamRejected(f"{what}: {_describe(exc, bytes(data))}") from exc
    except (ValueError, LookupError) as exc:  # e.g. an unknown declared encoding
        raise StamRejected(f"{what}: unreadable XML ({type(exc).__name__})") from exc
    docinfo: Any = root.getroottree().docinfo  # lxml-stubs lack doctype/internalDTD
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise StamRejected(f"{what}: a DOCTYPE or entity declaration is not allowed")
    return root


def _describe(exc: etree.XMLSyntaxError, data: bytes) -> str:
    log: Any = exc.error_log  # lxml-stubs lack last_error
    entry = log.last_error if log else None
    type_name = entry.type_name if entry is not None else ""
    line, column = (exc.position if exc.position else (0, 0))[:2]
    where = f" at line {line}, column {column}"
    if type_name == "ERR_DOCUMENT_EMPTY":
        return "not an XML document (no start tag)" + where
    # An error at the very end of the input is what a cut-off download looks like.
    lines = data.rstrip().split(b"\n")
    last = lines[-1].decode("utf-8", "replace")
    at_end = line > len(lines) or (line == len(lines) and column >= len(last))
    if at_end or type_name in {"ERR_DOCUMENT_END", "ERR_TAG_NOT_FINISHED"}:
        return "truncated or incomplete XML" + where
    if type_name in {"ERR_UNDECLARED_ENTITY", "WAR_UNDECLARED_ENTITY"}:
        return "undeclared entity reference" + where
    if type_name in {"ERR_UNSUPPORTED_ENCODING", "ERR_INVALID_ENCODING", "ERR_INVALID_CHAR"}:
        return "invalid character or encoding" + where
    if type_name == "ERR_INTERNAL_ERROR":
        return "XML exceeds the parser's safety limits" + where
    return f"not well-formed XML ({type_name or 'syntax error'})" + where
