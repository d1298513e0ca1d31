"""Sending a message once, and storing it in the zaak: the steps behind every ontvangstbevestiging
and statusbericht, each checkpointed (checkpoints are write-once, so every attempt has its own).

Per message (key `bericht:<sleutel>`):
  :poging:N    written just before attempt N hands the mail to the SMTP server
  :mislukt:N   attempt N certainly did not reach the server (retryable or refused)
  :geweigerd   the server refused the address for good (5xx): the message goes by post instead
  :verzonden   sent (e-mail) or made (letter for the post)
  :zaak        stored in the zaak
The lost-answer risk of SMTP: when the worker dies, or the connection breaks, after the message
was handed over but before the server's answer was recorded, a :poging has no :verzonden and no
:mislukt. We cannot know whether the server took it, and a second ontvangstbevestiging is worse
than a missing one that staff can see, so the message is NOT sent again: the verzoek fails with a
reason that asks staff to check the mail server and send it by hand or mark it handled."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import structlog

from gateway import logboek
from gateway.berichten.bericht import Bericht, BerichtGeweigerd, Berichtkanaal
from gateway.berichten.pdf import pdf_letter
from gateway.berichten.post import brief_tekst
from gateway.berichten.smtp import BerichtOnzeker
from gateway.berichten.zaakdocument import ZaakDocument, ZaakDocumenten, ZaakGesloten
from gateway.errors import PermanentError, RetryableError
from gateway.store import SqlStore

log = structlog.get_logger(__name__)

_IDENTIFICATIE_MAX = 40
SOORT_NAAM = {"ontvangstbevestiging": "ontvangstbevestiging", "statusbericht": "statusbericht"}


def masker(email: str) -> str:
    """Enough of an address for staff to recognise it, not enough to copy it from a screen."""
    naam, _, domein = email.partition("@")
    return f"{naam[:1]}***@{domein}"


def document_identificatie(sleutel: str) -> str:
    leesbaar = f"BER-{sleutel}"
    if len(leesbaar) <= _IDENTIFICATIE_MAX:
        return leesbaar
    digest = hashlib.sha256(leesbaar.encode()).hexdigest()[:12]
    return f"{leesbaar[: _IDENTIFICATIE_MAX - 13]}-{digest}"


@dataclass(frozen=True)
class Uitkomst:
    kanaal: str  # "email" or "post"
    detail: str  # one line for the timeline (Dutch)


class Berichtendienst:
    def __init__(
        self,
        store: SqlStore,
        *,
        email: Berichtkanaal | None,
        post: Berichtkanaal,
        zaakdocumenten: ZaakDocumenten | None,
        informatieobjecttypen: dict[str, str],
    ) -> None:
        self.store = store
        self.email = email
        self.post = post
        self.zaakdocumenten = zaakdocumenten
        self.informatieobjecttypen = informatieobjecttypen  # soort -> omschrijving

    def verstuur(self, vnr: str, volgnummer: int | None, bericht: Bericht, zaak_url: str | None) -> Uitkomst:
        base = f"bericht:{bericht.sleutel}"
        verzonden = self.store.checkpoint_get(vnr, base + ":verzonden")
        if verzonden is None:
            verzonden = self._send(vnr, volgnummer, bericht, base)
            logboek.bericht_verstuurd(self.store, vnr, bericht.verboden, verzonden["kanaal"])
        kanaal = str(verzonden["kanaal"])
        soort = SOORT_NAAM[bericht.soort]
        if kanaal == "email":
            detail = f"{soort} per e-mail verstuurd aan {masker(str(verzonden['aan']))}"
        else:
            detail = f"{soort} als brief gemaakt: per post te versturen"
        if self.store.checkpoint_get(vnr, base + ":zaak") is None:
            if self.zaakdocumenten is not None and zaak_url:
                try:
                    url = self.zaakdocumenten.voeg_toe(zaak_url, self._document(bericht, verzonden))
                except ZaakGesloten as exc:
                    # Sent all the same; staff see that the zaak does not hold it.
                    self._vastleggen(
                        vnr,
                        volgnummer,
                        base + ":zaak",
                        {"url": None, "reden": str(exc)},
                        "bericht-niet-in-zaak",
                        f"{soort} niet in de zaak opgeslagen: {exc}",
                    )
                    return Uitkomst(kanaal, detail)
                self._vastleggen(
                    vnr,
                    volgnummer,
                    base + ":zaak",
                    {"url": url},
                    "bericht-in-zaak",
                    f"{soort} opgeslagen in de zaak",
                )
            else:
                self._vastleggen(
                    vnr,
                    volgnummer,
                    base + ":zaak",
                    {"url": None},
                    "bericht-in-zaak",
                    f"{soort} niet in de zaak opgeslagen (zaaksysteem kan dit niet)",
                )
        return Uitkomst(kanaal, detail)

    def _vastleggen(
        self, vnr: str, volgnummer: int | None, key: str, value: dict[str, object], kind: str, detail: str
    ) -> dict[str, object]:
        """The checkpoint and its timeline event in one commit; returns the value that stands (an
        earlier delivery of the same job may have written it first)."""
        with self.store.together():
            stands = self.store.checkpoint_put(vnr, key, value)
            self.store.add_event(vnr, volgnummer, kind, detail)
        return stands

    def _send(self, vnr: str, volgnummer: int | None, bericht: Bericht, base: str) -> dict[str, object]:
        store = self.store
        if (
            bericht.aan_email
            and self.email is not None
            and store.checkpoint_get(vnr, base + ":geweigerd") is None
        ):
            keys = store.checkpoints_for(vnr)
            pogingen = sum(k.startswith(base + ":poging:") for k in keys)
            mislukt = sum(k.startswith(base + ":mislukt:") for k in keys)
            if pogingen > mislukt:
                raise PermanentError(
                    f"{SOORT_NAAM[bericht.soort]} is mogelijk al per e-mail verstuurd (het antwoord van de "
                    "mailserver ging verloren): niet opnieuw verstuurd. Controleer de mailserver en verstuur "
                    "het bericht zo nodig zelf, of markeer het verzoek als afgehandeld."
                )
            n = pogingen + 1
            store.checkpoint_put(vnr, f"{base}:poging:{n}", {"kanaal": "email"})
            try:
                verzending = self.email.verstuur(bericht)
            except BerichtOnzeker:
                raise  # the :poging without :mislukt keeps it from being sent twice
            except BerichtGeweigerd as exc:
                store.checkpoint_put(vnr, f"{base}:mislukt:{n}", {"reden": str(exc)})
                store.checkpoint_put(vnr, base + ":geweigerd", {"reden": str(exc)})
                store.add_event(
                    vnr,
                    volgnummer,
                    "bericht-geweigerd",
                    f"{SOORT_NAAM[bericht.soort]} aan {masker(bericht.aan_email)} geweigerd: {exc}; "
                    "gaat per post",
                )
                log.warning("bericht.geweigerd", verzoeknummer=vnr, sleutel=bericht.sleutel)
            except (RetryableError, PermanentError) as exc:
                store.checkpoint_put(vnr, f"{base}:mislukt:{n}", {"reden": str(exc)})
                raise
            else:
                value: dict[str, object] = {
                    "kanaal": "email",
                    "referentie": verzending.referentie,
                    "aan": bericht.aan_email,
                    "op": verzending.verzonden_op.isoformat(),
                }
                stands = self._vastleggen(
                    vnr,
                    volgnummer,
                    base + ":verzonden",
                    value,
                    "bericht-verzonden",
                    f"{SOORT_NAAM[bericht.soort]} per e-mail aan {masker(bericht.aan_email)}",
                )
                log.info("bericht.verzonden", verzoeknummer=vnr, sleutel=bericht.sleutel, kanaal="email")
                return stands
        # No address, no mail channel, or refused: a letter. Making it again gives the same file.
        brief = self.post.verstuur(replace(bericht, aan_email=None))
        value = {"kanaal": "post", "referentie": brief.referentie, "op": brief.verzonden_op.isoformat()}
        stands = self._vastleggen(
            vnr,
            volgnummer,
            base + ":verzonden",
            value,
            "per-post-te-versturen",
            f"{SOORT_NAAM[bericht.soort]}: brief {brief.referentie} per post te versturen",
        )
        log.info("bericht.verzonden", verzoeknummer=vnr, sleutel=bericht.sleutel, kanaal="post")
        return stands

    def _document(self, bericht: Bericht, verzonden: dict[str, object]) -> ZaakDocument:
        """What the zaak keeps: the letter itself, or the mail as sent, both as PDF."""
        if verzonden["kanaal"] == "post":
            tekst = brief_tekst(replace(bericht, aan_email=None))
            naam = "brief"
        else:
            op = datetime.fromisoformat(str(verzonden["op"])).astimezone(UTC)
            tekst = (
                f"Verzonden per e-mail aan {bericht.aan_naam} <{verzonden['aan']}>\n"
                f"op {op:%d-%m-%Y %H:%M} UTC, Message-ID {verzonden['referentie']}\n"
                f"Onderwerp: {bericht.onderwerp}\n\n{bericht.tekst}"
            )
            naam = "e-mail"
        soort = SOORT_NAAM[bericht.soort]
        return ZaakDocument(
            identificatie=document_identificatie(bericht.sleutel),
            titel=f"{bericht.onderwerp} ({naam})",
            bestandsnaam=f"{bericht.sleutel}-{soort}.pdf",
            inhoud=pdf_letter(tekst, title=bericht.onderwerp),
            informatieobjecttype=self.informatieobjecttypen[bericht.soort],
        )
