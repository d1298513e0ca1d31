"""One contract for every Delivery adapter: RecordingDelivery, ZgwDelivery (against the ZGW
test server on 127.0.0.1, traffic checked against the official specs) and StufDelivery (against
the StUF test endpoint, every message validated against the official ZKN 0310 schemas)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.base import Delivery, DeliveryResult
from adapters.errors import DeliveryPermanentError, DeliveryRetryableError
from adapters.memory import MemoryCheckpoints, RecordingDelivery
from adapters.stuf_zkn.client import StufClient
from adapters.stuf_zkn.delivery import StufDelivery
from adapters.zgw.delivery import ZgwDelivery
from stam_mapping.errors import MappingGap
from stam_mapping.mapping import MunicipalMapping, StufZknMapping, default_mapping
from stam_mapping.model import Doel, Verzoek
from stam_mapping.zgw_plan import ZgwPlan
from tests import zgw_spec
from tests.stuf_schemas import StufEndpoint, running_stuf_endpoint
from tests.unit.adapters.support import MemoryDocuments, demo_verzoek, planner

zgw_server = zgw_spec.zgw_server  # fixtures
zgw_env = zgw_spec.zgw_env

Planner = Callable[[Verzoek, Verzoek | None], ZgwPlan]


@dataclass
class Subject:
    make: Callable[[Planner], Delivery]
    writes: Callable[[], int]  # how many things the target has created or changed so far


@pytest.fixture(scope="session")
def stuf_endpoint() -> Iterator[StufEndpoint]:
    with running_stuf_endpoint() as endpoint:
        yield endpoint


def _stuf_mapping(p: Planner) -> MunicipalMapping:
    """StUF has no plan: the mapping that makes StufDelivery choose what `p` chooses."""
    base = default_mapping()
    try:
        zaaktype = p(demo_verzoek(), None).zaaktype_identificatie
    except MappingGap:
        return base.model_copy(update={"activiteiten": {}})  # the demo activiteit becomes a gap
    codes = {zaaktype: zaaktype[-10:], **base.stuf_zkn.zaaktype_codes}
    stuf = StufZknMapping(zaaktype_codes=codes)
    return base.model_copy(update={"zaaktype_per_doel": dict.fromkeys(Doel, zaaktype), "stuf_zkn": stuf})


@pytest.fixture(params=["memory", "zgw", "stuf-zkn"])
def subject(request: pytest.FixtureRequest) -> Subject:
    if request.param == "memory":
        made: list[RecordingDelivery] = []

        def make_memory(p: Planner) -> Delivery:
            made.append(RecordingDelivery(p))
            return made[-1]

        return Subject(make_memory, lambda: sum(len(d.steps) for d in made))
    if request.param == "stuf-zkn":
        endpoint: StufEndpoint = request.getfixturevalue("stuf_endpoint")
        store = endpoint.fresh_store()
        clients: list[StufClient] = []
        # Each client is closed after the test: an open connection would be a leak.
        request.addfinalizer(lambda: [c.close() for c in clients])

        def make_stuf(p: Planner) -> Delivery:
            clients.append(endpoint.client())
            return StufDelivery(clients[-1], _stuf_mapping(p))

        return Subject(
            make_stuf,
            lambda: len(store.zaken) + len(store.documenten) + store.operations.count("updateZaak_Lk01"),
        )
    env: zgw_spec.ZgwEnv = request.getfixturevalue("zgw_env")
    return Subject(
        lambda p: ZgwDelivery(env.client, p, bestandsdelen_threshold=1000),
        lambda: sum(1 for method, _ in env.store.calls if method != "GET"),
    )


def _documents() -> MemoryDocuments:
    return MemoryDocuments(**{"DOC-1": b"a" * 500, "DOC-2": b"b" * 5000, "DOC-3": b"c" * 100})


def test_deliver_returns_the_zaak(subject: Subject) -> None:
    delivery = subject.make(planner)
    result = delivery.deliver(demo_verzoek(), None, _documents(), MemoryCheckpoints())
    assert isinstance(result, DeliveryResult)
    assert result.zaak_url.startswith(("http", "urn:stuf-zkn:zaak:"))  # StUF has no zaak URL
    assert result.zaak_identificatie
    assert subject.writes() > 0


def test_redelivery_is_idempotent(subject: Subject) -> None:
    delivery = subject.make(planner)
    checkpoints, documents = MemoryCheckpoints(), _documents()
    first = delivery.deliver(demo_verzoek(), None, documents, checkpoints)
    writes = subject.writes()

    again = delivery.deliver(demo_verzoek(), None, documents, checkpoints)

    assert again == first
    assert subject.writes() == writes  # nothing created twice


def test_aanvullen_uses_the_same_zaak_and_adds_only_new_documents(subject: Subject) -> None:
    delivery = subject.make(planner)
    checkpoints, documents = MemoryCheckpoints(), _documents()
    v1 = demo_verzoek()
    first = delivery.deliver(v1, None, documents, checkpoints)
    v2 = demo_verzoek(volgnummer=2, doel=Doel.AANVULLEN, documenten=("DOC-1", "DOC-3"))
    opened_before = list(documents.opened)

    second = delivery.deliver(v2, v1, documents, checkpoints)

    assert second.zaak_url == first.zaak_url
    assert documents.opened[len(opened_before) :] == ["DOC-3"]  # DOC-1 was delivered with v1
    writes = subject.writes()
    assert delivery.deliver(v2, v1, documents, checkpoints) == second
    assert subject.writes() == writes


def test_unknown_zaaktype_is_permanent(subject: Subject) -> None:
    def onbekend(verzoek: Verzoek, previous: Verzoek | None) -> ZgwPlan:
        return planner(verzoek, previous).model_copy(update={"zaaktype_identificatie": "DSO-ONBEKEND"})

    delivery = subject.make(onbekend)
    with pytest.raises(DeliveryPermanentError, match="DSO-ONBEKEND") as info:
        delivery.deliver(demo_verzoek(), None, _documents(), MemoryCheckpoints())
    assert info.value.retryable is False
    assert subject.writes() == 0


def test_mapping_gap_is_permanent(subject: Subject) -> None:
    def gap(verzoek: Verzoek, previous: Verzoek | None) -> ZgwPlan:
        raise MappingGap("no zaaktype for this activiteit")

    delivery = subject.make(gap)
    with pytest.raises(DeliveryPermanentError):
        delivery.deliver(demo_verzoek(), None, _documents(), MemoryCheckpoints())
    assert subject.writes() == 0


def test_unreadable_document_is_retryable_for_zgw(zgw_env: zgw_spec.ZgwEnv) -> None:
    class Broken(MemoryDocuments):
        def open(self, document_id: str) -> Any:
            raise FileNotFoundError(document_id)

    delivery = ZgwDelivery(zgw_env.client, planner)
    with pytest.raises(DeliveryRetryableError, match="FileNotFoundError"):
        delivery.deliver(demo_verzoek(), None, Broken(**{"DOC-1": b"x", "DOC-2": b"y"}), MemoryCheckpoints())
