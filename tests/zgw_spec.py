"""Checks ZGW traffic against the official OpenAPI files in ../shared/zgw (tests only).

`zgw_env` gives a running ZGW test server on 127.0.0.1 (one per test session, a fresh store per
test) and a ZgwClient whose transport validates every request the adapter makes and every
response the server gives against Zaken 1.5.1, Documenten 1.4.3 and Catalogi 1.3.1. Any
deviation is recorded and fails the test at teardown (and raises right away)."""

from __future__ import annotations

import functools
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn
import yaml
from fastapi import FastAPI
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from adapters.zgw.client import ZgwClient
from adapters.zgw.testserver import ZgwStore, ZgwTestServerConfig, create_app
from tests.services import require_shared

SHARED_ZGW = Path(__file__).resolve().parents[2] / "shared" / "zgw"
SPEC_FILES = {
    "/zaken/api/v1": "zaken-1.5.1.yaml",
    "/documenten/api/v1": "documenten-1.4.3.yaml",
    "/catalogi/api/v1": "catalogi-1.3.1.yaml",
}
SECRET = "test-secret-for-the-zgw-test-server-0123456789"
CONFIG = ZgwTestServerConfig(secret=SECRET, part_size=64 * 1024)


@functools.cache
def _spec_dict(name: str) -> dict[str, Any]:
    """Parsed once per process: loading the files takes seconds."""
    loaded: dict[str, Any] = yaml.safe_load((SHARED_ZGW / name).read_text("utf-8"))
    return loaded


@functools.cache
def specs_for(origin: str, catalogi: str = "catalogi-1.3.1.yaml") -> dict[str, OpenAPI]:
    apis = {}
    for base, name in {**SPEC_FILES, "/catalogi/api/v1": catalogi}.items():
        spec = {**_spec_dict(name), "servers": [{"url": f"{origin}{base}"}]}
        # openapi-core 0.23 decodes only application/json; the error answers are problem+json.
        config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
        apis[base] = OpenAPI.from_dict(spec, config=config)
    return apis


def check(api: OpenAPI, resp: httpx2.Response) -> None:
    """The README's check: the request and its response against one API's spec."""
    r, ctype = resp.request, resp.request.headers.get("content-type", "")
    headers = {
        **r.headers,
        "content-type": ctype.split(";")[0],
    }  # specs declare Content-Type as an enum header
    req = MockRequest(
        f"{r.url.scheme}://{r.url.netloc.decode()}",
        r.method,
        r.url.path,
        args=r.url.params.multi_items(),  # type: ignore[arg-type] # the README's call; it accepts pairs
        headers=headers,
        data=r.content,
        content_type=ctype,
    )
    api.validate_request(req)
    api.validate_response(
        req,
        MockResponse(
            resp.content, resp.status_code, dict(resp.headers), resp.headers.get("content-type", "")
        ),
    )


@dataclass
class ValidatingTransport(httpx2.BaseTransport):
    inner: httpx2.BaseTransport
    origin: str
    catalogi: str = "catalogi-1.3.1.yaml"
    deviations: list[str] = field(default_factory=list)
    checked: int = 0

    def close(self) -> None:
        self.inner.close()  # the client closes its transport; this one holds the real one

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()  # multipart parts are streamed by the adapter; in tests they are small
        response = self.inner.handle_request(request)
        response.read()
        response.request = request
        api = next(
            (
                a
                for base, a in specs_for(self.origin, self.catalogi).items()
                if request.url.path.startswith(base)
            ),
            None,
        )
        if api is None:
            self.deviations.append(f"{request.method} {request.url.path}: not a ZGW API path")
        else:
            try:
                check(api, response)
                self.checked += 1
            except Exception as exc:  # every openapi-core error is a deviation to report
                self.deviations.append(
                    f"{request.method} {request.url.path} -> {response.status_code}: {exc!r}"
                )
                raise
        return response


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # running in a thread
        pass


@dataclass
class ServerHandle:
    app: FastAPI
    origin: str

    @property
    def store(self) -> ZgwStore:
        store: ZgwStore = self.app.state.zgw
        return store


@functools.cache
def _session_server() -> ServerHandle:
    """One uvicorn server per test process; tests swap in a fresh store."""
    app = create_app(CONFIG)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("ZGW test server did not start")
        time.sleep(0.02)
    return ServerHandle(app, f"http://127.0.0.1:{port}")


@dataclass
class ZgwEnv:
    server: ServerHandle
    client: ZgwClient
    transport: ValidatingTransport

    @property
    def store(self) -> ZgwStore:
        return self.server.store


def make_client(origin: str, transport: httpx2.BaseTransport, secret: str = SECRET) -> ZgwClient:
    return ZgwClient(
        zaken_url=f"{origin}/zaken/api/v1",
        documenten_url=f"{origin}/documenten/api/v1",
        catalogi_url=f"{origin}/catalogi/api/v1",
        client_id="dso-gateway-test",
        secret=secret,
        timeout=10,
        transport=transport,
    )


@pytest.fixture(scope="session")
def zgw_server() -> ServerHandle:
    require_shared("zgw")  # the official ZGW OpenAPI files
    server = _session_server()
    specs_for(server.origin)  # load the specs once, up front
    return server


@pytest.fixture
def zgw_env(zgw_server: ServerHandle) -> Iterator[ZgwEnv]:
    zgw_server.app.state.zgw = ZgwStore(CONFIG)
    transport = ValidatingTransport(httpx2.HTTPTransport(), zgw_server.origin)
    client = make_client(zgw_server.origin, transport)
    try:
        yield ZgwEnv(zgw_server, client, transport)
    finally:
        client.close()
    assert transport.deviations == [], "\n".join(transport.deviations)
