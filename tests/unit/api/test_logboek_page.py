"""The Logboek Dataverwerkingen page: privacy officers only; unmasked views and BSN searches are
recorded; the page, the session and the URL never hold a BSN."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gateway.logboek import vastleggingen, voor
from gateway.store.queries import VerzoekFilter, search_verzoeken
from tests.unit.api.conftest import FAILED_NR, Seeded, csrf_of, login

BSN = "999993653"  # the aanvrager of FAILED_NR's STAM


@pytest.mark.parametrize("user", ["vera", "olga"])
def test_viewers_and_operators_may_not_read_the_logboek(
    seeded: Seeded, client: TestClient, user: str
) -> None:
    login(client, user)
    assert client.get("/logboek").status_code == 403
    assert client.post("/logboek/zoeken", data={"bsn": BSN, "csrf": "x"}).status_code == 403


def test_without_login_the_page_sends_to_the_login(client: TestClient) -> None:
    r = client.get("/logboek", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_unmasked_detail_view_is_recorded_and_shown_to_the_privacy_officer(
    seeded: Seeded, client: TestClient
) -> None:
    login(client, "vera")
    assert client.get(f"/status/verzoeken/{FAILED_NR}").status_code == 200
    store = seeded.container.store
    assert list(vastleggingen(store)) == []  # masked for a viewer: no processing of the BSN

    login(client, "piet")
    assert client.get(f"/status/verzoeken/{FAILED_NR}").status_code == 200
    [view] = vastleggingen(store)
    assert view.verwerkingsactiviteit == "inzage-onversleuteld" and view.actor.startswith("piet")
    assert view.verzoeknummer == FAILED_NR
    assert voor(store).bsn(BSN).as_json() in view.betrokkenen

    page = client.get("/logboek")
    assert page.status_code == 200
    assert "Logboek Dataverwerkingen" in page.text and FAILED_NR in page.text
    assert "Verzoek inzien met zichtbare BSN" in page.text and BSN not in page.text


def test_search_by_bsn_on_the_logboek_page_is_recorded_and_filters(
    seeded: Seeded, client: TestClient
) -> None:
    store = seeded.container.store
    boek = voor(store)
    boek.vastleggen("ophalen", name="fetch", actor="w", betrokkenen=[boek.bsn(BSN)], verzoeknummer=FAILED_NR)
    boek.vastleggen("ophalen", name="fetch", actor="w", betrokkenen=[boek.bsn("111222333")])
    login(client, "piet")
    csrf = csrf_of(client.get("/logboek").text)
    r = client.post("/logboek/zoeken", data={"bsn": BSN, "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and BSN not in r.headers["location"]
    page = client.get("/logboek").text
    assert "Verwerkingen van de gezochte persoon (2)" in page  # the fetch and the search itself
    assert BSN not in page
    search = [v for v in vastleggingen(store) if v.verwerkingsactiviteit == "zoeken-bsn"]
    assert len(search) == 1 and search[0].actor.startswith("piet")

    bad = client.post("/logboek/zoeken", data={"bsn": "123456789", "csrf": csrf})  # fails the elfproef
    assert "geen geldig BSN" in bad.text
    assert "Laatste verwerkingen (3)" in client.get("/logboek?alles=true").text


def test_bsn_search_in_the_store_is_recorded(seeded: Seeded) -> None:
    store = seeded.container.store
    search_verzoeken(store, VerzoekFilter(zoek="De Vries"))  # no BSN search: nothing recorded
    assert list(vastleggingen(store)) == []
    search_verzoeken(store, VerzoekFilter(zoek=BSN, zoek_bsn=True, actor="piet (local)"))
    [record] = vastleggingen(store)
    assert record.verwerkingsactiviteit == "zoeken-bsn" and record.actor == "piet (local)"
    assert record.betrokkenen == [voor(store).bsn(BSN).as_json()]


def test_a_search_without_a_valid_csrf_token_does_nothing(seeded: Seeded, client: TestClient) -> None:
    login(client, "piet")
    r = client.post("/logboek/zoeken", data={"bsn": BSN, "csrf": "vervalst"})
    assert r.status_code == 200 and "Verlopen formulier" in r.text
    assert list(vastleggingen(seeded.container.store)) == []  # no search happened, none recorded
    assert "Laatste verwerkingen" in r.text  # not filtered
