"""Stage 3: tell everyone what we owe them once the zaak exists, or reroute a verzoek that is not ours.

"Reported" means everything owed has been told: DSO where it applies, and the initiatiefnemer
(the ontvangstbevestiging sent by e-mail, or made as a letter listed "per post te versturen").
DSO documents one write-back only, doorsturen (reroute). Linking our zaak number through a
samenwerking is an opt-in assumption (settings.dso_samenwerking_koppelen)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from gateway import beslistermijn, doorsturen
from gateway.berichten import opstellen
from gateway.berichten.afzenden import Berichtendienst
from gateway.doorsturen import ACTION as DOORGESTUURD
from gateway.events import StageJob
from gateway.parsed_stam import parse_stam
from gateway.pipeline.context import StageContext
from gateway.reporting import StatusReporter
from gateway.store import DELIVERED_STATES, State
from gateway.zaakstatus import ACTION as ZAAKSTATUS
from gateway.zaakstatus import ZaakstatusVolger
from stam_mapping.errors import MappingGap
from stam_mapping.mapping import MunicipalMapping
from stam_mapping.model import Doel, Verzoek

log = structlog.get_logger(__name__)

# Awb 4:3a: receipt of an aanvraag is confirmed; an aanvulling gets its own text. A withdrawal or
# a conceptverzoek is not an aanvraag.
_BEVESTIGEN = frozenset({Doel.INITIEREN, Doel.AANVULLEN})


class ReportStage:
    name = "report"

    def __init__(
        self,
        ctx: StageContext,
        reporter: StatusReporter,
        berichten: Berichtendienst | None = None,
        mapping: MunicipalMapping | None = None,
        sjablonen: opstellen.Sjablonen | None = None,
        zaakstatus: ZaakstatusVolger | None = None,
    ) -> None:
        self.ctx = ctx
        self.reporter = reporter
        self.berichten = berichten
        self.mapping = mapping
        self.sjablonen = sjablonen or opstellen.Sjablonen()
        self.zaakstatus = zaakstatus

    def handle(self, job: StageJob) -> None:
        vnr, volgnummer = job.verzoeknummer, job.volgnummer
        if job.action == ZAAKSTATUS:
            # Queued by the ZGW notification callback: the zaak got a status in the case system.
            if self.zaakstatus is not None:
                self.zaakstatus.sync(vnr)
            return
        versie = self.ctx.store.get_versie(vnr, volgnummer) if volgnummer is not None else None
        if versie is None:
            return
        oin = self.ctx.our_oin(job.oin or versie.oin)
        if job.action == "reroute":
            self._reroute(vnr, versie.volgnummer, versie.state, oin)
        elif job.action == DOORGESTUURD:
            self._doorgestuurd(vnr, versie.volgnummer)
        elif versie.state == State.DELIVERED:
            self._report(vnr, versie.volgnummer, oin)

    def _reroute(self, vnr: str, volgnummer: int, state: str, oin: str) -> None:
        if state != State.FETCHED:
            return
        self.reporter.reroute(
            vnr, oin=oin, reden="Het bevoegd gezag van dit verzoek is niet deze organisatie."
        )
        self.ctx.store.transition(
            vnr,
            volgnummer,
            to=State.REROUTED,
            event="rerouted",
            detail="teruggegeven aan DSO voor een ander bevoegd gezag",
            expect={State.FETCHED},
        )

    def _doorgestuurd(self, vnr: str, volgnummer: int) -> None:
        """Staff handed the verzoek to another bevoegd gezag: tell the initiatiefnemer (once)."""
        if self.berichten is None or self.mapping is None:
            return
        bekend = self.ctx.store.checkpoints_for(vnr)  # one read, for the message's steps too
        gegevens = bekend.get(doorsturen.DOORGESTUURD)
        if gegevens is None:
            return
        record = self.ctx.store.get_verzoek(vnr)
        bericht = opstellen.doorgestuurd(
            self._parse(vnr, volgnummer),
            naar_naam=gegevens.get("naam"),
            reden=str(gegevens.get("reden", "")),
            zaaknummer=(record.zaak_identificatie if record else None) or "-",
            berichten=self.mapping.berichten,
            sjablonen=self.sjablonen,
            eerste=self.eerste_versie(vnr, volgnummer),
        )
        uitkomst = self.berichten.verstuur(
            vnr, volgnummer, bericht, record.zaak_url if record else None, bekend=bekend
        )
        log.info("report.doorgestuurd_gemeld", verzoeknummer=vnr, kanaal=uitkomst.kanaal)

    def _report(self, vnr: str, volgnummer: int, oin: str) -> None:
        """Everything owed once the zaak exists: DSO (opt-in only) and the initiatiefnemer.

        The verzoek's checkpoints are read once, here or by the Berichtendienst. What may wait
        for the end is written with the REPORTED transition in one commit: the beslistermijn
        (computed again by a retry) and the message's ":zaak" checkpoint with its event (storing
        in the zaak may be repeated). What must be durable at once is written where it happens:
        the DSO link's checkpoint (that call is not known to be repeatable) and the sending's
        checkpoints (Berichtendienst)."""
        store = self.ctx.store
        verzoek = store.get_verzoek(vnr)
        zaak = verzoek.zaak_identificatie if verzoek else None
        if not zaak:
            return
        bekend = store.checkpoints_for(vnr) if self.ctx.settings.dso_samenwerking_koppelen else None
        details = [self._link_case(vnr, oin, zaak, bekend)]
        laatst = _Laatst()
        try:
            bevestiging = self._ontvangstbevestiging(
                vnr, volgnummer, zaak, verzoek.zaak_url if verzoek else None, bekend, laatst
            )
        except Exception:
            # The zaak exists and its termijn runs whatever became of the message: on the status
            # page even when this verzoek now fails (as when it was written first thing).
            if laatst.checkpoints:
                store.checkpoints_put(vnr, laatst.checkpoints)
            raise
        if bevestiging:
            details.append(bevestiging)
        with store.together():  # one commit: the message's place in the zaak, the transition
            for kind, detail in laatst.events:
                store.add_event(vnr, volgnummer, kind, detail)
            store.transition(
                vnr,
                volgnummer,
                to=State.REPORTED,
                event="reported",
                detail="; ".join(details),
                expect={State.DELIVERED},
                checkpoints=laatst.checkpoints,
                # With hand-off, this job itself is done in the same commit: no write after it.
                taken_over=self.ctx.take_over(),
            )
        log.info("report.done", verzoeknummer=vnr, volgnummer=volgnummer)

    def _link_case(self, vnr: str, oin: str, zaak: str, bekend: Mapping[str, object] | None) -> str:
        """Our zaak number at DSO: only on explicit opt-in (an assumption, see settings).

        DSO documents no way to record a municipality's case number; without the opt-in nothing is
        called, so the production defaults can never fail here."""
        if not self.ctx.settings.dso_samenwerking_koppelen or bekend is None:
            return f"zaak {zaak}: DSO kent geen terugmelding van het zaaknummer, niets aan DSO gemeld"
        # The link is per verzoek, not per version: an aanvulling keeps the same zaak.
        key = f"report:link:{zaak}"
        if key in bekend:
            return f"zaaknummer {zaak} was al gekoppeld bij DSO"
        self.reporter.link_case(vnr, oin=oin, zaak_identificatie=zaak)
        self.ctx.store.checkpoint_put(vnr, key, {"zaak": zaak})
        return f"zaaknummer {zaak} gekoppeld bij DSO (samenwerking, optioneel)"

    def _parse(self, vnr: str, volgnummer: int) -> Verzoek:
        return parse_stam(self.ctx.archive.stam(vnr, volgnummer), max_bytes=self.ctx.settings.max_stam_bytes)

    def eerste_versie(self, vnr: str, volgnummer: int) -> Verzoek | None:
        """The earliest delivered version before this one: its contact details and receipt date."""
        if volgnummer <= 1:
            return None  # volgnummers start at 1 (STAM): nothing before it, no query
        eerdere = [
            v.volgnummer
            for v in self.ctx.store.versies_for(vnr)
            if v.volgnummer < volgnummer and State(v.state) in DELIVERED_STATES
        ]
        return self._parse(vnr, min(eerdere)) if eerdere else None

    def _ontvangstbevestiging(
        self,
        vnr: str,
        volgnummer: int,
        zaak: str,
        zaak_url: str | None,
        bekend: Mapping[str, Mapping[str, Any]] | None,
        laatst: _Laatst,
    ) -> str | None:
        if self.berichten is None or self.mapping is None:
            return None
        verzoek = self._parse(vnr, volgnummer)
        if verzoek.doel not in _BEVESTIGEN:
            return None
        eerste = self.eerste_versie(vnr, volgnummer)
        try:
            zaaktype: str | None = self.mapping.zaaktype_voor(eerste or verzoek)
        except MappingGap:
            zaaktype = None  # delivered already, so only the beslistermijn is unknown
        termijn = self.mapping.berichten.beslistermijn(zaaktype) if zaaktype else None
        if termijn is not None:
            # Write-once: the first version's receipt sets it, as on the zaak.
            laatst.checkpoints.update(
                beslistermijn.checkpoint(
                    uiterlijk=termijn.uiterlijk((eerste or verzoek).indien_datum),
                    procedure=termijn.procedure,
                    weken=termijn.termijn_weken,
                )
            )
        if not self.ctx.settings.ontvangstbevestiging_versturen:
            return "ontvangstbevestiging uit (het zaaksysteem verstuurt die)"
        bericht = opstellen.ontvangstbevestiging(
            verzoek,
            zaaknummer=zaak,
            zaaktype=zaaktype,
            berichten=self.mapping.berichten,
            sjablonen=self.sjablonen,
            eerste=eerste,
        )
        uitkomst = self.berichten.verstuur(vnr, volgnummer, bericht, zaak_url, bekend=bekend, uitstellen=True)
        laatst.checkpoints.update(uitkomst.checkpoints)
        laatst.events.extend(uitkomst.events)
        return uitkomst.detail


@dataclass
class _Laatst:
    """What the report of one version writes with its REPORTED transition, in one commit."""

    checkpoints: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    events: list[tuple[str, str]] = field(default_factory=list)
