"""ZgwDelivery against the ZGW test server, all traffic checked against the official specs."""

from __future__ import annotations

import httpx
import pytest

from adapters.errors import DeliveryRetryableError
from adapters.zgw.delivery import ZgwDelivery
from adapters.zgw.testserver import ZgwStore
from stam_mapping.model import Doel
from tests import zgw_spec
from tests.unit.adapters.support import BSN, MemoryCheckpoints, MemoryDocuments, demo_verzoek, planner
from tests.zgw_spec import ZgwEnv

zgw_server = zgw_spec.zgw_server  # fixtures
zgw_env = zgw_spec.zgw_env

THRESHOLD = 100 * 1024  # documents above this go through bestandsdelen (parts of 64 KiB on the server)
SMALL = b"%PDF-1.4 small document\n" * 100
LARGE = bytes(range(256)) * 1200  # 300 KiB: 5 bestandsdelen


def _documents() -> MemoryDocuments:
    return MemoryDocuments(**{"DOC-1": SMALL, "DOC-2": LARGE, "DOC-3": b"%PDF-1.4 aanvulling\n" * 10})


def test_initieren_aanvullen_intrekken(zgw_env: ZgwEnv) -> None:
    store = zgw_env.store
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD)
    checkpoints = MemoryCheckpoints()
    documents = _documents()

    v1 = demo_verzoek()
    result = delivery.deliver(v1, None, documents, checkpoints)

    assert result.zaak_identificatie == "DSO-2024031400042"
    [zaak] = store.zaken.values()
    assert zaak["url"] == result.zaak_url
    assert zaak["kenmerken"] == [{"kenmerk": "2024031400042", "bron": "DSO"}]
    assert zaak["zaakgeometrie"]["type"] == "Point"
    rollen = {r["omschrijving"]: r for r in store.rollen.values()}
    assert set(rollen) == {"Aanvrager", "Gemachtigde"}
    assert rollen["Aanvrager"]["betrokkeneIdentificatie"]["inpBsn"] == BSN
    assert rollen["Aanvrager"]["indicatieMachtiging"] == "machtiginggever"
    assert rollen["Gemachtigde"]["indicatieMachtiging"] == "gemachtigde"
    assert sorted(o["objectType"] for o in store.zaakobjecten.values()) == [
        "adres",
        "kadastrale_onroerende_zaak",
    ]
    eigenschappen = {e["naam"]: e["waarde"] for e in store.zaakeigenschappen.values()}
    assert eigenschappen["Bouwkosten"] == "25000"
    assert "Activiteiten" in eigenschappen
    [status] = store.statussen.values()
    assert store.find("statustypen", status["statustype"])["omschrijving"] == "Ontvangen"  # type: ignore[index]
    contents = sorted(store.content_of(d["url"]) for d in store.documenten.values())
    assert contents == sorted([SMALL, LARGE])
    assert all(not d["locked"] for d in (zgw_env.client.get(d["url"]) for d in store.documenten.values()))
    assert len(store.zaakinformatieobjecten) == 2
    assert not store.bestandsdelen  # merged on unlock
    # No BSN in any URL the adapter called.
    assert all(BSN not in path for _, path in store.calls)

    v2 = demo_verzoek(volgnummer=2, doel=Doel.AANVULLEN, documenten=("DOC-1", "DOC-3"), bouwkosten="30000")
    result2 = delivery.deliver(v2, v1, documents, checkpoints)

    assert result2 == result
    assert len(store.zaken) == 1
    assert len(store.documenten) == 3
    assert len(store.zaakinformatieobjecten) == 3
    eigenschappen = {e["naam"]: e["waarde"] for e in store.zaakeigenschappen.values()}
    assert eigenschappen["Bouwkosten"] == "30000"
    assert len(store.zaakeigenschappen) == 2  # updated in place, not added
    vervallen = [
        z for z in store.zaakinformatieobjecten.values() if z["beschrijving"].startswith("Vervallen")
    ]
    assert [z["informatieobject"] for z in vervallen] == [checkpoints.data["document:DOC-2"]["url"]]
    laatste = store.statussen[zaak["status"].rsplit("/", 1)[-1]]
    assert store.find("statustypen", laatste["statustype"])["omschrijving"] == "Aangevuld"  # type: ignore[index]

    v3 = demo_verzoek(volgnummer=3, doel=Doel.INTREKKEN, documenten=("DOC-1", "DOC-3"))
    delivery.deliver(v3, v2, documents, checkpoints)

    assert zaak["einddatum"] is not None
    assert len(store.statussen) == 3
    assert len(store.zaken) == 1
    assert zgw_env.transport.checked > 20


def test_crash_after_zaak_resumes_without_duplicates(zgw_env: ZgwEnv) -> None:
    store = zgw_env.store
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD)
    checkpoints = MemoryCheckpoints()
    documents = _documents()
    verzoek = demo_verzoek()
    # The first document upload fails: the zaak, rollen, status etc. exist, no document yet.
    store.inject_fault(500, method="POST", path_contains="/enkelvoudiginformatieobjecten")

    with pytest.raises(DeliveryRetryableError):
        delivery.deliver(verzoek, None, documents, checkpoints)
    assert len(store.zaken) == 1
    assert len(store.documenten) == 0

    result = delivery.deliver(verzoek, None, documents, checkpoints)

    assert store.counts() == {
        "zaken": 1,
        "rollen": 2,
        "statussen": 1,
        "zaakobjecten": 2,
        "zaakeigenschappen": 2,
        "zaakinformatieobjecten": 2,
        "documenten": 2,
    }
    assert result.zaak_url == next(iter(store.zaken.values()))["url"]
    # A third delivery of the same version calls nothing but the catalogue (cached) and changes nothing.
    calls = len(store.calls)
    assert delivery.deliver(verzoek, None, documents, checkpoints) == result
    assert len(store.calls) == calls


def test_crash_between_bestandsdelen_resumes_upload(zgw_env: ZgwEnv) -> None:
    store = zgw_env.store
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD)
    checkpoints = MemoryCheckpoints()
    documents = _documents()
    verzoek = demo_verzoek(documenten=("DOC-2",))
    # The third part fails: parts 1-2 are stored, the document stays locked.
    store.inject_fault(500, method="PUT", path_contains="/bestandsdelen/", skip=2)

    with pytest.raises(DeliveryRetryableError):
        delivery.deliver(verzoek, None, documents, checkpoints)
    [doc] = store.documenten.values()
    assert doc["uuid"] in store.locks

    delivery.deliver(verzoek, None, documents, checkpoints)

    assert len(store.documenten) == 1
    assert store.content_of(doc["url"]) == LARGE
    assert doc["uuid"] not in store.locks
    puts = [p for m, p in store.calls if m == "PUT"]
    assert len(puts) == 5 + 1  # five parts, one of them twice (the failed attempt)


@pytest.mark.parametrize("path", ["/zaken/api/v1/zaken", "/zaken/api/v1/zaakinformatieobjecten"])
def test_lost_answer_after_create_is_adopted_not_duplicated(zgw_env: ZgwEnv, path: str) -> None:
    """The provider stored the object but the answer never arrived (no checkpoint written)."""
    store = zgw_env.store
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD)
    checkpoints = MemoryCheckpoints()
    store.inject_fault(500, method="POST", path_contains=path, after_handling=True)

    with pytest.raises(DeliveryRetryableError):
        delivery.deliver(demo_verzoek(), None, _documents(), checkpoints)
    delivery.deliver(demo_verzoek(), None, _documents(), checkpoints)

    assert len(store.zaken) == 1
    assert len(store.zaakinformatieobjecten) == 2
    assert len(store.documenten) == 2


def test_delivery_against_a_catalogi_133_provider(zgw_server: zgw_spec.ServerHandle) -> None:
    """Catalogi 1.3.3 adds required fields and turns ZaakType.informatieobjecttypen into a list;
    the adapter needs neither, and the traffic validates against the 1.3.3 file."""
    config = zgw_spec.CONFIG.model_copy(update={"catalogi_version": "1.3.3"})
    zgw_server.app.state.zgw = ZgwStore(config)
    transport = zgw_spec.ValidatingTransport(httpx.HTTPTransport(), zgw_server.origin, "catalogi-1.3.3.yaml")
    client = zgw_spec.make_client(zgw_server.origin, transport)
    delivery = ZgwDelivery(client, planner, bestandsdelen_threshold=THRESHOLD)

    result = delivery.deliver(demo_verzoek(), None, _documents(), MemoryCheckpoints())

    client.close()
    assert transport.deviations == []
    assert result.zaak_url == next(iter(zgw_server.store.zaken.values()))["url"]
    catalogi_checked = [p for m, p in zgw_server.store.calls if p.startswith("/catalogi/")]
    assert len(catalogi_checked) == 6
