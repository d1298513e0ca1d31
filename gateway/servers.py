"""Run an ASGI app with uvicorn in a background thread (demo, tests, harness)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

from dso_client.sandbox.server import free_port

__all__ = ["ServerThread", "free_port", "reserve_port"]


def reserve_port(host: str = "127.0.0.1") -> socket.socket:
    """A socket bound to a free port, held until a ServerThread serves on it. A port number
    alone (free_port) is free only when asked: by the time the server binds it, another
    server or an outgoing connection may have it (seen in CI: "address already in use")."""
    # proto=IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY on an accepted connection
    # only when the listening socket says it is TCP. Without it a response written in two parts
    # (uvicorn sends the head, then the body) waited for the client's delayed ACK: 40 ms a call.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


class ServerThread:
    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int | None = None,
        *,
        sock: socket.socket | None = None,
        **uvicorn_options: Any,
    ) -> None:
        """`sock`: a reserve_port() socket to serve on. Without it and without `port`, one is
        reserved here; a `port` given is bound when the server starts."""
        if sock is None and port is None:
            sock = reserve_port(host)
        self.host = host
        self._sock = sock
        self.port = int(sock.getsockname()[1]) if sock is not None else int(port or 0)
        config = uvicorn.Config(
            app,
            host=host,
            port=self.port,
            log_level="warning",
            lifespan="off",
            access_log=False,
            **uvicorn_options,
        )
        self.server = uvicorn.Server(config)
        sockets = [sock] if sock is not None else None
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": sockets}, name=f"uvicorn-{self.port}", daemon=True
        )

    @property
    def url(self) -> str:
        scheme = "https" if self.server.config.ssl_keyfile else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self.server.should_exit = True
        self._thread.join(timeout)
        if self._sock is not None:
            self._sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
