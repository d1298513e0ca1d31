"""Sending messages to the initiatiefnemer: once per message, checkpointed, refusals visible."""

from __future__ import annotations

import socket
import textwrap
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.berichten.afzenden import Berichtendienst, document_identificatie
from gateway.berichten.bericht import Bericht
from gateway.berichten.memory import RecordingKanaal
from gateway.berichten.pdf import _wrap, pdf_letter, pdf_text
from gateway.berichten.post import PostKanaal
from gateway.berichten.smtp import BerichtOnzeker, SmtpKanaal
from gateway.berichten.testserver import SmtpTestServer
from gateway.berichten.zaakdocument import RecordingZaakDocumenten
from gateway.errors import PermanentError, RetryableError
from gateway.servers import free_port
from gateway.store import SqlStore

VNR = "2026031000101"
ZAAK = "http://zgw.test/zaken/api/v1/zaken/1"


def bericht(email: str | None = "a.jansen@example.org", sleutel: str = f"{VNR}-1-ontvangst") -> Bericht:
    return Bericht(
        "ontvangstbevestiging",
        sleutel,
        VNR,
        f"Ontvangstbevestiging {VNR}",
        "Tekst",
        "A. Jansen",
        aan_email=email,
    )


class Fixture:
    def __init__(self, tmp_path: Path, email: object) -> None:
        self.store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gw.db'}")
        self.zaak = RecordingZaakDocumenten()
        self.post = PostKanaal(tmp_path / "post")
        self.dienst = Berichtendienst(
            self.store,
            email=email,  # type: ignore[arg-type]
            post=self.post,
            zaakdocumenten=self.zaak,
            informatieobjecttypen={
                "ontvangstbevestiging": "Ontvangstbevestiging",
                "statusbericht": "Statusbericht",
            },
        )

    def kinds(self) -> list[str]:
        return [e.kind for e in self.store.events_for(VNR)]


def test_sent_once_even_when_redelivered(tmp_path: Path) -> None:
    mail = RecordingKanaal()
    f = Fixture(tmp_path, mail)
    first = f.dienst.verstuur(VNR, 1, bericht(), ZAAK)
    again = f.dienst.verstuur(VNR, 1, bericht(), ZAAK)
    assert len(mail.verzonden) == 1 and first.kanaal == again.kanaal == "email"
    assert "a***@example.org" in first.detail and "a.jansen" not in first.detail
    [(zaak, doc)] = f.zaak.documenten.values()
    assert zaak == ZAAK and doc.informatieobjecttype == "Ontvangstbevestiging"
    assert "Verzonden per e-mail aan A. Jansen <a.jansen@example.org>" in pdf_text(doc.inhoud)
    assert f.kinds().count("bericht-verzonden") == 1 and f.kinds().count("bericht-in-zaak") == 1


def test_without_email_address_a_letter_for_the_post_is_made_and_stored_in_the_zaak(tmp_path: Path) -> None:
    mail = RecordingKanaal()
    f = Fixture(tmp_path, mail)
    uitkomst = f.dienst.verstuur(VNR, 1, bericht(email=None), ZAAK)
    assert uitkomst.kanaal == "post" and "per post te versturen" in uitkomst.detail
    assert mail.verzonden == [] and len(list((tmp_path / "post").glob("*.pdf"))) == 1
    [(_, doc)] = f.zaak.documenten.values()
    assert "Onderwerp: Ontvangstbevestiging" in pdf_text(doc.inhoud)
    assert "per-post-te-versturen" in f.kinds()


def test_no_mail_server_configured_means_post(tmp_path: Path) -> None:
    f = Fixture(tmp_path, None)
    assert f.dienst.verstuur(VNR, 1, bericht(), ZAAK).kanaal == "post"


def test_a_refusal_is_on_the_timeline_and_the_message_goes_by_post(tmp_path: Path) -> None:
    mail = RecordingKanaal(weiger={"a.jansen@example.org"})
    f = Fixture(tmp_path, mail)
    uitkomst = f.dienst.verstuur(VNR, 1, bericht(), ZAAK)
    assert uitkomst.kanaal == "post"
    [geweigerd] = [e for e in f.store.events_for(VNR) if e.kind == "bericht-geweigerd"]
    assert "SMTP 550" in (geweigerd.detail or "") and "a.jansen@" not in (geweigerd.detail or "")
    # Redelivered: the address is not tried again, the letter stands.
    assert f.dienst.verstuur(VNR, 1, bericht(), ZAAK).kanaal == "post"
    assert f.kinds().count("bericht-geweigerd") == 1


class _Flaky:
    naam = "email"

    def __init__(self, error: Exception) -> None:
        self.error: Exception | None = error
        self.calls = 0

    def verstuur(self, b: Bericht):  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.error is not None:
            raise self.error
        return RecordingKanaal().verstuur(b)


def test_a_retryable_failure_is_retried_and_then_sent_once(tmp_path: Path) -> None:
    flaky = _Flaky(RetryableError("mailserver niet bereikbaar"))
    f = Fixture(tmp_path, flaky)
    with pytest.raises(RetryableError):
        f.dienst.verstuur(VNR, 1, bericht(), ZAAK)
    flaky.error = None
    assert f.dienst.verstuur(VNR, 1, bericht(), ZAAK).kanaal == "email"
    assert flaky.calls == 2


def test_an_unknown_outcome_is_never_sent_again(tmp_path: Path) -> None:
    flaky = _Flaky(BerichtOnzeker("verbinding verbroken"))
    f = Fixture(tmp_path, flaky)
    with pytest.raises(BerichtOnzeker):
        f.dienst.verstuur(VNR, 1, bericht(), ZAAK)
    flaky.error = None
    with pytest.raises(PermanentError, match="mogelijk al per e-mail verstuurd"):
        f.dienst.verstuur(VNR, 1, bericht(), ZAAK)
    assert flaky.calls == 1


def test_document_identificatie_is_stable_and_fits_40_characters() -> None:
    kort = document_identificatie(f"{VNR}-1-ontvangst")
    lang = document_identificatie(f"{VNR}-status-8c6c1c2e-3c39-4e2f-9d5b-0c1d7a1f2e3a")
    assert kort == f"BER-{VNR}-1-ontvangst"
    assert len(lang) <= 40 and lang == document_identificatie(
        f"{VNR}-status-8c6c1c2e-3c39-4e2f-9d5b-0c1d7a1f2e3a"
    )


@given(
    st.lists(
        st.lists(st.sampled_from([*"ab- .\u00e9\t\r\x0b\x0c", "woord", "x" * 40]), max_size=60).map("".join),
        max_size=5,
    )
)
def test_a_letter_is_wrapped_as_textwrap_wraps_it(paragraphs: list[str]) -> None:
    """The shortcut for lines that fit gives what textwrap gives, blank and long lines included."""
    text = "\n".join(paragraphs)
    expected = [
        line for p in text.splitlines() for line in textwrap.wrap(p, 88, break_long_words=True) or [""]
    ]
    assert _wrap(text) == expected


def test_pdf_letter_is_well_formed() -> None:
    pdf = pdf_letter("Één (regel) \\ €\n" + "woord " * 2000, title="Brief")
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    # Every xref offset points at its object.
    xref_at = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    lines = pdf[xref_at:].split(b"\n")
    count = int(lines[1].split()[1])
    for number in range(1, count):
        offset = int(lines[2 + number][:10])
        assert pdf[offset:].startswith(b"%d 0 obj" % number)
    assert pdf.count(b"/Type /Page ") >= 2  # long text runs onto more pages
    assert pdf_text(pdf).startswith("Één (regel) \\ €")


# --- SMTP error translation, against a real server on 127.0.0.1 ------------------------------


def test_smtp_temporary_refusal_is_retryable() -> None:
    with SmtpTestServer() as server:
        server.handler.tijdelijk.add("a.jansen@example.org")
        kanaal = SmtpKanaal("127.0.0.1", server.port, afzender="gw@gemeente.example", tls="none", timeout=5)
        with pytest.raises(RetryableError, match="451"):
            kanaal.verstuur(bericht())


def test_smtp_server_down_is_retryable() -> None:
    kanaal = SmtpKanaal("127.0.0.1", free_port(), afzender="gw@gemeente.example", tls="none", timeout=2)
    with pytest.raises(RetryableError, match="niet bereikbaar"):
        kanaal.verstuur(bericht())


def test_smtp_wrong_password_is_permanent_not_a_refusal(tmp_path: Path) -> None:
    import ssl

    from dso_client.sandbox.certs import make_certs

    pki = make_certs(tmp_path, ())
    with SmtpTestServer(
        tls="starttls", cert=(str(pki.server_cert), str(pki.server_key)), login=("gw", "goed")
    ) as s:
        kanaal = SmtpKanaal(
            "127.0.0.1",
            s.port,
            afzender="gw@gemeente.example",
            username="gw",
            password="fout",
            ssl_context=ssl.create_default_context(cafile=str(pki.ca_cert)),
            timeout=5,
        )
        with pytest.raises(PermanentError, match="aanmelden") as refused:
            kanaal.verstuur(bericht())
        assert type(refused.value) is PermanentError and s.ontvangen == []


def test_connection_lost_after_handing_over_is_an_unknown_outcome() -> None:
    """A server that takes the message and hangs up before answering the end of DATA."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            f = conn.makefile("rwb")
            f.write(b"220 test\r\n")
            f.flush()
            while line := f.readline():
                if line.upper().startswith((b"EHLO", b"HELO")):
                    f.write(b"250 test\r\n")
                elif line.upper().startswith(b"DATA"):
                    f.write(b"354 go on\r\n")
                    f.flush()
                    while f.readline() not in (b".\r\n", b""):
                        pass
                    return  # hang up: the client never learns whether we took it
                else:
                    f.write(b"250 OK\r\n")
                f.flush()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    kanaal = SmtpKanaal("127.0.0.1", port, afzender="gw@gemeente.example", tls="none", timeout=5)
    with pytest.raises(BerichtOnzeker):
        kanaal.verstuur(bericht())
    thread.join(5)
    listener.close()
