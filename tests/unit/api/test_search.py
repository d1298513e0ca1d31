"""Search like a clerk thinks: names, KvK, adres, perceel, project ID; normalised; BSN only for
the privacy officer, and recorded."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from adapters.memory import RecordingDelivery
from gateway.bootstrap import Container
from gateway.errors import PermanentError
from gateway.events import StageJob
from gateway.logboek import vastleggingen
from gateway.pipeline.translate import TranslateStage
from gateway.store import State
from gateway.store import schema as t
from gateway.store.queries import VerzoekFilter, search_verzoeken
from gateway.zoektermen import bsn_digests, looks_like_bsn, normalise, search_text, words
from stam_mapping import parse_verzoek
from tests.unit.api.conftest import API_TOKEN, FAILED_NR, FIXTURES, Seeded, csrf_of, login

BEDRIJF_NR = "2024031400043"  # gets fixture 04: a company with a gemachtigde


def _index(seeded: Seeded, nr: str, fixture: str) -> None:
    verzoek = parse_verzoek((FIXTURES / fixture).read_bytes())
    seeded.container.store.set_search_terms(nr, search_text(verzoek), bsn_digests(verzoek))


@pytest.fixture
def indexed(seeded: Seeded) -> Seeded:
    _index(seeded, FAILED_NR, "01-dakkapel-initieren.xml")  # aanvrager Berg, Loolaan, 7315AB, P-7731
    _index(seeded, BEDRIJF_NR, "04-melding-bedrijf-gemachtigde.xml")
    return seeded


def found(seeded: Seeded, zoek: str, *, bsn: bool = False) -> set[str]:
    records, total = search_verzoeken(seeded.container.store, VerzoekFilter(zoek=zoek, zoek_bsn=bsn))
    assert total == len(records)
    return {r.verzoeknummer for r in records}


def test_normalise_ignores_case_diacritics_and_postcode_space() -> None:
    assert normalise("  Öztürk   Bouw ") == "ozturk bouw"
    assert normalise("7315 AB") == normalise("7315ab") == "7315ab"
    assert words("De  Vries, 7315 ab") == ["de", "vries", "7315ab"]


def test_search_text_holds_who_where_and_project_but_no_bsn() -> None:
    raw = (FIXTURES / "01-dakkapel-initieren.xml").read_bytes()
    verzoek = parse_verzoek(raw)
    text = search_text(verzoek)
    assert "berg" in text and "loolaan 12" in text and "7315ab" in text and "apeldoorn" in text
    assert "p-7731" in text and "k 4521" in text
    assert verzoek.bsns() and all(b not in text for b in verzoek.bsns())
    assert bsn_digests(verzoek) and all(b not in bsn_digests(verzoek) for b in verzoek.bsns())


@pytest.mark.parametrize(
    ("zoek", "expected"),
    [
        ("berg", {FAILED_NR}),  # achternaam of a natural person
        ("BERG", {FAILED_NR}),
        ("7315AB", {FAILED_NR}),  # postcode, with and without its space
        ("7315 ab", {FAILED_NR}),
        ("Loolaan 12", {FAILED_NR}),  # straat and huisnummer
        ("p-7731", {FAILED_NR}),  # DSO project ID
        ("K 4521", {FAILED_NR}),  # kadastraal perceel: sectie and nummer
        ("ozturk", {BEDRIJF_NR}),  # contactpersoon, diacritics typed or not
        ("Vries, de", {BEDRIJF_NR}),  # surname first, as a list shows it
        ("Öztürk", {BEDRIJF_NR}),
        ("de hamer", {BEDRIJF_NR}),  # company name
        ("69599084", {BEDRIJF_NR}),  # KvK number
        ("veilig & groen", {BEDRIJF_NR}),  # the gemachtigde
        ("Europaweg 190A", {BEDRIJF_NR}),
        ("Kerkweg", {BEDRIJF_NR}),  # project name (from the summary) still works
        ("2024031400044", {"2024031400044"}),  # verzoeknummer of a verzoek not parsed yet
        ("zzz-nergens", set()),
        ("100%_", set()),  # LIKE wildcards are literal
    ],
)
def test_clerk_search_terms(indexed: Seeded, zoek: str, expected: set[str]) -> None:
    assert found(indexed, zoek) == expected


def test_bsn_finds_only_for_the_privacy_officer(indexed: Seeded) -> None:
    bsn = "999993653"  # in fixture 01
    assert looks_like_bsn(bsn)
    assert found(indexed, bsn) == set()
    assert found(indexed, bsn, bsn=True) == {FAILED_NR}
    assert found(indexed, "999990019", bsn=True) == set()


def test_translating_a_verzoek_fills_its_search_terms(container: Container) -> None:
    # The hook in the translate stage, written before delivery: this delivery fails (its
    # bijlagen were never archived) and the verzoek is still found by its postcode.
    nr, raw = FAILED_NR, (FIXTURES / "01-dakkapel-initieren.xml").read_bytes()
    job = container.context.job("dso.fetch", StageJob(nr, 1, container.settings.default_oin))
    container.store.record_notification(nr, 1, container.settings.default_oin, job)
    container.archive.put_bytes(nr, 1, "stam", raw, "verzoek.xml")
    container.store.transition(nr, 1, to=State.FETCHED, event="fetched")
    with pytest.raises(PermanentError, match="verzoekreferenties niet"):
        TranslateStage(container.context, RecordingDelivery()).handle(StageJob(nr, 1))
    with container.store.engine.connect() as conn:
        tekst = conn.execute(t.zoekindex.select()).one().tekst
    assert "berg" in tekst and "7315ab" in tekst
    assert found(Seeded(container), "7315 AB") == {nr}


def test_api_search_by_achternaam_and_postcode(indexed: Seeded, client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    for zoek in ("Berg", "7315AB", "7315 AB"):
        r = client.get("/v1/verzoeken", params={"zoek": zoek}, headers=headers)
        assert r.status_code == 200, r.text
        assert [v["verzoeknummer"] for v in r.json()["resultaten"]] == [FAILED_NR], zoek


def _page_search(client: TestClient, zoek: str) -> str:
    page = client.get("/status")
    r = client.post("/status/zoeken", data={"zoek": zoek, "csrf": csrf_of(page.text)}, follow_redirects=True)
    assert r.status_code == 200
    return r.text


def _results(html: str) -> set[str]:
    """The verzoeknummers in the results table of the overview."""
    table = html.split('id="resultaten"', 1)[1].split("</table>", 1)[0]
    return set(re.findall(r'href="/status/verzoeken/(\d{13})"', table))


def test_page_search_by_name_keeps_the_term_out_of_the_url(indexed: Seeded, client: TestClient) -> None:
    login(client, "vera")
    html = _page_search(client, "berg")
    assert _results(html) == {FAILED_NR}
    assert "berg" not in str(client.get("/status").url).lower()


def test_page_bsn_search_is_for_the_privacy_officer_and_recorded(indexed: Seeded, client: TestClient) -> None:
    login(client, "vera")
    assert _results(_page_search(client, "999993653")) == set()
    client.post("/logout", data={"csrf": csrf_of(client.get("/status").text)})
    login(client, "piet")
    with capture_logs() as logs:
        html = _page_search(client, "999993653")
    assert _results(html) == {FAILED_NR}
    audit = [e for e in logs if e["event"] == "bsn-search"]
    assert audit and audit[0]["user"].startswith("piet") and audit[0]["gevonden"] == 1
    assert "999993653" not in repr(logs)
    kinds = [e.kind for e in indexed.container.store.events_for(FAILED_NR)]
    assert "bsn-gezocht" in kinds
    # The Logboek Dataverwerkingen names who searched, not "onbekend".
    [zoeken] = [v for v in vastleggingen(indexed.container.store) if v.verwerkingsactiviteit == "zoeken-bsn"]
    assert zoeken.actor.startswith("piet")


def test_date_filter_uses_dutch_days(indexed: Seeded) -> None:
    store = indexed.container.store
    # 23:30 UTC on 29 February is 00:30 on 1 March in the Netherlands.
    with store.engine.begin() as conn:
        conn.execute(
            t.verzoeken.update()
            .where(t.verzoeken.c.verzoeknummer == FAILED_NR)
            .values(created_at=datetime(2024, 2, 29, 23, 30, tzinfo=UTC))
        )
    march = VerzoekFilter(van=date(2024, 3, 1), tot=date(2024, 3, 1))
    february = VerzoekFilter(van=date(2024, 2, 29), tot=date(2024, 2, 29))
    assert FAILED_NR in {r.verzoeknummer for r in search_verzoeken(store, march)[0]}
    assert FAILED_NR not in {r.verzoeknummer for r in search_verzoeken(store, february)[0]}


def test_api_search_in_a_body_keeps_terms_out_of_the_url(indexed: Seeded, client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    for zoek in ("Berg", "7315 AB"):
        r = client.post("/v1/zoekopdrachten", json={"zoek": zoek}, headers=headers)
        assert r.status_code == 200, r.text
        assert [v["verzoeknummer"] for v in r.json()["resultaten"]] == [FAILED_NR]
    r = client.post("/v1/zoekopdrachten", json={"zoek": "Berg", "bsn": "1"}, headers=headers)
    assert r.status_code == 400 and r.json()["invalidParams"][0]["reason"] == "is geen bekende parameter"
