"""Reconciliation: find verzoeken DSO has for us that we never got a notification for.

Notifications can be lost (DSO-LV says as much); the DSO `_zoek` call lists verzoeken per bevoegd
gezag and period. Every version we do not know is taken in exactly as if it had been notified,
so the rest of the pipeline does not know the difference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from dso_client import DsoClient
from gateway.events import FETCH, StageJob
from gateway.pipeline.context import StageContext

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ReconcileResult:
    seen: int
    taken_in: int


def reconcile(
    ctx: StageContext, dso: DsoClient, *, since: datetime, until: datetime | None = None
) -> ReconcileResult:
    seen = taken_in = 0
    for oin in ctx.settings.our_oins:
        for hit in dso.zoek(oin=oin, vanaf=since, tot=until):
            seen += 1
            if ctx.store.get_versie(hit.verzoeknummer, hit.volgnummer) is not None:
                continue
            job = ctx.job(FETCH, StageJob(hit.verzoeknummer, hit.volgnummer, oin))
            if ctx.store.record_notification(
                hit.verzoeknummer,
                hit.volgnummer,
                oin,
                job,
                detail="gevonden bij reconciliatie met DSO (geen notificatie ontvangen)",
            ):
                taken_in += 1
                log.info("reconcile.taken_in", verzoeknummer=hit.verzoeknummer, volgnummer=hit.volgnummer)
    log.info("reconcile.done", seen=seen, taken_in=taken_in)
    return ReconcileResult(seen, taken_in)


def periodic_reconcile(ctx: StageContext, dso: DsoClient, lookback: timedelta) -> ReconcileResult:
    return reconcile(ctx, dso, since=datetime.now(UTC) - lookback)
