"""Stage 3: report back to DSO: link our case number, or reroute a verzoek that is not ours."""

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
        # The link is per verzoek, not per version: an aanvulling keeps the same zaak.
        key = f"report:link:{zaak}"
        if store.checkpoint_get(vnr, key) is None:
            self.reporter.link_case(vnr, oin=oin, zaak_identificatie=zaak)
            store.checkpoint_put(vnr, key, {"zaak": zaak})
            detail = f"zaaknummer {zaak} gekoppeld bij DSO"
        else:
            detail = f"zaaknummer {zaak} was al gekoppeld bij DSO"
        store.transition(
            vnr, volgnummer, to=State.REPORTED, event="reported", detail=detail, expect={State.DELIVERED}
        )
        log.info("report.done", verzoeknummer=vnr, volgnummer=volgnummer)
