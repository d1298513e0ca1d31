"""Stage 3: tell everyone what we owe them once the zaak exists, or reroute a verzoek that is not ours.

DSO documents one write-back only, doorsturen (reroute). Linking our zaak number through a
samenwerking is an opt-in assumption (settings.dso_samenwerking_koppelen)."""

from __future__ import annotations

import structlog

from gateway.events import StageJob
from gateway.pipeline.context import StageContext
from gateway.reporting import StatusReporter
from gateway.store import State

log = structlog.get_logger(__name__)


class ReportStage:
    name = "report"

    def __init__(self, ctx: StageContext, reporter: StatusReporter) -> None:
        self.ctx = ctx
        self.reporter = reporter

    def handle(self, job: StageJob) -> None:
        store = self.ctx.store
        vnr, volgnummer = job.verzoeknummer, job.volgnummer
        if volgnummer is None:
            return
        versie = store.get_versie(vnr, volgnummer)
        if versie is None:
            return
        oin = self.ctx.our_oin(job.oin or versie.oin)
        if job.action == "reroute":
            if versie.state != State.FETCHED:
                return
            self.reporter.reroute(
                vnr, oin=oin, reden="Het bevoegd gezag van dit verzoek is niet deze organisatie."
            )
            store.transition(
                vnr,
                volgnummer,
                to=State.REROUTED,
                event="rerouted",
                detail="teruggegeven aan DSO voor een ander bevoegd gezag",
                expect={State.FETCHED},
            )
            return

        if versie.state != State.DELIVERED:
            return
        verzoek = store.get_verzoek(vnr)
        zaak = verzoek.zaak_identificatie if verzoek else None
        if not zaak:
            return
        detail = self._link_case(vnr, oin, zaak)
        store.transition(
            vnr, volgnummer, to=State.REPORTED, event="reported", detail=detail, expect={State.DELIVERED}
        )
        log.info("report.done", verzoeknummer=vnr, volgnummer=volgnummer)

    def _link_case(self, vnr: str, oin: str, zaak: str) -> str:
        """Our zaak number at DSO: only on explicit opt-in (an assumption, see settings).

        DSO documents no way to record a municipality's case number; without the opt-in nothing is
        called, so the production defaults can never fail here."""
        if not self.ctx.settings.dso_samenwerking_koppelen:
            return f"zaak {zaak}: DSO kent geen terugmelding van het zaaknummer, niets aan DSO gemeld"
        # The link is per verzoek, not per version: an aanvulling keeps the same zaak.
        key = f"report:link:{zaak}"
        if self.ctx.store.checkpoint_get(vnr, key) is not None:
            return f"zaaknummer {zaak} was al gekoppeld bij DSO"
        self.reporter.link_case(vnr, oin=oin, zaak_identificatie=zaak)
        self.ctx.store.checkpoint_put(vnr, key, {"zaak": zaak})
        return f"zaaknummer {zaak} gekoppeld bij DSO (samenwerking, optioneel)"
