"""StufDelivery against the StUF-ZKN test endpoint (uvicorn on 127.0.0.1)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from adapters.errors import DeliveryPermanentError, DeliveryRetryableError
from adapters.stuf_zkn.client import StufClient
from adapters.stuf_zkn.delivery import StufDelivery
from adapters.stuf_zkn.testserver import StufStore, create_stuf_app
from stam_mapping.mapping import default_mapping
from stam_mapping.model import Doel
from tests.unit.adapters.support import MemoryCheckpoints, MemoryDocuments, demo_verzoek


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        pass


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[str, object]]:
    app = create_stuf_app()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", app
    server.should_exit = True
    thread.join(5)


@pytest.fixture
def stuf(endpoint: tuple[str, object]) -> tuple[StufDelivery, StufStore]:
    origin, app = endpoint
    store = StufStore()
    app.state.stuf = store  # type: ignore[attr-defined]
    client = StufClient(
        vrije_berichten_url=f"{origin}/VrijeBerichten", ontvang_asynchroon_url=f"{origin}/OntvangAsynchroon"
    )
    return StufDelivery(client, default_mapping()), store


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
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise httpx.ConnectError("refused")

    client = StufClient(
        vrije_berichten_url="http://zds.test/VrijeBerichten",
        ontvang_asynchroon_url="http://zds.test/OntvangAsynchroon",
        transport=httpx.MockTransport(handle),
    )
    with pytest.raises(DeliveryRetryableError):
        StufDelivery(client, default_mapping()).deliver(
            demo_verzoek(), None, _documents(), MemoryCheckpoints()
        )
    assert (
        seen[0].headers["SOAPAction"]
        == '"http://www.egem.nl/StUF/sector/zkn/0310/genereerZaakIdentificatie_Di02"'
    )
    assert seen[0].headers["Content-Type"].startswith("text/xml")
