"""Every message sent is also stored in the zaak, as a document of its own informatieobjecttype.

ZgwZaakDocumenten writes through the Documenten and Zaken APIs; RecordingZaakDocumenten is the
fake for the memory delivery and tests. Both are safe against a lost answer and a crash at any
point, and a retry creates nothing twice: the provider's own uniqueness rules say what exists
already (the Open Zaak fact sheet, ../shared/zgw/openzaak-rules.md, rule 10 and B7), so the
happy path is the two POSTs and nothing is looked up before them."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import structlog

from adapters.errors import DeliveryPermanentError
from adapters.zgw import recovery
from adapters.zgw.catalogus import CatalogusResolver
from adapters.zgw.client import ZgwClient
from gateway.errors import PermanentError
from stam_mapping.mapping import MunicipalMapping

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ZaakDocument:
    identificatie: str  # stable per message: at most 40 characters
    titel: str
    bestandsnaam: str
    inhoud: bytes
    informatieobjecttype: str  # omschrijving, from the mapping
    formaat: str = "application/pdf"


class ZaakGesloten(PermanentError):
    """The zaak is closed (einddatum set): the Zaken API refuses new documents on it unless the
    client has the scope zaken.geforceerd-bijwerken, which the gateway does not ask for."""


class ZaakDocumenten(Protocol):
    def voeg_toe(self, zaak_url: str, document: ZaakDocument) -> str:
        """Store the document in the zaak (once); returns the document's URL."""
        ...


class ZgwZaakDocumenten:
    def __init__(self, client: ZgwClient, mapping: MunicipalMapping) -> None:
        self._client = client
        self._mapping = mapping
        self._resolver = CatalogusResolver(client)
        self._typen: dict[str, str] | None = None

    def _informatieobjecttype(self, omschrijving: str) -> str:
        if self._typen is None:
            c = self._client
            catalogus = self._resolver.catalogus(self._mapping.catalogus.domein, self._mapping.catalogus.rsin)
            found = c.list_all(c.catalogi("informatieobjecttypen"), {"catalogus": catalogus})
            self._typen = {str(i["omschrijving"]): str(i["url"]) for i in found if not i.get("concept")}
        if omschrijving not in self._typen:
            self._typen = None  # look again next time: staff may have published it meanwhile
            raise PermanentError(f"informatieobjecttype {omschrijving!r} staat niet in de catalogus")
        return self._typen[omschrijving]

    def voeg_toe(self, zaak_url: str, document: ZaakDocument) -> str:
        """Two POSTs: the document, then its link to the zaak. What an earlier attempt left
        (its answer lost, or the worker gone before our checkpoint) the provider refuses, and
        the refusal says it is there:
        - the document: `identificatie` is unique per bronorganisatie (rule 10,
          `identificatie-niet-uniek`), and ours is stable per message: the one found under it is
          adopted;
        - the link: the pair zaak + informatieobject is unique (B7, `nonFieldErrors`/`unique`):
          already linked, so done.
        A closed zaak takes no new link without zaken.geforceerd-bijwerken (rule 12, 403). The
        zaak is not read first to see that coming: a zaak is rarely closed before its
        ontvangstbevestiging is stored, and the read cost a call on every message. It is read
        only after a 403, because a 403 also means a missing scope or a vertrouwelijkheid above
        the application's maximum: those fail the verzoek for staff to fix the configuration
        (the document stays, the retry adopts it), a closed zaak is ZaakGesloten."""
        c = self._client
        url = self._document(self._body(document))
        try:
            c.post(
                c.zaken("zaakinformatieobjecten"),
                {"zaak": zaak_url, "informatieobject": url, "titel": document.titel[:200]},
            )
        except DeliveryPermanentError as exc:
            if exc.refused_only_for("unique"):
                return url  # linked by an earlier attempt that never heard back
            if exc.status != 403 or not c.get(zaak_url).get("einddatum"):
                raise
            if self._gekoppeld_of_opgeruimd(zaak_url, url):
                return url
            raise ZaakGesloten("de zaak is al afgesloten") from exc
        return url

    def _body(self, document: ZaakDocument) -> dict[str, Any]:
        mapping = self._mapping
        return {
            "identificatie": document.identificatie,
            "bronorganisatie": mapping.bronorganisatie,
            "creatiedatum": date.today().isoformat(),
            "titel": document.titel[:200],
            "auteur": (mapping.berichten.afzender.naam)[:200],
            "taal": mapping.documenten.taal,
            "status": "definitief",
            "vertrouwelijkheidaanduiding": mapping.vertrouwelijkheid.document,
            "bestandsnaam": document.bestandsnaam[:255],
            "formaat": document.formaat,
            "bestandsomvang": len(document.inhoud),
            "inhoud": base64.b64encode(document.inhoud).decode("ascii"),
            "indicatieGebruiksrecht": False,
            "informatieobjecttype": self._informatieobjecttype(document.informatieobjecttype),
        }

    def _document(self, body: dict[str, Any]) -> str:
        """The document's URL: created now, or the one an earlier attempt created."""
        c = self._client
        try:
            return str(c.post(c.documenten("enkelvoudiginformatieobjecten"), body)["url"])
        except DeliveryPermanentError as exc:
            if not exc.refused_only_for("identificatie-niet-uniek"):
                raise
            # Sent with its content inline, so never locked; a locked one is not ours to take.
            bestaand = [d for d in recovery.find_documenten(c, body) if not d.get("locked")]
            if not bestaand:
                raise
            log.info("zaakdocument.adopted", url=str(bestaand[0]["url"]))
            return str(bestaand[0]["url"])

    def _gekoppeld_of_opgeruimd(self, zaak_url: str, url: str) -> bool:
        """The zaak is closed. True if the document is in it after all (an earlier attempt
        linked it before the zaak was closed; a provider may check the closed zaak before the
        pair's uniqueness). Otherwise the document is in no zaak and nothing will link it (the
        message is recorded as not stored in the zaak): it is deleted, which Open Zaak allows
        for an unlocked document without relations (C1, scope documenten.verwijderen). A
        provider refusing that keeps an orphan document: logged for its beheerder."""
        c = self._client
        if recovery.find_zaakinformatieobject(c, zaak_url, url) is not None:
            return True
        try:
            c.delete(url, missing_ok=True)
        except DeliveryPermanentError as exc:
            log.warning("zaakdocument.orphan_left", url=url, reason=str(exc))
        else:
            log.info("zaakdocument.orphan_deleted", url=url)
        return False


@dataclass
class RecordingZaakDocumenten:
    documenten: dict[str, tuple[str, ZaakDocument]] = field(
        default_factory=dict
    )  # identificatie -> (zaak, doc)

    def voeg_toe(self, zaak_url: str, document: ZaakDocument) -> str:
        self.documenten.setdefault(document.identificatie, (zaak_url, document))
        return f"memory://documenten/{document.identificatie}"
