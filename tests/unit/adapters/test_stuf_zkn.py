"""StufDelivery against the StUF-ZKN test endpoint (uvicorn on 127.0.0.1), which validates every
message against the official schemas as a strict counterpart would (../shared/stuf; the tests
skip outside CI without them)."""

from __future__ import annotations

import base64
import functools
import hashlib
import io
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from adapters.errors import DeliveryPermanentError, DeliveryRetryableError
from adapters.memory import MemoryCheckpoints
from adapters.stuf_zkn.client import StufClient
from adapters.stuf_zkn.delivery import StufDelivery
from adapters.stuf_zkn.inhoud_filter import InhoudError, InhoudFilter
from adapters.stuf_zkn.streaming import InlineDocumentBody
from adapters.stuf_zkn.testserver import StufStore, create_stuf_app
from stam_mapping.errors import MappingFileError
from stam_mapping.mapping import default_mapping
from stam_mapping.model import Doel
from stam_mapping.stuf import (
    INHOUD_PLACEHOLDER,
    STUF,
    ZKN,
    Stuurgegevens,
    build_creeer_zaak_lk01,
    build_genereer_document_identificatie_di02,
    build_genereer_zaak_identificatie_di02,
)
from tests.stuf_schemas import require_stuf_schemas, running_stuf_endpoint
from tests.unit.adapters.support import MemoryDocuments, demo_verzoek


class _Recording(httpx2.HTTPTransport):
    """A real transport that remembers the request headers (Content-Length vs chunked)."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[httpx2.Headers] = []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self.headers.append(request.headers)
        return super().handle_request(request)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[str, object]]:
    with running_stuf_endpoint() as running:
        yield running.origin, running.app


_made: list[StufClient] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    """Every client a test made is closed after it: an open connection would be a leak."""
    yield
    while _made:
        _made.pop().close()


@pytest.fixture
def stuf(endpoint: tuple[str, object]) -> tuple[StufDelivery, StufStore]:
    origin, app = endpoint
    store = StufStore()
    app.state.stuf = store  # type: ignore[attr-defined]
    return StufDelivery(_client(origin), default_mapping()), store


def _client(origin: str, transport: httpx2.BaseTransport | None = None) -> StufClient:
    client = StufClient(
        vrije_berichten_url=f"{origin}/VrijeBerichten",
        ontvang_asynchroon_url=f"{origin}/OntvangAsynchroon",
        transport=transport,
    )
    _made.append(client)
    return client


def _documents() -> MemoryDocuments:
    return MemoryDocuments(**{"DOC-1": b"een", "DOC-2": b"twee", "DOC-3": b"drie"})


def test_initieren_aanvullen_intrekken(stuf: tuple[StufDelivery, StufStore]) -> None:
    delivery, store = stuf
    checkpoints, documents = MemoryCheckpoints(), _documents()
    v1 = demo_verzoek()

    result = delivery.deliver(v1, None, documents, checkpoints)

    zaak = store.zaken[result.zaak_identificatie]
    assert zaak["zaaktype"] == "OMGVERG"  # the StUF code of DSO-OMGEVINGSVERGUNNING
    assert zaak["kenmerk"] == "2024031400042"
    assert zaak["initiator"] and zaak["gemachtigde"]
    assert sorted(d["inhoud"] for d in store.documenten.values()) == [b"een", b"twee"]
    assert store.operations[:2] == ["genereerZaakIdentificatie_Di02", "creeerZaak_Lk01"]

    v2 = demo_verzoek(volgnummer=2, doel=Doel.AANVULLEN, documenten=("DOC-1", "DOC-3"))
    assert delivery.deliver(v2, v1, documents, checkpoints) == result
    assert len(store.zaken) == 1
    assert sorted(d["inhoud"] for d in store.documenten.values()) == [b"drie", b"een", b"twee"]
    assert zaak["statussen"][-1] == "Aangevuld"

    v3 = demo_verzoek(volgnummer=3, doel=Doel.INTREKKEN, documenten=("DOC-1", "DOC-3"))
    delivery.deliver(v3, v2, documents, checkpoints)
    assert zaak["statussen"][-1] == "Afgehandeld"
    assert zaak["einddatum"]


def test_server_fo02_is_retryable_and_redelivery_resumes(stuf: tuple[StufDelivery, StufStore]) -> None:
    delivery, store = stuf
    checkpoints, documents = MemoryCheckpoints(), _documents()
    store.faults["voegZaakdocumentToe_Lk01"] = 1

    with pytest.raises(DeliveryRetryableError, match="StUF058"):
        delivery.deliver(demo_verzoek(), None, documents, checkpoints)
    delivery.deliver(demo_verzoek(), None, documents, checkpoints)
    calls = len(store.operations)
    delivery.deliver(demo_verzoek(), None, documents, checkpoints)

    assert len(store.zaken) == 1
    assert len(store.documenten) == 2
    assert len(store.operations) == calls  # a finished delivery sends nothing again


def test_client_fo02_is_permanent(stuf: tuple[StufDelivery, StufStore]) -> None:
    delivery, store = stuf
    store.zaaktype_codes = frozenset({"IETS-ANDERS"})
    with pytest.raises(DeliveryPermanentError, match="onbekend") as info:
        delivery.deliver(demo_verzoek(), None, _documents(), MemoryCheckpoints())
    assert info.value.retryable is False
    assert store.zaken == {}


def test_transport_errors_are_retryable_and_soap_action_is_quoted() -> None:
    seen: list[httpx2.Request] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        raise httpx2.ConnectError("refused")

    client = _client("http://zds.test", httpx2.MockTransport(handle))
    with pytest.raises(DeliveryRetryableError):
        StufDelivery(client, default_mapping()).deliver(
            demo_verzoek(), None, _documents(), MemoryCheckpoints()
        )
    assert (
        seen[0].headers["SOAPAction"]
        == '"http://www.egem.nl/StUF/sector/zkn/0310/genereerZaakIdentificatie_Di02"'
    )
    assert seen[0].headers["Content-Type"].startswith("text/xml")


def test_endpoint_answers_fo02_for_a_message_the_schemas_refuse(
    endpoint: tuple[str, object], stuf: tuple[StufDelivery, StufStore]
) -> None:
    _, store = stuf
    client = _client(endpoint[0])
    valid = build_creeer_zaak_lk01(
        demo_verzoek(), default_mapping(), zaak_identificatie="0200-00000099", stuurgegevens=Stuurgegevens()
    )
    invalid = valid.replace(b">OMGVERG<", b">DSO-OMGEVINGSVERGUNNING<")  # 23 characters; StUF allows 10

    with pytest.raises(DeliveryPermanentError, match="StUF055") as info:
        client.kennisgeving("creeerZaak_Lk01", invalid)
    assert "maxLength" in str(info.value) and "code" in str(info.value)
    assert store.zaken == {} and store.refused[0][0] == "creeerZaak_Lk01"

    client.kennisgeving("creeerZaak_Lk01", valid)  # the same message made valid: a Bv03
    assert store.zaken["0200-00000099"]["zaaktype"] == "OMGVERG"


def test_documents_are_streamed_with_a_content_length(
    endpoint: tuple[str, object], stuf: tuple[StufDelivery, StufStore]
) -> None:
    _, store = stuf
    transport = _Recording()
    delivery = StufDelivery(_client(endpoint[0], transport), default_mapping())
    groot = bytes(range(256)) * (5 * 4096 + 1)  # ~5 MB, not a multiple of 3
    documents = MemoryDocuments(**{"DOC-1": groot, "DOC-2": b""})

    delivery.deliver(demo_verzoek(), None, documents, MemoryCheckpoints())

    by_size = {d["grootte"]: d for d in store.documenten.values()}
    assert by_size[len(groot)]["sha256"] == hashlib.sha256(groot).hexdigest()
    assert by_size[len(groot)]["inhoud"] == groot
    assert by_size[0]["inhoud"] == b""
    documents_sent = [h for h in transport.headers if "voegZaakdocumentToe" in h["SOAPAction"]]
    assert len(documents_sent) == 2
    for headers in documents_sent:
        assert "transfer-encoding" not in headers and int(headers["Content-Length"]) > 0


def test_inline_body_length_matches_what_it_yields() -> None:
    envelope = f"<a><inhoud>{INHOUD_PLACEHOLDER}</inhoud></a>".encode()
    for size in (0, 1, 2, 3, 4, 100_000):
        content = bytes(i % 251 for i in range(size))
        body = InlineDocumentBody(envelope, functools.partial(io.BytesIO, content), size, chunk_bytes=3 * 7)
        sent = b"".join(body)
        assert len(sent) == len(body)
        assert sent == b"<a><inhoud>" + base64.b64encode(content) + b"</inhoud></a>"
    # the same text as a titel before it is left alone
    p = INHOUD_PLACEHOLDER
    titel = f"<a><titel>{p}</titel><ZKN:inhoud StUF:bestandsnaam='x'>{p}</ZKN:inhoud></a>"
    sent = b"".join(InlineDocumentBody(titel.encode(), functools.partial(io.BytesIO, b"abc"), 3))
    assert sent == titel.encode().replace(b">" + INHOUD_PLACEHOLDER.encode() + b"</ZKN", b">YWJj</ZKN")
    with pytest.raises(ValueError, match="no inhoud"):
        InlineDocumentBody(b"<a><inhoud>QUJD</inhoud></a>", functools.partial(io.BytesIO, b""), 0)
    short = InlineDocumentBody(envelope, lambda: io.BytesIO(b"abc"), 4)
    with pytest.raises(OSError, match="expected 4"):
        b"".join(short)  # a file that changed size must not go out truncated


def test_inhoud_filter_keeps_the_envelope_and_decodes_in_any_chunking() -> None:
    content = bytes(range(256)) * 40
    message = (
        b'<s:Envelope xmlns:s="x"><s:Body><ZKN:edcLk01 xmlns:ZKN="z"><ZKN:inhoud StUF:bestandsnaam="a.pdf">'
        + base64.encodebytes(content)  # with newlines, as some senders wrap base64
        + b"</ZKN:inhoud></ZKN:edcLk01></s:Body></s:Envelope>"
    )
    for step in (1, 7, 4096, len(message)):
        received = InhoudFilter(keep_bytes=100)
        for at in range(0, len(message), step):
            received.feed(message[at : at + step])
        envelope = received.close()
        assert envelope.endswith(
            f">{INHOUD_PLACEHOLDER}</ZKN:inhoud></ZKN:edcLk01></s:Body></s:Envelope>".encode()
        )
        (inhoud,) = received.inhouden
        assert (
            inhoud.size == len(content) and inhoud.sha256.hexdigest() == hashlib.sha256(content).hexdigest()
        )
        assert inhoud.complete is None and bytes(inhoud.head) == content[:100]  # kept only the head
    bad = InhoudFilter()
    with pytest.raises(InhoudError, match="base64"):
        bad.feed(b"<a><inhoud>!!!!</inhoud></a>")
    unfinished = InhoudFilter()
    unfinished.feed(b"<a><inhoud>QUJD")
    with pytest.raises(InhoudError):
        unfinished.close()


def test_endpoint_refuses_bad_base64_with_a_fo02(endpoint: tuple[str, object]) -> None:
    envelope = (
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        b'<ZKN:edcLk01 xmlns:ZKN="http://www.egem.nl/StUF/sector/zkn/0310"><ZKN:inhoud>@@@@</ZKN:inhoud>'
        b"</ZKN:edcLk01></soap:Body></soap:Envelope>"
    )
    response = httpx2.post(
        f"{endpoint[0]}/OntvangAsynchroon",
        content=envelope,
        headers={"SOAPAction": "http://www.egem.nl/StUF/sector/zkn/0310/voegZaakdocumentToe_Lk01"},
    )
    assert response.status_code == 500
    assert b"Fo02" in response.content and b"base64" in response.content


def test_endpoint_without_schemas_says_it_does_not_validate() -> None:
    from structlog.testing import capture_logs

    with capture_logs() as logs:
        app = create_stuf_app(schema_dir=None)
    assert app.state.schemas is None
    assert [e["event"] for e in logs] == ["stuf.testserver.no_validation"]


def test_a_zaaktype_without_a_fitting_code_stops_the_adapter_at_start_up() -> None:
    mapping = default_mapping().model_copy(
        update={"zaaktype_per_doel": {Doel.INTREKKEN: "DSO-KAPVERGUNNING"}}
    )
    client = _client("http://zds.test")
    with pytest.raises(MappingFileError, match="DSO-KAPVERGUNNING"):
        StufDelivery(client, mapping)
    StufDelivery(client, default_mapping())  # every zaaktype of the example mapping has a code


def test_an_unreadable_or_changed_document_is_retryable(stuf: tuple[StufDelivery, StufStore]) -> None:
    delivery, store = stuf

    class Broken(MemoryDocuments):
        def open(self, document_id: str) -> Any:
            raise FileNotFoundError(document_id)

    with pytest.raises(DeliveryRetryableError, match="FileNotFoundError"):
        delivery.deliver(demo_verzoek(), None, Broken(**{"DOC-1": b"x", "DOC-2": b"y"}), MemoryCheckpoints())

    class Shrunk(MemoryDocuments):
        def size(self, document_id: str) -> int:
            return super().size(document_id) + 1  # the archive said one byte more than it reads

    with pytest.raises(DeliveryRetryableError):
        delivery.deliver(demo_verzoek(), None, Shrunk(**{"DOC-1": b"x", "DOC-2": b"y"}), MemoryCheckpoints())
    assert store.documenten == {}  # nothing half-sent was taken as a document


def test_du02_answers_are_valid_too(endpoint: tuple[str, object]) -> None:
    """The endpoint answers as a real counterpart would: its Du02s pass the zs-dms schema."""
    schemas = require_stuf_schemas()
    client = _client(endpoint[0])
    stuur = Stuurgegevens(referentienummer="ref-42")
    for operation, body, tag in (
        ("genereerZaakIdentificatie_Di02", build_genereer_zaak_identificatie_di02(stuur), "zaak"),
        ("genereerDocumentIdentificatie_Di02", build_genereer_document_identificatie_di02(stuur), "document"),
    ):
        answer = client.call(client.vrije_berichten_url, operation, body)
        assert schemas.errors(answer) == []
        assert answer.findtext(f"{{{ZKN}}}stuurgegevens/{{{STUF}}}crossRefnummer") == "ref-42"
        assert answer.find(f"{{{ZKN}}}{tag}") is not None


def test_inhoud_filter_refuses_an_envelope_too_large_outside_the_content() -> None:
    received = InhoudFilter(max_envelope_bytes=1000)
    received.feed(b"<a><inhoud>" + base64.b64encode(b"x" * 10_000) + b"</inhoud>")  # content: not counted
    with pytest.raises(InhoudError, match="te groot"):
        received.feed(b"<b>" + b"y" * 1000 + b"</b></a>")
