"""`dso-gateway sandbox dso ...`: run the DSO sandbox, or make its test certificates.

The gateway's CLI calls add_sandbox_commands(); the handler takes (settings, args) like the
gateway's own commands and ignores the settings (the sandbox is configured by its flags)."""

from __future__ import annotations

import argparse
import ssl
from pathlib import Path
from typing import Any

from dso_client.sandbox.config import SandboxConfig


def add_sandbox_commands(subparsers: Any) -> None:
    parser = subparsers.add_parser("dso", help="the DSO sandbox (a DSO-LV simulator for tests and demos)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8001, help="port to listen on")
    parser.add_argument("--notify-url", help="where to POST verzoeknotificaties (the gateway's intake)")
    parser.add_argument("--public-url", help="base of the absolute links in verzoekreferenties")
    parser.add_argument("--tls-cert", type=Path, help="server certificate (PEM): serve HTTPS")
    parser.add_argument("--tls-key", type=Path, help="the key of --tls-cert (PEM)")
    parser.add_argument("--client-ca", type=Path, help="require client certificates signed by this CA (mTLS)")
    parser.add_argument(
        "--certificate-oin",
        action="append",
        default=[],
        metavar="CERT_OIN=OIN",
        help="with mTLS: the certificate with CERT_OIN may also act for OIN (repeatable)",
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="log every request (off by default: a log line per request is a tenth of its CPU)",
    )
    parser.add_argument(
        "--make-certs", type=Path, metavar="DIR", help="write a test CA and certificates, then exit"
    )
    parser.set_defaults(func=run_sandbox_command)


def run_sandbox_command(_settings: object, args: argparse.Namespace) -> int:
    if args.make_certs:
        from dso_client.sandbox.certs import make_certs

        pki = make_certs(args.make_certs)
        print(f"CA: {pki.ca_cert}\nserver: {pki.server_cert} {pki.server_key}")
        for client in pki.clients.values():
            print(
                f"client OIN {client.oin}: {client.cert} {client.key} {client.p12}"
                f" (password {pki.p12_password})"
            )
        return 0

    import uvicorn

    from dso_client.sandbox.app import create_app
    from dso_client.tls_server import ClientCertH11Protocol

    whitelist: dict[str, list[str]] = {}
    for item in args.certificate_oin:
        cert_oin, _, oin = item.partition("=")
        whitelist.setdefault(cert_oin.strip(), []).append(oin.strip())
    config = SandboxConfig(notify_url=args.notify_url, public_url=args.public_url, certificate_oins=whitelist)
    uvicorn.run(
        create_app(config),
        host=args.host,
        port=args.port,
        ssl_certfile=str(args.tls_cert) if args.tls_cert else None,
        ssl_keyfile=str(args.tls_key) if args.tls_key else None,
        ssl_ca_certs=str(args.client_ca) if args.client_ca else None,
        ssl_cert_reqs=ssl.CERT_REQUIRED if args.client_ca else ssl.CERT_NONE,
        http=ClientCertH11Protocol if args.client_ca else "auto",
        access_log=args.access_log,
    )
    return 0
