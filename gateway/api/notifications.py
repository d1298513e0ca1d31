"""POST /v1/dso/verzoeknotificaties: DSO tells us a verzoek (version) is ready.

Store it and queue the fetch job in one transaction, answer 202 at once; all work happens in
the worker. Bad input gets 400 problem+json and nothing is stored."""

from __future__ import annotations

import asyncio
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Request

from gateway.api.deps import container
from gateway.api.inbound_auth import notification_sender
from gateway.api.problems import PROBLEM_JSON, Problem, ProblemError
from gateway.api.schemas import NotificatieOntvangen
from gateway.bootstrap import Container
from gateway.events import FETCH, StageJob
from gateway.store import Notification
from stam_mapping import parse_notificatie
from stam_mapping.errors import StamError

router = APIRouter(prefix="/v1/dso", tags=["DSO"])
log = structlog.get_logger(__name__)

MAX_NOTIFICATION_BYTES = 64 * 1024


async def _read_limited(request: Request, limit: int) -> bytes:
    """The body, but never more than `limit` bytes in memory: a notification is a few hundred
    bytes, and whoever can reach this endpoint must not be able to make us buffer gigabytes."""
    too_large = ProblemError(413, "Te groot", "Het bericht is te groot voor een verzoeknotificatie.")
    announced = request.headers.get("content-length")
    if announced is not None and announced.isascii() and announced.isdigit() and int(announced) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


@router.post(
    "/verzoeknotificaties",
    status_code=202,
    response_model=NotificatieOntvangen,
    summary="Neem een verzoeknotificatie van DSO-LV in",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/xml": {"schema": {"type": "string", "description": "verzoeknotificatie"}}
            },
        }
    },
    responses={
        400: {"model": Problem, "content": {PROBLEM_JSON: {}}},
        401: {"model": Problem, "content": {PROBLEM_JSON: {}}},
        403: {"model": Problem, "content": {PROBLEM_JSON: {}}},
        413: {"model": Problem, "content": {PROBLEM_JSON: {}}},
    },
)
async def receive_notification(
    request: Request,
    c: Annotated[Container, Depends(container)],
    sender: Annotated[str | None, Depends(notification_sender)],
) -> NotificatieOntvangen:
    body = await _read_limited(request, MAX_NOTIFICATION_BYTES)
    try:
        notificatie = parse_notificatie(body)
    except StamError as exc:
        log.warning("notification.rejected", reason=str(exc))
        raise ProblemError(400, "Ongeldige verzoeknotificatie", str(exc)) from exc

    ctx = c.context
    oin = ctx.our_oin(notificatie.bevoegd_gezag_oin)
    job = ctx.job(FETCH, StageJob(notificatie.verzoeknummer, notificatie.volgnummer, oin))
    # Written by the store's group-commit thread (gateway/store/grouped.py): notifications that
    # arrive together share one fsync'ed commit, and the event loop never waits for the disk.
    # The answer goes out only once the commit is done.
    write = Notification(
        notificatie.verzoeknummer,
        notificatie.volgnummer,
        oin,
        job,
        detail="verzoeknotificatie van DSO ontvangen" + (f" (afzender OIN {sender})" if sender else ""),
    )
    new = await asyncio.wrap_future(c.notification_writes.submit(write))
    log.info(
        "notification.received",
        verzoeknummer=notificatie.verzoeknummer,
        volgnummer=notificatie.volgnummer,
        duplicate=not new,
        sender=sender,
    )
    return NotificatieOntvangen(
        verzoeknummer=notificatie.verzoeknummer,
        volgnummer=notificatie.volgnummer,
        status="ontvangen" if new else "dubbel",
    )
