"""What a verzoek becomes in ZGW terms, before any URL is known.

`stam_mapping` builds a ZgwPlan from a canonical Verzoek and the municipality's mapping file;
the ZGW adapter resolves the symbolic references (zaaktype identificatie, roltype and
informatieobjecttype omschrijving, eigenschap naam) against the Catalogi API, fills in the
URLs, and performs the calls. Bodies use ZGW's own (camelCase) field names and are ready for
JSON, minus the fields the adapter owns: `zaak`, `zaaktype`, `roltype`, `statustype`,
`informatieobjecttype`, `eigenschap` and document `inhoud`.

Each item has a `key`: the adapter's checkpoint key for that step, stable across
redeliveries of the same verzoek version.

An Aanvullen plan is a diff against the previous version. Zaken 1.5.1 can create and destroy a
rol but not change one (no PUT/PATCH on /rollen), so a rol that changed under the same key
(another betrokkene, or another indicatieMachtiging: a gemachtigde came or went) is in `rollen`
again with `vervangt` set to that key: the adapter creates the new rol, then destroys the one
an earlier version registered under the key. A rol of the previous version that the verzoek no
longer has (the gemachtigde left) is in `vervallen_rollen`: the adapter destroys it. Each key
thus has at most one rol at the provider.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, InstanceOf

from stam_mapping.model import Doel


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ZgwRol(_Frozen):
    key: str  # e.g. "rol:initiator", "rol:gemachtigde"
    # The roltype is found by omschrijvingGeneriek (e.g. "initiator") when set, else by omschrijving.
    roltype_omschrijving_generiek: str | None = None
    roltype_omschrijving: str | None = None
    body: dict[str, Any]  # POST /rollen without zaak and roltype
    # Aanvullen: the key of the previous version's rol this one replaces (destroyed once this
    # one exists); None for a rol the zaak does not have yet.
    vervangt: str | None = None


class ZgwZaakobject(_Frozen):
    key: str  # e.g. "zaakobject:adres:0200200000123456"
    body: dict[str, Any]  # POST /zaakobjecten without zaak


class ZgwEigenschap(_Frozen):
    key: str  # e.g. "eigenschap:Bouwkosten"
    naam: str  # eigenschap naam in the zaaktype
    waarde: str


class ZgwDocument(_Frozen):
    key: str  # e.g. "document:DOC-2024031400042-0001"
    document_id: str  # DSO documentId: what DocumentSource.open() takes
    informatieobjecttype_omschrijving: str
    # POST /enkelvoudiginformatieobjecten without inhoud/informatieobjecttype/bestandsomvang:
    # bronorganisatie, creatiedatum, titel, auteur, taal, bestandsnaam, formaat,
    # vertrouwelijkheidaanduiding, status, ontvangstdatum, indicatieGebruiksrecht.
    # Checked to be a dict, not copied: `dict[str, Any]` would rebuild every body key by key,
    # and a verzoek can have tens of thousands of documents (JSON input is still fully checked).
    body: InstanceOf[dict[str, Any]]


class ZgwPlan(_Frozen):
    verzoeknummer: str
    volgnummer: int
    doel: Doel
    catalogus_domein: str
    catalogus_rsin: str
    zaaktype_identificatie: str
    # POST /zaken without zaaktype: bronorganisatie, verantwoordelijkeOrganisatie, omschrijving,
    # toelichting, startdatum, registratiedatum, kenmerken [{kenmerk: verzoeknummer, bron: "DSO"}],
    # zaakgeometrie (GeoJSON WGS84) and vertrouwelijkheidaanduiding. Used only when no zaak exists.
    zaak: dict[str, Any]
    rollen: tuple[ZgwRol, ...] = ()
    # The status to set. eindstatus true (Intrekken): this version ends the zaak, so its status
    # is set after every other step (a closed zaak accepts no further changes in Open Zaak).
    status_toelichting: str
    eindstatus: bool = False
    # The omschrijving of the statustype to set, from the mapping file's `statussen` per doel.
    # None: the initial one (lowest volgnummer), or with eindstatus true the eindstatus
    # (highest volgnummer).
    statustype_omschrijving: str | None = None
    # Intrekken: the resultaattype (omschrijving) of the resultaat registered before the
    # eindstatus (Open Zaak closes no zaak without one). Left out of dumps when None.
    resultaattype_omschrijving: str | None = Field(default=None, exclude_if=lambda v: v is None)
    resultaat_toelichting: str | None = Field(default=None, exclude_if=lambda v: v is None)
    zaakobjecten: tuple[ZgwZaakobject, ...] = ()
    eigenschappen: tuple[ZgwEigenschap, ...] = ()
    documenten: tuple[ZgwDocument, ...] = ()
    # Aanvullen: documents of the previous version this one no longer lists (vervallen).
    vervallen_document_ids: tuple[str, ...] = ()
    # Aanvullen: keys of the previous version's rollen this one no longer has (to destroy). Left
    # out of dumps when empty, so the plan JSON of the usual verzoek (`stam map`, the golden
    # files) is what it was before rollen could go.
    vervallen_rollen: tuple[str, ...] = Field(default=(), exclude_if=lambda keys: not keys)
