"""Generated document content: deterministic bytes of any size, computed per offset, so a
GB-size bijlage costs neither memory nor disk, and a Range request is as cheap as a full one."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

BLOCK_SIZE = 64 * 1024


def _block(document_id: str) -> bytes:
    # Starts like a PDF so media sniffers are content; the rest is a per-document pattern. One
    # SHAKE-256 call makes it: a hash per 32 bytes in Python cost about as much CPU per filed
    # verzoek as DSO's serving of it, which the end-to-end benchmark charges to the gateway.
    head = f"%PDF-1.4\n% DSO sandbox document {document_id}\n".encode()[:BLOCK_SIZE]
    return head + hashlib.shake_256(document_id.encode()).digest(BLOCK_SIZE - len(head))


class GeneratedDocument:
    def __init__(self, document_id: str, size: int) -> None:
        self.document_id = document_id
        self.size = size
        self._block = _block(document_id)
        self._sha256: str | None = None

    def iter_range(self, start: int, end: int, chunk: int = 256 * 1024) -> Iterator[bytes]:
        """Bytes [start, end) of the document (end exclusive)."""
        block, n = self._block, len(self._block)
        pos = start
        while pos < end:
            offset = pos % n
            take = min(chunk, end - pos, n - offset)
            yield block[offset : offset + take]
            pos += take

    def sha256(self) -> str:
        if self._sha256 is None:
            hasher = hashlib.sha256()
            for part in self.iter_range(0, self.size, chunk=BLOCK_SIZE):
                hasher.update(part)
            self._sha256 = hasher.hexdigest()
        return self._sha256


class DocumentContent(Protocol):
    """What the afhandelen API serves a document from."""

    @property
    def size(self) -> int: ...

    def iter_range(self, start: int, end: int, chunk: int = ...) -> Iterator[bytes]: ...

    def sha256(self) -> str: ...


class UploadedDocument:
    """A bijlage uploaded through the indienen API, spooled to a file (never held in memory)."""

    def __init__(self, path: Path, size: int, sha256: str) -> None:
        self.path = path
        self.size = size
        self._sha256 = sha256

    def iter_range(self, start: int, end: int, chunk: int = 256 * 1024) -> Iterator[bytes]:
        with self.path.open("rb") as fh:
            fh.seek(start)
            left = end - start
            while left > 0:
                data = fh.read(min(chunk, left))
                if not data:
                    return
                left -= len(data)
                yield data

    def sha256(self) -> str:
        return self._sha256


def summary_pdf(lines: list[str]) -> bytes:
    """A minimal valid one-page PDF listing `lines` (the verzoek's PDF rendition)."""

    def esc(s: str) -> str:
        return (
            s.encode("latin-1", "replace")
            .decode("latin-1")
            .replace("\\", "\\\\")
            .replace("(", "\\(")
            .replace(")", "\\)")
        )

    text = "BT /F1 12 Tf 50 800 Td 16 TL " + " ".join(f"({esc(line)}) '" for line in lines) + " ET"
    stream = text.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
