"""Run an ASGI app with uvicorn in a background thread (demo, tests, harness)."""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn

from dso_client.sandbox.server import free_port

__all__ = ["ServerThread", "free_port"]


class ServerThread:
    def __init__(
        self, app: Any, host: str = "127.0.0.1", port: int | None = None, **uvicorn_options: Any
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
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
        self._thread = threading.Thread(target=self.server.run, name=f"uvicorn-{self.port}", daemon=True)

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

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
