"""The `dso-gateway` command. Settings are built once here, from DSOGW_* variables."""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import signal
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

from gateway.logging import configure_logging
from gateway.settings import Settings


def _cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.cli.errors import check_port_free
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
    from gateway.cli.errors import check_port_free

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


def _cmd_queue(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.events import STAGES

    if args.queue_command == "replay":
        return _replay(settings, args)
    from gateway import queue_prefix

    queue = queue_prefix.connect(settings.effective_queue_url, settings.queue_prefix)
    try:
        # Name the queues: a STOMP connection only sees dead letters of queues it knows.
        letters = [d for q in ([args.queue] if args.queue else STAGES) for d in queue.dead_letters(q)]
        for letter in letters:
            print(
                f"{letter.queue}\t{letter.message_id}\t{letter.dead_lettered_at.isoformat()}\t{letter.reason}"
            )
        print(f"{len(letters)} dead letter(s)")
    finally:
        queue.close()
    return 0


def _cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in this environment (a container)
        return "cli"


def _replay(settings: Settings, args: argparse.Namespace) -> int:
    """Replay = retry of the letter's failed version; outdated letters are refused (see
    gateway/operations.py). Exit 1 when a named letter was refused or is unknown."""
    from gateway.bootstrap import bootstrap
    from gateway.events import STAGES
    from gateway.operations import OperationError, Operations

    if args.queue not in STAGES:
        known = ", ".join(STAGES)
        print(f"dso-gateway queue replay: unknown queue {args.queue}; known: {known}", file=sys.stderr)
        return 1
    container = bootstrap(settings)
    try:
        ops = Operations(container.context)
        letters = ops.letters(d for q in STAGES for d in container.queue.dead_letters(q))
        chosen = [
            s
            for s in letters
            if s.letter.queue == args.queue and (args.all or s.letter.message_id == args.id)
        ]
        if args.id and not chosen:
            print(f"no dead letter {args.id} on {args.queue}", file=sys.stderr)
            return 1
        replayed = refused = 0
        for s in chosen:
            try:
                if s.job is None:  # not one of our messages: back on its queue as it was
                    container.queue.replay(s.letter.queue, s.letter.message_id)
                else:
                    ops.replay(s, actor=_cli_actor(), note=args.note)
                replayed += 1
            except OperationError as exc:
                refused += 1
                print(f"{s.letter.message_id}: refused: {exc}", file=sys.stderr)
    finally:
        container.close()
    print(f"{replayed} message(s) replayed to {args.queue}, {refused} refused")
    return 1 if args.id and refused else 0


def _cmd_reconcile(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from gateway.bootstrap import bootstrap
    from gateway.reconcile import reconcile

    since = (
        datetime.combine(args.since, datetime.min.time(), tzinfo=UTC)
        if args.since
        else datetime.now(UTC) - timedelta(days=settings.reconcile_lookback_days)
    )
    container = bootstrap(settings)
    try:
        result = reconcile(container.context, container.dso, since=since)
    finally:
        container.close()
    print(
        f"reconcile: {result.seen} verzoek version(s) at DSO since {since.date()}, {result.taken_in} taken in"
    )
    return 0


def _setup_checks(settings: Settings) -> list[Any]:
    """What bootstrap needs, one check each, so a mistake is a failed check and not a crash."""
    import message_queue
    from gateway.bootstrap import load_municipal_mapping
    from gateway.cli.errors import explain
    from gateway.preflight import Check
    from gateway.store import SqlStore

    def store() -> None:
        SqlStore.from_url(settings.effective_store_url).close()

    def queue() -> None:
        message_queue.connect(settings.effective_queue_url).close()

    checks = []
    for name, attempt in (
        ("store", store),
        ("queue", queue),
        ("mapping file", lambda: load_municipal_mapping(settings)),
    ):
        try:
            attempt()
        except Exception as exc:  # noqa: BLE001 - reported as a failed check
            checks.append(Check(name, "failed", explain(exc, settings) or f"{type(exc).__name__}: {exc}"))
    return checks


def _cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.bootstrap import bootstrap
    from gateway.preflight import run_checks

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    setup = _setup_checks(settings)
    if setup:
        for check in setup:
            print(check.line(), flush=True)
        print(f"check: {len(setup)} failed; fix these first, the other checks need them")
        return 1
    container = bootstrap(settings)
    outcomes: list[str] = []
    try:
        for check in run_checks(container):
            print(check.line(), flush=True)
            outcomes.append(check.outcome)
    finally:
        container.close()
    failed = outcomes.count("failed")
    print(f"check: {outcomes.count('ok')} ok, {failed} failed, {outcomes.count('warning')} warning(s)")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dso-gateway", description="Omgevingswet DSO integration gateway")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run everything on 127.0.0.1 with the example verzoeken")
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

    sub.add_parser("api", help="run the HTTP API").set_defaults(func=_cmd_api)
    sub.add_parser("worker", help="run the fetch/translate/report workers").set_defaults(func=_cmd_worker)

    sub.add_parser(
        "check", help="check store, queue, archive, DSO certificate and OINs, and the ZGW catalogue"
    ).set_defaults(func=_cmd_check)

    rec = sub.add_parser("reconcile", help="take in verzoeken DSO has that were never notified")
    rec.add_argument(
        "--since", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: the configured lookback)"
    )
    rec.set_defaults(func=_cmd_reconcile)

    queue = sub.add_parser("queue", help="dead letters and replay")
    queue_sub = queue.add_subparsers(dest="queue_command", required=True)
    dead = queue_sub.add_parser("dead-letters", help="list dead letters")
    dead.add_argument("--queue", default=None, help="only this queue (default: every stage's queue)")
    replay = queue_sub.add_parser(
        "replay", help="put dead letters back on their queue (exit 1 for an unknown queue or id)"
    )
    replay.add_argument("queue", help="the stage queue, e.g. dso.fetch")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", help="the message id, as `queue dead-letters` lists it")
    which.add_argument("--all", action="store_true", help="every dead letter of the queue")
    replay.add_argument(
        "--note", default="herplaatst met dso-gateway queue replay", help="why (on the timeline)"
    )
    queue.set_defaults(func=_cmd_queue)

    from gateway.cli.stam import add_stam_commands

    add_stam_commands(sub)
    from gateway.cli.berichten import add_berichten_commands

    add_berichten_commands(sub)
    from gateway.cli.zgw import add_zgw_gateway_commands

    add_zgw_gateway_commands(sub)
    from gateway.cli.users import add_user_commands

    add_user_commands(sub)
    from gateway.cli.deliver import add_deliver_command

    add_deliver_command(sub)
    from gateway.cli.harness import add_harness_commands

    add_harness_commands(sub)
    from gateway.cli.archive import add_archive_commands

    add_archive_commands(sub)
    from gateway.cli.db import add_db_commands

    add_db_commands(sub)
    from gateway.cli.logboek import add_logboek_commands

    add_logboek_commands(sub)
    sandbox = sub.add_parser("sandbox", help="the DSO sandbox and the ZGW test server")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", required=True)
    from adapters.zgw.cli import add_zgw_commands
    from dso_client.sandbox.cli import add_sandbox_commands

    add_sandbox_commands(sandbox_sub)
    add_zgw_commands(sandbox_sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pydantic import ValidationError

    from gateway.cli.errors import EXIT_CONFIG, explain, settings_error

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"dso-gateway: {settings_error(exc)}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, settings.log_format)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        result: int = args.func(settings, args)
    except Exception as exc:
        # A configuration mistake is one line naming the setting; anything else is a bug.
        line = explain(exc, settings)
        if line is None:
            raise
        print(f"dso-gateway {args.command}: {line}", file=sys.stderr)
        return EXIT_CONFIG
    return result
