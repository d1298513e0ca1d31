"""A test server's port is held from the moment its URL is known until the server serves on it
(CI saw "address already in use" when only the number was picked in advance)."""

from __future__ import annotations

import socket

import httpx2
import pytest
from fastapi import FastAPI

from gateway.servers import ServerThread, reserve_port


def test_a_reserved_port_is_not_free_to_others_and_is_served_on() -> None:
    app = FastAPI()

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"pong": "ja"}

    sock = reserve_port()
    port = sock.getsockname()[1]
    other = socket.socket()
    with pytest.raises(OSError):  # someone else trying the same port in between
        other.bind(("127.0.0.1", port))
    other.close()
    with ServerThread(app, sock=sock) as server:
        assert server.port == port
        assert httpx2.get(f"{server.url}/ping", timeout=5).json() == {"pong": "ja"}


def test_a_served_connection_sends_without_waiting_for_acks() -> None:
    """asyncio sets TCP_NODELAY on an accepted connection only when the listening socket is
    created as TCP (proto IPPROTO_TCP). Without it, uvicorn's response head and body went out as
    two segments and the body waited for the client's delayed ACK: 40 ms on every call to every
    in-process server (demo, harness, tests)."""
    app = FastAPI()

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"pong": "ja"}

    with reserve_port() as reserved:
        assert reserved.proto == socket.IPPROTO_TCP
    with ServerThread(app) as server, httpx2.Client() as client:
        assert client.get(f"{server.url}/ping", timeout=5).status_code == 200
        # The connection is kept alive: look at the server's end of it.
        [connection] = list(server.server.server_state.connections)
        accepted = connection.transport.get_extra_info("socket")  # type: ignore[attr-defined]
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
