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
