"""POST /v1/zgw/notificaties: the callback our abonnement at the ZGW Notificaties API calls.

It checks the Authorization header we gave the abonnement (`dso-gateway zgw abonneren`), and for
a new status on a zaak that came from DSO queues a "zaakstatus" job for that verzoek through the
outbox. It never does the work in the request: the worker reads the zaak's statussen and handles
each one once (gateway/zaakstatus.py), so a notification sent twice is harmless. Notifications
about anything else, or about zaken that are not ours, are acknowledged and ignored."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated

import structlog
from fastapi import APIRouter, Body, Depends, Header, Response
from pydantic import Field

from gateway.api.deps import container
from gateway.api.problems import PROBLEM_JSON, Problem, ProblemError
from gateway.api.schemas import _Camel
from gateway.bootstrap import Container
from gateway.events import REPORT, StageJob
from gateway.zaakstatus import ACTION

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/v1/zgw", tags=["Zaaksysteem"])


class Notificatie(_Camel):
    """The Notificaties API 1.0.0 message (`Message` in the official OpenAPI file)."""

    kanaal: str = Field(min_length=1, max_length=50)
    hoofd_object: str = Field(min_length=1, max_length=1000)
    resource: str = Field(min_length=1, max_length=100)
    resource_url: str = Field(min_length=1, max_length=1000)
    actie: str = Field(min_length=1, max_length=100)
    aanmaakdatum: datetime
    kenmerken: dict[str, Annotated[str, Field(max_length=1000)]] = Field(default_factory=dict)


def _check_auth(c: Container, authorization: str | None) -> None:
    # A caller without credentials learns nothing, not even whether a callback is configured.
    if not authorization:
        raise ProblemError(401, "Niet geauthenticeerd", "De Authorization-header ontbreekt.")
    expected = c.settings.zgw_callback_auth
    if expected is None:
        raise ProblemError(404, "Niet gevonden", "Er is geen abonnement op ZGW-notificaties ingesteld.")
    if not hmac.compare_digest(authorization.encode(), expected.get_secret_value().encode()):
        raise ProblemError(403, "Geen toegang", "De Authorization-header klopt niet.")


@router.post(
    "/notificaties",
    status_code=204,
    summary="Ontvang een notificatie van de ZGW Notificaties API (callback van ons abonnement)",
    responses={
        400: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "Ongeldige notificatie"},
        401: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "Niet geauthenticeerd"},
        403: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "Geen toegang"},
        404: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "Geen abonnement ingesteld"},
    },
)
def post_notificatie(
    c: Annotated[Container, Depends(container)],
    notificatie: Annotated[Notificatie, Body()],
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    _check_auth(c, authorization)
    if notificatie.kanaal == "zaken" and notificatie.resource == "status" and notificatie.actie == "create":
        record = c.store.verzoek_by_zaak_url(notificatie.hoofd_object)
        if record is not None:
            c.store.enqueue(c.context.job(REPORT, StageJob(record.verzoeknummer, None, action=ACTION)))
            log.info("zgw.notificatie.queued", verzoeknummer=record.verzoeknummer)
    return Response(status_code=204)
