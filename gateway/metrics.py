"""Prometheus metrics through prometheus-client, one registry per process's Container.

Not the library's global registry: a test builds many gateways in one process, and each must
count only its own work. Two histograms are observed while the gateway works:

- `dsogw_stage_duration_seconds{stage, outcome}`: one worker stage on one message; outcome
  `ok`, `retry` (back on the queue) or `failed` (dead-lettered);
- `dsogw_outbound_duration_seconds{target, outcome}`: one call to DSO, ZGW, StUF-ZKN or the
  mail server; outcome `ok`, `client_error` (4xx), `server_error` (5xx) or `error` (no answer).

HTTP calls are timed at httpx's transport, for every client in the process, and told apart by
the configured base URLs: dso_client and adapters stay free of any import of ours (import-linter),
the way the OpenTelemetry httpx instrumentation works. Labels are fixed words: no verzoeknummer,
no URL, so nothing that leads to a person."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal

import httpx2
from prometheus_client import CollectorRegistry, Histogram, generate_latest, start_http_server
from prometheus_client.registry import Collector

from gateway.berichten.bericht import Bericht, Berichtkanaal, Verzending
from gateway.http11 import LeanTransport

# Prometheus's 0.0.4 text format, which every Prometheus version scrapes.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# From a fast local call to a slow upload of a large bijlage.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.stage_duration = Histogram(
            "dsogw_stage_duration_seconds",
            "Time a worker stage took for one message, by stage and outcome (ok, retry, failed).",
            ["stage", "outcome"],
            registry=self.registry,
            buckets=_BUCKETS,
        )
        self.outbound_duration = Histogram(
            "dsogw_outbound_duration_seconds",
            "Time one outbound call took, by target (dso, zgw, stuf, smtp) and outcome.",
            ["target", "outcome"],
            registry=self.registry,
            buckets=_BUCKETS,
        )
        self._routes: list[tuple[str, str]] = []

    # -- observations ----------------------------------------------------------------------------

    def observe_stage(self, stage: str, outcome: str, seconds: float) -> None:
        self.stage_duration.labels(stage=stage, outcome=outcome).observe(seconds)

    @contextmanager
    def timed_call(self, target: str) -> Iterator[None]:
        """Time a non-HTTP call (SMTP): `ok` unless it raises, then `error`."""
        started = time.perf_counter()
        outcome = "error"
        try:
            yield
            outcome = "ok"
        finally:
            self.outbound_duration.labels(target=target, outcome=outcome).observe(
                time.perf_counter() - started
            )

    # -- HTTP targets ----------------------------------------------------------------------------

    def time_http(self, routes: Mapping[str, Iterable[str | None]]) -> None:
        """Time every httpx call in this process whose URL starts with one of the base URLs,
        under its target name ({"dso": [dso_base_url], "zgw": [...]}). Undone by `close()`."""
        self._routes = sorted(
            ((url.rstrip("/"), target) for target, urls in routes.items() for url in urls if url),
            key=lambda r: -len(r[0]),  # the longest prefix wins
        )
        install_transport_timer()
        with _lock:
            _timed.append(self)

    def target_of(self, url: str) -> str | None:
        for prefix, target in self._routes:
            if url == prefix or url.startswith(prefix + "/") or url.startswith(prefix + "?"):
                return target
        return None

    def close(self) -> None:
        with _lock:
            if self in _timed:
                _timed.remove(self)

    # -- exposition ------------------------------------------------------------------------------

    def serve(self, port: int, addr: str = "0.0.0.0") -> Callable[[], None]:  # noqa: S104 - a scrape port
        """prometheus-client's own HTTP server on `port` (the worker has no web app); returns
        the function that stops it."""
        server, thread = start_http_server(port, addr=addr, registry=self.registry)

        def stop() -> None:
            server.shutdown()
            server.server_close()
            thread.join(5)

        return stop


def outcome_of_status(status: int) -> str:
    if status >= 500:
        return "server_error"
    if status >= 400:
        return "client_error"
    return "ok"


class Including(Collector):
    """Another registry's metrics inside this one: the API's /metrics shows the Container's."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterable[Any]:
        yield from self._registry.collect()


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)


# -- the process-wide transport timer ------------------------------------------------------------

_lock = threading.Lock()
_timed: list[GatewayMetrics] = []
_installed: list[bool] = []  # non-empty once installed (a flag without a `global` statement)


def install_transport_timer() -> None:
    """Wrap handle_request of httpx's transport and of ours (gateway/http11.py) once per process.
    Calls to URLs no GatewayMetrics claims pass through untimed, so other clients (tests, the
    CLI's checks) are unaffected."""
    with _lock:
        if _installed:
            return
        for transport in (httpx2.HTTPTransport, LeanTransport):
            transport.handle_request = _timed_handle(transport.handle_request)  # type: ignore[method-assign,assignment]
        _installed.append(True)


def _timed_handle(
    original: Callable[[Any, httpx2.Request], httpx2.Response],
) -> Callable[[Any, httpx2.Request], httpx2.Response]:
    def handle_request(self: Any, request: httpx2.Request) -> httpx2.Response:
        url = str(request.url)
        with _lock:
            claims = [(m, t) for m in _timed if (t := m.target_of(url)) is not None]
        if not claims:
            return original(self, request)
        started = time.perf_counter()
        outcome = "error"
        try:
            response = original(self, request)
            outcome = outcome_of_status(response.status_code)
            return response
        finally:
            elapsed = time.perf_counter() - started
            for metrics, target in claims:
                metrics.outbound_duration.labels(target=target, outcome=outcome).observe(elapsed)

    return handle_request


class TimedKanaal:
    """A Berichtkanaal whose sends count as outbound calls (the e-mail channel: target smtp)."""

    def __init__(self, inner: Berichtkanaal, metrics: GatewayMetrics, target: str = "smtp") -> None:
        self._inner = inner
        self._metrics = metrics
        self._target = target

    @property
    def naam(self) -> Literal["email", "post"]:
        return self._inner.naam

    def verstuur(self, bericht: Bericht) -> Verzending:
        with self._metrics.timed_call(self._target):
            return self._inner.verstuur(bericht)
