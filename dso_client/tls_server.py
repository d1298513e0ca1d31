"""Give the app the client certificate of a TLS connection that uvicorn terminated.

Uvicorn (0.54) verifies client certificates but does not pass them to the application (the ASGI
TLS extension is not implemented). This h11 protocol reads the peer certificate once per
connection and puts it in `scope["extensions"]["tls"]["client_cert_der"]`, so the application can
take the caller's OIN from it: the gateway's notification endpoint, and the DSO sandbox, which checks
the OIN in the header against the certificate's whitelist as DSO does."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


class ClientCertH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if not der:
            return
        inner = self.app

        async def app_with_cert(scope: Any, receive: Any, send: Any) -> None:
            extensions = scope.setdefault("extensions", {}) or {}
            extensions["tls"] = {**extensions.get("tls", {}), "client_cert_der": der}
            scope["extensions"] = extensions
            await inner(scope, receive, send)

        self.app = app_with_cert


def client_cert_der(scope: Any) -> bytes | None:
    """The DER client certificate ClientCertH11Protocol put in an ASGI scope, if any."""
    tls = (scope.get("extensions") or {}).get("tls") or {}
    der = tls.get("client_cert_der")
    return der if isinstance(der, bytes) else None
