"""The status page shows what the initiatiefnemer was told, and a refusal stands out."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from gateway import beslistermijn
from gateway.berichten.afzenden import Berichtendienst
from gateway.berichten.bericht import Bericht
from gateway.berichten.memory import RecordingKanaal
from gateway.berichten.post import PostKanaal
from gateway.berichten.zaakdocument import RecordingZaakDocumenten
from tests.unit.api.conftest import FAILED_NR, Seeded, login


def test_detail_lists_sent_refused_and_post_messages(client: TestClient, seeded: Seeded) -> None:
    c = seeded.container
    dienst = Berichtendienst(
        c.store,
        email=RecordingKanaal(weiger={"weg@example.org"}),
        post=PostKanaal(c.settings.effective_post_dir),
        zaakdocumenten=RecordingZaakDocumenten(),
        informatieobjecttypen={
            "ontvangstbevestiging": "Ontvangstbevestiging",
            "statusbericht": "Statusbericht",
        },
    )
    for sleutel, email in (("a", "a.jansen@example.org"), ("b", "weg@example.org")):
        bericht = Bericht(
            "ontvangstbevestiging", sleutel, FAILED_NR, "Onderwerp", "Tekst", "Jan", aan_email=email
        )
        dienst.verstuur(FAILED_NR, 1, bericht, "http://zgw.test/zaken/1")
    login(client, "vera")
    page = client.get(f"/status/verzoeken/{FAILED_NR}").text
    section = page.split('id="berichten"')[1].split("</ul>")[0]
    assert "Bericht aan initiatiefnemer verzonden" in section and "a***@example.org" in section
    assert '<li class="fout">' in section and "SMTP 550" in section
    assert "Brief per post te versturen" in section
    assert "a.jansen@example.org" not in page and "weg@example.org" not in page
    # The overview lists the letter for staff to post.
    overview = client.get("/status").text
    assert FAILED_NR in overview.split('id="per-post"')[1].split("</ul>")[0]


def test_status_page_shows_the_term_and_flags_it(client: TestClient, seeded: Seeded) -> None:
    store = seeded.container.store
    soon = date.today() + timedelta(days=3)
    beslistermijn.record(store, FAILED_NR, uiterlijk=soon, procedure="regulier", weken=8)
    login(client, "vera")
    detail = client.get(f"/status/verzoeken/{FAILED_NR}").text
    line = detail.split('id="beslistermijn"')[1].split("</dd>")[0]
    assert (
        soon.strftime("%d-%m-%Y") in line and "nog 3 dag(en), zaak nog open" in line and "fouttekst" in line
    )
    overview = client.get("/status").text
    assert "Beslistermijn nadert (1)" in overview and FAILED_NR in overview.split('id="termijnen"')[1]
