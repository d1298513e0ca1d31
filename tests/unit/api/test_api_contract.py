"""What integrators can rely on: paging links, refused unknown parameters, bounds, enums,
security documented in the OpenAPI document."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from gateway.api.openapi_doc import document
from tests.unit.api.conftest import API_TOKEN, Seeded

API = {"Authorization": f"Bearer {API_TOKEN}"}


def _page(href: str) -> int:
    return int(parse_qs(urlsplit(href).query)["pagina"][0])


def test_list_carries_paging_links(seeded: Seeded, client: TestClient) -> None:
    r = client.get(
        "/v1/verzoeken", params={"paginaGrootte": 1, "pagina": 2, "doel": "Initiëren"}, headers=API
    )
    body = r.json()
    links = body["_links"]
    assert body["totaal"] == 2
    assert _page(links["self"]["href"]) == 2 and _page(links["first"]["href"]) == 1
    assert _page(links["last"]["href"]) == 2 and _page(links["prev"]["href"]) == 1
    assert "next" not in links or links["next"] is None
    assert "doel=Initi" in links["self"]["href"] and links["self"]["href"].startswith("/v1/verzoeken?")
    # Following "first" gives the first page.
    first = client.get(links["first"]["href"], headers=API).json()
    assert first["pagina"] == 1 and _page(first["_links"]["next"]["href"]) == 2


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"staus": "failed"}, "staus"),
        ({"pagina": "10001"}, "pagina"),
        ({"ontvangenVanaf": "0"}, "ontvangenVanaf"),
        ({"ontvangenTot": "1700000000"}, "ontvangenTot"),
        ({"status": "bestaat-niet"}, "status"),
    ],
)
def test_bad_query_is_400_naming_the_parameter(client: TestClient, params: dict[str, str], name: str) -> None:
    r = client.get("/v1/verzoeken", params=params, headers=API)
    assert r.status_code == 400, r.text
    assert [p["name"] for p in r.json()["invalidParams"]] == [name]


def test_a_parameter_given_twice_is_refused(client: TestClient) -> None:
    r = client.get("/v1/verzoeken?type=Melding&type=Informatie", headers=API)
    assert r.status_code == 400
    assert r.json()["invalidParams"] == [{"name": "type", "reason": "mag maar één keer voorkomen"}]


def test_unknown_parameter_on_the_operations_api(client: TestClient) -> None:
    assert client.get("/v1/overzicht", params={"x": "1"}, headers=API).status_code == 400
    assert client.get("/v1/overzicht", headers=API).status_code == 200


def test_openapi_documents_security_enums_and_links() -> None:
    doc = document()
    assert doc["components"]["securitySchemes"]["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["apiToken"]["description"],
    }
    listing = doc["paths"]["/verzoeken"]["get"]
    assert listing["security"] == [{"apiToken": []}]
    assert {"401", "403", "400"} <= set(listing["responses"])
    intake = doc["paths"]["/dso/verzoeknotificaties"]["post"]
    assert "security" not in intake  # DSO's intake is guarded by mTLS or the proxy, not a token
    status = next(p for p in listing["parameters"] if p["name"] == "status")
    state = doc["components"]["schemas"]["State"]
    assert "failed" in state["enum"] and "$ref" in str(status["schema"])
    pagina = next(p for p in listing["parameters"] if p["name"] == "pagina")
    assert pagina["schema"]["maximum"] == 10000
    assert "_links" in doc["components"]["schemas"]["VerzoekenPagina"]["properties"]
