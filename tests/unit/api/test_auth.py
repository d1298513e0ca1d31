"""Who may see and do what: anonymous, viewer, operator, API token; CSRF and cookies."""

from __future__ import annotations

from fastapi.testclient import TestClient

from gateway.store import State
from tests.unit.api.conftest import API_TOKEN, FAILED_NR, PASSWORD, Seeded, csrf_of, login


def test_anonymous_sees_nothing(client: TestClient, seeded: Seeded) -> None:
    page = client.get("/status", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login"
    detail = client.get(f"/status/verzoeken/{FAILED_NR}", follow_redirects=False)
    assert detail.status_code == 303
    api = client.get("/v1/verzoeken")
    assert api.status_code == 401
    assert api.headers["content-type"].startswith("application/problem+json")
    assert FAILED_NR not in api.text
    assert client.get("/v1/overzicht").status_code == 401


def test_wrong_password_is_refused(client: TestClient) -> None:
    csrf = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"gebruikersnaam": "olga", "wachtwoord": "fout-fout", "csrf": csrf})
    assert r.status_code == 401
    assert "klopt niet" in r.text
    assert client.get("/status", follow_redirects=False).status_code == 303


def test_login_needs_csrf_token(client: TestClient) -> None:
    client.get("/login")
    r = client.post("/login", data={"gebruikersnaam": "olga", "wachtwoord": PASSWORD, "csrf": "x"})
    assert r.status_code == 400


def test_session_cookie_flags(client: TestClient) -> None:
    client.get("/login")
    csrf = client.cookies.get("dsogw_sessie")
    assert csrf
    r = client.post(
        "/login",
        data={"gebruikersnaam": "olga", "wachtwoord": PASSWORD, "csrf": csrf_of(client.get("/login").text)},
        follow_redirects=False,
    )
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_viewer_cannot_act(client: TestClient, seeded: Seeded) -> None:
    login(client, "vera")
    page = client.get(f"/status/verzoeken/{FAILED_NR}")
    assert page.status_code == 200
    assert "Uitvoeren" not in page.text
    r = client.post(
        f"/status/verzoeken/{FAILED_NR}/versies/1/acties",
        data={"actie": "opnieuw", "toelichting": "probeer", "csrf": csrf_of(page.text)},
    )
    assert r.status_code == 403
    versie = seeded.container.store.get_versie(FAILED_NR, 1)
    assert versie is not None and versie.state == State.FAILED


def test_action_without_csrf_is_refused(client: TestClient, seeded: Seeded) -> None:
    login(client, "olga")
    r = client.post(
        f"/status/verzoeken/{FAILED_NR}/versies/1/acties",
        data={"actie": "opnieuw", "toelichting": "probeer", "csrf": "verkeerd"},
    )
    assert r.status_code == 400
    versie = seeded.container.store.get_versie(FAILED_NR, 1)
    assert versie is not None and versie.state == State.FAILED


def test_api_token(client: TestClient, seeded: Seeded) -> None:
    ok = client.get("/v1/verzoeken", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert ok.status_code == 200 and ok.json()["totaal"] == 3
    bad = client.get("/v1/verzoeken", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_session_json_write_needs_csrf_header(client: TestClient, seeded: Seeded) -> None:
    login(client, "olga")
    body = {"actie": "opnieuw", "toelichting": "ZRC is weer up"}
    url = f"/v1/verzoeken/{FAILED_NR}/versies/1/acties"
    assert client.post(url, json=body).status_code == 403
    csrf = csrf_of(client.get("/status").text)
    r = client.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    assert r.json()["door"] == "olga (local)"


def test_notification_endpoint_is_left_to_its_own_protection(client: TestClient) -> None:
    # Not ours to guard (mTLS); our login must not turn it into a 401.
    r = client.post(
        "/v1/dso/verzoeknotificaties", content=b"<x/>", headers={"Content-Type": "application/xml"}
    )
    assert r.status_code != 401


def test_openapi_is_public_with_cors(client: TestClient) -> None:
    r = client.get("/v1/openapi.json", headers={"Origin": "https://elders.example"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["api-version"] == "1.0.0"


def test_security_headers(client: TestClient) -> None:
    r = client.get("/login")
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_logout(client: TestClient) -> None:
    login(client, "olga")
    csrf = csrf_of(client.get("/status").text)
    client.post("/logout", data={"csrf": csrf})
    assert client.get("/status", follow_redirects=False).status_code == 303


def test_dead_letter_replay_form_needs_csrf_and_the_operator_role(client: TestClient, seeded: Seeded) -> None:
    form = {"wachtrij": "dso.translate", "berichtId": "onbekend", "toelichting": "opnieuw"}
    login(client, "olga")
    assert (
        client.post("/status/dode-berichten/herplaatsingen", data={**form, "csrf": "verkeerd"}).status_code
        == 400
    )
    login(client, "vera")
    csrf = csrf_of(client.get("/status").text)
    r = client.post("/status/dode-berichten/herplaatsingen", data={**form, "csrf": csrf})
    assert r.status_code == 403
