"""One contract for every StatusReporter: DSO (through dso_client, against the DSO sandbox on
127.0.0.1) and the recording fake. DSO documents one write-back: doorsturen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx2
import pytest

from dso_client import DsoClient, DsoPermanentError
from dso_client.sandbox.config import SandboxConfig
from dso_client.sandbox.examples import list_examples
from dso_client.sandbox.server import SandboxServer
from gateway.reporting import DsoStatusReporter, RecordingStatusReporter, StatusReporter

APELDOORN = "00000001001600820000"
ODS = "00000001823288444000"
VNR = "2026031000101"  # verbouwing-initieren: bevoegd gezag Apeldoorn


@dataclass
class Subject:
    reporter: StatusReporter
    doorgestuurd: Callable[[], list[tuple[str, str | None]]]  # (verzoeknummer, naar) as DSO recorded it


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig()) as server:
        yield server


@pytest.fixture(params=["dso", "recording"])
def subject(request: pytest.FixtureRequest) -> Iterator[Subject]:
    if request.param == "recording":
        # The fake refuses what DSO refuses: a verzoek handed to the bevoegd gezag it already has.
        fake = RecordingStatusReporter(weiger_naar={APELDOORN})
        yield Subject(
            fake,
            lambda: (
                [(v, None) for v, _, _ in fake.reroutes] + [(v, naar) for v, naar, _ in fake.doorgestuurd]
            ),
        )
        return
    server: SandboxServer = request.getfixturevalue("sandbox_server")
    server.sandbox.reset()
    for example in list_examples():
        server.sandbox.submit(example.xml, example.bijlage_sizes)
    with (
        DsoClient(server.base_url, timeout=10) as dso,
        httpx2.Client(base_url=server.url, timeout=10) as http,
    ):
        yield Subject(
            DsoStatusReporter(dso, kenmerk_systeem="dso-gateway"),
            lambda: [
                (r["verzoeknummer"], r.get("naarOin")) for r in http.get("/_sandbox/rerouteringen").json()
            ],
        )


def test_reroute_a_verzoek_that_is_not_ours(subject: Subject) -> None:
    subject.reporter.reroute(VNR, oin=APELDOORN, reden="Niet ons bevoegd gezag")
    assert subject.doorgestuurd() == [(VNR, None)]


def test_doorsturen_to_another_authority(subject: Subject) -> None:
    subject.reporter.reroute(VNR, oin=APELDOORN, reden="Behandeling door de omgevingsdienst", naar_oin=ODS)
    assert subject.doorgestuurd() == [(VNR, ODS)]


def test_doorsturen_refused_is_permanent_and_recorded_nowhere(subject: Subject) -> None:
    with pytest.raises(DsoPermanentError):
        subject.reporter.reroute(VNR, oin=APELDOORN, reden="Naar onszelf", naar_oin=APELDOORN)
    assert subject.doorgestuurd() == []
