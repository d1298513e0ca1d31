"""`dso-gateway sandbox zgw`: run the ZGW test server (Zaken, Documenten, Catalogi) with uvicorn."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from adapters.zgw.testserver.config import ZgwTestServerConfig

_SECRET_ENV = "ZGW_TESTSERVER_SECRET"  # noqa: S105 - the name of a variable, not a secret


def add_zgw_commands(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "zgw", help="the ZGW test server (Open Zaak look-alike for tests and demos)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8002, help="port to listen on")
    parser.add_argument(
        "--secret",
        default=None,
        help=f"JWT (HS256) secret clients sign with; default ${_SECRET_ENV} or the documented sandbox secret",
    )
    parser.add_argument("--client-id", action="append", default=[], help="accept only these client_ids")
    parser.add_argument("--part-size", type=int, default=1024 * 1024, help="bestandsdeel size in bytes")
    parser.add_argument(
        "--blob-dir", type=Path, default=None, help="where documents are stored (default: temp)"
    )
    parser.add_argument(
        "--catalogue", type=Path, default=None, help="a catalogue YAML instead of the packaged one"
    )
    parser.set_defaults(func=run_zgw_command)


def config_from_args(args: argparse.Namespace) -> ZgwTestServerConfig:
    secret = args.secret or os.environ.get(_SECRET_ENV)
    options: dict[str, Any] = {
        "client_ids": tuple(args.client_id),
        "part_size": args.part_size,
        "blob_dir": args.blob_dir,
        "catalogue_file": args.catalogue,
    }
    if secret:
        options["secret"] = secret
    return ZgwTestServerConfig(**options)


def run_zgw_command(_settings: object, args: argparse.Namespace) -> int:
    import uvicorn

    from adapters.zgw.testserver import create_app

    config = config_from_args(args)
    print(
        f"ZGW test server on http://{args.host}:{args.port}: "
        "/zaken/api/v1, /documenten/api/v1, /catalogi/api/v1 (counts: /_testserver/counts)"
    )
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="info")
    return 0
