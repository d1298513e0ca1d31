"""The sandbox state object, driven in-process: storage, search, faults, notifications."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import pytest

from dso_client.sandbox.config import FaultConfig, SandboxConfig
from dso_client.sandbox.content import GeneratedDocument, summary_pdf
from dso_client.sandbox.examples import get_example, list_examples
from dso_client.sandbox.notifier import Notifier
from dso_client.sandbox.stam import StamInputError, read_verzoek
from dso_client.sandbox.state import Sandbox
from tests.services import require_shared

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "domain" / "examples"
OIN = "00000001001600820000"


class Receiver:
    """An httpx transport standing in for the gateway's notification intake."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.bodies: list[bytes] = []
        self.statuses = statuses or []
        self.lock = threading.Lock()

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        with self.lock:
            self.bodies.append(request.content)
            status = self.statuses.pop(0) if self.statuses else 202
        return httpx2.Response(status)


def sandbox_with(receiver: Receiver, **faults: object) -> Sandbox:
    notifier = Notifier(
        "http://gateway.test/v1/dso/verzoeknotificaties", backoff=0, transport=httpx2.MockTransport(receiver)
    )
    return Sandbox(SandboxConfig(faults=FaultConfig(**faults)), notifier=notifier)


def example_xml(name: str) -> bytes:
    example = get_example(name)
    assert example is not None
    return example.xml


def test_generated_content_is_deterministic_and_range_consistent() -> None:
    doc = GeneratedDocument("DOC-X", 200_000)
    whole = b"".join(doc.iter_range(0, doc.size))
    assert len(whole) == 200_000 and whole.startswith(b"%PDF-1.4")
    assert b"".join(doc.iter_range(70_000, 140_001)) == whole[70_000:140_001]
    assert doc.sha256() == hashlib.sha256(whole).hexdigest()
    assert GeneratedDocument("DOC-Y", 1000).sha256() != GeneratedDocument("DOC-X", 1000).sha256()


def test_summary_pdf_is_a_pdf() -> None:
    pdf = summary_pdf(["Verzoek 1 (test)"])
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF") and b"xref" in pdf


def test_read_verzoek_reads_the_shared_examples_with_and_without_prefixes() -> None:
    require_shared("domain", "examples")
    melding = read_verzoek((SHARED / "verzoek-melding-bedrijf-gemachtigde.xml").read_bytes())
    assert melding.uitvoerende_instantie_oin == "00000001823288444000"
    assert [d.document_id for d in melding.documenten] == ["DOC-2024052100317-0001"]
    init = read_verzoek((SHARED / "verzoek-dakkapel-initieren.xml").read_bytes())
    assert init.volgnummer == 1 and len(init.documenten) == 2 and init.indien_datum is not None


@pytest.mark.parametrize(
    "xml",
    [
        b"<not-xml",
        b"<verzoek xmlns='urn:other'/>",
        b"<verzoek xmlns='http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoek'/>",
    ],
)
def test_read_verzoek_refuses_what_it_cannot_store(xml: bytes) -> None:
    with pytest.raises(StamInputError):
        read_verzoek(xml)


def test_submit_notifies_with_a_verzoeknotificatie() -> None:
    receiver = Receiver()
    sandbox = sandbox_with(receiver)
    sandbox.submit(example_xml("verbouwing-initieren"))
    assert sandbox.notifier is not None and sandbox.notifier.wait_idle()
    (body,) = receiver.bodies
    assert b"verzoeknotificatie" in body and b"<vn:verzoeknummer>2026031000101<" in body
    assert b"999993653" not in body
    sandbox.close()


def test_notification_is_retried_after_a_5xx() -> None:
    receiver = Receiver(statuses=[503, 502])
    sandbox = sandbox_with(receiver)
    sandbox.submit(example_xml("verbouwing-initieren"))
    assert sandbox.notifier is not None and sandbox.notifier.wait_idle()
    assert len(receiver.bodies) == 3 and sandbox.notifier.sent[0].status == 202
    assert sandbox.notifier.sent[0].attempts == 3
    sandbox.close()


def test_duplicate_skip_and_out_of_order_notification_faults() -> None:
    receiver = Receiver()
    sandbox = sandbox_with(receiver, duplicate_notifications=True)
    sandbox.submit(example_xml("sloop-initieren"))
    assert sandbox.notifier is not None and sandbox.notifier.wait_idle()
    assert len(receiver.bodies) == 2 and receiver.bodies[0] == receiver.bodies[1]

    sandbox.set_faults(FaultConfig(skip_notification=True))
    sandbox.submit(example_xml("kap-percelen"))
    sandbox.notifier.wait_idle()
    assert len(receiver.bodies) == 2
    assert sandbox.get_versie("2026031300404") is not None  # stored, just not announced

    sandbox.set_faults(FaultConfig(out_of_order_notifications=True))
    sandbox.submit(example_xml("verbouwing-initieren"))
    sandbox.notifier.wait_idle()
    assert len(receiver.bodies) == 2  # held back until the next one arrives
    sandbox.submit(example_xml("verbouwing-aanvullen"))
    sandbox.notifier.wait_idle()
    assert [b"<vn:volgnummer>2<" in b for b in receiver.bodies[2:]] == [True, False]
    sandbox.close()


def test_versions_latest_documents_and_sizes() -> None:
    sandbox = Sandbox(SandboxConfig(default_document_size=1234))
    for example in list_examples()[:2]:
        sandbox.submit(example.xml, example.bijlage_sizes)
    latest = sandbox.get_versie("2026031000101")
    assert latest is not None and latest.volgnummer == 2
    assert sorted(latest.documenten) == ["DOC-2026031000101-0002", "DOC-2026031000101-0003"]
    # A document listed again keeps the size it had in the earlier version.
    assert latest.documenten["DOC-2026031000101-0002"].size == 95_000
    assert sandbox.find_document("2026031000101", "DOC-2026031000101-0001") is not None
    assert sandbox.get_versie("2026031000101", 7) is None
    sandbox.submit(example_xml("kap-percelen"), {})
    kap = sandbox.get_versie("2026031300404")
    assert kap is not None and kap.documenten["DOC-2026031300404-0001"].size == 1234


def test_authorisation_is_bevoegd_gezag_or_uitvoerende_instantie() -> None:
    sandbox = Sandbox()
    melding = sandbox.submit(example_xml("melding-opslag-gemachtigde"))
    kap = sandbox.submit(example_xml("kap-percelen"))
    assert melding.authorised(OIN) and melding.authorised("00000001823288444000")
    assert kap.authorised(OIN) and not kap.authorised("00000001823288444000")
    assert not melding.authorised("00000009999999999000")


def test_zoek_filters_on_period_and_oin() -> None:
    sandbox = Sandbox()
    before = datetime.now(UTC) - timedelta(seconds=1)
    for example in list_examples():
        sandbox.submit(example.xml)
    assert len(sandbox.zoek(OIN, before, None)) == 6
    assert len(sandbox.zoek("00000001823288444000", before, None)) == 1
    assert sandbox.zoek(OIN, before, before + timedelta(microseconds=1)) == []


def test_fault_counters_then_rates() -> None:
    sandbox = Sandbox(SandboxConfig(faults=FaultConfig(rate_limit_next=1, error_next=2, retry_after=3)))
    first = sandbox.next_fault()
    assert first is not None and first.status == 429 and first.retry_after == 3
    assert [
        f.status if f else None for f in (sandbox.next_fault(), sandbox.next_fault(), sandbox.next_fault())
    ] == [
        503,
        503,
        None,
    ]
    sandbox.set_faults(FaultConfig(error_rate=1.0, error_status=502))
    fault = sandbox.next_fault()
    assert fault is not None and fault.status == 502


def test_drop_fault_is_armed_for_a_number_of_documents() -> None:
    sandbox = Sandbox(SandboxConfig(faults=FaultConfig(drop_after_bytes=10, drop_times=2)))
    assert [sandbox.take_drop(), sandbox.take_drop(), sandbox.take_drop()] == [10, 10, None]
    sandbox.set_faults(FaultConfig(drop_after_bytes=5, drop_times=0))
    assert [sandbox.take_drop() for _ in range(3)] == [5, 5, 5]
