"""ZgwDelivery: a verzoek (as a ZgwPlan) into the ZGW APIs, every step checkpointed.

Checkpoint keys: "zaak" is verzoek-level (every version of a verzoek uses the same zaak);
all other steps are prefixed with the version ("v2:document:DOC-1"), so a redelivery of a
version resumes at its first missing step. "document:<id>" (verzoek-level) remembers each
document and its zaakinformatieobject, so no version creates a second copy and an aanvulling
can mark the ones it no longer lists as vervallen.

Vervallen documents: Documenten 1.4 has no "vervallen" document status and changing a
document needs lock/patch/unlock. The Zaken API allows PATCH of a zaakinformatieobject's
`titel`/`beschrijving`, so the relation is marked there: one call, idempotent, visible to the
behandelaar where they look at the zaak's documents.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import structlog

from adapters.base import Checkpoints, DeliveryResult, DocumentSource
from adapters.errors import DeliveryError, DeliveryPermanentError, DeliveryRetryableError
from adapters.zgw import documents as docs
from adapters.zgw.catalogus import CatalogusResolver, Zaaktype
from adapters.zgw.client import ZgwClient
from stam_mapping.errors import StamError
from stam_mapping.model import Doel, Verzoek
from stam_mapping.zgw_plan import ZgwDocument, ZgwPlan

log = structlog.get_logger(__name__)

Planner = Callable[[Verzoek, Verzoek | None], ZgwPlan]

DEFAULT_BESTANDSDELEN_THRESHOLD = 4 * 1024 * 1024
_AANGEVULD = "Aangevuld"


def _op_datum(verzoek: Verzoek) -> date:
    moment = verzoek.indien_datum
    return moment.date() if isinstance(moment, datetime) else moment


def _uuid_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


class ZgwDelivery:
    name = "zgw"

    def __init__(
        self,
        client: ZgwClient,
        planner: Planner,
        *,
        bestandsdelen_threshold: int = DEFAULT_BESTANDSDELEN_THRESHOLD,
        resolver: CatalogusResolver | None = None,
        identificatie_prefix: str | None = "DSO-",
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`identificatie_prefix`: the zaak gets identificatie prefix+verzoeknummer, so a zaak
        created just before a crash (before its checkpoint was written) is found again with
        GET /zaken?identificatie=. None lets the provider number the zaak (then that window
        can produce a second zaak)."""
        self._client = client
        self._planner = planner
        self._threshold = bestandsdelen_threshold
        self._resolver = resolver or CatalogusResolver(client)
        self._prefix = identificatie_prefix
        self._now = now

    def deliver(
        self,
        verzoek: Verzoek,
        previous: Verzoek | None,
        documents: DocumentSource,
        checkpoints: Checkpoints,
    ) -> DeliveryResult:
        bound = log.bind(verzoeknummer=verzoek.verzoeknummer, volgnummer=verzoek.volgnummer)
        try:
            plan = self._planner(verzoek, previous)
        except StamError as exc:
            raise DeliveryPermanentError(f"no ZGW plan for verzoek {verzoek.verzoeknummer}: {exc}") from exc
        try:
            return _Run(self, plan, verzoek, documents, checkpoints, bound).run()
        except DeliveryError:
            raise
        except OSError as exc:  # the archived bijlage could not be read (disk, NFS): may pass later
            raise DeliveryRetryableError(f"reading a document failed: {type(exc).__name__}") from exc
        except (KeyError, TypeError, ValueError) as exc:
            # A provider answer without the fields the specs promise: not going to fix itself.
            raise DeliveryPermanentError(f"unexpected ZGW answer: {type(exc).__name__}: {exc}") from exc


class _Run:
    """One delivery of one verzoek version."""

    def __init__(
        self,
        delivery: ZgwDelivery,
        plan: ZgwPlan,
        verzoek: Verzoek,
        documents: DocumentSource,
        checkpoints: Checkpoints,
        log: Any,
    ) -> None:
        self.d = delivery
        self.c = delivery._client
        self.plan = plan
        self.verzoek = verzoek
        self.documents = documents
        self.cp = checkpoints
        self.log = log
        self.v = f"v{plan.volgnummer}:"

    def step(self, key: str, action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        done = self.cp.get(key)
        if done is not None:
            return done
        result = action()
        self.cp.put(key, result)
        self.log.info("zgw.step", step=key)
        return result

    def run(self) -> DeliveryResult:
        plan = self.plan
        zaaktype = self.d._resolver.zaaktype(
            plan.catalogus_domein, plan.catalogus_rsin, plan.zaaktype_identificatie, _op_datum(self.verzoek)
        )
        zaak = self.step("zaak", lambda: self.create_zaak(zaaktype))
        zaak_url = str(zaak["url"])
        for rol in plan.rollen:
            roltype = zaaktype.roltype(
                omschrijving_generiek=rol.roltype_omschrijving_generiek, omschrijving=rol.roltype_omschrijving
            )
            body = {**rol.body, "zaak": zaak_url, "roltype": roltype.url}
            self.step(self.v + rol.key, partial(self.post_url, self.c.zaken("rollen"), body))
        if not plan.eindstatus:
            self.status(zaak_url, zaaktype)
        for obj in plan.zaakobjecten:
            body = {**obj.body, "zaak": zaak_url}
            self.step(self.v + obj.key, partial(self.post_url, self.c.zaken("zaakobjecten"), body))
        for eigenschap in plan.eigenschappen:
            self.step(
                self.v + eigenschap.key,
                partial(self.zaakeigenschap, zaak_url, zaaktype, eigenschap.naam, eigenschap.waarde),
            )
        for document in plan.documenten:
            self.document(zaak_url, zaaktype, document)
        for document_id in plan.vervallen_document_ids:
            self.step(self.v + f"vervallen:{document_id}", partial(self.vervallen, document_id))
        if plan.eindstatus:  # last: a closed zaak accepts no further changes in Open Zaak
            self.status(zaak_url, zaaktype)
        return DeliveryResult(zaak_url=zaak_url, zaak_identificatie=str(zaak["identificatie"]))

    # --- steps --------------------------------------------------------------------------------

    def post_url(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"url": str(self.c.post(url, body)["url"])}

    def create_zaak(self, zaaktype: Zaaktype) -> dict[str, Any]:
        body: dict[str, Any] = {**self.plan.zaak, "zaaktype": zaaktype.url}
        if self.d._prefix is not None:
            body["identificatie"] = f"{self.d._prefix}{self.plan.verzoeknummer}"[:40]
            # A zaak created before a crash that lost its checkpoint: adopt it.
            bestaand = list(
                self.c.list_all(
                    self.c.zaken("zaken"),
                    {"identificatie": body["identificatie"], "bronorganisatie": body["bronorganisatie"]},
                )
            )
            if bestaand:
                self.log.info("zgw.zaak.adopted")
                return {"url": str(bestaand[0]["url"]), "identificatie": str(bestaand[0]["identificatie"])}
        if self.plan.doel in (Doel.AANVULLEN, Doel.INTREKKEN):
            self.log.warning("zgw.zaak.missing_for_version", doel=self.plan.doel.value)
        created = self.c.post(self.c.zaken("zaken"), body)
        return {"url": str(created["url"]), "identificatie": str(created["identificatie"])}

    def status(self, zaak_url: str, zaaktype: Zaaktype) -> None:
        plan = self.plan
        omschrijving = plan.statustype_omschrijving
        if omschrijving is None and plan.doel is Doel.AANVULLEN:
            omschrijving = _AANGEVULD
        statustype = zaaktype.statustype(omschrijving=omschrijving, eind=plan.eindstatus)
        body = {
            "zaak": zaak_url,
            "statustype": statustype.url,
            "datumStatusGezet": self.d._now().isoformat(),
            "statustoelichting": plan.status_toelichting[:1000],
        }
        self.step(self.v + "status", lambda: self.post_url(self.c.zaken("statussen"), body))

    def zaakeigenschap(self, zaak_url: str, zaaktype: Zaaktype, naam: str, waarde: str) -> dict[str, Any]:
        """A new eigenschap, or (aanvulling) a new value for one set by an earlier version."""
        eerder = self.cp.get(f"eigenschap:{naam}")
        if eerder is not None:
            self.c.patch(
                str(eerder["url"]), {"zaak": zaak_url, "eigenschap": eerder["eigenschap"], "waarde": waarde}
            )
            result = {**eerder, "waarde": waarde}
        else:
            eigenschap = zaaktype.eigenschap(naam)
            url = self.c.zaken(f"zaken/{_uuid_of(zaak_url)}/zaakeigenschappen")
            created = self.c.post(url, {"zaak": zaak_url, "eigenschap": eigenschap, "waarde": waarde})
            result = {"url": str(created["url"]), "eigenschap": eigenschap, "waarde": waarde}
        self.cp.put(f"eigenschap:{naam}", result)
        return result

    def document(self, zaak_url: str, zaaktype: Zaaktype, document: ZgwDocument) -> None:
        verzoek_key = f"document:{document.document_id}"
        bekend = self.cp.get(verzoek_key)
        if bekend is not None and bekend.get("zaakinformatieobject"):
            return  # delivered by an earlier version (or an earlier run of this one)
        key = self.v + document.key
        informatieobject = self.cp.get(key)
        if informatieobject is None or not informatieobject.get("voltooid", True):
            size = self.documents.size(document.document_id)
            body: dict[str, Any] = {
                **document.body,
                "informatieobjecttype": zaaktype.informatieobjecttype(
                    document.informatieobjecttype_omschrijving
                ),
            }
            if not body.get("formaat"):
                body["formaat"] = self.documents.media_type(document.document_id)[:255]
            if size > self.d._threshold:
                created = docs.create_large(
                    self.c, body, self.documents, document.document_id, size, self.cp, key
                )
            else:
                created = docs.create_small(self.c, body, self.documents, document.document_id, size)
            informatieobject = {"url": created["url"], "voltooid": True}
            self.cp.put(key, informatieobject)
            self.log.info("zgw.step", step=key)
        document_url = str(informatieobject["url"])
        zio = self.step(
            self.v + f"zaakinformatieobject:{document.document_id}",
            partial(self.zaakinformatieobject, zaak_url, document_url, str(document.body.get("titel", ""))),
        )
        self.cp.put(verzoek_key, {"url": document_url, "zaakinformatieobject": zio["url"]})

    def zaakinformatieobject(self, zaak_url: str, document_url: str, titel: str) -> dict[str, Any]:
        # The pair is unique in the ZRC: after a crash between POST and checkpoint, adopt it.
        bestaand = list(
            self.c.list_all(
                self.c.zaken("zaakinformatieobjecten"), {"zaak": zaak_url, "informatieobject": document_url}
            )
        )
        if bestaand:
            return {"url": str(bestaand[0]["url"])}
        body = {"zaak": zaak_url, "informatieobject": document_url, "titel": titel[:200]}
        return self.post_url(self.c.zaken("zaakinformatieobjecten"), body)

    def vervallen(self, document_id: str) -> dict[str, Any]:
        bekend = self.cp.get(f"document:{document_id}")
        if bekend is None or not bekend.get("zaakinformatieobject"):
            # Delivered before checkpoints existed or by another route: nothing we can point at.
            self.log.warning("zgw.vervallen.unknown_document", document_id=document_id)
            return {"skipped": True}
        beschrijving = (
            f"Vervallen: niet meer opgenomen in versie {self.plan.volgnummer} "
            f"van DSO-verzoek {self.plan.verzoeknummer}"
        )
        self.c.patch(str(bekend["zaakinformatieobject"]), {"beschrijving": beschrijving})
        return {"url": bekend["zaakinformatieobject"]}
