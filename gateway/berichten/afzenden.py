"""Sending a message once, and storing it in the zaak: the steps behind every ontvangstbevestiging
and statusbericht, each checkpointed (checkpoints are write-once, so every attempt has its own).

Per message (key `bericht:<sleutel>`):
  :poging:N    written just before attempt N hands the mail to the SMTP server
  :mislukt:N   attempt N certainly did not reach the server (retryable or refused)
  :geweigerd   the server refused the address for good (5xx): the message goes by post instead
  :verzonden   sent (e-mail) or made (letter for the post)
  :zaak        stored in the zaak (by verstuur, or by its caller's final commit: `uitstellen`)
The lost-answer risk of SMTP: when the worker dies, or the connection breaks, after the message
was handed over but before the server's answer was recorded, a :poging has no :verzonden and no
:mislukt. We cannot know whether the server took it, and a second ontvangstbevestiging is worse
than a missing one that staff can see, so the message is NOT sent again: the verzoek fails with a
reason that asks staff to check the mail server and send it by hand or mark it handled."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

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
    # verstuur(uitstellen=True): the ":zaak" checkpoint and its timeline events (kind, detail),
    # not written yet: the caller writes them with its own final commit.
    checkpoints: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    events: tuple[tuple[str, str], ...] = ()


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

    def verstuur(
        self,
        vnr: str,
        volgnummer: int | None,
        bericht: Bericht,
        zaak_url: str | None,
        *,
        bekend: Mapping[str, Mapping[str, Any]] | None = None,
        uitstellen: bool = False,
    ) -> Uitkomst:
        """Send the message (once) and store it in the zaak (once).

        `bekend`: the verzoek's checkpoints as the caller read them (store.checkpoints_for), so
        every step below decides from that one read; without it, verstuur reads them once.
        `uitstellen`: the ":zaak" checkpoint and its event are returned in the Uitkomst instead
        of written, for the caller's final commit (the report stage's transition). Safe because
        storing in the zaak may be repeated: after a crash before that commit, the next attempt
        finds the document and its link again (zaakdocument.py). The sending's own checkpoints
        are never put off, and never written inside a caller's store.together(): ":poging" must
        be on disk before the mail goes, ":verzonden" as soon as it went (else a retry after a
        later failure would take the message for possibly sent)."""
        base = f"bericht:{bericht.sleutel}"
        known = bekend if bekend is not None else self.store.checkpoints_for(vnr)
        verzonden: Mapping[str, Any] | None = known.get(base + ":verzonden")
        if verzonden is None:
            verzonden = self._send(vnr, volgnummer, bericht, base, known)
        kanaal = str(verzonden["kanaal"])
        soort = SOORT_NAAM[bericht.soort]
        if kanaal == "email":
            detail = f"{soort} per e-mail verstuurd aan {masker(str(verzonden['aan']))}"
        else:
            detail = f"{soort} als brief gemaakt: per post te versturen"
        if base + ":zaak" in known:
            return Uitkomst(kanaal, detail)
        value: dict[str, object]
        if self.zaakdocumenten is not None and zaak_url:
            try:
                url = self.zaakdocumenten.voeg_toe(zaak_url, self._document(bericht, verzonden))
            except ZaakGesloten as exc:
                # Sent all the same; staff see that the zaak does not hold it.
                value = {"url": None, "reden": str(exc)}
                event = ("bericht-niet-in-zaak", f"{soort} niet in de zaak opgeslagen: {exc}")
            else:
                value = {"url": url}
                event = ("bericht-in-zaak", f"{soort} opgeslagen in de zaak")
        else:
            value = {"url": None}
            event = ("bericht-in-zaak", f"{soort} niet in de zaak opgeslagen (zaaksysteem kan dit niet)")
        if uitstellen:
            return Uitkomst(kanaal, detail, {base + ":zaak": value}, (event,))
        self._vastleggen(vnr, volgnummer, base + ":zaak", value, *event)
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

    def _send(
        self,
        vnr: str,
        volgnummer: int | None,
        bericht: Bericht,
        base: str,
        known: Mapping[str, Mapping[str, Any]],
    ) -> Mapping[str, Any]:
        store = self.store
        if bericht.aan_email and self.email is not None and base + ":geweigerd" not in known:
            pogingen = sum(k.startswith(base + ":poging:") for k in known)
            mislukt = sum(k.startswith(base + ":mislukt:") for k in known)
            if pogingen > mislukt:
                raise PermanentError(
                    f"{SOORT_NAAM[bericht.soort]} is mogelijk al per e-mail verstuurd (het antwoord van de "
                    "mailserver ging verloren): niet opnieuw verstuurd. Controleer de mailserver en verstuur "
                    "het bericht zo nodig zelf, of markeer het verzoek als afgehandeld."
                )
            n = pogingen + 1
            # Its own commit, durable before the mail goes: this is what keeps it from going twice.
            store.checkpoint_put(vnr, f"{base}:poging:{n}", {"kanaal": "email"})
            try:
                verzending = self.email.verstuur(bericht)
            except BerichtOnzeker:
                raise  # the :poging without :mislukt keeps it from being sent twice
            except BerichtGeweigerd as exc:
                with store.together():  # the refusal and its event: all or none
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
                stands = self._verzonden(
                    vnr,
                    volgnummer,
                    bericht,
                    base,
                    value,
                    "bericht-verzonden",
                    f"{SOORT_NAAM[bericht.soort]} per e-mail aan {masker(bericht.aan_email)}",
                )
                log.info("bericht.verzonden", verzoeknummer=vnr, sleutel=bericht.sleutel, kanaal="email")
                return stands
        # No address, no mail channel, or refused: a letter. Making it again gives the same file.
        brief = self.post.verstuur(replace(bericht, aan_email=None))
        value = {"kanaal": "post", "referentie": brief.referentie, "op": brief.verzonden_op.isoformat()}
        stands = self._verzonden(
            vnr,
            volgnummer,
            bericht,
            base,
            value,
            "per-post-te-versturen",
            f"{SOORT_NAAM[bericht.soort]}: brief {brief.referentie} per post te versturen",
        )
        log.info("bericht.verzonden", verzoeknummer=vnr, sleutel=bericht.sleutel, kanaal="post")
        return stands

    def _verzonden(
        self,
        vnr: str,
        volgnummer: int | None,
        bericht: Bericht,
        base: str,
        value: dict[str, object],
        kind: str,
        detail: str,
    ) -> dict[str, object]:
        """The ":verzonden" checkpoint, its event and the Logboek's record of the sending in one
        commit: the record can no longer be lost to a crash between two commits (the retry sees
        ":verzonden" and does not record again)."""
        with self.store.together():
            stands = self._vastleggen(vnr, volgnummer, base + ":verzonden", value, kind, detail)
            logboek.bericht_verstuurd(self.store, vnr, bericht.verboden, stands["kanaal"])
        return stands

    def _document(self, bericht: Bericht, verzonden: Mapping[str, Any]) -> ZaakDocument:
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
