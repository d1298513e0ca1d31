"""A large document through the ZGW bestandsdelen flow: ZgwDelivery -> ZGW test server.

Prints the throughput and the peak RSS of this (delivering) process. The test server runs in
a child process, so its memory is not counted. Target: peak RSS < 200 MB for 1 GiB (the issue
asks 300 MiB). Every request body must carry a Content-Length (Open Zaak reads a chunked body
as empty): a request hook checks each one, and the run fails when one does not.

    .venv/bin/python bench/bench_bestandsdelen.py [--size-mib 1024] [--part-mib 64]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import multiprocessing
import resource
import socket
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import httpx2

from adapters.memory import MemoryCheckpoints
from adapters.zgw.client import ZgwClient
from adapters.zgw.delivery import ZgwDelivery
from stam_mapping.model import Doel, Organisatie, Verzoek, VerzoekType
from stam_mapping.zgw_plan import ZgwDocument, ZgwPlan

SECRET = "bench-secret-0123456789abcdef0123456789"
DOC = "DOC-BENCH-0001"
_BLOCK = bytes(range(256)) * 4096  # 1 MiB pattern


class Generated(io.RawIOBase):
    """`size` bytes of a repeating pattern, produced on demand (never whole in memory)."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        n = min(len(view), self.left, len(_BLOCK) - self.pos % len(_BLOCK))
        start = self.pos % len(_BLOCK)
        view[:n] = _BLOCK[start : start + n]
        self.pos += n
        self.left -= n
        return n


class GeneratedDocuments:
    def __init__(self, size: int) -> None:
        self._size = size

    def open(self, document_id: str) -> BinaryIO:
        return io.BufferedReader(Generated(self._size), buffer_size=1024 * 1024)

    def size(self, document_id: str) -> int:
        return self._size

    def media_type(self, document_id: str) -> str:
        return "application/octet-stream"


def run_server(port: int, part_size: int, blob_dir: str) -> None:
    import uvicorn

    from adapters.zgw.testserver import ZgwTestServerConfig, create_app

    config = ZgwTestServerConfig(secret=SECRET, part_size=part_size, blob_dir=Path(blob_dir))
    uvicorn.run(create_app(config), host="127.0.0.1", port=port, log_level="warning")


def plan(verzoek: Verzoek, previous: Verzoek | None) -> ZgwPlan:
    return ZgwPlan(
        verzoeknummer=verzoek.verzoeknummer,
        volgnummer=1,
        doel=Doel.INITIEREN,
        catalogus_domein="DSO",
        catalogus_rsin="002220647",
        zaaktype_identificatie="DSO-OMGEVINGSVERGUNNING",
        zaak={
            "bronorganisatie": "002220647",
            "verantwoordelijkeOrganisatie": "002220647",
            "startdatum": "2024-03-14",
            "omschrijving": "Benchmark bestandsdelen",
        },
        status_toelichting="Benchmark",
        documenten=(
            ZgwDocument(
                key=f"document:{DOC}",
                document_id=DOC,
                informatieobjecttype_omschrijving="Bijlage",
                body={
                    "bronorganisatie": "002220647",
                    "creatiedatum": "2024-03-14",
                    "titel": "groot.bin",
                    "auteur": "benchmark",
                    "taal": "dut",
                    "bestandsnaam": "groot.bin",
                    "status": "definitief",
                    "indicatieGebruiksrecht": False,
                },
            ),
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--part-mib", type=int, default=64)
    args = parser.parse_args()
    size = args.size_mib * 1024 * 1024
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="bench-zgw-") as blob_dir:
        server = multiprocessing.Process(
            target=run_server, args=(port, args.part_mib * 1024 * 1024, blob_dir), daemon=True
        )
        server.start()
        origin = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx2.get(f"{origin}/_testserver/counts", timeout=1)
                break
            except httpx2.HTTPError:
                time.sleep(0.05)
        bodies: list[tuple[str, str | None, str | None]] = []  # method, Content-Length, Transfer-Encoding

        def note(request: httpx2.Request) -> None:
            if request.method in ("POST", "PUT", "PATCH"):
                headers = request.headers
                bodies.append(
                    (request.method, headers.get("Content-Length"), headers.get("Transfer-Encoding"))
                )

        client = ZgwClient(
            zaken_url=f"{origin}/zaken/api/v1",
            documenten_url=f"{origin}/documenten/api/v1",
            catalogi_url=f"{origin}/catalogi/api/v1",
            client_id="bench",
            secret=SECRET,
            timeout=120,
            event_hooks={"request": [note]},
        )
        delivery = ZgwDelivery(client, plan, bestandsdelen_threshold=1024 * 1024)
        verzoek = Verzoek(
            stam_versie="stam-v4",
            verzoeknummer="2024031400099",
            volgnummer=1,
            doel=Doel.INITIEREN,
            type=VerzoekType.AANVRAAG_VERGUNNING,
            indien_datum=date(2024, 3, 14),
            bevoegd_gezag=Organisatie(oin="00000001001600820000"),
        )
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        delivery.deliver(verzoek, None, GeneratedDocuments(size), MemoryCheckpoints())
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        [stored] = [p for p in Path(blob_dir).iterdir() if not p.name.startswith("deel-")]
        ok = stored.stat().st_size == size
        digest_ok = ok and _same_content(stored, size)
        server.terminate()
        server.join(5)
    print(f"document: {args.size_mib} MiB in {args.part_mib} MiB bestandsdelen")
    print(f"elapsed: {elapsed:.1f} s, throughput: {size / 1024 / 1024 / elapsed:.1f} MiB/s")
    print(f"peak RSS of the delivering process: {peak:.0f} MB (before delivery: {rss_before:.0f} MB)")
    print(f"stored size matches: {ok}, content matches: {digest_ok}")
    puts = [b for b in bodies if b[0] == "PUT"]
    chunked = [b for b in bodies if b[1] is None or b[2] is not None]
    print(
        f"request bodies: {len(bodies)} ({len(puts)} bestandsdelen), without Content-Length: {len(chunked)}"
    )
    print("target peak RSS < 200 MB:", "met" if peak < 200 else "NOT met")
    if chunked or not ok or not digest_ok:
        raise SystemExit("FAILED: a body without Content-Length, or the stored document differs")


def _same_content(path: Path, size: int) -> bool:
    expected, actual = hashlib.sha256(), hashlib.sha256()
    source = io.BufferedReader(Generated(size), buffer_size=4 * 1024 * 1024)
    while chunk := source.read(4 * 1024 * 1024):
        expected.update(chunk)
    with path.open("rb") as stored:
        while chunk := stored.read(4 * 1024 * 1024):
            actual.update(chunk)
    return expected.digest() == actual.digest()


if __name__ == "__main__":
    main()
