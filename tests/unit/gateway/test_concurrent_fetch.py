"""Two deliveries of one fetch job can run at once: a broker hands a message to a second worker
when the first one's connection drops mid-work (`make faults` met it as a FileNotFoundError).
Writing the same archive file, or the same search terms, at the same moment must not fail."""

from __future__ import annotations

import threading
from pathlib import Path

from gateway.archive import Archive
from gateway.store import SqlStore


def test_the_same_archive_file_written_at_once_by_several_workers(tmp_path: Path) -> None:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gw.db'}")
    archive = Archive(tmp_path / "archive", store)
    payloads = [bytes([i]) * 200_000 for i in range(6)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(payloads))

    def write(data: bytes) -> None:
        try:
            start.wait()
            for _ in range(15):
                archive.put_bytes("2024031400042", 1, "stam", data, "verzoek.xml")
        except Exception as exc:  # noqa: BLE001 - collected: the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    target = archive.version_dir("2024031400042", 1) / "verzoek.xml"
    assert target.read_bytes() in payloads  # one whole payload, never a mix
    assert not list(target.parent.glob("*.part"))
    store.close()
