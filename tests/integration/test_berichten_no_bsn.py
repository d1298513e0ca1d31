"""No BSN in any message sent: every shipped example through the whole stack on 127.0.0.1 (real
SMTP server, ZGW test server with its Notificaties API), statuses set by a case worker, and then
every mail the SMTP server captured, every letter for the post and every message stored in a
zaak is scanned for the examples' BSNs and for anything that passes the 11-proef."""

from __future__ import annotations

from pathlib import Path

import httpx2

from adapters.zgw.testserver.app import store_of
from dso_client.sandbox.examples import list_examples
from gateway.berichten.bericht import bevat_bsn
from gateway.berichten.pdf import pdf_text
from gateway.demo_berichten import zet_statussen
from gateway.settings import Settings
from gateway.stack import LocalStack
from stam_mapping import parse_verzoek


def test_no_bsn_in_any_mail_letter_or_stored_message(tmp_path: Path) -> None:
    examples = list_examples()
    bsns = {bsn for e in examples for bsn in parse_verzoek(e.xml).bsns()}
    assert bsns, "the examples hold BSNs: the scan must have something to look for"
    with LocalStack(Settings(data_dir=tmp_path, retry_base_delay=0.2), data_dir=tmp_path) as stack:
        for example in examples:
            httpx2.post(
                f"{stack.sandbox.url}/_sandbox/examples/{example.name}", timeout=30
            ).raise_for_status()
        found = stack.wait_final([(e.verzoeknummer, e.volgnummer) for e in examples], timeout=120)
        assert all(r is not None and r.state == "reported" for r in found.values()), found
        assert zet_statussen(stack, [e.verzoeknummer for e in examples], aantal=2, timeout=30) == 2
        assert stack.smtp is not None
        mails = [m.data.decode("utf-8", "replace") for m in stack.smtp.ontvangen]
        texts = [m.text for m in stack.smtp.ontvangen]
        letters = [pdf_text(p.read_bytes()) for p in stack.settings.effective_post_dir.glob("*.pdf")]
        zgw = store_of(stack.zgw_app)
        stored = [
            pdf_text(zgw.content_of(d["url"]))
            for d in list(zgw.documenten.values())
            if str(d.get("identificatie", "")).startswith("BER-")
        ]
    # Every ontvangstbevestiging is in its zaak (the intrekking waits for it); the statusberichten
    # for the two zaken just closed are not (a closed zaak takes no documents: bericht-niet-in-zaak).
    assert len(mails) >= 6 and len(letters) == 1 and len(stored) == 5
    for text in mails + texts + letters + stored:
        assert not any(bsn in text for bsn in bsns)
        assert not bevat_bsn(text)
