"""A real SMTP server in-process on 127.0.0.1 (aiosmtpd), for the demo, the harness and tests.

It captures every message it accepts, can refuse chosen addresses with a 550 (a bounce), offers
STARTTLS or implicit TLS with a given certificate, and can require a login."""

from __future__ import annotations

import logging
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from gateway.servers import free_port


class _WithoutOwnDeprecation(logging.Filter):
    """aiosmtpd sets its own deprecated Session.login_data after every successful login and
    logs a warning about it each time (aiosmtpd 1.4); nothing a user of the demo can act on."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


logging.getLogger("mail.log").addFilter(_WithoutOwnDeprecation())


@dataclass(frozen=True)
class Ontvangen:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    tls: bool

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        return str(body.get_content()) if body is not None else ""


@dataclass
class _Handler:
    weiger: set[str]
    tijdelijk: set[str] = field(default_factory=set)  # answered 451: try again later
    ontvangen: list[Ontvangen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        lower = address.lower()
        if lower in self.weiger or "@" + lower.rpartition("@")[2] in self.weiger:  # "@domain": all of it
            return "550 5.1.1 Mailbox unavailable"
        if address.lower() in self.tijdelijk:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.ontvangen.append(
                Ontvangen(
                    envelope.mail_from,
                    tuple(envelope.rcpt_tos),
                    bytes(envelope.original_content or envelope.content),
                    # STARTTLS sets session.ssl; implicit TLS shows only on the transport.
                    session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
                )
            )
        return "250 Message accepted for delivery"


class SmtpTestServer:
    def __init__(
        self,
        *,
        tls: str = "none",  # "none", "starttls" or "implicit"
        cert: tuple[str, str] | None = None,  # (certificate, key) PEM files, for TLS
        login: tuple[str, str] | None = None,  # required username and password
        weiger: set[str] | None = None,
        port: int | None = None,
    ) -> None:
        self.tls = tls
        self.port = port or free_port()
        self.handler = _Handler({a.lower() for a in (weiger or set())})
        context = None
        if tls != "none":
            assert cert is not None, "TLS needs a certificate"
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*cert)
        kwargs: dict[str, Any] = {}
        if login is not None:
            user, password = login

            def authenticate(
                server: Any, session: Any, envelope: Any, mechanism: str, data: Any
            ) -> AuthResult:
                ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
                    user.encode(),
                    password.encode(),
                )
                return AuthResult(success=ok, handled=False)

            # With implicit TLS the whole session is encrypted, but aiosmtpd only counts STARTTLS
            # as TLS for AUTH: ask for TLS before AUTH only in the STARTTLS mode.
            kwargs.update(authenticator=authenticate, auth_required=True, auth_require_tls=tls == "starttls")
        if tls == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        self._controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=context if tls == "implicit" else None,
            server_hostname="127.0.0.1",
            **kwargs,
        )

    @property
    def ontvangen(self) -> list[Ontvangen]:
        with self.handler.lock:
            return list(self.handler.ontvangen)

    def weiger(self, address: str) -> None:
        self.handler.weiger.add(address.lower())

    def start(self) -> SmtpTestServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
