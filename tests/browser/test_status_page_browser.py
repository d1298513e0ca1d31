"""Staff use the status page in a real browser: search, open a failed verzoek, retry it."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.browser.conftest import BSN, CLEAN_NR, SCREENSHOTS, VERZOEKNUMMER, Gateway, _wait_state, log_in

pytestmark = pytest.mark.browser


def test_anonymous_visitor_sees_nothing(gateway: Gateway, page: Any) -> None:
    page.goto(f"{gateway.url}/status")
    assert page.url == f"{gateway.url}/login"
    assert VERZOEKNUMMER not in page.content()
    page.goto(f"{gateway.url}/status/verzoeken/{VERZOEKNUMMER}")
    assert page.url == f"{gateway.url}/login"
    assert httpx2.get(f"{gateway.url}/v1/verzoeken").status_code == 401


def test_viewer_cannot_retry_and_never_sees_a_bsn(gateway: Gateway, page: Any) -> None:
    log_in(page, gateway.url, "vera")
    page.goto(f"{gateway.url}/status/verzoeken/{CLEAN_NR}")
    page.get_by_text("STAM-bericht versie 1").click()
    page.get_by_text("Canoniek model versie 1").click()
    html = page.content()
    assert BSN not in html
    assert "*****3653" in html
    assert page.get_by_role("button", name="Uitvoeren").count() == 0
    # Even a hand-made POST with the viewer's own CSRF token is refused.
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    answer = page.request.post(
        f"{gateway.url}/status/verzoeken/{VERZOEKNUMMER}/versies/1/acties",
        form={"actie": "afgehandeld", "toelichting": "mag niet", "csrf": csrf},
    )
    assert answer.status == 403
    assert gateway.stack.container.store.get_verzoek(VERZOEKNUMMER).state != "handled"  # type: ignore[union-attr]
    page.screenshot(path=str(SCREENSHOTS / "detail-viewer.png"), full_page=True)


def test_operator_finds_failed_verzoek_and_retries_it(gateway: Gateway, page: Any) -> None:
    log_in(page, gateway.url, "olga")
    page.screenshot(path=str(SCREENSHOTS / "overview.png"), full_page=True)
    page.get_by_label("Zoeken op").fill(VERZOEKNUMMER)
    page.get_by_label("Zoeken op").press("Enter")
    page.get_by_role("heading", name="1 verzoek(en)").wait_for()
    assert page.url == f"{gateway.url}/status"  # the search term never goes into a URL
    page.locator("#resultaten").get_by_role("link", name=VERZOEKNUMMER).click()
    page.wait_for_url(f"{gateway.url}/status/verzoeken/{VERZOEKNUMMER}")
    assert page.locator("#status-verzoek").inner_text() == "Mislukt"
    assert "Mislukt bij ophalen bij het Omgevingsloket" in page.content()
    page.screenshot(path=str(SCREENSHOTS / "detail-failed.png"), full_page=True)

    page.get_by_label("Actie").select_option("opnieuw")
    page.get_by_label("Toelichting (verplicht)").fill("DSO was tijdelijk onbereikbaar")
    page.get_by_role("button", name="Uitvoeren").click()
    page.wait_for_url(f"{gateway.url}/status/verzoeken/{VERZOEKNUMMER}")
    assert "Opnieuw proberen" in page.content()

    _wait_state(gateway.stack, VERZOEKNUMMER, {"reported"})
    page.reload()
    assert page.locator("#status-verzoek").inner_text() == "Teruggemeld"
    html = page.content()
    assert "Geregistreerd in zaaksysteem" in html
    assert "door olga (local)" in html and "DSO was tijdelijk onbereikbaar" in html
    assert "DSO-2026031000101" in html  # the zaak identificatie
    page.screenshot(path=str(SCREENSHOTS / "detail-delivered.png"), full_page=True)
