"""Doorsturen: staff hand a verzoek to another bevoegd gezag or behandeldienst.

This is the one write-back DSO documents (Verzoek afhandelen API). The call is made at once, so
the operator sees DSO's answer. When DSO refuses, the change is still recorded locally (as
OpenWave does) and the verzoek is flagged for follow-up: DSO still lists it as ours, and someone
has to settle that with DSO or the other authority. When DSO cannot be reached nothing is
recorded, and the operator tries again later."""

from __future__ import annotations

import re
from dataclasses import dataclass

import structlog

from dso_client.errors import DsoPermanentError, DsoRetryableError
from gateway.events import REPORT, StageJob
from gateway.operations import OperationError
from gateway.pipeline.context import StageContext
from gateway.reporting import StatusReporter
from gateway.store import State

log = structlog.get_logger(__name__)

OPVOLGING = "opvolging:doorsturen"  # checkpoint: refused at DSO, recorded locally
DOORGESTUURD = "doorgestuurd"  # checkpoint: to whom and why, for the message to the initiatiefnemer
ACTION = "doorgestuurd"  # report-queue job: tell the initiatiefnemer
_OIN = re.compile(r"\d{20}")


@dataclass(frozen=True)
class Doorgestuurd:
    geaccepteerd: bool  # False: DSO refused, recorded locally and flagged for follow-up
    melding: str  # for the operator (Dutch)


def doorsturen(
    ctx: StageContext,
    reporter: StatusReporter,
    verzoeknummer: str,
    *,
    naar_oin: str,
    reden: str,
    actor: str,
    naar_naam: str | None = None,
) -> Doorgestuurd:
    reden = reden.strip()
    if not _OIN.fullmatch(naar_oin):
        raise OperationError("een OIN bestaat uit 20 cijfers")
    if not reden:
        raise OperationError("een reden is verplicht")
    store = ctx.store
    versies = store.versies_for(verzoeknummer)
    if not versies:
        raise OperationError(f"verzoek {verzoeknummer} is niet bekend")
    laatste = max(versies, key=lambda v: v.volgnummer)
    if State(laatste.state) is State.REROUTED:
        raise OperationError("dit verzoek is al doorgestuurd")
    try:
        reporter.reroute(verzoeknummer, oin=ctx.our_oin(laatste.oin), reden=reden, naar_oin=naar_oin)
    except DsoRetryableError as exc:
        raise OperationError(f"DSO is nu niet bereikbaar ({exc}); probeer het later opnieuw") from exc
    except DsoPermanentError as exc:
        store.transition(
            verzoeknummer,
            laatste.volgnummer,
            to=State.REROUTED,
            event="doorgestuurd-lokaal",
            detail=f"lokaal vastgelegd: naar {naar_oin} ({reden}); DSO weigerde: {exc}",
            actor=actor,
            summary={"bevoegd_gezag_oin": naar_oin},
        )
        store.checkpoint_put(verzoeknummer, OPVOLGING, {"naar": naar_oin, "reden": str(exc)})
        store.add_event(
            verzoeknummer,
            laatste.volgnummer,
            "opvolging-nodig",
            "DSO kent het verzoek nog als het onze: regel de overdracht met DSO of het andere bevoegd gezag",
            actor,
        )
        log.warning("doorsturen.geweigerd", verzoeknummer=verzoeknummer, naar=naar_oin, user=actor)
        return Doorgestuurd(False, f"DSO weigerde ({exc}); lokaal vastgelegd en gemarkeerd voor opvolging")
    # The initiatiefnemer hears of the change of bevoegd gezag (IPLO): queued with the transition,
    # sent by the report worker (gateway/pipeline/report.py), never from this request.
    store.checkpoint_put(
        verzoeknummer,
        DOORGESTUURD,
        {"naar": naar_oin, "naam": (naar_naam or "").strip() or None, "reden": reden},
    )
    store.transition(
        verzoeknummer,
        laatste.volgnummer,
        to=State.REROUTED,
        event="doorgestuurd",
        detail=f"via DSO doorgestuurd naar {naar_oin}: {reden}",
        actor=actor,
        summary={"bevoegd_gezag_oin": naar_oin},
        job=ctx.job(REPORT, StageJob(verzoeknummer, laatste.volgnummer, action=ACTION)),
    )
    log.info("doorsturen.geaccepteerd", verzoeknummer=verzoeknummer, naar=naar_oin, user=actor)
    return Doorgestuurd(True, f"doorgestuurd naar {naar_oin}")


def opvolging_nodig(ctx: StageContext) -> list[str]:
    """Verzoeken whose doorsturen DSO refused: recorded locally, to be settled by staff."""
    return sorted(vnr for vnr, _ in ctx.store.checkpoints_named(OPVOLGING))
