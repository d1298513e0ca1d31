"""The detail page shows who, where and what: aanvrager and gemachtigde (BSN masked by role),
locatie with an offline outline, activiteiten, indieningsdatum, bevoegd gezag by name, documents
with their DSO documentsoort, and a link into the case system when configured."""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from lxml import etree

from gateway.api.app import create_app
from gateway.api.locatieschets import schets
from gateway.api.verzoek_weergave import zaak_link
from gateway.auth.users import UserStore
from gateway.bootstrap import bootstrap
from gateway.store import State
from stam_mapping import parse_verzoek
from tests.unit.api.conftest import FAILED_NR, FIXTURES, PASSWORD, Seeded, login, make_settings

BEDRIJF_NR = "2024031400043"


def _fetched(seeded: Seeded, nr: str, fixture: str) -> None:
    c = seeded.container
    c.archive.put_bytes(nr, 1, "stam", (FIXTURES / fixture).read_bytes(), "verzoek.xml")
    c.store.transition(nr, 1, to=State.FETCHED, event="fetched")


def test_who_where_and_what_for_a_viewer(seeded: Seeded, client: TestClient) -> None:
    login(client, "vera")
    html = client.get(f"/status/verzoeken/{FAILED_NR}").text
    assert "Jan van der Berg" in html and "Aanvrager" in html
    assert "*****3653" in html and "999993653" not in html  # masked for a viewer
    assert "Loolaan 12, 7315AB Apeldoorn" in html and "K 4521" in html
    assert "Bouwactiviteit (omgevingsplan)" in html
    assert "14-03-2024 10:22" in html  # indieningsdatum in Dutch time
    assert "Gemeente Apeldoorn" in html  # bevoegd gezag by name
    assert "projectnummer P-7731" in html


def test_privacy_officer_sees_the_bsn(seeded: Seeded, client: TestClient) -> None:
    login(client, "piet")
    assert "999993653" in client.get(f"/status/verzoeken/{FAILED_NR}").text


def test_company_with_gemachtigde_and_outline(seeded: Seeded, client: TestClient) -> None:
    _fetched(seeded, BEDRIJF_NR, "04-melding-bedrijf-gemachtigde.xml")
    login(client, "vera")
    html = client.get(f"/status/verzoeken/{BEDRIJF_NR}").text
    assert "Bouwmarkt De Hamer B.V." in html and "69599084" in html
    assert "Gemachtigde" in html and "Adviesbureau Veilig &amp; Groen" in html
    assert '<svg class="locatieschets"' in html and "<path d=" in html
    assert "ongeveer 70 meter breed" in html


def test_outline_is_valid_svg_with_holes_and_points() -> None:
    polygon = parse_verzoek((FIXTURES / "15-polygon-met-gat.xml").read_bytes())
    svg = str(schets([loc.geometrie for loc in polygon.projectlocaties if loc.geometrie]))
    root = etree.fromstring(svg.split("<p ", maxsplit=1)[0].encode())
    path = root.find("{http://www.w3.org/2000/svg}path")
    assert path is not None and path.get("d", "").count("M") == 2  # exterior and its hole
    assert root.find("{http://www.w3.org/2000/svg}title") is not None
    point = parse_verzoek((FIXTURES / "17-etrs89-punt.xml").read_bytes())
    svg = str(schets([loc.geometrie for loc in point.projectlocaties if loc.geometrie]))
    assert "<circle" in svg and "EPSG:4258" in svg
    assert str(schets([])) == ""


def test_documents_show_their_dso_documentsoort(seeded: Seeded, client: TestClient) -> None:
    verzoek = parse_verzoek((FIXTURES / "01-dakkapel-initieren.xml").read_bytes())
    doc = next(d for d in verzoek.documenten() if d.documentsoort_dso)
    path = seeded.container.archive.document_path(FAILED_NR, 1, doc.document_id)
    path.write_bytes(b"%PDF-1.4")
    seeded.container.archive.register_file(
        FAILED_NR, 1, kind="document", path=path, size=8, sha256="0" * 64,
        document_id=doc.document_id, bestandsnaam=doc.bestandsnaam, media_type="application/pdf",
    )  # fmt: skip
    login(client, "vera")
    html = client.get(f"/status/verzoeken/{FAILED_NR}").text
    assert f'"Documentsoort (DSO)">{doc.documentsoort_dso}</td>' in html and ">Bijlage</td>" in html


def test_a_verzoek_before_its_fetch_says_so(seeded: Seeded, client: TestClient) -> None:
    login(client, "vera")
    html = client.get("/status/verzoeken/2024031400044").text
    assert "nog niet opgehaald" in html and "Gemeente Apeldoorn" in html


def test_zaak_link_from_the_template(tmp_path: Path) -> None:
    assert zaak_link(None, "ZAAK-1", "http://zgw/zaken/abc") is None
    template = "https://zaken.example/zaak/{identificatie}?id={uuid}"
    assert zaak_link(template, "ZAAK-1", "http://zgw/zaken/abc") == "https://zaken.example/zaak/ZAAK-1?id=abc"
    c = bootstrap(make_settings(tmp_path, zaak_link_template="https://zaken.example/zaak/{identificatie}"))
    try:
        seeded = Seeded(c)
        seeded.notify(FAILED_NR, zaak_identificatie="ZAAK-2024-1", zaak_url="http://zgw/zaken/1")
        UserStore(c.store.engine, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)).add(
            "vera", PASSWORD, ["viewer"]
        )
        with TestClient(create_app(c), base_url="http://testserver") as client:
            login(client, "vera")
            html = client.get(f"/status/verzoeken/{FAILED_NR}").text
        assert 'href="https://zaken.example/zaak/ZAAK-2024-1"' in html
    finally:
        c.close()
