"""`dso-gateway demo|api|worker`: run the gateway's long-lived processes."""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from gateway.cli.errors import check_port_free
from gateway.settings import Settings


def add_serve_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = subparsers.add_parser("demo", help="run everything on 127.0.0.1 with the example verzoeken")
    demo.add_argument("--once", action="store_true", help="exit when every example reached a final state")
    demo.add_argument("--data-dir", type=Path, default=None, help="keep state here (default: a new temp dir)")
    demo.add_argument(
        "--timeout", type=float, default=180.0, help="with --once: give up after this many seconds"
    )
    demo.add_argument(
        "--zgw-url",
        default=None,
        metavar="URL",
        help="deliver to this external ZGW (root URL, e.g. Open Zaak's; DSOGW_ZGW_* give the "
        "credentials and win over the derived API URLs) instead of starting a ZGW test server",
    )
    demo.set_defaults(func=_cmd_demo)

    subparsers.add_parser("api", help="run the HTTP API").set_defaults(func=_cmd_api)
    subparsers.add_parser("worker", help="run the fetch/translate/report workers").set_defaults(
        func=_cmd_worker
    )


def _cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.demo import run_demo

    if not args.once:  # --once picks free ports itself
        check_port_free("127.0.0.1", settings.api_port, "DSOGW_API_PORT")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        outcome = run_demo(
            settings,
            once=args.once,
            data_dir=args.data_dir,
            timeout=args.timeout,
            stop=stop,
            zgw_url=args.zgw_url,
        )
    except KeyboardInterrupt:
        return 0
    return 0 if outcome.failed == 0 else 1


def api_tls_options(settings: Settings) -> dict[str, Any]:
    """uvicorn options for terminating TLS ourselves. Client certificates are optional at the TLS
    level (staff browsers have none) and required by the notification endpoint itself."""
    if settings.notification_auth != "mtls":
        return {}
    if not (settings.api_tls_cert and settings.api_tls_key and settings.api_client_ca):
        raise SystemExit(
            "notification_auth=mtls needs DSOGW_API_TLS_CERT, DSOGW_API_TLS_KEY and DSOGW_API_CLIENT_CA"
        )
    import ssl

    from dso_client.tls_server import ClientCertH11Protocol

    return {
        "ssl_certfile": str(settings.api_tls_cert),
        "ssl_keyfile": str(settings.api_tls_key),
        "ssl_ca_certs": str(settings.api_client_ca),
        "ssl_cert_reqs": ssl.CERT_OPTIONAL,
        "http": ClientCertH11Protocol,
    }


def exposure_problem(settings: Settings) -> str | None:
    """Why the API must not start as configured: unauthenticated notifications are for the demo
    on 127.0.0.1 only. Anyone who can reach the endpoint could otherwise make us fetch verzoeken."""
    if settings.notification_auth != "none":
        return None
    try:
        loopback = ipaddress.ip_address(settings.api_host).is_loopback
    except ValueError:
        loopback = settings.api_host == "localhost"
    if loopback:
        return None
    return (
        f"refusing to listen on {settings.api_host} with DSOGW_NOTIFICATION_AUTH=none: set it to "
        "mtls (we terminate TLS) or proxy (a reverse proxy verifies DSO's certificate)"
    )


def _cmd_api(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.api.app import create_app
    from gateway.bootstrap import bootstrap

    problem = exposure_problem(settings)
    if problem:
        print(f"dso-gateway api: {problem}", file=sys.stderr)
        return 2
    check_port_free(settings.api_host, settings.api_port, "DSOGW_API_HOST/DSOGW_API_PORT")
    container = bootstrap(settings)
    try:
        uvicorn.run(
            create_app(container),
            host=settings.api_host,
            port=settings.api_port,
            access_log=False,
            **api_tls_options(settings),
        )
    finally:
        container.close()
    return 0


def _cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.bootstrap import bootstrap

    if settings.worker_niceness:
        # The intake answers DSO while the worker's backlog can wait: under a burst the api
        # keeps its p99 (bench/bench_intake.py) and the workers take what CPU is left.
        os.nice(settings.worker_niceness)

    container = bootstrap(settings)
    worker = container.worker()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    worker.start()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        worker.stop()
        container.close()
    return 0
