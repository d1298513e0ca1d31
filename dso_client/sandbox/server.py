"""Run the sandbox with uvicorn in a background thread (tests, bench, demo): a real HTTP server
on 127.0.0.1, optionally with TLS and required client certificates."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn

from dso_client.sandbox.app import create_app
from dso_client.sandbox.config import SandboxConfig
from dso_client.sandbox.state import Sandbox
from dso_client.tls_server import ClientCertH11Protocol


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class SandboxServer:
    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        tls_cert: Path | None = None,
        tls_key: Path | None = None,
        client_ca: Path | None = None,
    ) -> None:
        self.config = config or SandboxConfig()
        self.sandbox = Sandbox(self.config)
        self.app = create_app(self.config, sandbox=self.sandbox)
        self.host = host
        self.port = port or free_port(host)
        self.tls = tls_cert is not None
        config_ = uvicorn.Config(
            self.app,
            host=host,
            port=self.port,
            log_level="critical",
            lifespan="off",
            access_log=False,
            ssl_certfile=str(tls_cert) if tls_cert else None,
            ssl_keyfile=str(tls_key) if tls_key else None,
            # mTLS: with a client CA, a handshake without a certificate signed by it is refused.
            ssl_ca_certs=str(client_ca) if client_ca else None,
            ssl_cert_reqs=ssl.CERT_REQUIRED if client_ca else ssl.CERT_NONE,
            # The app needs the client certificate to check the OIN header against it.
            http=ClientCertH11Protocol if client_ca else "auto",
        )
        self.server = uvicorn.Server(config_)
        self._thread = threading.Thread(target=self.server.run, name=f"dso-sandbox-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return self.url + self.config.base_path

    @property
    def samenwerking_url(self) -> str:
        return self.url + self.config.samenwerking_path

    def start(self, timeout: float = 15.0) -> SandboxServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"DSO sandbox on port {self.port} did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(10)
        self.sandbox.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
