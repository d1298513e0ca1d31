"""A voegZaakdocumentToe_Lk01 request whose document content is streamed from the archive.

StUF carries a document base64 inside the XML. Building that in memory costs 2.3 times the
file (bytes + base64 + serialised XML); a bijlage may be GBs. The message is built with
INHOUD_PLACEHOLDER as content, split there, and sent as head + base64 chunks + tail with a
computed Content-Length: many SOAP servers refuse chunked transfer encoding.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

from stam_mapping.stuf import INHOUD_PLACEHOLDER

_PLACEHOLDER = re.escape(INHOUD_PLACEHOLDER.encode("ascii"))
_INHOUD = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?inhoud(?:\s[^<>]*)?>" + _PLACEHOLDER + rb"<")
# A multiple of 3, so that base64 of each chunk concatenates into the base64 of the whole.
CHUNK_BYTES = 3 * 64 * 1024


class InlineDocumentBody:
    """An iterable request body (re-iterable: each pass opens the file again)."""

    def __init__(
        self,
        envelope: bytes,
        open_document: Callable[[], BinaryIO],
        size: int,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> None:
        if chunk_bytes % 3:
            raise ValueError("chunk_bytes must be a multiple of 3")
        # The placeholder right after the inhoud start tag: the same text elsewhere (a titel, say)
        # must not be taken for it.
        found = _INHOUD.search(envelope)
        if found is None:
            raise ValueError("the message has no inhoud with the content placeholder")
        at = found.end() - len(INHOUD_PLACEHOLDER) - 1
        self.head = envelope[:at]
        self.tail = envelope[at + len(INHOUD_PLACEHOLDER) :]
        self._open = open_document
        self.size = size
        self._chunk = chunk_bytes

    def __len__(self) -> int:
        return len(self.head) + 4 * ((self.size + 2) // 3) + len(self.tail)

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        read = 0
        with self._open() as stream:
            while chunk := stream.read(self._chunk):
                # read() may return less than asked (pipes, network filesystems): fill up to a
                # multiple of 3 before encoding, else the base64 pieces would not join.
                while len(chunk) % 3 and (more := stream.read(3 - len(chunk) % 3)):
                    chunk += more
                read += len(chunk)
                yield base64.b64encode(chunk)
        if read != self.size:
            # The Content-Length is already promised: a changed file must not go out truncated.
            raise OSError(f"document is {read} bytes, expected {self.size}")
        yield self.tail
