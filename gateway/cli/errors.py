"""Configuration mistakes as one line naming the setting, instead of a Python traceback.

The CLI (gateway.cli.main) asks `explain()` about any exception a command raises: a mistake
an operator can fix by configuration gets one line and exit status 2; anything else is a bug
and keeps its traceback. `dso-gateway check` uses the same words for its failed checks."""

from __future__ import annotations

import errno
import socket

import sqlalchemy.exc as sa_exc
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from dso_client.errors import DsoError
from gateway.settings import Settings
from gateway.store.migrate import SchemaNotCurrent
from message_queue.errors import QueueConfigError, QueueUnavailable
from stam_mapping.errors import MappingFileError

EXIT_CONFIG = 2


class PortInUse(Exception):
    def __init__(self, port: int, setting: str) -> None:
        super().__init__(f"port {port} on 127.0.0.1 is already in use: stop what uses it or set {setting}")


def check_port_free(host: str, port: int, setting: str) -> None:
    """Raise PortInUse before a server would fail to bind deep inside uvicorn."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host if host not in ("localhost", "") else "127.0.0.1", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(port, setting) from exc
            raise


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _store_url(settings: Settings | None) -> str:
    if settings is None:
        return "DSOGW_STORE_URL"
    try:
        shown = make_url(settings.effective_store_url).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        shown = "(not a database URL)"
    return f"DSOGW_STORE_URL ({shown})"


def settings_error(exc: ValidationError) -> str:
    """pydantic's errors about the environment, one line: which DSOGW_ variable, and why."""
    parts = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err.get("loc") else "?"
        parts.append(f"DSOGW_{field.upper()}: {err['msg']}")
    return "invalid setting " + "; ".join(parts)


def explain(exc: BaseException, settings: Settings | None) -> str | None:  # noqa: PLR0911
    """One line for a configuration mistake; None for anything else (a bug: keep the traceback)."""
    if isinstance(exc, ValidationError):
        return settings_error(exc)
    if isinstance(exc, SchemaNotCurrent):
        return str(exc)
    if isinstance(exc, PortInUse):
        return str(exc)
    if isinstance(exc, QueueConfigError):
        return f"DSOGW_QUEUE_URL is not usable: {exc}"
    if isinstance(exc, QueueUnavailable):
        return f"the queue at DSOGW_QUEUE_URL cannot be reached: {_first_line(exc)}"
    if isinstance(exc, MappingFileError):
        return f"DSOGW_MAPPING_FILE: {_first_line(exc)}"
    if isinstance(exc, sa_exc.ArgumentError | sa_exc.NoSuchModuleError):
        return f"{_store_url(settings)} is not a usable database URL: {_first_line(exc)}"
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return f"the store at {_store_url(settings)} cannot be opened: {_first_line(exc)}"
    if isinstance(exc, DsoError):
        where = settings.dso_base_url if settings else "?"
        return f"DSO at DSOGW_DSO_BASE_URL ({where}) cannot be reached or refused: {_first_line(exc)}"
    return None
