"""StufDelivery: a verzoek into a ZDS 1.1 / StUF-ZKN 3.10 zaaksysteem, every step checkpointed.

Flow (as Open Formulieren and OpenWave do it): genereerZaakIdentificatie_Di02 -> creeerZaak_Lk01
-> per document genereerDocumentIdentificatie_Di02 -> voegZaakdocumentToe_Lk01. Aanvullen adds
the documents not delivered before and sets the status; Intrekken sets the end status and the
einddatum (updateZaak_Lk01). Keys: "zaak:identificatie", "zaak" and "document:<id>" are
verzoek-level, the rest carries the version prefix ("v2:...").

StUF carries documents base64 inside the XML. The message is built with a placeholder and the
content is streamed from the archive in its place (streaming.py), so memory does not grow with
the document. `max_document_bytes` still refuses larger ones (permanently): a counterpart takes
only so much inline.

At start-up the mapping must give every zaaktype it can choose a StUF code of at most 10
characters (stuf_zkn.zaaktype_codes): a MappingFileError names the ones that lack it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog

from adapters.base import Checkpoints, DeliveryResult, DocumentSource
from adapters.errors import DeliveryError, DeliveryPermanentError, DeliveryRetryableError
from adapters.stuf_zkn import soap
from adapters.stuf_zkn.client import StufClient
from adapters.stuf_zkn.messages import DEFAULT_EINDSTATUS, DEFAULT_STATUSTYPEN, build_status_lk01
from adapters.stuf_zkn.streaming import InlineDocumentBody
from stam_mapping.errors import MappingFileError, StamError
from stam_mapping.mapping import MunicipalMapping
from stam_mapping.model import Doel, Verzoek
from stam_mapping.stuf import (
    Stuurgegevens,
    Systeem,
    build_creeer_zaak_lk01,
    build_genereer_document_identificatie_di02,
    build_genereer_zaak_identificatie_di02,
    build_voeg_zaakdocument_toe_lk01,
    missing_zaaktype_codes,
    zaaktype_code,
)

log = structlog.get_logger(__name__)

__all__ = ["DEFAULT_STATUSTYPEN", "StufDelivery"]


class StufDelivery:
    name = "stuf-zkn"

    def __init__(
        self,
        client: StufClient,
        mapping: MunicipalMapping,
        *,
        zender: Systeem | None = None,
        ontvanger: Systeem | None = None,
        statustypen: dict[str, int] | None = None,
        eindstatus: str = DEFAULT_EINDSTATUS,
        max_document_bytes: int = 4 * 1024**3,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        missing = missing_zaaktype_codes(mapping)
        if missing:
            raise MappingFileError(
                "stuf_zkn.zaaktype_codes: no StUF zaaktype code (at most 10 characters) for "
                + ", ".join(repr(m) for m in missing)
            )
        self._client = client
        self._mapping = mapping
        self._zender = zender or Systeem(organisatie="Gemeente", applicatie="DSO-gateway")
        self._ontvanger = ontvanger or Systeem(organisatie="Gemeente", applicatie="ZKN")
        self._statustypen = statustypen or dict(DEFAULT_STATUSTYPEN)
        self._eindstatus = eindstatus
        self._max = max_document_bytes
        self._now = now

    def _stuurgegevens(self) -> Stuurgegevens:
        return Stuurgegevens(zender=self._zender, ontvanger=self._ontvanger, tijdstip=self._now())

    def close(self) -> None:
        self._client.close()

    def deliver(
        self,
        verzoek: Verzoek,
        previous: Verzoek | None,
        documents: DocumentSource,
        checkpoints: Checkpoints,
    ) -> DeliveryResult:
        bound = log.bind(verzoeknummer=verzoek.verzoeknummer, volgnummer=verzoek.volgnummer)
        try:
            return self._deliver(verzoek, documents, checkpoints, bound)
        except DeliveryError:
            raise
        except OSError as exc:  # the archived bijlage could not be read (disk, NFS): may pass later
            raise DeliveryRetryableError(f"reading a document failed: {type(exc).__name__}") from exc
        except StamError as exc:
            raise DeliveryPermanentError(
                f"no StUF message for verzoek {verzoek.verzoeknummer}: {exc}"
            ) from exc

    def _step(
        self, checkpoints: Checkpoints, key: str, action: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        done = checkpoints.get(key)
        if done is None:
            done = action()
            checkpoints.put(key, done)
        return done

    def _deliver(
        self, verzoek: Verzoek, documents: DocumentSource, checkpoints: Checkpoints, log: Any
    ) -> DeliveryResult:
        client = self._client
        v = f"v{verzoek.volgnummer}:"
        # Validate the mapping before anything is sent: a mapping gap must not leave a zaak behind.
        zaaktype_code(verzoek, self._mapping)
        ident = self._step(
            checkpoints,
            "zaak:identificatie",
            lambda: {
                "identificatie": client.genereer_identificatie(
                    "genereerZaakIdentificatie_Di02",
                    build_genereer_zaak_identificatie_di02(self._stuurgegevens()),
                )
            },
        )
        zaak_id = str(ident["identificatie"])

        def creeer() -> dict[str, Any]:
            if verzoek.doel in (Doel.AANVULLEN, Doel.INTREKKEN):
                log.warning("stuf.zaak.missing_for_version", doel=verzoek.doel.value)
            body = build_creeer_zaak_lk01(
                verzoek, self._mapping, zaak_identificatie=zaak_id, stuurgegevens=self._stuurgegevens()
            )
            try:
                client.kennisgeving("creeerZaak_Lk01", body)
            except DeliveryPermanentError as exc:
                # Staff fix the mapping by its zaaktype identificatie: name it next to the StUF code.
                zaaktype = self._mapping.zaaktype_voor(verzoek)
                raise DeliveryPermanentError(
                    f"{exc} (zaaktype {zaaktype}, StUF code {zaaktype_code(verzoek, self._mapping)})"
                ) from exc
            return {"identificatie": zaak_id, "url": f"urn:stuf-zkn:zaak:{zaak_id}"}

        zaak = self._step(checkpoints, "zaak", creeer)
        for document in verzoek.documenten():
            if checkpoints.get(f"document:{document.document_id}") is not None:
                continue  # delivered with an earlier version
            doc_ident = self._step(
                checkpoints,
                f"{v}document-identificatie:{document.document_id}",
                lambda: {
                    "identificatie": client.genereer_identificatie(
                        "genereerDocumentIdentificatie_Di02",
                        build_genereer_document_identificatie_di02(self._stuurgegevens()),
                    )
                },
            )
            size = documents.size(document.document_id)
            if size > self._max:
                raise DeliveryPermanentError(
                    f"document {document.document_id} is {size} bytes; StUF inline limit is {self._max}"
                )
            message = build_voeg_zaakdocument_toe_lk01(
                verzoek,
                document,
                self._mapping,
                zaak_identificatie=zaak_id,
                document_identificatie=str(doc_ident["identificatie"]),
                inhoud=None,  # streamed from the archive in its place
                stuurgegevens=self._stuurgegevens(),
                formaat=documents.media_type(document.document_id),
            )
            body = InlineDocumentBody(
                soap.envelope(message), functools.partial(documents.open, document.document_id), size
            )
            client.kennisgeving("voegZaakdocumentToe_Lk01", body)
            result = {"identificatie": doc_ident["identificatie"]}
            checkpoints.put(f"{v}document:{document.document_id}", result)
            checkpoints.put(f"document:{document.document_id}", result)
            log.info("stuf.step", step=f"{v}document:{document.document_id}")
        if verzoek.doel in (Doel.AANVULLEN, Doel.INTREKKEN):
            self._step(checkpoints, f"{v}status", lambda: self._status(verzoek, zaak_id))
        return DeliveryResult(zaak_url=str(zaak["url"]), zaak_identificatie=zaak_id)

    def _status(self, verzoek: Verzoek, zaak_id: str) -> dict[str, Any]:
        omschrijving, body = build_status_lk01(
            verzoek,
            self._mapping,
            zaak_identificatie=zaak_id,
            statustypen=self._statustypen,
            eindstatus=self._eindstatus,
            stuurgegevens=self._stuurgegevens(),
        )
        self._client.kennisgeving("updateZaak_Lk01", body)
        return {"status": omschrijving}
