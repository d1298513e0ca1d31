"""Probes and metrics for whoever runs the gateway (Kubernetes, a load balancer, Prometheus).

`/health/live` answers while the process serves requests; `/health/ready` only when the store
answers too (the API writes every notification there: without it we must not take any). `/metrics`
is the Prometheus text format with what an on-call engineer alerts on: verzoeken per state, how
many wait for each step, how many workers are alive, dead letters still to look at, and the last
hour's throughput. It needs
the same Bearer token as /v1 (Prometheus sends one with `authorization`); counts only, no
verzoeknummers, so nothing personal. None of these are part of the /v1 API contract.
"""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
import structlog
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy.exc import SQLAlchemyError

from gateway.api.deps import container
from gateway.api.operations_api import overview
from gateway.auth.principal import Principal
from gateway.auth.session import api_principal
from gateway.bootstrap import Container

router = APIRouter(include_in_schema=False)
log = structlog.get_logger(__name__)


@router.get("/health/live")
def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/ready")
def ready(c: Annotated[Container, Depends(container)]) -> JSONResponse:
    try:
        with c.store.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("health.store_unavailable", error=type(exc).__name__)
        return JSONResponse(
            {"status": "unavailable", "title": "De database is niet bereikbaar"},
            status_code=503,
            media_type="application/problem+json",
        )
    return JSONResponse({"status": "ok"})


def _escape(value: str) -> str:
    # Label values are our own state and queue names; escaping keeps the format valid regardless.
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _line(name: str, value: int | float, **labels: str) -> str:
    if not labels:
        return f"{name} {value}"
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
    return f"{name}{{{inner}}} {value}"


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(
    c: Annotated[Container, Depends(container)], _: Annotated[Principal, Depends(api_principal)]
) -> PlainTextResponse:
    o = overview(c)
    out = [
        "# HELP dsogw_verzoeken Verzoeken in the store, by the state of their latest version.",
        "# TYPE dsogw_verzoeken gauge",
        *(_line("dsogw_verzoeken", n, state=state) for state, n in sorted(o.aantallenPerStatus.items())),
        "# HELP dsogw_waiting Verzoeken waiting for a pipeline step (from the store).",
        "# TYPE dsogw_waiting gauge",
        *(_line("dsogw_waiting", w.wachtend, queue=w.naam) for w in o.wachtrijen),
        "# HELP dsogw_queue_depth Messages on a queue, where the broker can tell.",
        "# TYPE dsogw_queue_depth gauge",
        *(_line("dsogw_queue_depth", w.diepte, queue=w.naam) for w in o.wachtrijen if w.diepte is not None),
        "# HELP dsogw_workers_alive Worker processes with a recent heartbeat.",
        "# TYPE dsogw_workers_alive gauge",
        _line("dsogw_workers_alive", len(o.werkers)),
        "# HELP dsogw_dead_letters Dead letters whose version is still failed.",
        "# TYPE dsogw_dead_letters gauge",
        _line("dsogw_dead_letters", o.doodBerichten),
        "# HELP dsogw_last_hour Pipeline events in the last hour.",
        "# TYPE dsogw_last_hour gauge",
        _line("dsogw_last_hour", o.doorvoerLaatsteUur.ontvangen, event="received"),
        _line("dsogw_last_hour", o.doorvoerLaatsteUur.geregistreerd, event="delivered"),
        _line("dsogw_last_hour", o.doorvoerLaatsteUur.teruggemeld, event="reported"),
        _line("dsogw_last_hour", o.doorvoerLaatsteUur.mislukt, event="failed"),
    ]
    return PlainTextResponse("\n".join(out) + "\n", media_type="text/plain; version=0.0.4")
