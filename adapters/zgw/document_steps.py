"""The bijlagen of one verzoek version: each document and its zaakinformatieobject, once.

Checkpoint keys: "v<n>:document:<id>" (the document's URL), its ":pending" marker and, for
bestandsdelen, ":upload" (URL and lock, so an upload resumes part by part); then
"v<n>:zaakinformatieobject:<id>"; and the verzoek-level "document:<id>", so no later version
uploads the same bijlage again and an aanvulling can mark the ones it drops as vervallen."""

from __future__ import annotations

from typing import Any

from adapters.base import DocumentSource
from adapters.errors import DeliveryPermanentError
from adapters.zgw import documents as docs
from adapters.zgw import recovery
from adapters.zgw.catalogus import Zaaktype
from adapters.zgw.steps import UPLOAD, Result, Steps
from stam_mapping.zgw_plan import ZgwDocument

_POGINGEN = 5  # identificaties tried for one document when orphans hold the earlier ones


class DocumentSteps(Steps):
    # Set by the run (delivery._Run) that uses these steps.
    documents: DocumentSource
    v: str  # checkpoint key prefix of the version, "v2:"
    verzoeknummer: str
    threshold: int  # above this size: bestandsdelen
    prefix: str | None  # identificatie prefix; None: the provider numbers documents

    def document(self, zaak_url: str, zaaktype: Zaaktype, document: ZgwDocument) -> None:
        verzoek_key = f"document:{document.document_id}"
        bekend = self.cp.get(verzoek_key)
        if bekend is not None and bekend.get("zaakinformatieobject"):
            return  # delivered by an earlier version (or an earlier run of this one)
        key = self.v + document.key
        informatieobject = self.cp.get(key)
        if informatieobject is not None and not informatieobject.get("voltooid", True):
            # Releases before the ":upload" key kept the upload state (URL, lock) under the key
            # itself, and the store keeps that first value: resume from it.
            size = self.documents.size(document.document_id)
            body = self.document_body(zaaktype, document)
            informatieobject = docs.resume_large(
                self.c, informatieobject, body, self.documents, document.document_id, size
            )
        elif informatieobject is None:
            informatieobject = self.informatieobject(key, zaaktype, document)
        document_url = str(informatieobject["url"])
        body = {
            "zaak": zaak_url,
            "informatieobject": document_url,
            "titel": str(document.body.get("titel", ""))[:200],
        }
        zio = self.create_once(
            self.v + f"zaakinformatieobject:{document.document_id}",
            lambda _: self.post_url(self.c.zaken("zaakinformatieobjecten"), body),
            lambda _: recovery.find_zaakinformatieobject(self.c, zaak_url, document_url),
        )
        self.cp.put(verzoek_key, {"url": document_url, "zaakinformatieobject": zio["url"]})

    def document_body(self, zaaktype: Zaaktype, document: ZgwDocument) -> dict[str, Any]:
        body: dict[str, Any] = {
            **document.body,
            "informatieobjecttype": zaaktype.informatieobjecttype(document.informatieobjecttype_omschrijving),
        }
        if not body.get("formaat"):
            body["formaat"] = self.documents.media_type(document.document_id)[:255]
        if not body.get("identificatie") and self.prefix is not None:
            body["identificatie"] = docs.identificatie(self.prefix, self.verzoeknummer, document.document_id)
        return body

    def informatieobject(self, key: str, zaaktype: Zaaktype, document: ZgwDocument) -> Result:
        document_id = document.document_id
        size = self.documents.size(document_id)
        body = self.document_body(zaaktype, document)

        # The identificatie to POST with: the document's own, unless a locked orphan we cannot
        # remove holds it (see `find`).
        gekozen = [body.get("identificatie")]

        def post(_: Result) -> Result:
            send = {**body, "identificatie": gekozen[0]} if gekozen[0] else body
            if size > self.threshold:
                created = docs.create_large(
                    self.c, send, self.documents, document_id, size, self.cp, key + UPLOAD
                )
            else:
                created = docs.create_small(self.c, send, self.documents, document_id, size)
            return {"url": created["url"], "voltooid": True}

        def find(_: Result) -> Result | None:
            upload = self.cp.get(key + UPLOAD)
            if upload is not None:  # bestandsdelen begun: we know the document and its lock
                resumed = docs.resume_large(self.c, upload, body, self.documents, document_id, size)
                return {"url": resumed["url"], "voltooid": True}
            if not body.get("identificatie") or self.prefix is None:
                return None
            # identificatie is unique per bronorganisatie (Open Zaak: identificatie-niet-uniek), so
            # an orphan that stays takes its identificatie along: the next attempt uses "~2",
            # "~3"... (the same sequence every retry walks, so a lost answer is still found).
            for poging in range(1, _POGINGEN + 1):
                ident = (
                    str(body["identificatie"])
                    if poging == 1
                    else docs.identificatie(self.prefix, self.verzoeknummer, f"{document_id}~{poging}")
                )
                found = recovery.find_documenten(self.c, {**body, "identificatie": ident})
                bezet = False
                for bestaand in found:
                    if bestaand.get("locked"):
                        bezet = not self.discard(bestaand) or bezet
                    elif int(bestaand.get("bestandsomvang") or 0) == size:
                        return {"url": str(bestaand["url"]), "voltooid": True}
                    else:
                        bezet = True  # not ours to judge: leave it, take the next identificatie
                if not bezet:
                    gekozen[0] = ident
                    return None
            raise DeliveryPermanentError(
                f"document {document_id}: {_POGINGEN} identificaties taken by documents "
                "that cannot be removed"
            )

        return self.create_once(key, post, find)

    def discard(self, found: dict[str, Any]) -> bool:
        """A document of ours that is still locked with a lock we never learned (the answer to
        its POST, the only place the lock is told, was lost): it can be neither completed nor
        unlocked with its lock, and no zaak points at it. Open Zaak refuses to delete a locked
        document (destroy-locked), so it is force-unlocked first (scope
        documenten.geforceerd-unlock) and then deleted (documenten.verwijderen). A provider that
        refuses either keeps an empty, unlinked document: logged for its beheerder, and the new
        upload takes the next identificatie. True when it is gone."""
        url = str(found["url"])
        try:
            self.c.post(f"{url}/unlock", {})
            self.c.delete(url)
        except DeliveryPermanentError as exc:
            self.log.warning("zgw.document.orphan_left", url=url, reason=str(exc))
            return False
        self.log.info("zgw.document.orphan_deleted", url=url)
        return True
