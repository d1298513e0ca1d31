"""Versions that wait for an older version of the same verzoek (State.WAITING).

An aanvulling that arrives while version 1 is still retrying (a ZGW outage, say) must not use
up its own retry budget by waiting: that dead-lettered aanvullingen whose zaak was made later
without their documents. So translate parks it in WAITING without a job, and this sweep (run
by every worker, and right after a delivery) queues its translate job again once no older
version is in flight. The move WAITING -> FETCHED and the job are one transaction that expects
WAITING, so two workers sweeping at once queue the job once.

The limit is generous and in time, not attempts: a version that waited longer than
`max_wait_for_older_version` hours becomes FAILED with a reason a clerk can act on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog

from gateway.events import TRANSLATE, StageJob
from gateway.pipeline.context import StageContext
from gateway.store import DELIVERED_STATES, FINAL_STATES, State
from stam_mapping.model import Doel

log = structlog.get_logger(__name__)

SETTLED = FINAL_STATES | DELIVERED_STATES


def release_waiting(ctx: StageContext, verzoeknummer: str | None = None) -> int:
    """Queue the translate job of every waiting version whose older versions have settled.
    Returns how many were released."""
    store = ctx.store
    waiting = store.waiting(verzoeknummer)
    limit = timedelta(hours=ctx.settings.max_wait_for_older_version)
    now = datetime.now(UTC)
    released = 0
    for nr, volgnummer, since in waiting:
        versies = store.versies_for(nr)
        versie = next((v for v in versies if v.volgnummer == volgnummer), None)
        # The same rule as translate's: an intrekking also waits while an older version is only
        # delivered, not yet reported (closing the zaak would shut out its ontvangstbevestiging).
        intrekking = versie is not None and versie.doel == Doel.INTREKKEN.value
        busy = [
            v.volgnummer
            for v in versies
            if v.volgnummer < volgnummer
            and (State(v.state) not in SETTLED or (intrekking and State(v.state) is State.DELIVERED))
        ]
        oin = versie.oin if versie else None
        if not busy:
            if store.transition(
                nr,
                volgnummer,
                to=State.FETCHED,
                event="wait-over",
                detail="eerdere versie(s) afgerond: deze versie gaat verder",
                expect={State.WAITING},
                job=ctx.job(TRANSLATE, StageJob(nr, volgnummer, oin)),
            ):
                released += 1
                log.info("waiting.released", verzoeknummer=nr, volgnummer=volgnummer)
            continue
        started = since if since.tzinfo else since.replace(tzinfo=UTC)
        if now - started > limit:
            reason = (
                f"wachtte langer dan {ctx.settings.max_wait_for_older_version:g} uur op eerdere"
                f" versie(s) {', '.join(map(str, busy))}; handel die eerst af en probeer dan opnieuw"
            )
            store.transition(
                nr,
                volgnummer,
                to=State.FAILED,
                event="failed-translate",
                detail=reason,
                expect={State.WAITING},
                summary={"last_error": reason},
                versie_values={"failed_stage": "translate", "last_error": reason},
            )
            log.warning("waiting.gave_up", verzoeknummer=nr, volgnummer=volgnummer)
    return released
