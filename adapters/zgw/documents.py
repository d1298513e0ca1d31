"""Documents into the Documenten API: base64 `inhoud` for small files, bestandsdelen for large ones.

Large files are streamed from DocumentSource.open() part by part; at most one chunk of a part
is in memory at a time, and every part is sent with its Content-Length (client.py)."""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any, BinaryIO

import structlog

from adapters.base import Checkpoints, DocumentSource
from adapters.errors import DeliveryPermanentError
from adapters.zgw.client import ZgwClient

log = structlog.get_logger(__name__)

_READ = 1024 * 1024
_IDENTIFICATIE_MAX = 40  # EnkelvoudigInformatieObject.identificatie, Documenten 1.4.3


def identificatie(prefix: str, verzoeknummer: str, document_id: str) -> str:
    """A stable identificatie for a bijlage, so that a document whose POST answer was lost is
    found again with ?bronorganisatie=&identificatie= (the Documenten API leaves identificatie
    to the client; the provider only makes one up when it is empty). Readable when it fits the
    40 characters (DSO's "DOC-<verzoeknummer>-0001" does: exactly 40 with "DSO-"), else the
    readable start plus a hash of the whole, still unique per verzoek and document."""
    leesbaar = f"{prefix}{verzoeknummer}-{document_id}"
    if len(leesbaar) <= _IDENTIFICATIE_MAX:
        return leesbaar
    digest = hashlib.sha256(leesbaar.encode("utf-8")).hexdigest()[:16]
    return f"{leesbaar[: _IDENTIFICATIE_MAX - len(digest) - 1]}-{digest}"


def _skip(source: BinaryIO, count: int) -> None:
    """Move past parts uploaded before a crash: seek when possible, else read and discard."""
    if count == 0:
        return
    if source.seekable():
        source.seek(count, io.SEEK_CUR)
        return
    while count:
        data = source.read(min(count, _READ))
        if not data:
            raise DeliveryPermanentError("document ended before its announced size")
        count -= len(data)


def create_small(
    client: ZgwClient, body: dict[str, Any], documents: DocumentSource, document_id: str, size: int
) -> dict[str, Any]:
    with documents.open(document_id) as stream:
        inhoud = stream.read()
    if len(inhoud) != size:
        raise DeliveryPermanentError(f"document {document_id}: read {len(inhoud)} bytes, expected {size}")
    created = client.post(
        client.documenten("enkelvoudiginformatieobjecten"),
        {**body, "bestandsomvang": size, "inhoud": base64.b64encode(inhoud).decode("ascii")},
    )
    return {"url": str(created["url"])}


def create_large(
    client: ZgwClient,
    body: dict[str, Any],
    documents: DocumentSource,
    document_id: str,
    size: int,
    checkpoints: Checkpoints,
    state_key: str,
) -> dict[str, Any]:
    """The bestandsdelen flow: POST without inhoud, checkpoint the URL and lock under
    `state_key` (the lock is known only from this answer; it is what lets a later run resume),
    PUT each part, unlock."""
    created = client.post(
        client.documenten("enkelvoudiginformatieobjecten"), {**body, "bestandsomvang": size}
    )
    state = {"url": str(created["url"]), "lock": str(created["lock"])}
    checkpoints.put(state_key, state)
    return _upload(client, state, created.get("bestandsdelen") or [], body, documents, document_id, size)


def resume_large(
    client: ZgwClient,
    state: dict[str, Any],
    body: dict[str, Any],
    documents: DocumentSource,
    document_id: str,
    size: int,
) -> dict[str, Any]:
    """Continue a bestandsdelen upload begun by an earlier run (`state`: its URL and lock)."""
    current = client.get(str(state["url"]))
    if not current.get("locked"):
        # Only our unlock (which needs every part) releases the lock: it went through and its
        # answer was lost. The provider has dropped the parts by now, so there is nothing to check.
        return {"url": str(state["url"])}
    return _upload(client, state, current.get("bestandsdelen") or [], body, documents, document_id, size)


def _upload(
    client: ZgwClient,
    state: dict[str, Any],
    delen: list[dict[str, Any]],
    body: dict[str, Any],
    documents: DocumentSource,
    document_id: str,
    size: int,
) -> dict[str, Any]:
    """PUT each part the provider does not have yet (voltooid), then unlock."""
    delen = sorted(delen, key=lambda d: int(d["volgnummer"]))
    if sum(int(d["omvang"]) for d in delen) != size:
        raise DeliveryPermanentError(f"document {document_id}: bestandsdelen do not add up to {size} bytes")
    naam = str(body.get("bestandsnaam") or document_id)
    with documents.open(document_id) as stream:
        for deel in delen:
            omvang = int(deel["omvang"])
            if deel.get("voltooid"):
                _skip(stream, omvang)
                continue
            client.put_bestandsdeel(
                str(deel["url"]), lock=state["lock"], inhoud=stream, omvang=omvang, bestandsnaam=naam
            )
    client.post(f"{state['url']}/unlock", {"lock": state["lock"]})
    log.info("zgw.document.bestandsdelen", delen=len(delen), size=size)
    return {"url": str(state["url"])}
