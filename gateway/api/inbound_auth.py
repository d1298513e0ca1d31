"""Who is sending us a verzoeknotificatie? Only DSO-LV may.

The sender is identified by its PKIoverheid certificate: the OIN in the subject serialNumber
must be one of `notification_sender_oins`. The certificate reaches us either from our own TLS
termination (mode "mtls", see dso_client/tls_server.py) or from a reverse proxy that verified it
and forwards it, URL-encoded PEM, in a header (mode "proxy"); that header is believed only from
the proxy addresses in `trusted_proxies`. Mode "none" is for the demo and tests on 127.0.0.1.
Refused requests get 401 (no usable certificate) or 403 (not DSO), and nothing is stored."""

from __future__ import annotations

import ipaddress
from typing import Annotated
from urllib.parse import unquote

import structlog
from fastapi import Depends, Request

from dso_client.auth import oin_from_certificate
from dso_client.tls_server import client_cert_der
from gateway.api.deps import container
from gateway.api.problems import ProblemError
from gateway.bootstrap import Container
from gateway.settings import Settings

log = structlog.get_logger(__name__)


def _from_trusted_proxy(settings: Settings, host: str | None) -> bool:
    if host is None:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.trusted_proxies)


def _certificate(request: Request, settings: Settings) -> bytes | str | None:
    if settings.notification_auth == "mtls":
        return client_cert_der(request.scope)
    client = request.client.host if request.client else None
    if not _from_trusted_proxy(settings, client):
        log.warning("notification.untrusted_proxy", client=client)
        raise ProblemError(403, "Geen toegang", "Dit adres mag geen verzoeknotificaties doorgeven.")
    forwarded = request.headers.get(settings.proxy_cert_header)
    return unquote(forwarded) if forwarded else None


async def notification_sender(request: Request, c: Annotated[Container, Depends(container)]) -> str | None:
    """The sender's OIN, after checking it is DSO-LV; None when authentication is off.
    (async: no I/O here, and a plain `def` would cost a thread-pool round trip per request.)"""
    settings = c.settings
    if settings.notification_auth == "none":
        return None
    cert = _certificate(request, settings)
    if cert is None:
        raise ProblemError(401, "Niet geauthenticeerd", "Een PKIoverheid-clientcertificaat is vereist.")
    oin = oin_from_certificate(cert)
    if oin is None:
        raise ProblemError(401, "Niet geauthenticeerd", "Het certificaat bevat geen OIN.")
    if oin not in settings.notification_sender_oins:
        log.warning("notification.unknown_sender", oin=oin)
        raise ProblemError(403, "Geen toegang", f"OIN {oin} mag geen verzoeknotificaties sturen.")
    return oin
