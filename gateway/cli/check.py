"""`dso-gateway check`: can this configuration work? Store, queue, archive, DSO and the case system.

The checks bootstrap needs run first, each on its own, so a mistake there is a failed check and
not a crash; the rest (gateway/preflight.py) need a running container."""

from __future__ import annotations

import argparse
from typing import Any

from gateway.cli.errors import explain
from gateway.settings import Settings


def add_check_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    subparsers.add_parser(
        "check", help="check store, queue, archive, DSO certificate and OINs, and the ZGW catalogue"
    ).set_defaults(func=_cmd_check)


def _setup_checks(settings: Settings) -> list[Any]:
    """What bootstrap needs, one check each, so a mistake is a failed check and not a crash."""
    import message_queue
    from gateway.bootstrap import load_municipal_mapping
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
