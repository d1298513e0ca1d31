"""Archive.stam: a version's STAM file is found without a store read once this process knows it."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from gateway.archive import Archive, ArchivedFile
from gateway.store import SqlStore

VNR = "2024031400042"


def _stam(archive: Archive, path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    archive.register_files(VNR, 1, [ArchivedFile("stam", path, len(content), "0" * 64, None, None, None)])


def _archive_reads(store: SqlStore) -> list[str]:
    reads: list[str] = []

    def seen(_c: object, _k: object, sql: str, *_: object) -> None:
        if "FROM archive" in sql:
            reads.append(sql)

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    return reads


def test_the_stam_a_fetch_registered_is_read_without_asking_the_store(tmp_path: Path) -> None:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gateway.db'}")
    try:
        archive = Archive(tmp_path / "archive", store)
        _stam(archive, archive.version_dir(VNR, 1) / "samenvatting.xml", b"<stam/>")
        reads = _archive_reads(store)
        assert archive.stam(VNR, 1) == b"<stam/>" and reads == []
        # Another process (a worker that did not fetch it) asks the store once, then knows it.
        other = Archive(tmp_path / "archive", store)
        assert other.stam(VNR, 1) == b"<stam/>" and other.stam(VNR, 1) == b"<stam/>"
        assert len(reads) == 1
        # Registered again elsewhere: the newest registration is the one read, as from the store.
        _stam(archive, tmp_path / "elders" / "samenvatting.xml", b"<nieuw/>")
        assert archive.stam(VNR, 1) == b"<nieuw/>"
    finally:
        store.close()
