"""The official StUF-ZKN 3.10 schemas in ../shared/stuf (tests only, never copied here).

Outside CI a test that needs them skips with a reason when ../shared is absent; under CI=true
it fails: CI must check every StUF message against them."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import uvicorn

from adapters.stuf_zkn.client import StufClient
from adapters.stuf_zkn.schemas import DEFAULT_SCHEMA_DIR, MUTATIE, StufSchemas
from adapters.stuf_zkn.testserver import StufStore, create_stuf_app
from tests.services import require_service


def require_stuf_schemas() -> StufSchemas:
    require_service(f"the StUF-ZKN schemas ({DEFAULT_SCHEMA_DIR})", (DEFAULT_SCHEMA_DIR / MUTATIE).is_file())
    return StufSchemas(Path(DEFAULT_SCHEMA_DIR))


@dataclass
class StufEndpoint:
    """The validating StUF test endpoint (uvicorn on 127.0.0.1) and its app (app.state.stuf)."""

    origin: str
    app: Any

    def fresh_store(self) -> StufStore:
        store = StufStore()
        self.app.state.stuf = store
        return store

    def client(self, transport: httpx2.BaseTransport | None = None) -> StufClient:
        return StufClient(
            vrije_berichten_url=f"{self.origin}/VrijeBerichten",
            ontvang_asynchroon_url=f"{self.origin}/OntvangAsynchroon",
            transport=transport,
        )


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        pass


@contextmanager
def running_stuf_endpoint() -> Iterator[StufEndpoint]:
    """Start the endpoint with the official schemas (skip outside CI, fail in CI without them)."""
    schemas = require_stuf_schemas()
    app = create_stuf_app(schema_dir=schemas.directory)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield StufEndpoint(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(5)
