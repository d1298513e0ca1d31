"""The HTML status page: search, filters, paging, detail, masking, actions."""

from __future__ import annotations

from fastapi.testclient import TestClient

from gateway.store import State
from tests.unit.api.conftest import FAILED_NR, Seeded, csrf_of, login


def search(client: TestClient, **filters: str) -> str:
    csrf = csrf_of(client.get("/status").text)
    r = client.post("/status/zoeken", data={**filters, "csrf": csrf})
    assert r.status_code == 200 and str(r.url).endswith("/status")  # no search term in the URL
    text: str = r.text
    return text


def test_overview_and_search(client: TestClient, seeded: Seeded) -> None:
    login(client, "vera")
    page = client.get("/status")
    assert page.status_code == 200
    assert "3 verzoek(en)" in page.text
    assert "Mislukt" in page.text
    one = search(client, zoek=FAILED_NR)
    assert "1 verzoek(en)" in one and FAILED_NR in one
    by_name = search(client, zoek="kerkweg")
    assert "2024031400043" in by_name and FAILED_NR not in by_name


def test_filters(client: TestClient, seeded: Seeded) -> None:
    login(client, "vera")
    failed = search(client, status="failed")
    assert "1 verzoek(en)" in failed and FAILED_NR in failed
    melding = search(client, type="Melding")
    assert "1 verzoek(en)" in melding
    aanvullen = search(client, doel="Aanvullen")
    assert "2024031400044" in aanvullen and "1 verzoek(en)" in aanvullen
    future = search(client, van="2999-01-01")
    assert "0 verzoek(en)" in future
    today = search(client, van="2000-01-01", tot="2999-12-31")
    assert "3 verzoek(en)" in today
    cleared = client.get("/status", params={"status": ""})
    assert "3 verzoek(en)" in cleared.text


def test_paging_newest_first(client: TestClient, seeded: Seeded) -> None:
    for i in range(30):
        seeded.notify(f"20240401{i:05d}")
    login(client, "vera")
    first = client.get("/status")
    assert "Pagina 1 van 2" in first.text
    assert first.text.index("2024040100029") < first.text.index("2024040100028")
    second = client.get("/status", params={"pagina": 2})
    assert "Pagina 2 van 2" in second.text and FAILED_NR in second.text


def test_detail_masks_bsn_for_viewer(client: TestClient, seeded: Seeded) -> None:
    login(client, "vera")
    page = client.get(f"/status/verzoeken/{FAILED_NR}")
    assert page.status_code == 200
    assert "999993653" not in page.text
    assert "*****3653" in page.text
    assert "ZRC antwoordde 503" in page.text  # the failure's reason on the timeline
    assert "verzoek.xml" in page.text  # the archived STAM with its size


def test_detail_unmasked_for_privacy_officer(client: TestClient, seeded: Seeded) -> None:
    login(client, "piet")
    page = client.get(f"/status/verzoeken/{FAILED_NR}")
    assert "999993653" in page.text


def test_operator_retries_with_note(client: TestClient, seeded: Seeded) -> None:
    login(client, "olga")
    page = client.get(f"/status/verzoeken/{FAILED_NR}")
    r = client.post(
        f"/status/verzoeken/{FAILED_NR}/versies/1/acties",
        data={"actie": "opnieuw", "toelichting": "ZRC is weer bereikbaar", "csrf": csrf_of(page.text)},
    )
    assert r.status_code == 200
    assert "Opnieuw proberen: versie 1 is nu Opgehaald" in r.text
    events = seeded.container.store.events_for(FAILED_NR)
    retry = [e for e in events if e.kind == "retry-requested"]
    assert retry and retry[0].actor == "olga (local)" and "ZRC is weer bereikbaar" in (retry[0].detail or "")


def test_action_needs_a_note(client: TestClient, seeded: Seeded) -> None:
    login(client, "olga")
    page = client.get(f"/status/verzoeken/{FAILED_NR}")
    r = client.post(
        f"/status/verzoeken/{FAILED_NR}/versies/1/acties",
        data={"actie": "afgehandeld", "toelichting": "  ", "csrf": csrf_of(page.text)},
    )
    assert "Niet gelukt" in r.text
    versie = seeded.container.store.get_versie(FAILED_NR, 1)
    assert versie is not None and versie.state == State.FAILED


def test_park_and_unpark(client: TestClient, seeded: Seeded) -> None:
    login(client, "olga")
    url = "/status/verzoeken/2024031400043/versies/1/acties"
    csrf = csrf_of(client.get("/status").text)
    client.post(url, data={"actie": "parkeren", "toelichting": "wacht op bouwtekening", "csrf": csrf})
    assert seeded.container.store.get_versie("2024031400043", 1).state == State.PARKED  # type: ignore[union-attr]
    client.post(url, data={"actie": "hervatten", "toelichting": "tekening binnen", "csrf": csrf})
    assert seeded.container.store.get_versie("2024031400043", 1).state == State.RECEIVED  # type: ignore[union-attr]


def test_unknown_verzoek_is_404(client: TestClient, seeded: Seeded) -> None:
    login(client, "vera")
    assert client.get("/status/verzoeken/2099010100000").status_code == 404


def test_overview_fragment(client: TestClient, seeded: Seeded) -> None:
    login(client, "vera")
    r = client.get("/status/overzicht")
    assert r.status_code == 200 and "Dode berichten" in r.text and "<html" not in r.text
