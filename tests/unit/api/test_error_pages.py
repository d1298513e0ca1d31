"""Browsers get error pages in the page's own layout; tools get problem+json with the headers
HTTP asks for (Allow on 405, WWW-Authenticate on 401) and Dutch reasons."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.unit.api.conftest import API_TOKEN, login

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
API = {"Authorization": f"Bearer {API_TOKEN}"}


def _is_page(r: object) -> str:
    text: str = r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]
    assert '<a href="/status">Terug naar het overzicht</a>' in text and "DSO-gateway" in text
    return text


def test_unknown_url_is_a_page(client: TestClient) -> None:
    login(client, "vera")
    r = client.get("/status/bestaat-niet", headers=HTML)
    assert r.status_code == 404 and "Deze pagina bestaat niet" in _is_page(r)
    assert "Ingelogd als" in r.text  # the page's own layout, with the user


def test_bad_page_number_is_a_page(client: TestClient) -> None:
    login(client, "vera")
    for pagina in ("0", "abc", "999999999"):
        r = client.get("/status", params={"pagina": pagina}, headers=HTML)
        assert r.status_code == 400 and "pagina" in _is_page(r)


def test_wrong_method_is_a_page_with_allow(client: TestClient) -> None:
    login(client, "vera")
    r = client.put("/status", headers=HTML)
    assert r.status_code == 405 and "GET" in r.headers["allow"]
    _is_page(r)


def test_crash_is_a_page_without_details(client: TestClient) -> None:
    login(client, "vera")

    def broken() -> None:  # any bug behind a page
        raise ZeroDivisionError("999993653 should never be shown")

    client.app.add_api_route("/status/kapot", broken)  # type: ignore[attr-defined]
    crashing = TestClient(client.app, base_url="http://testserver", raise_server_exceptions=False)
    crashing.cookies.update(client.cookies)
    r = crashing.get("/status/kapot", headers=HTML)
    assert r.status_code == 500 and "technisch beheer" in _is_page(r)
    assert "ZeroDivisionError" not in r.text and "999993653" not in r.text
    api = crashing.get("/status/kapot", headers={"Accept": "application/json"})
    assert api.status_code == 500 and api.headers["content-type"] == "application/problem+json"


def test_api_stays_json(client: TestClient) -> None:
    r = client.get("/v1/bestaat-niet", headers={**HTML, **API})
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] != "Not Found"


def test_api_405_has_allow(client: TestClient) -> None:
    r = client.delete("/v1/verzoeken", headers=API)
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    assert r.headers["content-type"] == "application/problem+json"


def test_api_401_has_www_authenticate(client: TestClient) -> None:
    r = client.get("/v1/verzoeken")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")


def test_invalid_params_reasons_are_dutch(client: TestClient) -> None:
    r = client.get("/v1/verzoeken", params={"pagina": "0", "paginaGrootte": "x"}, headers=API)
    assert r.status_code == 400
    reasons = {p["name"]: p["reason"] for p in r.json()["invalidParams"]}
    assert reasons == {"pagina": "moet minstens 1 zijn", "paginaGrootte": "moet een geheel getal zijn"}
