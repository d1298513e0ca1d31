"""A permit clerk (viewer) at work: finds a verzoek the way they think of it, reads Dutch times
and a Dutch failure reason with advice, on a 320 px wide screen without sideways scrolling;
axe-core finds no WCAG 2.1 A/AA violations and the focus ring has 3:1 contrast."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from gateway.tijd import iso_lokaal, lokaal
from tests.browser.conftest import CLEAN_NR, SCREENSHOTS, VERZOEKNUMMER, Gateway, log_in
from tests.services import require_service

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[2] / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _page(browser: Any, width: int, height: int) -> Any:
    # bypass_csp: axe-core is injected as a script the page's own CSP (rightly) refuses.
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="nl-NL", bypass_csp=True
    )
    p = context.new_page()
    p.set_default_timeout(15000)
    return context, p


@pytest.fixture
def narrow(browser: Any) -> Any:
    # 320 CSS px: WCAG 1.4.10 Reflow (1280 px at 400 % zoom).
    context, p = _page(browser, 320, 640)
    yield p
    context.close()


@pytest.fixture
def wide(browser: Any) -> Any:
    context, p = _page(browser, 1366, 850)
    yield p
    context.close()


def _search(page: Any, url: str, term: str) -> str:
    page.goto(f"{url}/status")
    page.get_by_label("Zoeken op").fill(term)
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_url(f"{url}/status")
    assert term not in page.url  # search terms never go into a URL
    return str(page.locator("#resultaten").inner_text())


def _no_sideways_scroll(page: Any, what: str) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{what}: {widths[0]} px of content in a {widths[1]} px screen"


def _axe(page: Any, what: str) -> None:
    if not AXE.exists():
        # `bash scripts/browser.sh` installs it; in CI it must be there.
        if os.environ.get("CI") == "true":
            pytest.fail(f"axe-core missing at {AXE}")
        require_service("axe-core (bash scripts/browser.sh)", False)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))",
        WCAG_TAGS,
    )
    assert result == [], f"{what}: {result}"


def _luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: list[float], b: list[float]) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _focus_contrast(page: Any, selector: str, background: str) -> float:
    colours = page.evaluate(
        """([sel, bg]) => {
            const el = document.querySelector(sel); el.focus();
            const rgb = s => s.match(/[\\d.]+/g).map(Number);
            return [rgb(getComputedStyle(el).outlineColor),
                    rgb(getComputedStyle(document.querySelector(bg)).backgroundColor),
                    getComputedStyle(el).outlineStyle];
        }""",
        [selector, background],
    )
    assert colours[2] != "none", f"{selector} has no focus ring"
    return _contrast(colours[0], colours[1])


def test_clerk_finds_by_name_postcode_and_project_id_on_a_phone(gateway: Gateway, narrow: Any) -> None:
    url = gateway.url
    log_in(narrow, url, "vera")
    # Fixture 01: aanvrager Jan van der Berg, Loolaan 12, 7315AB Apeldoorn, DSO project P-7731.
    for term in ("Berg", "7315 AB", "7315ab", "P-7731"):
        assert CLEAN_NR in _search(narrow, url, term), term
    assert CLEAN_NR not in _search(narrow, url, "Nergensstraat")
    _no_sideways_scroll(narrow, "overzicht")
    _axe(narrow, "overzicht 320 px")
    narrow.screenshot(path=str(SCREENSHOTS / "overview-320.png"), full_page=True)

    narrow.goto(f"{url}/status/verzoeken/{CLEAN_NR}")
    html = narrow.content()
    assert "Jan van der Berg" in html and "Loolaan 12, 7315AB Apeldoorn" in html
    assert "Gemeente Apeldoorn" in html and "UTC" not in html
    _no_sideways_scroll(narrow, "detail")
    _axe(narrow, "detail 320 px")
    narrow.screenshot(path=str(SCREENSHOTS / "detail-320.png"), full_page=True)


def test_clerk_reads_dutch_times_and_a_dutch_failure_with_advice(gateway: Gateway, narrow: Any) -> None:
    url = gateway.url
    log_in(narrow, url, "vera")
    narrow.goto(f"{url}/status/verzoeken/{VERZOEKNUMMER}")
    text = narrow.locator("main").inner_text()
    assert "Het Omgevingsloket (DSO) was niet bereikbaar of gaf een storing." in text
    assert "Technisch beheer controleert" in text and "daarna Opnieuw proberen" in text
    # The technical reason is there, folded away.
    details = narrow.locator("details.technisch").first
    assert details.get_attribute("open") is None
    # Dutch local time with its offset, as the record's UTC time converted.
    record = gateway.stack.container.store.get_verzoek(VERZOEKNUMMER)
    assert record is not None
    assert lokaal(record.created_at) in text
    assert narrow.locator(f'time[datetime="{iso_lokaal(record.created_at)}"]').count() >= 1
    _no_sideways_scroll(narrow, "mislukt verzoek")
    _axe(narrow, "mislukt verzoek 320 px")


def test_error_page_and_focus_ring(gateway: Gateway, wide: Any) -> None:
    page = wide
    url = gateway.url
    log_in(page, url, "vera")
    page.goto(f"{url}/status/bestaat-niet")
    assert page.get_by_role("heading", name="Niet gevonden").count() == 1
    assert page.get_by_role("link", name="Terug naar het overzicht").count() == 1
    _axe(page, "foutpagina")
    page.goto(f"{url}/status")
    _axe(page, "overzicht 1366 px")
    assert _focus_contrast(page, "#zoek", "body") >= 3.0
    assert _focus_contrast(page, ".top button", ".top") >= 3.0
