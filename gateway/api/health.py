"""Probes and metrics for whoever runs the gateway (Kubernetes, a load balancer, Prometheus).

`/health/live` answers while the process serves requests; `/health/ready` only when the store
answers too (the API writes every notification there: without it we must not take any). `/metrics`
is the Prometheus text format with what an on-call engineer alerts on: verzoeken per state, how
many wait for each step, how many workers are alive, dead letters still to look at, and the last
hour's throughput, read from the store at scrape time; beside them the latency histograms per
worker stage and per outbound call (gateway/metrics.py). prometheus-client renders them, from a
registry per app rather than the library's global one. It needs the same Bearer token as /v1
(Prometheus sends one with `authorization`); counts only, no verzoeknummers, so nothing
personal. None of these are part of the /v1 API contract.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

import sqlalchemy as sa
import structlog
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from gateway.api.deps import container
from gateway.api.operations_api import overview
from gateway.auth.principal import Principal
from gateway.auth.session import api_principal
from gateway.bootstrap import Container
from gateway.metrics import CONTENT_TYPE, Including, render

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


class StoreCollector(Collector):
    """Today's gauges, read from the store (and broker) at scrape time, as before."""

    def __init__(self, c: Container) -> None:
        self._c = c

    def collect(self) -> Iterable[Metric]:
        o = overview(self._c)
        verzoeken = GaugeMetricFamily(
            "dsogw_verzoeken",
            "Verzoeken in the store, by the state of their latest version.",
            labels=["state"],
        )
        for state, n in sorted(o.aantallenPerStatus.items()):
            verzoeken.add_metric([state], n)
        waiting = GaugeMetricFamily(
            "dsogw_waiting", "Verzoeken waiting for a pipeline step (from the store).", labels=["queue"]
        )
        depth = GaugeMetricFamily(
            "dsogw_queue_depth", "Messages on a queue, where the broker can tell.", labels=["queue"]
        )
        for w in o.wachtrijen:
            waiting.add_metric([w.naam], w.wachtend)
            if w.diepte is not None:
                depth.add_metric([w.naam], w.diepte)
        last_hour = GaugeMetricFamily(
            "dsogw_last_hour", "Pipeline events in the last hour.", labels=["event"]
        )
        t = o.doorvoerLaatsteUur
        for event, n in (
            ("received", t.ontvangen),
            ("delivered", t.geregistreerd),
            ("reported", t.teruggemeld),
            ("failed", t.mislukt),
        ):
            last_hour.add_metric([event], n)
        yield verzoeken
        yield waiting
        yield depth
        yield GaugeMetricFamily(
            "dsogw_workers_alive", "Worker processes with a recent heartbeat.", value=len(o.werkers)
        )
        yield GaugeMetricFamily(
            "dsogw_dead_letters", "Dead letters whose version is still failed.", value=o.doodBerichten
        )
        yield last_hour


def metrics_registry(c: Container) -> CollectorRegistry:
    """The API's registry: the store's gauges plus the Container's histograms (the stage
    histograms fill where a worker runs in this process, as in `dso-gateway demo`)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(c))
    registry.register(Including(c.metrics.registry))
    return registry


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(
    request: Request,
    c: Annotated[Container, Depends(container)],
    _: Annotated[Principal, Depends(api_principal)],
) -> Response:
    registry = getattr(request.app.state, "metrics_registry", None)
    if registry is None:  # one per app, made on first scrape
        registry = request.app.state.metrics_registry = metrics_registry(c)
    return Response(render(registry), media_type=CONTENT_TYPE)
