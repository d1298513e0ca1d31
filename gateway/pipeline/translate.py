"""Stage 2: parse the archived STAM, decide what it means for us, deliver it to the case system."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from adapters.base import Delivery
from gateway import logboek
from gateway.errors import RetryableError
from gateway.events import REPORT, StageJob
from gateway.parsed_stam import parse_stam
from gateway.pipeline.checkpoints import StoreCheckpoints
from gateway.pipeline.context import StageContext
from gateway.pipeline.documents import require_archived_documents, require_same_version
from gateway.pipeline.waiting import release_waiting
from gateway.store import DELIVERED_STATES, FINAL_STATES, OutboxMessage, SqlStore, State, VersieRecord
from gateway.zoektermen import bsn_digests, search_text
from stam_mapping.model import Doel, Verzoek

log = structlog.get_logger(__name__)


def _checkpoints(store: SqlStore, verzoeknummer: str, delivery: Delivery) -> StoreCheckpoints:
    # An adapter that knows which of its checkpoints it can recover after a crash lets the store
    # write those behind (gateway/pipeline/checkpoints.py); any other gets every put at once.
    written_behind = getattr(delivery, "checkpoint_written_behind", None)
    return StoreCheckpoints(store, verzoeknummer, written_behind)


class TranslateStage:
    name = "translate"

    def __init__(self, ctx: StageContext, delivery: Delivery) -> None:
        self.ctx = ctx
        self.delivery = delivery

    def _parse(self, verzoeknummer: str, volgnummer: int) -> Verzoek:
        raw = self.ctx.archive.stam(verzoeknummer, volgnummer)
        return parse_stam(raw, max_bytes=self.ctx.settings.max_stam_bytes)

    def handle(self, job: StageJob) -> None:
        store = self.ctx.store
        vnr, volgnummer = job.verzoeknummer, job.volgnummer
        if volgnummer is None:
            raise RetryableError("translate job without volgnummer")
        # Every version of the verzoek in one read: this one's state, and what it builds on.
        versies = store.versies_for(vnr)
        versie = next((v for v in versies if v.volgnummer == volgnummer), None)
        if versie is None or versie.state != State.FETCHED:
            log.info(
                "translate.skipped",
                verzoeknummer=vnr,
                volgnummer=volgnummer,
                state=versie.state if versie else None,
            )
            return

        verzoek = self._parse(vnr, volgnummer)
        require_same_version(verzoek, vnr, volgnummer)
        # Before any delivery decision: a verzoek that fails later is still found by name or adres.
        store.describe(
            vnr,
            {
                "doel": verzoek.doel.value,
                "type": verzoek.type.value,
                "naam": verzoek.naam,
                "activiteiten": "\n".join(a.activiteit_id for a in verzoek.projectactiviteiten),
            },
            search_text(verzoek),
            bsn_digests(verzoek),
        )
        settings = self.ctx.settings
        oin = versie.oin or settings.default_oin

        def settle(to: State, event: str, detail: str, job: OutboxMessage | None = None) -> None:
            # Every outcome other than a delivery: recorded on the version, nothing sent to the zaak.
            store.transition(
                vnr,
                volgnummer,
                to=to,
                event=event,
                detail=detail,
                expect={State.FETCHED},
                job=job,
                versie_values={"doel": verzoek.doel.value},
            )

        if verzoek.bevoegd_gezag.oin not in settings.our_oins:
            settle(
                State.FETCHED,
                "reroute-requested",
                "bevoegd gezag is niet een van onze OIN's: verzoek wordt gererouteerd",
                self.ctx.job(REPORT, StageJob(vnr, volgnummer, oin, action="reroute")),
            )
            return
        uitvoerend = verzoek.uitvoerende_instantie
        if uitvoerend and uitvoerend.oin not in settings.our_oins and settings.skip_kopieberichten:
            settle(
                State.SKIPPED,
                "kopiebericht",
                f"kopiebericht: uitvoerende instantie {uitvoerend.oin} behandelt dit verzoek",
            )
            return

        previous = self._previous(verzoek, versies)
        if isinstance(previous, _Wait):
            # Not an attempt and not a retry: the version rests until the older one settles.
            settle(
                State.WAITING,
                "waiting",
                f"wacht op eerdere versie(s) {previous.volgnummers} van dit verzoek;"
                " gaat vanzelf verder zodra die afgerond is",
            )
            log.info("translate.waiting", verzoeknummer=vnr, volgnummer=volgnummer, on=previous.volgnummers)
            return
        if previous is _PARK:
            settle(
                State.PARKED,
                "parked",
                "intrekking van een verzoek dat wij niet kennen: geparkeerd, geen zaak aangemaakt",
            )
            return
        if previous is _SUPERSEDED:
            settle(State.SUPERSEDED, "superseded", "een nieuwere versie van dit verzoek is al verwerkt")
            return
        assert previous is None or isinstance(previous, Verzoek)

        documents = require_archived_documents(self.ctx.archive, verzoek)
        checkpoints = _checkpoints(store, vnr, self.delivery)
        try:
            result = self.delivery.deliver(verzoek, previous, documents, checkpoints)
        except BaseException:
            # The steps that did succeed are kept, so the retry need not look them up again.
            try:
                checkpoints.flush()
            except Exception:  # the delivery's own error is the one to report
                log.warning("translate.checkpoints_not_flushed", verzoeknummer=vnr, exc_info=True)
            raise
        with store.together():  # one commit: the Logboek's record, the checkpoints, the transition
            logboek.geregistreerd(store, verzoek, volgnummer, self.delivery.name)
            store.transition(
                vnr,
                volgnummer,
                to=State.DELIVERED,
                event="delivered",
                detail="; ".join(
                    (
                        f"geregistreerd als zaak {result.zaak_identificatie} ({self.delivery.name})",
                        *result.notities,
                    )
                ),
                expect={State.FETCHED},
                job=self.ctx.job(REPORT, StageJob(vnr, volgnummer, oin, action="link")),
                summary={"zaak_url": result.zaak_url, "zaak_identificatie": result.zaak_identificatie},
                versie_values={"doel": verzoek.doel.value},
                checkpoints=checkpoints.unwritten(),
            )
        log.info(
            "translate.delivered", verzoeknummer=vnr, volgnummer=volgnummer, zaak=result.zaak_identificatie
        )
        release_waiting(self.ctx, vnr)  # a newer version waiting for this one goes on at once

    def _previous(self, verzoek: Verzoek, versies: list[VersieRecord]) -> Verzoek | object | None:
        """The version this one builds on, or a decision not to deliver it at all.

        Versions may arrive out of order: an older version still in flight makes this one wait
        (gateway/pipeline/waiting.py); a newer version already delivered makes this one superseded."""
        if any(v.volgnummer > verzoek.volgnummer and State(v.state) in DELIVERED_STATES for v in versies):
            return _SUPERSEDED
        older = [v for v in versies if v.volgnummer < verzoek.volgnummer]
        waiting = [v.volgnummer for v in older if State(v.state) not in FINAL_STATES | DELIVERED_STATES]
        if verzoek.doel is Doel.INTREKKEN:
            # An intrekking closes the zaak, and a closed zaak takes no more documents: the earlier
            # version's ontvangstbevestiging (report stage) must be in it first.
            waiting += [v.volgnummer for v in older if State(v.state) is State.DELIVERED]
        if waiting:
            return _Wait(", ".join(map(str, waiting)))
        delivered = [v.volgnummer for v in older if State(v.state) in DELIVERED_STATES]
        if delivered:
            return self._parse(verzoek.verzoeknummer, max(delivered))
        if verzoek.doel is Doel.INTREKKEN:
            return _PARK
        # An aanvulling for a verzoek we never saw (e.g. after a change of bevoegd gezag) is
        # treated as a new verzoek: previous stays None.
        return None


@dataclass(frozen=True)
class _Wait:
    volgnummers: str


_PARK = object()
_SUPERSEDED = object()
