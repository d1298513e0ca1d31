"""Issue 14, item 7: integer inputs are bounded and a NUL is refused, with 400, never a 500;
and a NUL never reaches the session, so it cannot make later page loads fail."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gateway.bootstrap import Container
from gateway.store.queries import VerzoekFilter, search_verzoeken
from tests.unit.api.conftest import API_TOKEN, Seeded, csrf_of, login

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
NS = "http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoeknotificatie"


def notificatie(volgnummer: str, verzoeknummer: str = "2024031400099") -> bytes:
    return (
        f'<n:verzoeknotificatie xmlns:n="{NS}"><n:verzoeknummer>{verzoeknummer}</n:verzoeknummer>'
        f"<n:volgnummer>{volgnummer}</n:volgnummer></n:verzoeknotificatie>"
    ).encode()


@pytest.mark.parametrize(
    ("volgnummer", "verzoeknummer"),
    [
        (str(2**63), "2024031400099"),
        (str(2**31), "2024031400099"),
        ("99" * 40, "2024031400099"),
        ("1", "٢٠٢٤٠٣١٤٠٠٠٩٩"),
        ("1", "２０２４０３１４０００９９"),
    ],
)
def test_a_notification_with_a_huge_volgnummer_or_foreign_digits_is_400(
    client: TestClient, container: Container, volgnummer: str, verzoeknummer: str
) -> None:
    r = client.post(
        "/v1/dso/verzoeknotificaties",
        content=notificatie(volgnummer, verzoeknummer),
        headers={"Content-Type": "application/xml"},
    )
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    assert search_verzoeken(container.store, VerzoekFilter())[1] == 0


@pytest.mark.parametrize("pagina", [str(2**62), str(2**63), "100001", "0", "-1", "١"])
def test_pagina_is_bounded(client: TestClient, seeded: Seeded, pagina: str) -> None:
    r = client.get("/v1/verzoeken", params={"pagina": pagina}, headers=AUTH)
    assert r.status_code == 400, r.text
    login(client, "vera")
    page = client.get("/status", params={"pagina": pagina})
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "Ongeldige invoer" in page.text  # a Dutch page for a person, not problem+json


@pytest.mark.parametrize("path", ["/v1/verzoeken/٢٠٢٤٠٣١٤٠٠٠٤٢", "/v1/verzoeken/２０２４０３１４０００４２"])
def test_a_verzoeknummer_in_other_digits_is_400_in_the_api(
    client: TestClient, seeded: Seeded, path: str
) -> None:
    assert client.get(path, headers=AUTH).status_code == 400


def test_a_nul_in_an_api_parameter_is_400_problem_json(client: TestClient, seeded: Seeded) -> None:
    r = client.get("/v1/verzoeken", params={"zoek": "Dorps\x00straat"}, headers=AUTH)
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    assert "NUL" in r.json()["detail"]
    r = client.post(
        "/v1/dode-berichten/herplaatsingen",
        json={"wachtrij": "dso.fetch", "berichtId": "x", "toelichting": "a\u0000b"},
        headers=AUTH,
    )
    assert r.status_code == 400


def test_a_nul_in_a_search_form_is_refused_and_never_sticks(client: TestClient, seeded: Seeded) -> None:
    login(client, "vera")
    csrf = csrf_of(client.get("/status").text)
    r = client.post("/status/zoeken", data={"zoek": "Dorps\x00straat", "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 400 and "niet is toegestaan" in r.text
    after = client.get("/status")
    assert after.status_code == 200  # the session holds no NUL filter
