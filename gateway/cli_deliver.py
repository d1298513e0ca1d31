"""`dso-gateway deliver FILE.xml`: one STAM file straight to the configured case system.

No DSO and no queue: municipalities use it to try their mapping file against their own test
environment. Bijlagen come from --bijlagen DIR (matched by documentId, then bestandsnaam); with
--placeholders a missing one is sent as a small placeholder PDF instead of being an error.
Checkpoints live in memory for this one run."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any, BinaryIO

from gateway.errors import classify
from gateway.logging import mask_bsns
from gateway.settings import Settings

PLACEHOLDER = b"%PDF-1.4\n% bijlage niet meegeleverd bij deze test (dso-gateway deliver)\n%%EOF\n"


class DirectoryDocuments:
    """DocumentSource over a folder of files."""

    def __init__(self, folder: Path | None, names: dict[str, str], placeholders: bool) -> None:
        self._folder = folder
        self._names = names  # documentId -> bestandsnaam
        self._placeholders = placeholders

    def _path(self, document_id: str) -> Path | None:
        if self._folder is None:
            return None
        for name in (document_id, self._names.get(document_id, "")):
            if name and (self._folder / name).is_file():
                return self._folder / name
        return None

    def missing(self) -> list[str]:
        return [d for d in self._names if self._path(d) is None]

    def open(self, document_id: str) -> BinaryIO:
        path = self._path(document_id)
        return open(path, "rb") if path else io.BytesIO(PLACEHOLDER)

    def size(self, document_id: str) -> int:
        path = self._path(document_id)
        return path.stat().st_size if path else len(PLACEHOLDER)

    def media_type(self, document_id: str) -> str:
        path = self._path(document_id)
        return (
            "application/pdf" if path is None or path.suffix.lower() == ".pdf" else "application/octet-stream"
        )


class MemoryCheckpoints:
    def __init__(self) -> None:
        self.values: dict[str, dict[str, Any]] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        return self.values.get(key)

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.values.setdefault(key, value)


def _cmd_deliver(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.bootstrap import build_delivery, load_municipal_mapping
    from stam_mapping import parse_verzoek

    if args.mapping:
        settings = settings.model_copy(update={"mapping_file": args.mapping})
    try:
        mapping = load_municipal_mapping(settings)
        verzoek = parse_verzoek(args.file.read_bytes(), max_bytes=settings.max_stam_bytes)
        documents = DirectoryDocuments(
            args.bijlagen, {d.document_id: d.bestandsnaam for d in verzoek.documenten()}, args.placeholders
        )
        if documents.missing() and not args.placeholders:
            print(
                "deliver: bijlagen not found in --bijlagen: "
                + ", ".join(documents.missing())
                + " (use --placeholders to send placeholders)",
                file=sys.stderr,
            )
            return 2
        delivery = build_delivery(settings, mapping)
        result = delivery.deliver(verzoek, None, documents, MemoryCheckpoints())
    except OSError as exc:
        print(f"deliver: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - one readable line, no traceback, for any failure
        error = classify(exc)
        kind = "retryable" if error.retryable else "permanent"
        print(f"deliver: {kind} error: {mask_bsns(str(error))}", file=sys.stderr)
        return 1 if error.retryable else 2
    print(result.zaak_url)
    return 0


def add_deliver_command(subparsers: Any) -> None:
    parser = subparsers.add_parser("deliver", help="deliver one STAM file straight to the case system")
    parser.add_argument("file", type=Path, help="a STAM verzoek XML file")
    parser.add_argument("--mapping", type=Path, default=None, help="municipal mapping YAML")
    parser.add_argument("--bijlagen", type=Path, default=None, help="folder with the bijlagen")
    parser.add_argument("--placeholders", action="store_true", help="send a placeholder for missing bijlagen")
    parser.set_defaults(func=_cmd_deliver)
