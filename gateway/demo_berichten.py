"""The demo's part for messages to the initiatiefnemer: a case worker sets a status on some
zaken (through the Zaken API, as their case system would), and the demo counts what was told."""

from __future__ import annotations

import time
from dataclasses import dataclass

from gateway.bootstrap import build_zgw_client
from gateway.stack import LocalStack
from gateway.zaakstatus import zet_status


@dataclass(frozen=True)
class Verteld:
    ontvangst_email: int
    ontvangst_post: int
    statusberichten: int


def zet_statussen(stack: LocalStack, verzoeknummers: list[str], *, aantal: int, timeout: float) -> int:
    """Set "Afgehandeld" on `aantal` open zaken and wait until the gateway handled each status.
    Returns how many were handled in time."""
    store = stack.container.store
    gezet: list[tuple[str, str]] = []
    with build_zgw_client(stack.settings) as client:
        for vnr in verzoeknummers:
            record = store.get_verzoek(vnr)
            if len(gezet) == aantal or record is None or record.state != "reported" or not record.zaak_url:
                continue
            if client.get(record.zaak_url).get("einddatum"):
                continue  # closed already (an intrekking)
            gezet.append(
                (vnr, zet_status(client, record.zaak_url, "Afgehandeld", "Besluit verzonden (demo)"))
            )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        klaar = sum(store.checkpoint_get(vnr, f"zaakstatus:{url}") is not None for vnr, url in gezet)
        if klaar == len(gezet):
            break
        time.sleep(0.1)
    return sum(store.checkpoint_get(vnr, f"zaakstatus:{url}") is not None for vnr, url in gezet)


def tel(stack: LocalStack, verzoeknummers: list[str]) -> Verteld:
    email = post = status = 0
    for vnr in set(verzoeknummers):
        for event in stack.container.store.events_for(vnr):
            detail = event.detail or ""
            if event.kind == "bericht-verzonden" and detail.startswith("ontvangstbevestiging"):
                email += 1
            elif event.kind == "per-post-te-versturen" and detail.startswith("ontvangstbevestiging"):
                post += 1
            elif event.kind in ("bericht-verzonden", "per-post-te-versturen") and detail.startswith(
                "statusbericht"
            ):
                status += 1
    return Verteld(email, post, status)
