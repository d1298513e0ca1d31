"""The outbound-call histogram: HTTP calls told apart by base URL, with their outcome, on a real
server on 127.0.0.1; calls to URLs no gateway claims are not counted."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2
import pytest

from gateway.metrics import GatewayMetrics
from gateway.servers import free_port


class _Status(BaseHTTPRequestHandler):
    """Answers with the status named by the last path segment: /zaken/api/v1/x/503 -> 503."""

    def do_GET(self) -> None:
        self.send_response(int(self.path.rsplit("/", 1)[-1]))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Status)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _count(metrics: GatewayMetrics, target: str, outcome: str) -> float:
    labels = {"target": target, "outcome": outcome}
    return metrics.registry.get_sample_value("dsogw_outbound_duration_seconds_count", labels) or 0.0


def test_calls_are_counted_by_target_and_outcome(server: str) -> None:
    metrics = GatewayMetrics()
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: no answer at all
    metrics.time_http({"zgw": [f"{server}/zaken/api/v1"], "dso": [f"{server}/dso"], "stuf": [closed]})
    try:
        with httpx2.Client(timeout=5) as client:
            client.get(f"{server}/zaken/api/v1/zaken/200")
            client.get(f"{server}/zaken/api/v1/zaken/201")
            client.get(f"{server}/zaken/api/v1/zaken/404")
            client.get(f"{server}/dso/verzoeken/503")
            client.get(f"{server}/elsewhere/200")  # no target claims it
            client.get(f"{server}/zaken/api/v10/200")  # a prefix of the path, not of a segment
            with pytest.raises(httpx2.ConnectError):
                client.get(f"{closed}/VrijeBerichten/200")
    finally:
        metrics.close()
    assert _count(metrics, "zgw", "ok") == 2
    assert _count(metrics, "zgw", "client_error") == 1
    assert _count(metrics, "dso", "server_error") == 1
    assert _count(metrics, "stuf", "error") == 1
    total = sum(
        _count(metrics, t, o)
        for t in ("zgw", "dso", "stuf")
        for o in ("ok", "client_error", "server_error", "error")
    )
    assert total == 5


def test_a_closed_gateway_counts_nothing_more(server: str) -> None:
    metrics = GatewayMetrics()
    metrics.time_http({"zgw": [server]})
    metrics.close()
    httpx2.get(f"{server}/zaken/200", timeout=5)
    assert _count(metrics, "zgw", "ok") == 0
