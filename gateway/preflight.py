"""`dso-gateway check`: is this installation ready for its first verzoek?

Setting up a gateway means a certificate DSO must accept for each OIN, a database, a broker, a
writable archive and a catalogue that has every zaaktype, roltype, statustype and
informatieobjecttype the mapping file names. Each of those, when wrong, otherwise shows up only
when a real verzoek fails. This runs every check once, read-only except for one message sent
through the queue and a probe file in the archive, and says per check what is wrong.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from gateway.bootstrap import Container, build_zgw_client

PROBE_QUEUE = "dso.preflight"


@dataclass(frozen=True)
class Check:
    name: str
    outcome: str  # "ok", "failed", "warning", "skipped"
    detail: str = ""

    def line(self) -> str:
        text = {"ok": "ok", "failed": "FAILED", "warning": "warning", "skipped": "skipped"}[self.outcome]
        return f"check: {self.name} ... {text}" + (f": {self.detail}" if self.detail else "")


def run_checks(c: Container, *, today: date | None = None) -> Iterator[Check]:
    yield _guard("store", lambda: _store(c))
    yield _guard("queue", lambda: _queue(c))
    yield _guard("archive", lambda: _archive(c))
    for oin in c.settings.our_oins:
        yield _guard(f"DSO afhandelen API as OIN {oin}", lambda oin=oin: _dso(c, oin))  # type: ignore[misc]
    yield from _delivery(c, today or datetime.now(UTC).date())
    yield from _berichten(c)


def _guard(name: str, check: Callable[[], str]) -> Check:
    # Every failure becomes a line: a check must never stop the ones after it.
    try:
        return Check(name, "ok", check())
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        return Check(name, "failed", f"{type(exc).__name__}: {exc}")


def _store(c: Container) -> str:
    from gateway.store import migrate

    with c.store.engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    found = migrate.state(c.store.engine)
    if not found.at_head:
        raise RuntimeError(f"schema {found.describe()}: run `dso-gateway db upgrade`")
    return f"{c.store.engine.dialect.name}, schema {found.describe()}"


def _queue(c: Container) -> str:
    body = secrets.token_hex(8).encode()
    c.queue.publish(PROBE_QUEUE, body, message_id=f"preflight-{body.decode()}")
    message = c.queue.receive(PROBE_QUEUE, 10.0)
    if message is None:
        raise RuntimeError("a message sent to the queue did not come back within 10 s")
    c.queue.ack(message)
    if message.body != body:
        raise RuntimeError("another message came back than the one sent (is the probe queue in use?)")
    return "sent, received and acknowledged one message"


def _archive(c: Container) -> str:
    probe = c.archive.root / f".preflight-{secrets.token_hex(4)}"
    probe.write_bytes(b"ok")
    probe.unlink()
    return f"{c.archive.root} is writable"


def _dso(c: Container, oin: str) -> str:
    # A search of the last day is read-only and needs the certificate, the OIN and its whitelist.
    found = sum(1 for _ in c.dso.zoek(oin=oin, vanaf=datetime.now(UTC) - timedelta(days=1)))
    return f"certificate and OIN accepted; {found} verzoek version(s) in the last day"


def _delivery(c: Container, today: date) -> Iterator[Check]:
    if c.settings.delivery != "zgw":
        yield Check(f"{c.settings.delivery} catalogue", "skipped", "only the ZGW catalogue can be checked")
        return
    from adapters.zgw.preflight import check_catalogue

    with build_zgw_client(c.settings) as client:
        try:
            report = check_catalogue(client, c.mapping, today)
        except Exception as exc:  # noqa: BLE001 - reported, never raised
            yield Check("ZGW catalogue", "failed", f"{type(exc).__name__}: {exc}")
            return
    for found in report.checked:
        yield Check(f"ZGW {found}", "ok")
    for error in report.errors:
        yield Check("ZGW catalogue", "failed", error)
    for warning in report.warnings:
        yield Check("ZGW catalogue", "warning", warning)


def _berichten(c: Container) -> Iterator[Check]:
    """Messages to the initiatiefnemer: the mail server (connect, TLS, login; nothing is sent) and
    the informatieobjecttypen the messages are stored under in the zaak."""
    if c.settings.smtp_host is None:
        yield Check(
            "mail server (SMTP)", "warning", "DSOGW_SMTP_HOST is not set: every message becomes a letter"
        )
    else:
        yield _guard("mail server (SMTP)", lambda: _smtp(c))
    if c.settings.delivery == "zgw":
        yield _guard("ZGW informatieobjecttypen for berichten", lambda: _berichten_typen(c))


def _smtp(c: Container) -> str:
    from gateway.bootstrap import build_email_kanaal

    kanaal = build_email_kanaal(c.settings)
    assert kanaal is not None
    with kanaal.connect() as client:
        if c.settings.smtp_username:
            client.login(
                c.settings.smtp_username,
                c.settings.smtp_password.get_secret_value() if c.settings.smtp_password else "",
            )
        client.noop()
    return f"{c.settings.smtp_host}:{c.settings.smtp_port} ({c.settings.smtp_tls}) accepts our login"


def _berichten_typen(c: Container) -> str:
    typen = c.mapping.berichten.informatieobjecttypen
    wanted = {typen.ontvangstbevestiging, typen.statusbericht}
    with build_zgw_client(c.settings) as client:
        catalogus = list(
            client.list_all(
                client.catalogi("catalogussen"),
                {"domein": c.mapping.catalogus.domein, "rsin": c.mapping.catalogus.rsin},
            )
        )
        if not catalogus:
            raise RuntimeError("the mapping's catalogus was not found")
        found = {
            str(i.get("omschrijving"))
            for i in client.list_all(
                client.catalogi("informatieobjecttypen"), {"catalogus": str(catalogus[0]["url"])}
            )
        }
    missing = sorted(wanted - found)
    if missing:
        raise RuntimeError(f"not in the catalogue: {', '.join(missing)}")
    return ", ".join(sorted(wanted))
