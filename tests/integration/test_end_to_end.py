"""End to end over 127.0.0.1: the real API, the real SQLite queue, the real DSO sandbox and ZGW
test server, and the workers; nothing of ours is mocked.

A verzoek is submitted at the sandbox, which notifies the gateway as DSO-LV does; the test then
looks at what arrived in the case system, what DSO was told, and what the API reports."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from adapters.zgw.testserver.app import store_of
from gateway.settings import Settings
from gateway.stack import LocalStack
from gateway.store.queries import VerzoekFilter, search_verzoeken

TOKEN = "e2e-test-token"
BSN = "999993653"
INITIEREN = ("verbouwing-initieren", "2026031000101", 1)
AANVULLEN = ("verbouwing-aanvullen", "2026031000101", 2)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    settings = Settings(
        data_dir=tmp_path,
        api_token_sha256=[hashlib.sha256(TOKEN.encode()).hexdigest()],
        retry_base_delay=0.2,
    )
    with LocalStack(settings, data_dir=tmp_path) as running:
        yield running


def _submit(stack: LocalStack, name: str) -> None:
    httpx2.post(f"{stack.sandbox.url}/_sandbox/examples/{name}", timeout=30).raise_for_status()


def _api(stack: LocalStack) -> httpx2.Client:
    return httpx2.Client(base_url=stack.api.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)


def test_one_verzoek_from_notification_to_reported_zaak(stack: LocalStack) -> None:
    name, vnr, volgnummer = INITIEREN
    _submit(stack, name)
    found = stack.wait_final([(vnr, volgnummer)], timeout=60)
    versie = found[(vnr, volgnummer)]
    assert versie is not None and versie.state == "reported", versie

    zgw = store_of(stack.zgw_app)
    [zaak] = zgw.zaken.values()
    assert {"kenmerk": vnr, "bron": "DSO"} in zaak["kenmerken"]
    rollen = [r for r in zgw.rollen.values() if r["zaak"] == zaak["url"]]
    initiator = [r for r in rollen if r["betrokkeneType"] == "natuurlijk_persoon"]
    assert len(initiator) == 1 and initiator[0]["betrokkeneIdentificatie"]["inpBsn"] == BSN
    # Both bijlagen of the example arrived as documents, related to the zaak, with their bytes.
    zios = [z for z in zgw.zaakinformatieobjecten.values() if z["zaak"] == zaak["url"]]
    bijlagen = [z for z in zios if not z["titel"].startswith("Ontvangstbevestiging")]
    assert len(bijlagen) == 2 and len(zios) == len(zgw.documenten) == 3
    for zio in zios:
        document = zgw.documenten[zio["informatieobject"].rstrip("/").rsplit("/", 1)[-1]]
        assert len(zgw.content_of(zio["informatieobject"])) == document["bestandsomvang"] > 0

    # The ontvangstbevestiging went by e-mail (STARTTLS) to the address in the STAM, once.
    assert stack.smtp is not None
    [mail] = stack.smtp.ontvangen
    assert mail.tls and mail.rcpt_tos == ("a.jansen@example.org",) and zaak["identificatie"] in mail.text

    # Production defaults: DSO documents no case-number link, so no samenwerking was created.
    links = httpx2.get(f"{stack.sandbox.url}/_sandbox/samenwerkingen", timeout=10).json()
    assert links == []

    # The API knows all of it, and never shows the BSN.
    with _api(stack) as api:
        detail = api.get(f"/v1/verzoeken/{vnr}")
        assert detail.status_code == 200
        body = detail.json()
        assert body["status"] == "reported" and body["zaakUrl"] == zaak["url"]
        assert [e["soort"] for e in body["gebeurtenissen"]][:1] == ["received"]
        assert {"fetched", "delivered", "reported"} <= {e["soort"] for e in body["gebeurtenissen"]}
        listing = api.get("/v1/verzoeken")
        assert listing.json()["totaal"] == 1
        for text in (detail.text, listing.text):
            assert BSN not in text


def test_aanvulling_updates_the_same_zaak_and_duplicates_are_no_ops(stack: LocalStack) -> None:
    _submit(stack, INITIEREN[0])
    assert stack.wait_final([INITIEREN[1:]], timeout=60)[INITIEREN[1:]].state == "reported"  # type: ignore[union-attr]
    _submit(stack, AANVULLEN[0])
    assert stack.wait_final([AANVULLEN[1:]], timeout=60)[AANVULLEN[1:]].state == "reported"  # type: ignore[union-attr]

    # The same notification again, as DSO may send it twice: accepted, nothing new happens.
    notification = (
        '<vn:verzoeknotificatie xmlns:vn="http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoeknotificatie">'
        f"<vn:verzoeknummer>{AANVULLEN[1]}</vn:verzoeknummer><vn:volgnummer>2</vn:volgnummer>"
        "</vn:verzoeknotificatie>"
    )
    answer = httpx2.post(f"{stack.api.url}/v1/dso/verzoeknotificaties", content=notification, timeout=10)
    assert answer.status_code == 202 and answer.json()["status"] == "dubbel"

    zgw = store_of(stack.zgw_app)
    assert len(zgw.zaken) == 1
    # The aanvulling replaced one document: one new document on the same zaak, plus the two
    # ontvangstbevestigingen (one per version, the aanvulling's with its own text).
    assert len(zgw.documenten) == 5
    assert stack.smtp is not None
    onderwerpen = [str(m.message["Subject"]) for m in stack.smtp.ontvangen]
    assert len(onderwerpen) == 2 and all(o.startswith("Ontvangstbevestiging van uw aan") for o in onderwerpen)
    assert "aanvulling" in stack.smtp.ontvangen[1].message["Subject"]


def test_bad_notification_is_refused_and_nothing_is_stored(stack: LocalStack) -> None:
    for body in (b"<not-xml", b'<vn:verzoeknotificatie xmlns:vn="urn:x"/>', b"<x>" + BSN.encode() + b"</x>"):
        answer = httpx2.post(f"{stack.api.url}/v1/dso/verzoeknotificaties", content=body, timeout=10)
        assert answer.status_code == 400
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert BSN not in answer.text
    assert search_verzoeken(stack.container.store, VerzoekFilter())[1] == 0


BROKEN_STAM = b"""<?xml version="1.0" encoding="UTF-8"?>
<vx:verzoek xmlns:vx="http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoek">
  <vx:verzoeknummer>2026040100999</vx:verzoeknummer>
  <vx:volgnummer>1</vx:volgnummer>
  <vx:doel>Iets anders</vx:doel>
  <vx:type>Melding</vx:type>
  <vx:indienDatum>2026-04-01T10:00:00+02:00</vx:indienDatum>
  <vx:bevoegdGezag><vx:oin>00000001001600820000</vx:oin></vx:bevoegdGezag>
</vx:verzoek>"""


def test_unparseable_stam_is_failed_with_reason_kept_and_does_not_block_others(stack: LocalStack) -> None:
    httpx2.post(f"{stack.sandbox.url}/_sandbox/verzoeken", content=BROKEN_STAM, timeout=10).raise_for_status()
    _submit(stack, "kap-percelen")
    found = stack.wait_final([("2026040100999", 1), ("2026031300404", 1)], timeout=60)
    failed = found[("2026040100999", 1)]
    assert failed is not None and failed.state == "failed" and failed.failed_stage == "translate"
    assert failed.last_error is not None and "doel" in failed.last_error
    # The raw XML is kept for staff to look at.
    assert stack.container.archive.stam("2026040100999", 1) == BROKEN_STAM
    assert found[("2026031300404", 1)].state == "reported"  # type: ignore[union-attr]
