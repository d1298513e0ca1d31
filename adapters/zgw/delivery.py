"""ZgwDelivery: a verzoek (as a ZgwPlan) into the ZGW APIs, every step checkpointed.

Checkpoint keys: "zaak" is verzoek-level (every version of a verzoek uses the same zaak);
all other steps are prefixed with the version ("v2:document:DOC-1"), so a redelivery of a
version resumes at its first missing step. "document:<id>" (verzoek-level) remembers each
document and its zaakinformatieobject, so no version creates a second copy and an aanvulling
can mark the ones it no longer lists as vervallen.

Lost answers (the provider stored the object, we never heard): every attempt writes a run
marker "v<n>:run" before its first request, every creating step a "<key>:pending" marker, and
only a retry (one that finds either) looks the object up (steps.py, recovery.py). The zaak is
POSTed with its identificatie and adopted when the provider answers identificatie-niet-uniek,
which also covers checkpoints that never existed (`dso-gateway deliver`): no lookup on the
happy path.

Rollen: Zaken 1.5.1 can create and destroy a rol but not change one. A rol the plan marks
`vervangt` (an aanvulling changed its betrokkene or indicatieMachtiging) is created first and
then the one it replaces is destroyed, so the zaak is never without it; except for a roltype
Open Zaak allows only once per zaak (omschrijvingGeneriek initiator or zaakcoordinator:
`max-occurences`), where the old rol is destroyed first (its own checkpointed step, so a crash
in between resumes at the create) and the zaak never has two initiators. A rol in
`vervallen_rollen` is destroyed. The destroyed rol is the one the latest earlier version
registered under the key ("v1:rol:initiator"), unless a later one destroyed it; each
destruction is the step "v<n>:<key>:vervallen". A DELETE whose answer was lost is repeated: a
refusal for a rol the zaak no longer has means it is done.

Vervallen documents: Documenten 1.4 has no "vervallen" document status and changing a
document needs lock/patch/unlock. The Zaken API allows PATCH of a zaakinformatieobject's
`titel`/`beschrijving`, so the relation is marked there: one call, idempotent, visible to the
behandelaar where they look at the zaak's documents.

Statuses: the statustype per doel comes from the plan (the mapping file); none for an
intrekking means the eindstatus. datumStatusGezet is taken a little before the provider's now
(Open Zaak refuses a moment in its future, and clocks differ) and after the previous version's
status (it must be unique per zaak). Setting the eindstatus closes the zaak, which Open Zaak
allows only with a resultaat and with every document unlocked and its indicatieGebruiksrecht
set: the resultaat (the mapping's resultaattype) is its own checkpointed, lost-answer-safe step
("v<n>:resultaat"), and the documents are checked first, with a clear error for a locked one.

Catalogue: a step that fails because the catalogue lacks something (CatalogusGap, or the
provider refusing a catalogue URL) drops the catalogue cache and runs the delivery once more:
checkpoints make the second run resume where the first stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import structlog

from adapters.base import Checkpoints, DeliveryResult, DocumentSource
from adapters.errors import DeliveryError, DeliveryPermanentError, DeliveryRetryableError
from adapters.zgw import recovery
from adapters.zgw.catalogus import DEFAULT_TTL, EENMALIGE_ROLLEN, CatalogusGap, CatalogusResolver, Zaaktype
from adapters.zgw.client import ZgwClient
from adapters.zgw.document_steps import DocumentSteps
from adapters.zgw.steps import PENDING, RUN, UPLOAD
from stam_mapping.errors import StamError
from stam_mapping.model import Doel, Verzoek
from stam_mapping.zgw_plan import ZgwPlan, ZgwRol

log = structlog.get_logger(__name__)

Planner = Callable[[Verzoek, Verzoek | None], ZgwPlan]

DEFAULT_BESTANDSDELEN_THRESHOLD = 4 * 1024 * 1024
_VERVALLEN = ":vervallen"  # suffix of the step that destroyed the rol under a key
# datumStatusGezet this far before the provider's now: its Date header is cut to the second.
_STATUS_MARGE = timedelta(seconds=2)
_STATUS_STAP = timedelta(milliseconds=1)
# What the provider says when a step names a catalogue object it does not (or no longer) has,
# or one that does not fit the zaaktype: the catalogue changed since it was cached.
_CATALOGUS_VELDEN = {
    "zaaktype",
    "statustype",
    "roltype",
    "resultaattype",
    "eigenschap",
    "informatieobjecttype",
}
_CATALOGUS_CODES = {
    "bad-url",
    "invalid-resource",
    "does_not_exist",
    "not-published",
    "zaaktype-mismatch",
    "missing-zaaktype-informatieobjecttype-relation",
}


def _catalogus_probleem(exc: DeliveryPermanentError) -> bool:
    if isinstance(exc, CatalogusGap):
        return True
    for param in exc.invalid_params:
        name, code = param.get("name", ""), param.get("code", "")
        if code in _CATALOGUS_CODES and (name in _CATALOGUS_VELDEN or name == "nonFieldErrors"):
            return True
    return False


def _op_datum(verzoek: Verzoek) -> date:
    moment = verzoek.indien_datum
    return moment.date() if isinstance(moment, datetime) else moment


def _uuid_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


class ZgwDelivery:
    name = "zgw"

    @staticmethod
    def checkpoint_written_behind(key: str, value: Mapping[str, Any]) -> bool:
        """May the checkpoint `key` wait in memory for the next durable one (or the end of the
        delivery) instead of being written at once? A step's result and its plain marker may: a
        crash that loses them leaves the version's run marker, and the next attempt looks up
        every step without a result (steps.py), or the step is safe to repeat. What must be on
        disk before the request it guards: the run marker itself, a marker that carries a memo
        (the value a retry must send again), and a bestandsdelen upload's URL and lock (told
        only in the answer to its POST)."""
        if key.endswith((RUN, UPLOAD)):
            return False
        if key.endswith(PENDING):
            return not value
        return True

    def __init__(
        self,
        client: ZgwClient,
        planner: Planner,
        *,
        bestandsdelen_threshold: int = DEFAULT_BESTANDSDELEN_THRESHOLD,
        resolver: CatalogusResolver | None = None,
        identificatie_prefix: str | None = "DSO-",
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        catalogus_ttl: float = DEFAULT_TTL,
    ) -> None:
        """`identificatie_prefix`: the zaak gets identificatie prefix+verzoeknummer and each
        document prefix+verzoeknummer+documentId (documents.identificatie), so an object created
        just before a crash (before its checkpoint was written) is found again with
        ?identificatie=. None lets the provider number them (then that window can produce a
        second zaak, or a document that no zaak points at)."""
        self._client = client
        self._planner = planner
        self._threshold = bestandsdelen_threshold
        self._resolver = resolver or CatalogusResolver(client, ttl=catalogus_ttl)
        self._prefix = identificatie_prefix
        self._now = now

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
            plan = self._planner(verzoek, previous)
        except StamError as exc:
            raise DeliveryPermanentError(f"no ZGW plan for verzoek {verzoek.verzoeknummer}: {exc}") from exc
        try:
            return self._run(plan, verzoek, documents, checkpoints, bound)
        except DeliveryPermanentError as exc:
            if not _catalogus_probleem(exc):
                raise
            # The catalogue may have changed since it was cached (an administrator added what
            # was missing): look again, once; the checkpoints resume where this run stopped.
            bound.warning("zgw.catalogus.refresh", reason=str(exc))
            self._resolver.refresh()
            return self._run(plan, verzoek, documents, checkpoints, bound)

    def _run(
        self, plan: ZgwPlan, verzoek: Verzoek, documents: DocumentSource, checkpoints: Checkpoints, bound: Any
    ) -> DeliveryResult:
        try:
            return _Run(self, plan, verzoek, documents, checkpoints, bound).run()
        except DeliveryError:
            raise
        except OSError as exc:  # the archived bijlage could not be read (disk, NFS): may pass later
            raise DeliveryRetryableError(f"reading a document failed: {type(exc).__name__}") from exc
        except (KeyError, TypeError, ValueError) as exc:
            # A provider answer without the fields the specs promise: not going to fix itself.
            raise DeliveryPermanentError(f"unexpected ZGW answer: {type(exc).__name__}: {exc}") from exc


class _Run(DocumentSteps):
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
        super().__init__(delivery._client, checkpoints, log)
        self.d = delivery
        self.plan = plan
        self.verzoek = verzoek
        self.documents = documents
        self.v = f"v{plan.volgnummer}:"
        self.verzoeknummer = plan.verzoeknummer
        self.threshold = delivery._threshold
        self.prefix = delivery._prefix

    def run(self) -> DeliveryResult:
        plan = self.plan
        # One durable write per attempt instead of one per step (steps.py): before the first
        # request that creates anything.
        run_key = f"v{plan.volgnummer}{RUN}"
        if self.cp.get(run_key) is not None:
            self.resumed = True
        else:
            self.cp.put(run_key, {"begonnen": self.d._now().isoformat()})
        zaaktype = self.d._resolver.zaaktype(
            plan.catalogus_domein, plan.catalogus_rsin, plan.zaaktype_identificatie, _op_datum(self.verzoek)
        )
        zaak = self.step("zaak", lambda: self.create_zaak(zaaktype))
        zaak_url = str(zaak["url"])
        for rol in plan.rollen:
            self.rol(zaak_url, zaaktype, rol)
        for key in plan.vervallen_rollen:
            self.rol_weg(zaak_url, key)
        if not plan.eindstatus:
            self.status(zaak_url, zaaktype)
        for obj in plan.zaakobjecten:
            body = {**obj.body, "zaak": zaak_url}
            self.create_in(self.v + obj.key, "zaakobjecten", body, recovery.find_zaakobject)
        for eigenschap in plan.eigenschappen:
            self.zaakeigenschap(
                self.v + eigenschap.key, zaak_url, zaaktype, eigenschap.naam, eigenschap.waarde
            )
        for document in plan.documenten:
            self.document(zaak_url, zaaktype, document)
        for document_id in plan.vervallen_document_ids:
            self.step(self.v + f"vervallen:{document_id}", partial(self.vervallen, document_id))
        if plan.eindstatus:  # last: a closed zaak accepts no further changes in Open Zaak
            self.status(zaak_url, zaaktype)
        notities = (zaaktype.keuze,) if zaaktype.keuze else ()
        if zaaktype.keuze:
            self.log.warning("zgw.zaaktype.fallback", keuze=zaaktype.keuze)
        return DeliveryResult(
            zaak_url=zaak_url, zaak_identificatie=str(zaak["identificatie"]), notities=notities
        )

    # --- steps --------------------------------------------------------------------------------

    def create_zaak(self, zaaktype: Zaaktype) -> dict[str, Any]:
        body: dict[str, Any] = {**self.plan.zaak, "zaaktype": zaaktype.url}
        if self.d._prefix is not None:
            body["identificatie"] = f"{self.d._prefix}{self.plan.verzoeknummer}"[:40]
            # After an earlier attempt the zaak is likely there: look before creating.
            if self.resumed and (bestaand := self.bestaande_zaak(body)) is not None:
                return bestaand
        if self.plan.doel in (Doel.AANVULLEN, Doel.INTREKKEN):
            self.log.warning("zgw.zaak.missing_for_version", doel=self.plan.doel.value)
        try:
            created = self.c.post(self.c.zaken("zaken"), body)
        except DeliveryPermanentError as exc:
            # identificatie is unique per bronorganisatie (Open Zaak: identificatie-niet-uniek,
            # openzaak-rules.md rule 10): the zaak exists already, created by an attempt whose
            # checkpoint was lost, or by `dso-gateway deliver` without checkpoints. Adopt it;
            # the happy path so needs no lookup.
            if self.d._prefix is None or not exc.refused_only_for("identificatie-niet-uniek"):
                raise
            bestaand = self.bestaande_zaak(body)
            if bestaand is None:
                raise
            return bestaand
        return {"url": str(created["url"]), "identificatie": str(created["identificatie"])}

    def bestaande_zaak(self, body: dict[str, Any]) -> dict[str, Any] | None:
        found = next(
            iter(
                self.c.list_all(
                    self.c.zaken("zaken"),
                    {"identificatie": body["identificatie"], "bronorganisatie": body["bronorganisatie"]},
                )
            ),
            None,
        )
        if found is None:
            return None
        self.log.info("zgw.zaak.adopted")
        # Whoever created it may have done more of this version: look up before every create.
        self.resumed = True
        return {"url": str(found["url"]), "identificatie": str(found["identificatie"])}

    def rol(self, zaak_url: str, zaaktype: Zaaktype, rol: ZgwRol) -> None:
        roltype = zaaktype.roltype(
            omschrijving_generiek=rol.roltype_omschrijving_generiek, omschrijving=rol.roltype_omschrijving
        )
        body = {**rol.body, "zaak": zaak_url, "roltype": roltype.url}
        vorige = self.huidige_rol(rol.vervangt) if rol.vervangt else None
        # At most one initiator (zaakcoordinator) per zaak: the old one goes first. The
        # destruction is a checkpointed step, so a crash before the create resumes at the create.
        eenmalig = roltype.omschrijving_generiek in EENMALIGE_ROLLEN
        if rol.vervangt and eenmalig:
            self.rol_weg(zaak_url, rol.vervangt)
        # A lost answer is looked up by betrokkene: the rol being replaced may be the same person.
        self.create_in(self.v + rol.key, "rollen", body, partial(recovery.find_rol, behalve=vorige))
        if rol.vervangt and not eenmalig:
            self.rol_weg(zaak_url, rol.vervangt)

    def huidige_rol(self, key: str) -> str | None:
        """The URL of the rol the zaak has under `key`: from the latest earlier version that
        registered one under it or destroyed one (then None). Local lookups only; the checkpoint
        store keeps a key's first value, so no verzoek-level key can follow a rol's new URL."""
        for volgnummer in range(self.plan.volgnummer - 1, 0, -1):
            if (rol := self.cp.get(f"v{volgnummer}:{key}")) is not None:
                return str(rol["url"])
            if self.cp.get(f"v{volgnummer}:{key}{_VERVALLEN}") is not None:
                return None
        return None

    def rol_weg(self, zaak_url: str, key: str) -> None:
        """Destroy the rol an earlier version registered under `key`: replaced, or vervallen."""
        self.step(self.v + key + _VERVALLEN, partial(self.destroy_rol, zaak_url, key))

    def destroy_rol(self, zaak_url: str, key: str) -> dict[str, Any]:
        url = self.huidige_rol(key)
        if url is None:
            # Registered before checkpoints existed or by another route: nothing we can point at.
            self.log.warning("zgw.rol.unknown", rol=key)
            return {"skipped": True}
        # A 404 after a DELETE whose answer was lost (or a behandelaar was first) means done.
        if not self.c.delete(url, missing_ok=True):
            self.log.info("zgw.rol.already_gone", rol=key)
        return {"url": url}

    def status(self, zaak_url: str, zaaktype: Zaaktype) -> None:
        plan = self.plan
        if self.cp.get(self.v + "status") is not None:
            return  # set by an earlier run of this version: nothing to prepare or send
        statustype = zaaktype.statustype(omschrijving=plan.statustype_omschrijving, eind=plan.eindstatus)
        if statustype.url == zaaktype.eindstatus().url:
            self.resultaat(zaak_url, zaaktype)
            self.documenten_sluitbaar(zaak_url)
        body = {
            "zaak": zaak_url,
            "statustype": statustype.url,
            "statustoelichting": plan.status_toelichting[:1000],
        }
        # The moment goes into the pending marker: a retry sends the same one, which is how the
        # lookup tells our status from an earlier version's of the same statustype.
        memo = {"datumStatusGezet": self.status_moment().isoformat()}
        self.create_in(self.v + "status", "statussen", body, recovery.find_status, memo)

    def status_moment(self) -> datetime:
        """A little before now by the provider's clock (never in its future), and after the
        status of the latest earlier version (unique per zaak)."""
        moment = min(self.d._now(), self.c.server_now()) - _STATUS_MARGE
        for volgnummer in range(self.plan.volgnummer - 1, 0, -1):
            marker = self.cp.get(f"v{volgnummer}:status:pending")
            if marker is None or "datumStatusGezet" not in marker:
                continue
            vorige = datetime.fromisoformat(str(marker["datumStatusGezet"]))
            if vorige.tzinfo is None:
                vorige = vorige.replace(tzinfo=UTC)
            if moment <= vorige:
                moment = vorige + _STATUS_STAP
            break
        return moment

    def resultaat(self, zaak_url: str, zaaktype: Zaaktype) -> None:
        """The resultaat the eindstatus needs (Open Zaak: resultaat-does-not-exist)."""
        omschrijving = self.plan.resultaattype_omschrijving
        if omschrijving is None:
            raise DeliveryPermanentError(
                "setting the eindstatus closes the zaak, which needs a resultaat: the mapping file "
                "names no resultaattype (statussen.intrekken.resultaattype)"
            )
        body = {
            "zaak": zaak_url,
            "resultaattype": zaaktype.resultaattype(omschrijving),
            "toelichting": (self.plan.resultaat_toelichting or "")[:1000],
        }
        self.create_in(self.v + "resultaat", "resultaten", body, recovery.find_resultaat)

    def documenten_sluitbaar(self, zaak_url: str) -> None:
        """Every document of the zaak unlocked and with indicatieGebruiksrecht set, as closing
        needs. Ours are (created with false, unlocked after their upload); a behandelaar's lock
        or document is said clearly instead of as the provider's refusal of the status."""
        for zio in self.c.list_all(self.c.zaken("zaakinformatieobjecten"), {"zaak": zaak_url}):
            document = self.c.get(str(zio["informatieobject"]))
            if document.get("locked"):
                raise DeliveryRetryableError(
                    f"document {document.get('identificatie') or zio['informatieobject']} is locked: "
                    "the zaak can be closed once it is unlocked"
                )
            if document.get("indicatieGebruiksrecht") is None:
                raise DeliveryPermanentError(
                    f"document {document.get('identificatie') or zio['informatieobject']} has no "
                    "indicatieGebruiksrecht: the zaak cannot be closed until it is set"
                )

    def zaakeigenschap(self, key: str, zaak_url: str, zaaktype: Zaaktype, naam: str, waarde: str) -> None:
        """A new eigenschap, or (aanvulling) a new value for one set by an earlier version."""
        eerder = self.cp.get(f"eigenschap:{naam}")
        if eerder is not None:  # a PATCH of the value is safe to repeat: no marker needed
            self.step(key, partial(self.nieuwe_waarde, zaak_url, eerder, waarde))
            return
        eigenschap = zaaktype.eigenschap(naam)
        body = {"zaak": zaak_url, "eigenschap": eigenschap, "waarde": waarde}
        url = self.c.zaken(f"zaken/{_uuid_of(zaak_url)}/zaakeigenschappen")

        def post(_: dict[str, Any]) -> dict[str, Any]:
            return {"url": str(self.c.post(url, body)["url"]), "eigenschap": eigenschap, "waarde": waarde}

        def find(_: dict[str, Any]) -> dict[str, Any] | None:
            found = recovery.find_zaakeigenschap(self.c, zaak_url, eigenschap)
            if found is None:
                return None
            if found.get("waarde") != waarde:  # one value per eigenschap: ours is the newest
                self.c.patch(str(found["url"]), body)
            return {"url": str(found["url"]), "eigenschap": eigenschap, "waarde": waarde}

        result = self.create_once(key, post, find)
        # Verzoek-level: a later version PATCHes this zaakeigenschap instead of adding one.
        self.cp.put(f"eigenschap:{naam}", result)

    def nieuwe_waarde(self, zaak_url: str, eerder: dict[str, Any], waarde: str) -> dict[str, Any]:
        patch = {"zaak": zaak_url, "eigenschap": eerder["eigenschap"], "waarde": waarde}
        self.c.patch(str(eerder["url"]), patch)
        return {**eerder, "waarde": waarde}

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
