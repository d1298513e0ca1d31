"""Stage 1: fetch the verzoek version from DSO, archive it, queue the translation."""

from __future__ import annotations

import structlog

from dso_client import DsoClient
from dso_client.errors import DsoError, DsoNotAvailableError
from dso_client.models import Verzoekreferenties
from gateway.events import TRANSLATE, StageJob
from gateway.pipeline.context import StageContext
from gateway.store import State

log = structlog.get_logger(__name__)


class FetchStage:
    name = "fetch"

    def __init__(self, ctx: StageContext, dso: DsoClient) -> None:
        self.ctx = ctx
        self.dso = dso

    def handle(self, job: StageJob) -> None:
        store, archive = self.ctx.store, self.ctx.archive
        oin = self.ctx.our_oin(job.oin)
        refs = self.dso.verzoekreferenties(job.verzoeknummer, job.volgnummer, oin=oin)
        # DSO's answer is authoritative for the volgnummer: a notification may not carry one.
        volgnummer = refs.volgnummer
        store.ensure_versie(job.verzoeknummer, volgnummer, oin, State.RECEIVED)
        versie = store.get_versie(job.verzoeknummer, volgnummer)
        if versie is None or versie.state != State.RECEIVED:
            log.info(
                "fetch.skipped",
                verzoeknummer=job.verzoeknummer,
                volgnummer=volgnummer,
                state=versie.state if versie else None,
            )
            return

        xml = self.dso.samenvatting(job.verzoeknummer, volgnummer, oin=oin)
        archive.put_bytes(job.verzoeknummer, volgnummer, "stam", xml, "samenvatting.xml")
        pdf_note = self._archive_pdf(refs, oin)

        fetched = reused = 0
        for ref in refs.documenten:
            existing = archive.find_document(job.verzoeknummer, ref.document_id)
            if (
                existing
                and existing.size == ref.size
                and (ref.sha256 is None or ref.sha256 == existing.sha256)
            ):
                # An aanvulling lists unchanged documents again; they are archived already.
                reused += 1
                continue
            dest = archive.document_path(job.verzoeknummer, volgnummer, ref.document_id)
            result = self.dso.download_document(ref, dest, oin=oin)
            archive.register_file(
                job.verzoeknummer,
                volgnummer,
                kind="document",
                path=result.path,
                size=result.size,
                sha256=result.sha256,
                document_id=ref.document_id,
                bestandsnaam=ref.bestandsnaam,
                media_type=ref.media_type,
            )
            fetched += 1

        store.transition(
            job.verzoeknummer,
            volgnummer,
            to=State.FETCHED,
            event="fetched",
            detail=f"STAM-bericht{pdf_note} en {fetched} bijlage(n) opgehaald, {reused} al aanwezig",
            expect={State.RECEIVED},
            job=self.ctx.job(TRANSLATE, StageJob(job.verzoeknummer, volgnummer, oin)),
        )
        log.info("fetch.done", verzoeknummer=job.verzoeknummer, volgnummer=volgnummer, documents=fetched)

    def _archive_pdf(self, refs: Verzoekreferenties, oin: str) -> str:
        """Archive DSO's PDF rendition; returns a note for the event. The PDF is for people, the
        zaak is made from the STAM XML: a PDF DSO does not have (404) or refuses is noted and
        the verzoek goes on; any other retryable failure retries the stage as usual."""
        try:
            pdf = self.dso.pdf(refs, oin=oin)
        except DsoError as exc:
            if exc.retryable and not isinstance(exc, DsoNotAvailableError):
                raise
            log.warning(
                "fetch.pdf_unavailable",
                verzoeknummer=refs.verzoeknummer,
                volgnummer=refs.volgnummer,
                error=str(exc),
            )
            return " (PDF niet beschikbaar)"
        if pdf is None:
            return ""
        self.ctx.archive.put_bytes(
            refs.verzoeknummer, refs.volgnummer, "pdf", pdf, "verzoek.pdf", media_type="application/pdf"
        )
        return ", PDF"
