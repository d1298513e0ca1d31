"""URLs in request bodies, resolved as Open Zaak resolves them: a catalogue type must exist on
this server and be of the right kind, published unless the feature flag allows concepts; an
external URL (zaakobject.object, communicatiekanaal, selectielijstklasse) must answer a GET with 200."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx2

from adapters.zgw.testserver.problems import Invalid
from adapters.zgw.testserver.store import CATALOGI, DOCUMENTEN, ZgwStore

_KINDS_BY_SEGMENT = {
    CATALOGI: (
        "catalogussen",
        "zaaktypen",
        "statustypen",
        "roltypen",
        "informatieobjecttypen",
        "eigenschappen",
        "resultaattypen",
        "zaaktype-informatieobjecttypen",
    ),
    DOCUMENTEN: ("enkelvoudiginformatieobjecten", "gebruiksrechten", "bestandsdelen"),
}


def is_local(store: ZgwStore, url: str) -> bool:
    """On this server's host (Open Zaak: a host in ALLOWED_HOSTS). The server knows one host,
    the one its first request came in on, and compares every stored URL as given."""
    ours, theirs = urlsplit(store.base_url), urlsplit(url)
    return (ours.scheme, ours.netloc) == (theirs.scheme, theirs.netloc)


def catalogus_type(
    store: ZgwStore, body: dict[str, Any], invalid: Invalid, name: str, kind: str, *, published: bool = False
) -> dict[str, Any] | None:
    """The catalogue object body[name] points at, or None with the error recorded:
    `unknown-service` (another host), `bad-url` (nothing there), `invalid-resource` (another
    kind of resource), `not-published` (a concept, when `published` is asked)."""
    url = body.get(name)
    if not url:
        return None
    url = str(url)
    if not url.startswith(("http://", "https://")):
        invalid.add(name, "bad-url", "Voer een geldige URL in.")
        return None
    if not is_local(store, url):
        invalid.add(name, "unknown-service", "De URL hoort bij geen bekende service.")
        return None
    found = store.find(kind, url)
    if found is None:
        other = next(
            (k for ks in _KINDS_BY_SEGMENT.values() for k in ks if k != kind and store.find(k, url)), None
        )
        if other is not None:
            invalid.add(
                name, "invalid-resource", f"De URL wijst naar een {other[:-1]}, niet naar een {kind[:-1]}."
            )
        else:
            invalid.add(name, "bad-url", "De URL leidt niet tot een resource (404).")
        return None
    if published and found.get("concept") and not store.config.allow_unpublished_typen:
        invalid.add(name, "not-published", "Het object is nog niet gepubliceerd.")
        return None
    return found


def local_object(
    store: ZgwStore,
    items: dict[str, dict[str, Any]],
    body: dict[str, Any],
    invalid: Invalid,
    name: str,
    *,
    missing: str = "bad-url",
) -> dict[str, Any] | None:
    """A Zaken/Documenten object (zaak, document) body[name] points at. Not there: `missing`
    (`bad-url` for Open Zaak's loose references, `does_not_exist` for its own hyperlinks)."""
    url = body.get(name)
    if not url:
        return None
    url = str(url).rstrip("/")
    if not url.startswith(("http://", "https://")):
        invalid.add(name, "bad-url", "Voer een geldige URL in.")
        return None
    if not is_local(store, url):
        invalid.add(name, "unknown-service", "De URL hoort bij geen bekende service.")
        return None
    found = items.get(url.rsplit("/", 1)[-1])
    if found is None or urlsplit(found["url"]).path != urlsplit(url).path:
        invalid.add(name, missing, "Ongeldige hyperlink - Object bestaat niet.")
        return None
    return found


async def fetchable(store: ZgwStore, body: dict[str, Any], invalid: Invalid, *names: str) -> None:
    """Open Zaak GETs these URLs and wants a 200 (`bad-url` otherwise)."""
    if not store.config.fetch_external_urls:
        return
    for name in names:
        url = body.get(name)
        if not url:
            continue
        try:
            async with httpx2.AsyncClient(timeout=5) as client:
                answer = await client.get(str(url))
        except (httpx2.HTTPError, ValueError):
            invalid.add(name, "bad-url", "De URL kon niet opgehaald worden.")
            continue
        if answer.status_code != 200:
            invalid.add(name, "bad-url", f"De URL gaf status {answer.status_code}, verwacht 200.")
