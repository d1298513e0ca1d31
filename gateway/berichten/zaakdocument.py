"""Every message sent is also stored in the zaak, as a document of its own informatieobjecttype.

ZgwZaakDocumenten writes through the Documenten and Zaken APIs; RecordingZaakDocumenten is the
fake for the memory delivery and tests. Both are safe against a lost answer: the document has a
stable identificatie (found again by bronorganisatie + identificatie before creating), and the
zaak-document pair is unique in the Zaken API, so a retry creates nothing twice."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from adapters.zgw import recovery
from adapters.zgw.catalogus import CatalogusResolver
from adapters.zgw.client import ZgwClient
from gateway.errors import PermanentError
from stam_mapping.mapping import MunicipalMapping


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
        c, mapping = self._client, self._mapping
        if c.get(zaak_url).get("einddatum"):
            raise ZaakGesloten("de zaak is al afgesloten")
        body = {
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
        bestaand = [d for d in recovery.find_documenten(c, body) if not d.get("locked")]
        url = (
            str(bestaand[0]["url"])
            if bestaand
            else str(c.post(c.documenten("enkelvoudiginformatieobjecten"), body)["url"])
        )
        if recovery.find_zaakinformatieobject(c, zaak_url, url) is None:
            c.post(
                c.zaken("zaakinformatieobjecten"),
                {"zaak": zaak_url, "informatieobject": url, "titel": document.titel[:200]},
            )
        return url


@dataclass
class RecordingZaakDocumenten:
    documenten: dict[str, tuple[str, ZaakDocument]] = field(
        default_factory=dict
    )  # identificatie -> (zaak, doc)

    def voeg_toe(self, zaak_url: str, document: ZaakDocument) -> str:
        self.documenten.setdefault(document.identificatie, (zaak_url, document))
        return f"memory://documenten/{document.identificatie}"
