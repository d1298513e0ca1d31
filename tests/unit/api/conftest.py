"""A gateway app on a store we fill ourselves: no DSO, no ZGW, an in-memory queue."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from gateway.api.app import create_app
from gateway.auth.users import UserStore
from gateway.bootstrap import Container, bootstrap
from gateway.events import FETCH, StageJob
from gateway.settings import Settings
from gateway.store import State

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "stam" / "valid"
API_TOKEN = "test-token-for-other-tools"
PASSWORD = "geheim-wachtwoord"
FAILED_NR = "2024031400042"  # its STAM (fixture 01) holds BSN 999993653


@dataclass
class Seeded:
    container: Container

    def notify(self, nr: str, volgnummer: int = 1, **summary: object) -> None:
        c = self.container
        job = c.context.job(FETCH, StageJob(nr, volgnummer, c.settings.default_oin))
        c.store.record_notification(nr, volgnummer, c.settings.default_oin, job)
        if summary:
            c.store.update_summary(nr, **summary)

    def fail(self, nr: str, volgnummer: int = 1, reason: str = "ZRC antwoordde 503") -> None:
        self.container.store.record_failure(nr, volgnummer, stage="translate", reason=reason)


def make_settings(tmp_path: Path, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=tmp_path,
        queue_url="memory://",
        session_secure_cookie=False,
        session_secret="test-session-secret",
        api_token_sha256=[hashlib.sha256(API_TOKEN.encode()).hexdigest()],
        # Configured tokens are read-only by default; these tests act with it, so they say so.
        **{"api_token_roles": ["viewer", "operator"], **extra},
    )


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    c = bootstrap(make_settings(tmp_path))
    # Cheap argon2 parameters keep the suite fast; production uses argon2-cffi's defaults.
    users = UserStore(c.store.engine, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    users.add("olga", PASSWORD, ["operator"])
    users.add("vera", PASSWORD, ["viewer"])
    users.add("piet", PASSWORD, ["viewer", "privacy-officer"])
    yield c
    c.close()


@pytest.fixture
def seeded(container: Container) -> Seeded:
    s = Seeded(container)
    s.notify(FAILED_NR, naam="Dakkapel Dorpsstraat", doel="Initiëren", type="Aanvraag vergunning")
    stam = (FIXTURES / "01-dakkapel-initieren.xml").read_bytes()
    container.archive.put_bytes(FAILED_NR, 1, "stam", stam, "verzoek.xml")
    container.store.transition(FAILED_NR, 1, to=State.FETCHED, event="fetched")
    s.fail(FAILED_NR)
    s.notify("2024031400043", naam="Schuur Kerkweg", doel="Initiëren", type="Melding")
    s.notify("2024031400044", naam="Boom kappen Parklaan", doel="Aanvullen", type="Aanvraag vergunning")
    return s


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="http://testserver") as tc:
        yield tc


def login(client: TestClient, name: str) -> None:
    page = client.get("/login")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post(
        "/login", data={"gebruikersnaam": name, "wachtwoord": PASSWORD, "csrf": csrf}, follow_redirects=False
    )
    assert r.status_code == 303, r.text


def csrf_of(html: str) -> str:
    return html.split('name="csrf" value="')[1].split('"', maxsplit=1)[0]
