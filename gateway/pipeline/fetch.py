"""Stage 1: fetch the verzoek version from DSO, archive it, queue the translation."""

from __future__ import annotations

import structlog

from dso_client import DsoClient
from dso_client.client import DsoForeignLinkError, DsoNotPdfError
from dso_client.download import DsoTooLargeError
from dso_client.errors import DsoError, DsoNotAvailableError
from dso_client.models import Verzoekreferenties
from gateway import logboek
from gateway.archive import ArchivedFile
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
        # The notification made the version already, unless it had no volgnummer: only then a
        # write transaction (on SQLite the database-wide write lock) to create it.
        versie = store.get_versie(job.verzoeknummer, volgnummer)
        if versie is None:
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

        # The archive index rows are written at the end, with the transition (below): files
        # archived by a fetch that dies half-way are fetched again, and overwritten, by its retry.
        index: list[ArchivedFile] = []
        # Streamed to disk under max_stam_bytes: an oversized STAM is refused before it is archived.
        dest = archive.version_dir(job.verzoeknummer, volgnummer) / "samenvatting.xml"
        stam = self.dso.samenvatting_to(job.verzoeknummer, volgnummer, dest, oin=oin)
        index.append(
            ArchivedFile(
                kind="stam",
                path=stam.path,
                size=stam.size,
                sha256=stam.sha256,
                document_id=None,
                bestandsnaam="samenvatting.xml",
                media_type="application/xml",
            )
        )
        pdf_note = self._archive_pdf(refs, oin, index)

        fetched = reused = 0
        archived = archive.documents(job.verzoeknummer) if refs.documenten else {}  # one read
        for ref in refs.documenten:
            existing = archived.get(ref.document_id)
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
            index.append(
                ArchivedFile(
                    kind="document",
                    path=result.path,
                    size=result.size,
                    sha256=result.sha256,
                    document_id=ref.document_id,
                    bestandsnaam=ref.bestandsnaam,
                    media_type=ref.media_type,
                )
            )
            fetched += 1

        # One transaction (one commit, one turn at SQLite's write lock) for the index rows, the
        # Logboek's record of the fetch and the transition with its translate job: all or none.
        with store.together():
            logboek.opgehaald(
                store,
                job.verzoeknummer,
                volgnummer,
                stam.path,
                fetched,
                max_stam_bytes=self.ctx.settings.max_stam_bytes,
            )
            archive.register_files(job.verzoeknummer, volgnummer, index)
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

    def _archive_pdf(self, refs: Verzoekreferenties, oin: str, index: list[ArchivedFile]) -> str:
        """Archive DSO's PDF rendition; returns a note for the event. The PDF is for people, the
        zaak is made from the STAM XML: a PDF DSO does not have (404) or refuses is noted and
        the verzoek goes on; any other retryable failure retries the stage as usual."""
        archive = self.ctx.archive
        dest = archive.version_dir(refs.verzoeknummer, refs.volgnummer) / "verzoek.pdf"
        try:
            pdf = self.dso.pdf_to(refs, dest, oin=oin)
        except DsoError as exc:
            if exc.retryable and not isinstance(exc, DsoNotAvailableError):
                raise
            log.warning(
                "fetch.pdf_unavailable",
                verzoeknummer=refs.verzoeknummer,
                volgnummer=refs.volgnummer,
                error=str(exc),
            )
            return f" (PDF niet beschikbaar: {_pdf_reason(exc)})"
        if pdf is None:
            return ""
        index.append(
            ArchivedFile(
                kind="pdf",
                path=pdf.path,
                size=pdf.size,
                sha256=pdf.sha256,
                document_id=None,
                bestandsnaam="verzoek.pdf",
                media_type="application/pdf",
            )
        )
        return ", PDF"


def _pdf_reason(exc: DsoError) -> str:
    """Why the PDF is missing, in Dutch for the timeline."""
    if isinstance(exc, DsoNotPdfError):
        return "DSO stuurde iets anders dan een PDF"
    if isinstance(exc, DsoForeignLinkError):
        return "de link wijst buiten de DSO-API en is niet gevolgd"
    if isinstance(exc, DsoTooLargeError):
        return "groter dan de ingestelde grens (DSOGW_MAX_PDF_BYTES)"
    if isinstance(exc, DsoNotAvailableError):
        return "DSO heeft geen PDF (404)"
    return "DSO weigerde de PDF"
