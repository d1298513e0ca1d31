"""A minimal PDF writer for letters: A4, Helvetica, text lines, as many pages as needed.

Pure Python on purpose: a letter is a few lines of text, and PDF 1.4 with the standard
Helvetica font in WinAnsiEncoding covers Dutch (ë, é, ï, €). Content streams are not
compressed, so the text can be checked byte for byte in tests."""

from __future__ import annotations

import textwrap

_A4 = (595, 842)  # points
_MARGIN = 72
_SIZE = 11
_LEADING = 15
_WIDTH_CHARS = 88  # Helvetica 11 pt averages ~5.2 pt per character on 451 pt of line


def _escape(line: str) -> bytes:
    raw = line.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


_TEXTWRAP_WHITESPACE = frozenset("\t\n\x0b\x0c\r")


def _wrap_paragraph(paragraph: str) -> list[str]:
    # Most lines of a letter fit: textwrap's regex split costs ~5 us even then, and a letter is
    # made twice per verzoek (post, zaak). A line that fits comes out of textwrap as itself without
    # its trailing spaces (or as nothing when it is blank); anything else goes through textwrap.
    if len(paragraph) <= _WIDTH_CHARS and _TEXTWRAP_WHITESPACE.isdisjoint(paragraph):
        kept = paragraph.rstrip(" ")
        return [kept] if kept.strip(" ") else []
    return textwrap.wrap(paragraph, _WIDTH_CHARS, break_long_words=True)


def _wrap(text: str) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines():
        lines.extend(_wrap_paragraph(paragraph) or [""])
    return lines


def pdf_letter(text: str, *, title: str = "Brief") -> bytes:
    lines = _wrap(text)
    per_page = (_A4[1] - 2 * _MARGIN) // _LEADING
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)] or [[]]

    objects: list[bytes] = []  # object n is objects[n - 1]
    font_id, pages_id, info_id = 1, 2, 3
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    objects.append(b"")  # Pages, filled in once the kids are known
    objects.append(b"<< /Title (" + _escape(title) + b") /Producer (dso-gateway) >>")
    kids = []
    for page in pages:
        body = [b"BT", f"/F1 {_SIZE} Tf {_LEADING} TL {_MARGIN} {_A4[1] - _MARGIN} Td".encode()]
        body += [b"(" + _escape(line) + b") Tj T*" for line in page]
        body.append(b"ET")
        stream = b"\n".join(body)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content_id = len(objects)
        objects.append(
            f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {_A4[0]} {_A4[1]}] "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {content_id} 0 R >>".encode()
        )
        kids.append(len(objects))
    objects[pages_id - 1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    )
    objects.append(f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode())
    catalog_id = len(objects)

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog_id,
        info_id,
        xref,
    )
    return bytes(out)


def pdf_text(pdf: bytes) -> str:
    """The text lines of a PDF written by pdf_letter (for checks and tests; not a general reader)."""
    import re

    lines = []
    for match in re.finditer(rb"\(((?:\\.|[^\\)])*)\) Tj", pdf):
        raw = re.sub(rb"\\(.)", rb"\1", match.group(1))
        lines.append(raw.decode("cp1252"))
    return "\n".join(lines)
