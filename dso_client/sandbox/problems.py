"""What every sandbox API shares: problem+json errors and the caller's OIN header."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dso_client.auth import oin_from_certificate
from dso_client.sandbox.config import SandboxConfig
from dso_client.tls_server import client_cert_der

PROBLEM = "application/problem+json"


class ProblemError(Exception):
    def __init__(self, status: int, title: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.headers = headers or {}


async def caller_oin(request: Request) -> str:
    config: SandboxConfig = request.app.state.sandbox.config
    oin = request.headers.get(config.oin_header)
    if not oin:
        raise ProblemError(401, f"Header {config.oin_header} (OIN) ontbreekt")
    der = client_cert_der(request.scope)
    if der is not None:
        cert_oin = oin_from_certificate(der)
        if cert_oin is None:
            raise ProblemError(403, "Het certificaat bevat geen OIN (subject serialNumber)")
        if oin != cert_oin and oin not in config.certificate_oins.get(cert_oin, []):
            raise ProblemError(403, "Dit OIN staat niet op de whitelist van het certificaat")
    return oin


Oin = Annotated[str, Depends(caller_oin)]
