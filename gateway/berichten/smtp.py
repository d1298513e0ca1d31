"""The e-mail channel: SMTP with STARTTLS or implicit TLS, credentials from settings.

Errors are translated here, once: a 5xx answer is a refusal (BerichtGeweigerd, permanent: the
address does not exist or policy forbids it), a 4xx answer or a failure to connect is retryable
(nothing was accepted). The one window we cannot close is the answer to the end of DATA: when
the connection breaks after the message was handed over, the server may have accepted it. That
case raises BerichtOnzeker (permanent): the caller's checkpoint then keeps the message from
being sent twice and staff decide (see gateway/berichten/afzenden.py)."""

from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal

from gateway.berichten.bericht import Bericht, BerichtGeweigerd, BerichtOngeldig, Verzending
from gateway.errors import PermanentError, RetryableError

Tls = Literal["starttls", "implicit", "none"]


class BerichtOnzeker(PermanentError):
    """The mail server may or may not have accepted the message (its answer was lost)."""


def message_id(bericht: Bericht, domain: str) -> str:
    """A stable Message-ID per message: a resend after an unknown outcome carries the same id,
    so mail clients that deduplicate on it show the message once."""
    safe = "".join(c if c.isalnum() else "." for c in bericht.sleutel)
    return f"<{safe}@{domain}>"


class SmtpKanaal:
    naam: Literal["email"] = "email"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        afzender: str,
        tls: Tls = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port, self.afzender, self.tls = host, port, afzender, tls
        self._username, self._password, self._timeout = username, password, timeout
        self._context = ssl_context or ssl.create_default_context()

    def _message(self, bericht: Bericht) -> EmailMessage:
        if not bericht.aan_email:
            raise BerichtOngeldig("geen e-mailadres: dit bericht gaat per post")
        msg = EmailMessage()
        msg["From"] = f"{bericht.afzender_naam} <{self.afzender}>"
        msg["To"] = bericht.aan_email
        msg["Subject"] = bericht.onderwerp
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = message_id(bericht, self.afzender.rsplit("@", 1)[-1])
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
        msg.set_content(bericht.tekst, charset="utf-8")
        return msg

    def connect(self) -> smtplib.SMTP:
        """A connection as a message uses it (TLS as configured), also for `dso-gateway check`."""
        if self.tls == "implicit":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self._timeout, context=self._context)
        client = smtplib.SMTP(self.host, self.port, timeout=self._timeout)
        if self.tls == "starttls":
            client.starttls(context=self._context)
        return client

    def verstuur(self, bericht: Bericht) -> Verzending:
        msg = self._message(bericht)
        handed_over = False
        try:
            with self.connect() as client:
                if self._username:
                    client.login(self._username, self._password or "")
                handed_over = True
                refused = client.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _refusal([code for code, _ in exc.recipients.values()], "ontvanger geweigerd") from exc
        except smtplib.SMTPResponseException as exc:
            # Answers to MAIL, RCPT or DATA: the server says no, we know it did not take it.
            raise _refusal([exc.smtp_code], "bericht geweigerd") from exc
        except smtplib.SMTPNotSupportedError as exc:
            # STARTTLS or AUTH not offered: our settings do not match the server; staff fix them.
            raise PermanentError(f"mailserver ondersteunt dit niet ({exc})") from exc
        except (smtplib.SMTPServerDisconnected, TimeoutError, OSError) as exc:
            # smtplib.SMTPException is an OSError too: every other SMTP failure lands here.
            if handed_over:
                raise BerichtOnzeker(
                    f"verbinding met de mailserver verbroken tijdens het versturen ({type(exc).__name__})"
                ) from exc
            raise RetryableError(f"mailserver niet bereikbaar ({type(exc).__name__})") from exc
        if refused:
            raise _refusal([code for code, _ in refused.values()], "ontvanger geweigerd")
        return Verzending("email", str(msg["Message-ID"]), datetime.now(UTC))


def _refusal(codes: list[int], what: str) -> PermanentError | RetryableError:
    code = max(codes) if codes else 0
    if code in (530, 534, 535):  # our credentials, not the recipient: staff fix the settings
        return PermanentError(f"aanmelden bij de mailserver mislukt (SMTP {code})")
    if 500 <= code < 600:
        return BerichtGeweigerd(f"{what} door de mailserver (SMTP {code})")
    return RetryableError(f"{what}: tijdelijk (SMTP {code})")
