"""Issue 14, item 5: a BSN typed into free text (a project name, a note, a file name) is masked
for every role without BSN rights: on the list, the detail page and in /v1/verzoeken."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.unit.api.conftest import API_TOKEN, Seeded, login

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
NR = "2024031400077"
BSN = "111222333"  # passes the 11-proef


def seed(seeded: Seeded) -> None:
    seeded.notify(NR, naam=f"Dakkapel, BSN {BSN}", doel="Initiëren", type="Melding")
    c = seeded.container
    c.store.add_event(NR, 1, "note", f"aanvrager belde met BSN {BSN}")
    c.archive.put_bytes(NR, 1, "document", b"%PDF-1.4", f"paspoort-{BSN}.pdf")


def test_viewers_see_free_text_masked_everywhere(client: TestClient, seeded: Seeded) -> None:
    seed(seeded)
    for url in ("/v1/verzoeken", f"/v1/verzoeken/{NR}"):
        r = client.get(url, headers=AUTH)
        assert r.status_code == 200 and BSN not in r.text and "*****2333" in r.text
    login(client, "vera")
    for url in ("/status", f"/status/verzoeken/{NR}"):
        page = client.get(url).text
        assert BSN not in page and "*****2333" in page and "Dakkapel" in page


def test_a_privacy_officer_sees_it_unmasked(client: TestClient, seeded: Seeded) -> None:
    seed(seeded)
    login(client, "piet")
    assert f"Dakkapel, BSN {BSN}" in client.get(f"/status/verzoeken/{NR}").text
