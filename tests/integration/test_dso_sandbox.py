"""DsoClient against the DSO sandbox over a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import pytest
import uvicorn
from fastapi import FastAPI, Request, Response

from dso_client import (
    DsoClient,
    DsoNotAvailableError,
    DsoPermanentError,
    DsoRateLimitedError,
    DsoRetryableError,
)
from dso_client.sandbox.config import FaultConfig, SandboxConfig
from dso_client.sandbox.examples import get_example, list_examples
from dso_client.sandbox.server import SandboxServer, free_port
from dso_client.sandbox.state import Sandbox

OIN = "00000001001600820000"
ODS = "00000001823288444000"
VNR = "2026031000101"


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(page_size=50)) as srv:
        yield srv


@pytest.fixture
def sandbox(server: SandboxServer) -> Iterator[Sandbox]:
    server.sandbox.reset()
    for example in list_examples():
        server.sandbox.submit(example.xml, example.bijlage_sizes)
    yield server.sandbox
    server.sandbox.reset()


@pytest.fixture
def client(server: SandboxServer, sandbox: Sandbox) -> Iterator[DsoClient]:
    with DsoClient(server.base_url, samenwerking_url=server.samenwerking_url, timeout=10) as dso:
        yield dso


@pytest.fixture
def http(server: SandboxServer) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=server.url, timeout=10) as c:
        yield c


def test_fetch_a_whole_verzoek(client: DsoClient, tmp_path: Path) -> None:
    refs = client.verzoekreferenties(VNR, None, oin=OIN)
    assert refs.volgnummer == 2  # latest when no volgnummer is asked for
    xml = client.samenvatting(VNR, refs.volgnummer, oin=OIN)
    assert b"<vx:doel>Aanvullen</vx:doel>" in xml
    assert b"<vx:volgnummer>1<" in client.samenvatting(VNR, 1, oin=OIN)
    for ref in refs.documenten:
        result = client.download_document(ref, tmp_path / ref.document_id, oin=OIN)
        data = result.path.read_bytes()
        assert result.size == ref.size == len(data)
        assert result.sha256 == ref.sha256 == hashlib.sha256(data).hexdigest()
    assert refs.pdf_url is not None
    pdf = httpx2.get(refs.pdf_url, headers={"X-DSO-OIN": OIN})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_download_resumes_after_a_dropped_connection(
    client: DsoClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    ref = next(
        r for r in client.verzoekreferenties(VNR, 1, oin=OIN).documenten if r.size and r.size > 200_000
    )
    sandbox.set_faults(FaultConfig(drop_after_bytes=100_000, drop_times=2))
    result = client.download_document(ref, tmp_path / "doc.pdf", oin=OIN)
    assert result.sha256 == ref.sha256 and result.size == ref.size
    assert sandbox.faults.drop_after_bytes is None  # both drops were used


def test_wrong_oin_is_403_and_missing_oin_is_401(
    client: DsoClient, http: httpx2.Client, server: SandboxServer
) -> None:
    with pytest.raises(DsoPermanentError) as info:
        client.verzoekreferenties(VNR, 1, oin=ODS)
    assert info.value.status == 403
    path = f"{server.config.base_path}/verzoeken/{VNR}/samenvatting"
    assert http.get(path).status_code == 401
    # The omgevingsdienst is uitvoerende instantie of the melding: it may read it.
    assert client.verzoekreferenties("2026031200303", 1, oin=ODS).volgnummer == 1


def test_unknown_verzoek_is_404_retryable(client: DsoClient) -> None:
    with pytest.raises(DsoNotAvailableError):
        client.samenvatting("2099010100001", None, oin=OIN)


def test_zoek_pages_through_all_versions(
    client: DsoClient, sandbox: Sandbox, http: httpx2.Client, server: SandboxServer
) -> None:
    template = get_example("kap-percelen")
    assert template is not None
    since = datetime.now(UTC) - timedelta(minutes=1)
    for i in range(1, 115):
        xml = template.xml.replace(b"2026031300404", f"20260401{i:05d}".encode())
        sandbox.submit(xml)
    hits = list(client.zoek(oin=OIN, vanaf=since))
    assert len(hits) == 120 and len({(h.verzoeknummer, h.volgnummer) for h in hits}) == 120
    page = http.post(
        f"{server.config.base_path}/verzoeken/_zoek?pagina=3",
        json={"bevoegdGezag": OIN, "periode": {"vanaf": since.isoformat()}},
        headers={"X-DSO-OIN": OIN},
    ).json()
    assert (page["aantalPaginas"], page["totaal"], len(page["verzoeken"])) == (3, 120, 20)
    assert list(client.zoek(oin=ODS, vanaf=since)) != []
    assert list(client.zoek(oin=OIN, vanaf=datetime.now(UTC) + timedelta(minutes=1))) == []


def test_zoek_for_another_oin_is_forbidden(
    http: httpx2.Client, server: SandboxServer, sandbox: Sandbox
) -> None:
    response = http.post(
        f"{server.config.base_path}/verzoeken/_zoek",
        json={"bevoegdGezag": ODS, "periode": {"vanaf": "2026-01-01T00:00:00Z"}},
        headers={"X-DSO-OIN": OIN},
    )
    assert response.status_code == 403


def test_rerouteer_and_samenwerking_are_recorded(
    client: DsoClient, http: httpx2.Client, sandbox: Sandbox
) -> None:
    client.rerouteer("2026031300404", oin=OIN, reden="Perceel ligt in een andere gemeente")
    client.koppel_zaak(VNR, oin=OIN, kenmerk_systeem="ZGW", nummer_binnen_systeem="ZAAK-2026-0001")
    rerouted = http.get("/_sandbox/rerouteringen").json()
    linked = http.get("/_sandbox/samenwerkingen").json()
    assert [(r["verzoeknummer"], r["reden"]) for r in rerouted] == [
        ("2026031300404", "Perceel ligt in een andere gemeente")
    ]
    assert [(s["verzoeknummer"], s["nummerBinnenSysteem"]) for s in linked] == [(VNR, "ZAAK-2026-0001")]
    with pytest.raises(DsoPermanentError):
        client.koppel_zaak(VNR, oin=ODS, kenmerk_systeem="ZGW", nummer_binnen_systeem="X")


def test_configured_faults_via_the_control_api(client: DsoClient, http: httpx2.Client) -> None:
    assert (
        http.post(
            "/_sandbox/faults", json={"rate_limit_next": 1, "retry_after": 4, "error_next": 1}
        ).status_code
        == 200
    )
    with pytest.raises(DsoRateLimitedError) as limited:
        client.verzoekreferenties(VNR, 1, oin=OIN)
    assert limited.value.retry_after == 4.0
    with pytest.raises(DsoRetryableError) as failed:
        client.verzoekreferenties(VNR, 1, oin=OIN)
    assert failed.value.status == 503
    assert client.verzoekreferenties(VNR, 1, oin=OIN).volgnummer == 1
    assert http.delete("/_sandbox/faults").status_code == 204


def test_per_request_fault_header(server: SandboxServer, sandbox: Sandbox, http: httpx2.Client) -> None:
    path = f"{server.config.base_path}/verzoeken/{VNR}/samenvatting"
    limited = http.get(path, headers={"X-DSO-OIN": OIN, "X-Sandbox-Fault": "status=429; retry-after=2"})
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    assert http.get(path, headers={"X-DSO-OIN": OIN, "X-Sandbox-Fault": "unavailable"}).status_code == 404
    started = time.monotonic()
    assert http.get(path, headers={"X-DSO-OIN": OIN, "X-Sandbox-Fault": "latency=0.3"}).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_latency_beyond_the_client_timeout_is_retryable(server: SandboxServer, sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultConfig(latency_seconds=1.0))
    with DsoClient(server.base_url, timeout=0.2) as slow, pytest.raises(DsoRetryableError) as info:
        slow.samenvatting(VNR, 1, oin=OIN)
    assert "timeout" in str(info.value)


def test_content_not_available_for_a_while_after_submission(client: DsoClient, sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultConfig(not_available_seconds=0.5))
    template = get_example("kap-percelen")
    assert template is not None
    sandbox.submit(template.xml.replace(b"2026031300404", b"2026050100001"))
    with pytest.raises(DsoNotAvailableError):
        client.verzoekreferenties("2026050100001", 1, oin=OIN)
    time.sleep(0.6)
    assert client.verzoekreferenties("2026050100001", 1, oin=OIN).volgnummer == 1


def test_range_requests(http: httpx2.Client, server: SandboxServer, client: DsoClient) -> None:
    ref = client.verzoekreferenties(VNR, 1, oin=OIN).documenten[0]
    assert ref.size is not None
    whole = http.get(ref.url, headers={"X-DSO-OIN": OIN}).content
    part = http.get(ref.url, headers={"X-DSO-OIN": OIN, "Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == whole[1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{ref.size}"
    tail = http.get(ref.url, headers={"X-DSO-OIN": OIN, "Range": "bytes=-10"})
    assert tail.content == whole[-10:]
    beyond = http.get(ref.url, headers={"X-DSO-OIN": OIN, "Range": f"bytes={ref.size}-"})
    assert beyond.status_code == 416


def test_submit_through_the_control_api_with_bijlage_sizes(http: httpx2.Client, client: DsoClient) -> None:
    template = get_example("kap-percelen")
    assert template is not None
    xml = template.xml.replace(b"2026031300404", b"2026060100001")
    response = http.post(
        "/_sandbox/verzoeken",
        params={"bijlage": "DOC-2026060100001-0001=777"},
        content=xml,
        headers={"Content-Type": "application/xml"},
    )
    assert response.status_code == 201
    assert response.json()["documenten"] == [{"documentId": "DOC-2026060100001-0001", "grootte": 777}]
    assert client.verzoekreferenties("2026060100001", 1, oin=OIN).documenten[0].size == 777
    assert http.post("/_sandbox/verzoeken", content=b"<nope/>").status_code == 400
    assert http.post("/_sandbox/examples/onbekend").status_code == 404


def test_examples_endpoint_submits_and_notifies_a_real_receiver() -> None:
    received: list[bytes] = []
    receiver = FastAPI()

    @receiver.post("/v1/dso/verzoeknotificaties", status_code=202)
    async def intake(request: Request) -> Response:
        received.append(await request.body())
        return Response(status_code=202)

    port = free_port()
    intake_server = uvicorn.Server(
        uvicorn.Config(receiver, host="127.0.0.1", port=port, log_level="critical")
    )
    thread = threading.Thread(target=intake_server.run, daemon=True)
    thread.start()
    while not intake_server.started:
        time.sleep(0.02)
    config = SandboxConfig(
        notify_url=f"http://127.0.0.1:{port}/v1/dso/verzoeknotificaties", notify_backoff=0.05
    )
    try:
        with SandboxServer(config) as srv, httpx2.Client(base_url=srv.url, timeout=10) as http:
            names = [e["name"] for e in http.get("/_sandbox/examples").json()]
            for name in names:
                assert http.post(f"/_sandbox/examples/{name}").status_code == 201
            assert srv.sandbox.notifier is not None and srv.sandbox.notifier.wait_idle()
            sent = http.get("/_sandbox/notificaties").json()
    finally:
        intake_server.should_exit = True
        thread.join(5)
    assert len(received) == len(names) == 6
    assert all(n["status"] == 202 for n in sent)
    assert b"<vn:verzoeknummer>2026031100202</vn:verzoeknummer>" in received[3]
    assert b"<vn:volgnummer>2</vn:volgnummer>" in received[3]


def test_no_bsn_in_log_lines_or_errors_while_fetching(
    client: DsoClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    from structlog.testing import capture_logs

    errors: list[str] = []
    with capture_logs() as logs:
        refs = client.verzoekreferenties(VNR, 1, oin=OIN)
        assert b"999993653" in client.samenvatting(VNR, 1, oin=OIN)  # the STAM XML does carry it
        for ref in refs.documenten:
            client.download_document(ref, tmp_path / ref.document_id, oin=OIN)
        try:
            client.verzoekreferenties(VNR, 1, oin=ODS)
        except DsoPermanentError as exc:
            errors.append(str(exc))
    assert logs and errors
    assert "999993653" not in repr(logs) and "999993653" not in repr(errors)
