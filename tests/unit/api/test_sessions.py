"""Issue 14, item 6: sessions live on the server and die at logout; the cookie is an opaque id
that carries nothing a clerk typed; local logins are throttled per user and per address."""

from __future__ import annotations

import base64
import binascii

from fastapi.testclient import TestClient

from gateway.api.app import create_app
from gateway.auth.server_session import COOKIE
from gateway.auth.throttle import FREE_FAILURES, client_address
from gateway.bootstrap import Container
from tests.unit.api.conftest import PASSWORD, Seeded, csrf_of, login


def _attempt(client: TestClient, name: str, password: str) -> int:
    csrf = csrf_of(client.get("/login").text)
    r = client.post(
        "/login", data={"gebruikersnaam": name, "wachtwoord": password, "csrf": csrf}, follow_redirects=False
    )
    return r.status_code


def test_a_session_cookie_is_dead_after_logout(client: TestClient, seeded: Seeded) -> None:
    login(client, "olga")
    stolen = client.cookies.get(COOKIE)
    assert stolen and client.get("/status", follow_redirects=False).status_code == 200
    csrf = csrf_of(client.get("/status").text)
    client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    with TestClient(create_app(seeded.container), base_url="http://testserver") as other:
        other.cookies.set(COOKIE, stolen)
        assert other.get("/status", follow_redirects=False).status_code == 303  # to /login
        assert other.get("/v1/verzoeken").status_code == 401


def test_login_gives_a_new_session_id(client: TestClient, seeded: Seeded) -> None:
    client.get("/login")
    planted = client.cookies.get(COOKIE)
    login(client, "vera")
    assert client.cookies.get(COOKIE) not in (None, planted)


def test_the_cookie_carries_no_search_terms(client: TestClient, seeded: Seeded) -> None:
    login(client, "vera")
    term = "Dorpsstraat 999993653"
    csrf = csrf_of(client.get("/status").text)
    client.post("/status/zoeken", data={"zoek": term, "csrf": csrf})
    value = client.cookies.get(COOKIE) or ""
    assert len(value) <= 64 and "Dorpsstraat" not in value
    try:
        decoded = base64.urlsafe_b64decode(value.split(".")[0] + "==")
    except (binascii.Error, ValueError):
        decoded = b""
    assert b"Dorpsstraat" not in decoded and b"999993653" not in decoded
    # ...and yet the search is remembered, on the server.
    assert 'value="Dorpsstraat 999993653"' in client.get("/status").text


def test_wrong_passwords_are_throttled_per_user(container: Container) -> None:
    app = create_app(container)
    with TestClient(app, client=("10.0.0.1", 50000)) as first:
        codes = [_attempt(first, "olga", "fout") for _ in range(FREE_FAILURES)]
        assert codes == [401] * FREE_FAILURES
        r_code = _attempt(first, "olga", PASSWORD)  # even the right password waits now
        assert r_code == 429
    with TestClient(app, client=("10.0.0.2", 50000)) as second:
        csrf = csrf_of(second.get("/login").text)
        r = second.post("/login", data={"gebruikersnaam": "olga", "wachtwoord": PASSWORD, "csrf": csrf})
        assert r.status_code == 429 and "Te veel mislukte pogingen" in r.text
        assert int(r.headers["Retry-After"]) > 0
        assert _attempt(second, "vera", PASSWORD) == 303  # another user from another address


def test_wrong_passwords_are_throttled_per_address(container: Container) -> None:
    app = create_app(container)
    with TestClient(app, client=("10.0.0.3", 50000)) as spray:
        for n in range(FREE_FAILURES):
            assert _attempt(spray, f"gebruiker{n}", "fout") == 401  # a different name each time
        assert _attempt(spray, "vera", PASSWORD) == 429
    with TestClient(app, client=("10.0.0.4", 50000)) as elsewhere:
        assert _attempt(elsewhere, "vera", PASSWORD) == 303


def test_behind_a_trusted_proxy_the_forwarded_address_is_throttled() -> None:
    proxies = ["10.0.0.0/8"]
    assert client_address("10.1.1.1", "203.0.113.9, 10.2.2.2", proxies) == "203.0.113.9"
    assert client_address("10.1.1.1", None, proxies) == "10.1.1.1"
    # From an address that is not our proxy, the header is the client's own claim: ignored.
    assert client_address("198.51.100.7", "203.0.113.9", proxies) == "198.51.100.7"
