"""A whole local gateway (DSO sandbox, ZGW test server, API, worker) and Debian's chromium."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from gateway.auth.users import UserStore
from gateway.settings import Settings
from gateway.stack import LocalStack
from tests.services import require_service

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
PASSWORD = "browser-test-wachtwoord"
EXAMPLE = "verbouwing-initieren"  # verzoeknummer 2026031000101, BSN 999993653 of the aanvrager
VERZOEKNUMMER = "2026031000101"
BSN = "999993653"
# A verzoek that goes through untouched, whose aanvrager has a BSN: for the masking check.
CLEAN_STAM = Path(__file__).resolve().parents[1] / "fixtures" / "stam" / "valid" / "01-dakkapel-initieren.xml"
CLEAN_NR = "2024031400042"


@dataclass
class Gateway:
    stack: LocalStack
    url: str
    sandbox_url: str


def _wait_state(stack: LocalStack, nr: str, states: set[str], timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = stack.container.store.get_verzoek(nr)
        if record is not None and record.state in states:
            return record.state
        time.sleep(0.1)
    raise AssertionError(f"{nr} did not reach {states}")


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    settings = Settings(
        _env_file=None,
        max_attempts=1,  # the first fetch failure dead-letters: that is the failed verzoek we retry
        retry_base_delay=0.1,
        session_secure_cookie=False,  # plain HTTP on 127.0.0.1
        session_secret="browser-test-session-secret-0123456789",
    )
    stack = LocalStack(settings, data_dir=tmp_path_factory.mktemp("gateway")).start()
    try:
        users = UserStore(stack.container.store.engine)
        users.add("olga", PASSWORD, ["operator"])
        users.add("vera", PASSWORD, ["viewer"])
        sandbox_url = stack.settings.dso_base_url.split("/overheid")[0]
        httpx2.post(f"{sandbox_url}/_sandbox/faults", json={"error_next": 50}).raise_for_status()
        httpx2.post(f"{sandbox_url}/_sandbox/examples/{EXAMPLE}").raise_for_status()
        _wait_state(stack, VERZOEKNUMMER, {"failed"})
        httpx2.delete(f"{sandbox_url}/_sandbox/faults").raise_for_status()
        httpx2.post(f"{sandbox_url}/_sandbox/examples/kap-percelen").raise_for_status()
        httpx2.post(f"{sandbox_url}/_sandbox/verzoeken", content=CLEAN_STAM.read_bytes()).raise_for_status()
        _wait_state(stack, CLEAN_NR, {"reported"})
        yield Gateway(stack, f"http://127.0.0.1:{stack.settings.api_port}", sandbox_url)
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_service("Debian chromium (/usr/bin/chromium)", shutil.which(CHROMIUM) is not None)
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 850}, locale="nl-NL")
    p = context.new_page()
    p.set_default_timeout(15000)
    yield p
    context.close()


def log_in(page: Any, url: str, name: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Gebruikersnaam").fill(name)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{url}/status")
