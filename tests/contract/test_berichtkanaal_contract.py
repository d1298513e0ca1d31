"""One contract for every Berichtkanaal: SMTP (against a real aiosmtpd server on 127.0.0.1, with
STARTTLS and with implicit TLS, both with a login), the letter for the post, and the recording fake."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dso_client.sandbox.certs import SandboxPki, make_certs
from gateway.berichten.bericht import Bericht, BerichtGeweigerd, Berichtkanaal, BerichtOngeldig
from gateway.berichten.memory import RecordingKanaal
from gateway.berichten.pdf import pdf_text
from gateway.berichten.post import PostKanaal
from gateway.berichten.smtp import SmtpKanaal
from gateway.berichten.testserver import SmtpTestServer

VNR = "2026031000101"


@dataclass
class Subject:
    kanaal: Berichtkanaal
    captured: Callable[[], list[str]]  # the text of everything sent so far, as the recipient sees it
    weiger: Callable[[str], None] | None  # make the channel refuse an address (None: cannot refuse)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> SandboxPki:
    return make_certs(tmp_path_factory.mktemp("smtp-pki"), ())


def _smtp(tls: str, pki: SandboxPki) -> Iterator[Subject]:
    server = SmtpTestServer(tls=tls, cert=(str(pki.server_cert), str(pki.server_key)), login=("gw", "geheim"))
    with server:
        kanaal = SmtpKanaal(
            "127.0.0.1",
            server.port,
            afzender="noreply@apeldoorn.example",
            tls=tls,  # type: ignore[arg-type]
            username="gw",
            password="geheim",
            timeout=10,
            ssl_context=ssl.create_default_context(cafile=str(pki.ca_cert)),
        )

        def captured() -> list[str]:
            assert all(m.tls for m in server.ontvangen), "a message went over a plain connection"
            return [f"{m.message['Subject']}\n{m.text}" for m in server.ontvangen]

        yield Subject(kanaal, captured, server.weiger)


@pytest.fixture(params=["smtp-starttls", "smtp-implicit", "post", "recording"])
def subject(request: pytest.FixtureRequest, tmp_path: Path, pki: SandboxPki) -> Iterator[Subject]:
    if request.param.startswith("smtp-"):
        yield from _smtp(request.param.removeprefix("smtp-"), pki)
    elif request.param == "post":
        post = PostKanaal(tmp_path / "post")
        yield Subject(
            post, lambda: [pdf_text(p.read_bytes()) for p in sorted((tmp_path / "post").glob("*.pdf"))], None
        )
    else:
        fake = RecordingKanaal()
        yield Subject(fake, lambda: [f"{b.onderwerp}\n{b.tekst}" for b in fake.verzonden], fake.weiger.add)


def bericht(sleutel: str = f"{VNR}-1-ontvangst", email: str | None = "a.jansen@example.org") -> Bericht:
    return Bericht(
        soort="ontvangstbevestiging",
        sleutel=sleutel,
        verzoeknummer=VNR,
        onderwerp=f"Ontvangstbevestiging van uw aanvraag {VNR}",
        tekst=(
            f"Geachte heer/mevrouw Jansen,\n\nUw aanvraag {VNR} voor de aanbouw (€ 12.000, ‘dakterras’) "
            "is ontvangen.\n"
        ),
        aan_naam="A.M. Jansen",
        aan_email=email,
        aan_adres=("Deventerstraat 48", "7321 CD APELDOORN"),
        afzender_naam="Gemeente Apeldoorn",
    )


def test_a_message_reaches_the_recipient_with_its_text(subject: Subject) -> None:
    verzending = subject.kanaal.verstuur(bericht())
    assert verzending.kanaal == subject.kanaal.naam and verzending.referentie
    [text] = subject.captured()
    assert f"Ontvangstbevestiging van uw aanvraag {VNR}" in text
    assert "Uw aanvraag 2026031000101 voor de aanbouw (€ 12.000, ‘dakterras’) is ontvangen." in text


def test_each_message_is_sent_once_per_call(subject: Subject) -> None:
    subject.kanaal.verstuur(bericht(f"{VNR}-1-ontvangst"))
    subject.kanaal.verstuur(bericht(f"{VNR}-2-ontvangst"))
    assert len(subject.captured()) == 2


def test_without_an_email_address_mail_refuses_and_post_makes_a_letter(subject: Subject) -> None:
    if subject.kanaal.naam == "email":
        with pytest.raises(BerichtOngeldig, match="geen e-mailadres"):
            subject.kanaal.verstuur(bericht(email=None))
        assert subject.captured() == []
    else:
        subject.kanaal.verstuur(bericht(email=None))
        [text] = subject.captured()
        assert "Deventerstraat 48" in text and "7321 CD APELDOORN" in text


def test_a_refused_address_is_a_permanent_refusal_and_nothing_is_sent(subject: Subject) -> None:
    if subject.weiger is None:
        pytest.skip("a letter for the post cannot be refused by the channel")
    subject.weiger("weg@example.org")
    with pytest.raises(BerichtGeweigerd, match="550"):
        subject.kanaal.verstuur(bericht(email="weg@example.org"))
    assert subject.captured() == []


def test_bad_input_is_refused_before_any_channel_sees_it() -> None:
    with pytest.raises(BerichtOngeldig, match="regeleinde"):
        Bericht("ontvangstbevestiging", "k", VNR, "Onderwerp\r\nBcc: x@example.org", "t", "Jan")
    with pytest.raises(BerichtOngeldig, match="e-mailadres"):
        Bericht("ontvangstbevestiging", "k", VNR, "O", "t", "Jan", aan_email="geen adres")
    with pytest.raises(BerichtOngeldig, match="BSN") as refused:
        Bericht("ontvangstbevestiging", "k", VNR, "O", "uw bsn 999993653", "Jan", verboden=("999993653",))
    assert "999993653" not in str(refused.value)
