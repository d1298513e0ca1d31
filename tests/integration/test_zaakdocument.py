"""A message stored in the zaak (ZgwZaakDocumenten.voeg_toe) against the ZGW test server.

The happy path is two POSTs; what an earlier attempt left behind (a lost answer, a crash between
the two POSTs) comes to light through the provider's uniqueness rules, and a closed zaak through
its 403, never through lookups made before every message."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.errors import DeliveryPermanentError, DeliveryRetryableError
from adapters.memory import MemoryCheckpoints
from adapters.zgw.client import ZgwClient
from adapters.zgw.delivery import ZgwDelivery
from adapters.zgw.testserver import ZgwStore
from adapters.zgw.testserver.config import GATEWAY_SCOPES, Application
from gateway.berichten.afzenden import Berichtendienst
from gateway.berichten.bericht import Bericht
from gateway.berichten.memory import RecordingKanaal
from gateway.berichten.post import PostKanaal
from gateway.berichten.zaakdocument import ZaakDocument, ZaakGesloten, ZgwZaakDocumenten
from gateway.store import SqlStore
from stam_mapping.mapping import default_mapping
from tests import zgw_spec
from tests.unit.adapters.support import MemoryDocuments, demo_verzoek, planner
from tests.zgw_spec import ZgwEnv

zgw_server = zgw_spec.zgw_server  # fixtures
zgw_env = zgw_spec.zgw_env

VNR = "2024031400042"
DOCUMENTEN = "/documenten/api/v1/enkelvoudiginformatieobjecten"
ZIO = "/zaken/api/v1/zaakinformatieobjecten"
BERICHT = ZaakDocument(
    identificatie="BER-2024031400042-1-ontvangst",
    titel="Ontvangstbevestiging 2024031400042 (e-mail)",
    bestandsnaam="2024031400042-1-ontvangst-ontvangstbevestiging.pdf",
    inhoud=b"%PDF-1.4 ontvangstbevestiging\n",
    informatieobjecttype="Ontvangstbevestiging",
)


def _zaak(client: ZgwClient) -> str:
    """A zaak as the translate stage leaves it (the demo verzoek, without bijlagen)."""
    delivery = ZgwDelivery(client, planner)
    verzoek = demo_verzoek(documenten=())
    return delivery.deliver(verzoek, None, MemoryDocuments(), MemoryCheckpoints()).zaak_url


def _ours(store: ZgwStore) -> list[dict[str, object]]:
    return [d for d in store.documenten.values() if d["identificatie"] == BERICHT.identificatie]


def _links(store: ZgwStore, document_url: object) -> list[dict[str, object]]:
    return [z for z in store.zaakinformatieobjecten.values() if z["informatieobject"] == document_url]


def _stored_once(store: ZgwStore, zaak_url: str, url: str) -> None:
    [document] = _ours(store)
    assert document["url"] == url
    [link] = _links(store, url)
    assert link["zaak"] == zaak_url
    assert store.content_of(url) == BERICHT.inhoud


def _closed(store: ZgwStore, zaak_url: str) -> None:
    # What an eindstatus does to the zaak (statussen.py); the closing itself is not under test.
    store.zaken[zaak_url.rsplit("/", 1)[-1]]["einddatum"] = "2024-03-20"


def _with_scopes(zgw_env: ZgwEnv, scopes: frozenset[str]) -> ZgwStore:
    """A fresh test server store whose application has exactly `scopes`."""
    config = zgw_spec.CONFIG.model_copy(update={"default_application": Application(scopes=scopes)})
    zgw_env.server.app.state.zgw = store = ZgwStore(config)
    return store


def test_happy_path_is_two_posts(zgw_env: ZgwEnv) -> None:
    store, zaak_url = zgw_env.store, _zaak(zgw_env.client)
    documenten = ZgwZaakDocumenten(zgw_env.client, default_mapping())
    calls = len(store.calls)

    url = documenten.voeg_toe(zaak_url, BERICHT)

    made = [(m, p) for m, p in store.calls[calls:] if not p.startswith("/catalogi/")]
    assert made == [("POST", DOCUMENTEN), ("POST", ZIO)]
    _stored_once(store, zaak_url, url)


@pytest.mark.parametrize(
    ("path", "after_handling"),
    [
        pytest.param(DOCUMENTEN, True, id="document-answer-lost"),
        pytest.param(ZIO, True, id="link-answer-lost"),
        pytest.param(ZIO, False, id="link-failed-after-the-document"),
    ],
)
def test_what_an_earlier_attempt_left_is_adopted_not_duplicated(
    zgw_env: ZgwEnv, path: str, after_handling: bool
) -> None:
    """The provider stored the document (and maybe the link) but we never heard, or the worker
    stopped between the two POSTs: the retry creates nothing twice."""
    store, zaak_url = zgw_env.store, _zaak(zgw_env.client)
    documenten = ZgwZaakDocumenten(zgw_env.client, default_mapping())
    store.inject_fault(500, method="POST", path_contains=path, after_handling=after_handling)

    with pytest.raises(DeliveryRetryableError):
        documenten.voeg_toe(zaak_url, BERICHT)
    assert store.faults[0].times == 0
    url = documenten.voeg_toe(zaak_url, BERICHT)

    _stored_once(store, zaak_url, url)
    # And once more (the checkpoint after it was lost too): still one of each.
    assert documenten.voeg_toe(zaak_url, BERICHT) == url
    _stored_once(store, zaak_url, url)


def test_a_closed_zaak_is_zaak_gesloten_and_leaves_no_orphan(zgw_env: ZgwEnv) -> None:
    store, zaak_url = zgw_env.store, _zaak(zgw_env.client)
    documenten = ZgwZaakDocumenten(zgw_env.client, default_mapping())
    _closed(store, zaak_url)

    with pytest.raises(ZaakGesloten):
        documenten.voeg_toe(zaak_url, BERICHT)

    assert _ours(store) == []  # the document made for it was deleted again
    assert not [z for z in store.zaakinformatieobjecten.values() if z["zaak"] == zaak_url]


def test_a_closed_zaak_that_holds_the_document_already_is_done(zgw_env: ZgwEnv) -> None:
    """The link's answer was lost, then a behandelaar closed the zaak: the document is in it."""
    store, zaak_url = zgw_env.store, _zaak(zgw_env.client)
    documenten = ZgwZaakDocumenten(zgw_env.client, default_mapping())
    store.inject_fault(500, method="POST", path_contains=ZIO, after_handling=True)
    with pytest.raises(DeliveryRetryableError):
        documenten.voeg_toe(zaak_url, BERICHT)
    _closed(store, zaak_url)

    url = documenten.voeg_toe(zaak_url, BERICHT)

    _stored_once(store, zaak_url, url)


def test_a_closed_zaak_whose_provider_refuses_the_delete_keeps_the_orphan(zgw_env: ZgwEnv) -> None:
    store = _with_scopes(zgw_env, GATEWAY_SCOPES - {"documenten.verwijderen"})
    zaak_url = _zaak(zgw_env.client)
    documenten = ZgwZaakDocumenten(zgw_env.client, default_mapping())
    _closed(store, zaak_url)

    with pytest.raises(ZaakGesloten):
        documenten.voeg_toe(zaak_url, BERICHT)

    assert len(_ours(store)) == 1  # left for the beheerder (logged), in no zaak
    assert not _links(store, _ours(store)[0]["url"])


def test_a_403_that_is_no_closed_zaak_fails_and_the_retry_adopts_the_document(zgw_env: ZgwEnv) -> None:
    """A missing scope is a configuration error for staff, not a closed zaak: the document stays
    and, once the scope is granted, the retry takes it instead of making another."""
    zaak_url = _zaak(zgw_env.client)
    store = zgw_env.store
    # The same objects, an application without the Zaken write scopes: swap only the configuration.
    scopes = GATEWAY_SCOPES - {"zaken.aanmaken", "zaken.bijwerken"}
    store.config = zgw_spec.CONFIG.model_copy(update={"default_application": Application(scopes=scopes)})
    documenten = ZgwZaakDocumenten(zgw_env.client, default_mapping())

    with pytest.raises(DeliveryPermanentError) as refused:
        documenten.voeg_toe(zaak_url, BERICHT)
    assert not isinstance(refused.value, ZaakGesloten) and refused.value.status == 403
    assert len(_ours(store)) == 1

    store.config = zgw_spec.CONFIG
    url = documenten.voeg_toe(zaak_url, BERICHT)
    _stored_once(store, zaak_url, url)


def test_a_message_whose_final_commit_never_came_is_stored_once(zgw_env: ZgwEnv, tmp_path: Path) -> None:
    """Berichtendienst with the ZGW zaak: the report stage's final commit (the ":zaak"
    checkpoint) never came, so the next attempt stores the message again: the provider's
    uniqueness rules make that the same document and the same link, and nothing is mailed twice."""
    store, zaak_url = zgw_env.store, _zaak(zgw_env.client)
    mail = RecordingKanaal()
    dienst = Berichtendienst(
        SqlStore.from_url(f"sqlite:///{tmp_path / 'gw.db'}"),
        email=mail,
        post=PostKanaal(tmp_path / "post"),
        zaakdocumenten=ZgwZaakDocumenten(zgw_env.client, default_mapping()),
        informatieobjecttypen={
            "ontvangstbevestiging": "Ontvangstbevestiging",
            "statusbericht": "Statusbericht",
        },
    )
    bericht = Bericht(
        "ontvangstbevestiging", f"{VNR}-1-ontvangst", VNR, "Ontvangstbevestiging", "Tekst", "A. Jansen",
        aan_email="a.jansen@example.org",
    )  # fmt: skip

    eerste = dienst.verstuur(VNR, 1, bericht, zaak_url, uitstellen=True)
    tweede = dienst.verstuur(VNR, 1, bericht, zaak_url, uitstellen=True)

    assert eerste.checkpoints == tweede.checkpoints
    [document] = [d for d in store.documenten.values() if str(d["identificatie"]).startswith("BER-")]
    assert [z["zaak"] for z in _links(store, document["url"])] == [zaak_url]
    assert len(mail.verzonden) == 1
