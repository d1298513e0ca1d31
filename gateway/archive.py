"""The archive: raw STAM XML and bijlagen as files under one directory, indexed in the store.

Files are written under a temporary name and renamed when complete, so a crash never leaves a
partial file that looks archived."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from gateway.store import ArchiveRecord, SqlStore

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe_name(name: str) -> str:
    cleaned = _UNSAFE.sub("_", name).lstrip(".")
    return cleaned[:120] or "document"


@dataclass(frozen=True)
class ArchivedFile:
    """A file written to the archive, for its index row."""

    kind: str
    path: Path
    size: int
    sha256: str
    document_id: str | None
    bestandsnaam: str | None
    media_type: str | None


_STAM_PATHS_KEPT = 10_000


class Archive:
    def __init__(self, root: Path, store: SqlStore) -> None:
        self.root = root
        self.store = store
        # The STAM file of a version, once this process registered or looked it up: translate
        # and report read it again right after fetch, each a store read. Its path is fixed per
        # version (version_dir/samenvatting.xml; a refetch writes the same file), so an entry
        # cannot go stale; a registration rolled back is fetched again to the same path.
        self._stam_paths: dict[tuple[str, int], Path] = {}
        root.mkdir(parents=True, exist_ok=True)

    def version_dir(self, verzoeknummer: str, volgnummer: int) -> Path:
        path = self.root / verzoeknummer / f"v{volgnummer}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def document_path(self, verzoeknummer: str, volgnummer: int, document_id: str) -> Path:
        return self.version_dir(verzoeknummer, volgnummer) / f"doc-{safe_name(document_id)}"

    def put_bytes(
        self,
        verzoeknummer: str,
        volgnummer: int,
        kind: str,
        data: bytes,
        name: str,
        media_type: str | None = None,
    ) -> ArchiveRecord:
        target = self.version_dir(verzoeknummer, volgnummer) / safe_name(name)
        # A name of its own per writer: two deliveries of one job (a broker gives a message to a
        # second worker when the first one's connection drops mid-work) must not move or delete
        # each other's half-written file.
        tmp = target.with_name(f"{target.name}.{uuid.uuid4().hex}.part")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        digest = hashlib.sha256(data).hexdigest()
        self.store.add_archive(
            verzoeknummer,
            volgnummer,
            kind=kind,
            path=str(target),
            size=len(data),
            sha256=digest,
            media_type=media_type or ("application/xml" if kind == "stam" else None),
            bestandsnaam=name,
        )
        return self._latest(verzoeknummer, volgnummer, kind, None)

    def register_file(
        self,
        verzoeknummer: str,
        volgnummer: int,
        *,
        kind: str,
        path: Path,
        size: int,
        sha256: str,
        document_id: str | None,
        bestandsnaam: str | None,
        media_type: str | None,
    ) -> None:
        self.register_files(
            verzoeknummer,
            volgnummer,
            [ArchivedFile(kind, path, size, sha256, document_id, bestandsnaam, media_type)],
        )

    def register_files(self, verzoeknummer: str, volgnummer: int, files: list[ArchivedFile]) -> None:
        """register_file for several files, in one write (gateway/store: add_archive_files)."""
        self.store.add_archive_files(
            verzoeknummer, volgnummer, [{**dataclasses.asdict(f), "path": str(f.path)} for f in files]
        )
        for f in files:
            if f.kind == "stam":
                self._remember_stam(verzoeknummer, volgnummer, Path(f.path))

    def _remember_stam(self, verzoeknummer: str, volgnummer: int, path: Path) -> None:
        if len(self._stam_paths) >= _STAM_PATHS_KEPT:
            self._stam_paths.clear()  # a long-running worker: start over rather than grow
        self._stam_paths[(verzoeknummer, volgnummer)] = path

    def _latest(
        self, verzoeknummer: str, volgnummer: int, kind: str, document_id: str | None
    ) -> ArchiveRecord:
        for record in reversed(self.store.archive_for(verzoeknummer, volgnummer)):
            if record.kind == kind and record.document_id == document_id:
                return record
        raise KeyError(f"no {kind} archived for {verzoeknummer}/{volgnummer}")

    def stam(self, verzoeknummer: str, volgnummer: int) -> bytes:
        path = self._stam_paths.get((verzoeknummer, volgnummer))
        if path is None:
            path = Path(self._latest(verzoeknummer, volgnummer, "stam", None).path)
            self._remember_stam(verzoeknummer, volgnummer, path)
        return path.read_bytes()

    def find_document(self, verzoeknummer: str, document_id: str) -> ArchiveRecord | None:
        """The newest archived copy of a document of this verzoek, from any version."""
        return self.documents(verzoeknummer).get(document_id)

    def documents(self, verzoeknummer: str) -> dict[str, ArchiveRecord]:
        """The newest archived copy of every document of this verzoek, by document id: one read."""
        newest: dict[str, ArchiveRecord] = {}
        for record in self.store.archive_for(verzoeknummer):  # in id order: a later one wins
            if record.kind == "document" and record.document_id is not None:
                newest[record.document_id] = record
        return newest


class ArchivedDocuments:
    """The adapters' DocumentSource over the archive, for one verzoek."""

    def __init__(
        self, archive: Archive, verzoeknummer: str, records: dict[str, ArchiveRecord] | None = None
    ) -> None:
        """`records`: Archive.documents(verzoeknummer) when the caller has just read it."""
        self._archive = archive
        self._verzoeknummer = verzoeknummer
        # The index is read once: a delivery asks size, media type and content of every
        # document, and the fetch that archived them is done. Only a document not found sends
        # us back to the store.
        self._records = records

    def _record(self, document_id: str) -> ArchiveRecord:
        record = None if self._records is None else self._records.get(document_id)
        if record is None:
            self._records = self._archive.documents(self._verzoeknummer)
            record = self._records.get(document_id)
        if record is None:
            raise KeyError(f"document {document_id} is not archived")
        return record

    def open(self, document_id: str) -> BinaryIO:
        return open(self._record(document_id).path, "rb")

    def size(self, document_id: str) -> int:
        return self._record(document_id).size

    def media_type(self, document_id: str) -> str:
        return self._record(document_id).media_type or "application/octet-stream"
