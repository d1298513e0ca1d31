"""OpenID Connect login against a real provider on 127.0.0.1 (oidc-provider-mock)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from oidc_provider_mock import User, run_server_in_thread  # type: ignore[import-untyped]

from gateway.api.app import create_app
from gateway.bootstrap import bootstrap
from tests.unit.api.conftest import make_settings

# authlib 1.9 and the mock provider warn about their own deprecated internals.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    users = [
        User(sub="anna", claims={"preferred_username": "anna", "roles": ["operator", "privacy-officer"]}),
        User(sub="gast", claims={"preferred_username": "gast", "roles": ["beheerder-van-iets-anders"]}),
    ]
    with run_server_in_thread(user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


def _login_via_idp(client: TestClient, sub: str) -> httpx2.Response:
    start = client.get("/login/oidc", follow_redirects=False)
    assert start.status_code == 302
    authorize_url = start.headers["location"]
    # The user picks an identity at the provider; it answers with a redirect to our callback.
    answer = httpx2.post(authorize_url, data={"sub": sub}, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    callback = httpx2.URL(answer.headers["location"])
    assert callback.path == "/login/oidc/callback"
    done: httpx2.Response = client.get(callback.raw_path.decode(), follow_redirects=False)
    return done


def test_oidc_login_with_roles_from_claim(tmp_path: Path, issuer: str) -> None:
    settings = make_settings(tmp_path, oidc_issuer=issuer, oidc_client_secret="geheim")
    c = bootstrap(settings)
    try:
        with TestClient(create_app(c), base_url="http://testserver") as client:
            assert "gemeenteaccount" in client.get("/login").text
            done = _login_via_idp(client, "anna")
            assert done.status_code == 303 and done.headers["location"] == "/status"
            page = client.get("/status")
            assert page.status_code == 200
            assert "anna" in page.text and "operator, privacy-officer" in page.text
    finally:
        c.close()


def test_oidc_user_without_gateway_role_sees_nothing(tmp_path: Path, issuer: str) -> None:
    c = bootstrap(make_settings(tmp_path, oidc_issuer=issuer, oidc_client_secret="geheim"))
    try:
        with TestClient(create_app(c), base_url="http://testserver") as client:
            _login_via_idp(client, "gast")
            page = client.get("/status", follow_redirects=False)
            assert page.status_code == 403
            assert client.get("/v1/verzoeken").status_code == 403
    finally:
        c.close()


def test_logout_also_ends_the_session_at_the_identity_provider(tmp_path: Path, issuer: str) -> None:
    c = bootstrap(make_settings(tmp_path, oidc_issuer=issuer, oidc_client_secret="geheim"))
    try:
        with TestClient(create_app(c), base_url="http://testserver") as client:
            _login_via_idp(client, "anna")
            page = client.get("/status")
            csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
            out = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
            assert out.status_code == 303
            target = httpx2.URL(out.headers["location"])
            assert str(target).startswith(f"{issuer}/oauth2/end_session")
            assert target.params["post_logout_redirect_uri"] == "http://testserver/login"
            assert target.params["client_id"] == c.settings.oidc_client_id
            # The provider knows the endpoint and shows its confirmation; our session is gone.
            assert httpx2.get(str(target)).status_code == 200
            assert client.get("/status", follow_redirects=False).status_code in (302, 303, 401)
    finally:
        c.close()


def test_logout_without_an_oidc_session_stays_here(tmp_path: Path, issuer: str) -> None:
    c = bootstrap(make_settings(tmp_path, oidc_issuer=issuer, oidc_client_secret="geheim"))
    try:
        with TestClient(create_app(c), base_url="http://testserver") as client:
            # Without a session there is nothing to end anywhere.
            login_page = client.get("/login")
            csrf = login_page.text.split('name="csrf" value="')[1].split('"')[0]
            out = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
            assert out.status_code == 303 and out.headers["location"] == "/login"
    finally:
        c.close()
