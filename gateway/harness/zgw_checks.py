"""A scenario's ZGW expectations, read through the ZGW APIs of whatever provider was the target.

One reader for every harness shape: the embedded ZGW test server, an external ZGW (`harness run
--zgw-url`, e.g. a municipality's Open Zaak test environment) and pre-production. It never looks
into a test server's memory, so a pass means the zaak is there for a behandelaar to find: by its
identificatie, with the verzoeknummer as kenmerk, its rollen, statussen, resultaat and documents
whose content can be downloaded in full."""

from __future__ import annotations

from typing import Any

import httpx2

from adapters.errors import DeliveryError
from adapters.zgw.client import ZgwClient
from gateway.harness.scenario import ZgwExpectation

ZAAK_PREFIX = "DSO-"  # adapters.zgw.delivery gives the zaak identificatie DSO-<verzoeknummer>
_CHUNK = 1024 * 1024


def count_problem(what: str, got: int, wanted: int | None) -> list[str]:
    return [] if wanted is None or got == wanted else [f"{got} {what}, expected {wanted}"]


def zgw_problems(zgw: ZgwClient, verzoeknummer: str, wanted: ZgwExpectation) -> list[str]:
    """Mismatches between `wanted` and the zaak the gateway made for `verzoeknummer`."""
    if wanted == ZgwExpectation():
        return []
    try:
        return _zaak_problems(zgw, verzoeknummer, wanted)
    except (DeliveryError, httpx2.HTTPError) as exc:
        return [f"reading the zaak at ZGW failed: {type(exc).__name__}: {exc}"]


def _zaak_problems(zgw: ZgwClient, verzoeknummer: str, wanted: ZgwExpectation) -> list[str]:
    zaken = list(zgw.list_all(zgw.zaken("/zaken"), {"identificatie": f"{ZAAK_PREFIX}{verzoeknummer}"}))
    problems = count_problem("zaken at ZGW", len(zaken), wanted.zaken)
    if len(zaken) != 1:
        return problems
    zaak = zaken[0]
    zios = list(zgw.list_all(zgw.zaken("/zaakinformatieobjecten"), {"zaak": zaak["url"]}))
    documents = [zgw.get(zio["informatieobject"]) for zio in zios]
    # Our own messages to the initiatiefnemer (identificatie BER-...) are counted apart from bijlagen.
    berichten = sum(str(d.get("identificatie", "")).startswith("BER-") for d in documents)
    problems += count_problem("documenten at ZGW", len(zios) - berichten, wanted.documenten)
    problems += count_problem("berichten in the zaak at ZGW", berichten, wanted.berichten)
    if wanted.rollen is not None:
        rollen = list(zgw.list_all(zgw.zaken("/rollen"), {"zaak": zaak["url"]}))
        problems += count_problem("rollen at ZGW", len(rollen), wanted.rollen)
    if wanted.zaaktype is not None:
        zaaktype = zgw.get(zaak["zaaktype"]).get("identificatie")
        if zaaktype != wanted.zaaktype:
            problems.append(f"zaaktype {zaaktype}, expected {wanted.zaaktype}")
    # The bron is the mapping's kenmerk_bron (DSO by default): any bron will do here.
    if not any(k.get("kenmerk") == verzoeknummer for k in zaak.get("kenmerken") or []):
        problems.append(f"zaak {zaak.get('identificatie')} has no kenmerk {verzoeknummer}")
    if wanted.statussen is not None:
        statussen = list(zgw.list_all(zgw.zaken("/statussen"), {"zaak": zaak["url"]}))
        problems += count_problem("statussen at ZGW", len(statussen), wanted.statussen)
    if wanted.eindstatus is not None and bool(zaak.get("einddatum")) != wanted.eindstatus:
        problems.append(
            "zaak is open, expected closed" if wanted.eindstatus else "zaak is closed, expected open"
        )
    if wanted.resultaat is not None and bool(zaak.get("resultaat")) != wanted.resultaat:
        problems.append(
            "zaak has no resultaat" if wanted.resultaat else "zaak has a resultaat, expected none"
        )
    sizes: list[int] = []
    with httpx2.Client(timeout=httpx2.Timeout(60.0)) as download:
        for document in documents:
            problems += _content_problems(zgw, download, document)
            sizes.append(int(document.get("bestandsomvang") or 0))
    if wanted.largest_document is not None:
        problems += count_problem("largest document (bytes)", max(sizes, default=0), wanted.largest_document)
    return problems


def _content_problems(zgw: ZgwClient, download: httpx2.Client, document: dict[str, Any]) -> list[str]:
    """Download the content and count it: every byte the document claims must be there (a
    truncated upload or a part never sent shows up here, not in the metadata)."""
    name, claimed = document.get("bestandsnaam"), document.get("bestandsomvang")
    if not claimed:
        return [f"document {name} has no content at ZGW"]
    if not document.get("inhoud"):
        return [f"document {name} has no download link (inhoud)"]
    received = 0
    # A fresh token: the download of a large document may start long after the list call.
    headers = {"Authorization": f"Bearer {zgw.token()}"}
    with download.stream("GET", str(document["inhoud"]), headers=headers) as response:
        if response.status_code != 200:
            return [f"document {name}: download answered {response.status_code}"]
        for chunk in response.iter_bytes(_CHUNK):
            received += len(chunk)
    if received != int(claimed):
        return [f"document {name}: {received} bytes stored, {claimed} claimed"]
    return []
