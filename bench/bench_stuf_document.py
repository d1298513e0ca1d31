"""A large bijlage through StUF-ZKN: StufDelivery -> the (validating) StUF test endpoint.

Prints the peak RSS of the delivering process and of the endpoint, and, as a raw baseline
measured in the same run, the peak RSS of a process that POSTs the same file with plain httpx
(streamed, no XML, no base64) to an endpoint that only reads it. Each sender and each server is
its own (spawned) process, so ru_maxrss is theirs alone. The file is a real file on disk, read
in chunks as the archive's would be. Target: peak RSS < 200 MB for a 500 MB bijlage.

    .venv/bin/python bench/bench_stuf_document.py [--size-mib 500] [--schemas DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import resource
import socket
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import httpx2

_BLOCK = bytes(range(256)) * 4096  # 1 MiB pattern
DOC = "DOC-BENCH-0001"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _server_class() -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        def install_signal_handlers(self) -> None:  # the parent stops it through `result`
            pass

    return Server


def run_stuf_endpoint(port: int, schemas: str | None, result: Any) -> None:
    import asyncio

    import uvicorn

    from adapters.stuf_zkn.testserver import create_stuf_app

    app = create_stuf_app(schema_dir=schemas if schemas else "default")
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = _server_class()(config)

    async def serve() -> None:
        task = asyncio.create_task(server.serve())
        while not result.get("stop"):
            await asyncio.sleep(0.1)
        server.should_exit = True
        await task

    asyncio.run(serve())
    store = app.state.stuf
    result["documenten"] = [
        {"grootte": d["grootte"], "sha256": d["sha256"]} for d in store.documenten.values()
    ]
    result["validating"] = app.state.schemas is not None
    result["server_peak"] = _peak_mb()


def run_raw_endpoint(port: int, result: Any) -> None:
    import asyncio

    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def raw(request: Request) -> Response:
        digest, size = hashlib.sha256(), 0
        async for chunk in request.stream():
            digest.update(chunk)
            size += len(chunk)
        result["raw_received"] = (size, digest.hexdigest())
        return Response(b"ok")

    async def probe(request: Request) -> Response:
        return Response(b"ok")

    app = Starlette(routes=[Route("/raw", raw, methods=["POST"]), Route("/probe", probe)])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = _server_class()(config)

    async def serve() -> None:
        task = asyncio.create_task(server.serve())
        while not result.get("stop"):
            await asyncio.sleep(0.1)
        server.should_exit = True
        await task

    asyncio.run(serve())
    result["server_peak"] = _peak_mb()


def _wait(url: str) -> None:
    for _ in range(400):
        try:
            httpx2.get(url, timeout=1)
            return
        except httpx2.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not start")


class FileDocuments:
    def __init__(self, path: Path) -> None:
        self._path = path

    def open(self, document_id: str) -> BinaryIO:
        return self._path.open("rb")

    def size(self, document_id: str) -> int:
        return self._path.stat().st_size

    def media_type(self, document_id: str) -> str:
        return "application/octet-stream"


def send_stuf(origin: str, path: str, result: Any) -> None:
    from adapters.memory import MemoryCheckpoints
    from adapters.stuf_zkn.client import StufClient
    from adapters.stuf_zkn.delivery import StufDelivery
    from stam_mapping.mapping import default_mapping
    from stam_mapping.model import Document, Doel, Organisatie, Verzoek, VerzoekType

    verzoek = Verzoek(
        stam_versie="stam-v4",
        verzoeknummer="2024031400099",
        volgnummer=1,
        doel=Doel.INITIEREN,
        type=VerzoekType.AANVRAAG_VERGUNNING,
        indien_datum=date(2024, 3, 14),
        bevoegd_gezag=Organisatie(oin="00000001001600820000"),
        verzoekbijlagen=(Document(document_id=DOC, bestandsnaam="groot.bin"),),
    )
    client = StufClient(
        vrije_berichten_url=f"{origin}/VrijeBerichten",
        ontvang_asynchroon_url=f"{origin}/OntvangAsynchroon",
        timeout=600,
    )
    before = _peak_mb()
    started = time.perf_counter()
    StufDelivery(client, default_mapping()).deliver(
        verzoek, None, FileDocuments(Path(path)), MemoryCheckpoints()
    )
    result["elapsed"] = time.perf_counter() - started
    result["before"] = before
    result["peak"] = _peak_mb()


def send_raw(origin: str, path: str, result: Any) -> None:
    before = _peak_mb()
    started = time.perf_counter()
    size = Path(path).stat().st_size
    with Path(path).open("rb") as stream, httpx2.Client(timeout=600) as client:
        client.post(f"{origin}/raw", content=stream, headers={"Content-Length": str(size)}).raise_for_status()
    result["elapsed"] = time.perf_counter() - started
    result["before"] = before
    result["peak"] = _peak_mb()


def _measure(
    server_target: Any, server_args: tuple[Any, ...], sender: Any, path: Path, probe: str
) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        server_result = manager.dict()
        sender_result = manager.dict()
        port = _free_port()
        server = ctx.Process(target=server_target, args=(port, *server_args, server_result))
        server.start()
        origin = f"http://127.0.0.1:{port}"
        _wait(origin + probe)
        process = ctx.Process(target=sender, args=(origin, str(path), sender_result))
        process.start()
        process.join()
        server_result["stop"] = True
        server.join(30)
        if process.exitcode != 0:
            raise SystemExit(f"{sender.__name__} failed (exit {process.exitcode})")
        return {**dict(sender_result), "server": dict(server_result)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=500)
    parser.add_argument(
        "--schemas", default=None, help="ZKN 0310 schema folder (default: ../shared/stuf/...)"
    )
    args = parser.parse_args()
    size = args.size_mib * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="bench-stuf-") as tmp:
        path = Path(tmp) / "groot.bin"
        digest = hashlib.sha256()
        with path.open("wb") as out:
            for _ in range(args.size_mib):
                out.write(_BLOCK)
                digest.update(_BLOCK)
        raw = _measure(run_raw_endpoint, (), send_raw, path, "/probe")
        stuf = _measure(run_stuf_endpoint, (args.schemas,), send_stuf, path, "/VrijeBerichten")
    [document] = stuf["server"]["documenten"]
    content_ok = document == {"grootte": size, "sha256": digest.hexdigest()}
    raw_ok = raw["server"]["raw_received"] == (size, digest.hexdigest())
    print(f"bijlage: {args.size_mib} MiB, base64 inline in voegZaakdocumentToe_Lk01")
    print(f"endpoint validates against the schemas: {stuf['server']['validating']}")
    print(
        f"raw httpx POST (baseline): {raw['elapsed']:.1f} s, sender peak RSS {raw['peak']:.0f} MB, "
        f"endpoint peak RSS {raw['server']['server_peak']:.0f} MB"
    )
    print(
        f"StUF delivery:             {stuf['elapsed']:.1f} s, sender peak RSS {stuf['peak']:.0f} MB "
        f"(before delivery {stuf['before']:.0f} MB), endpoint peak RSS {stuf['server']['server_peak']:.0f} MB"
    )
    print(
        f"ratio StUF/raw: sender peak RSS {stuf['peak'] / raw['peak']:.2f}, "
        f"endpoint peak RSS {stuf['server']['server_peak'] / raw['server']['server_peak']:.2f}, "
        f"time {stuf['elapsed'] / raw['elapsed']:.2f}"
    )
    print(f"content arrived intact: StUF {content_ok}, raw {raw_ok}")
    met = stuf["peak"] < 200 and stuf["server"]["server_peak"] < 200
    print("target peak RSS < 200 MB (sender and endpoint):", "met" if met else "NOT met")


if __name__ == "__main__":
    main()
