"""RecordingDelivery: the fake Delivery. It records what it would deliver, checkpointed like the
real adapters, and answers with deterministic zaak URLs (same verzoeknummer, same URL)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from adapters.base import Checkpoints, DeliveryResult, DocumentSource
from adapters.errors import DeliveryPermanentError
from stam_mapping.errors import StamError
from stam_mapping.model import Doel, Verzoek
from stam_mapping.zgw_plan import ZgwPlan

DSO_ZAAKTYPEN = frozenset(
    {"DSO-OMGEVINGSVERGUNNING", "DSO-MELDING", "DSO-INFORMATIE", "DSO-MAATWERK", "DSO-CONCEPTVERZOEK"}
)
_NAMESPACE = uuid.UUID("6f1d1c44-9c61-4f7e-9a49-0b8d5d2b6f10")


class MemoryCheckpoints:
    """The in-memory Checkpoints: as in the store, the first value written under a key stays."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, Any]] = {}
        self.puts: list[str] = []

    def get(self, key: str) -> dict[str, Any] | None:
        return self.data.get(key)

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.data.setdefault(key, dict(value))
        self.puts.append(key)


@dataclass
class RecordedZaak:
    url: str
    identificatie: str
    zaaktype: str | None
    versies: list[int] = field(default_factory=list)
    documenten: list[str] = field(default_factory=list)  # document ids, in delivery order
    vervallen: list[str] = field(default_factory=list)
    statussen: list[str] = field(default_factory=list)


class RecordingDelivery:
    name = "memory"

    def __init__(
        self,
        planner: Callable[[Verzoek, Verzoek | None], ZgwPlan] | None = None,
        *,
        known_zaaktypen: frozenset[str] = DSO_ZAAKTYPEN,
        base_url: str = "https://zaken.example/zaken/api/v1",
    ) -> None:
        """With a `planner` the zaaktype is checked against `known_zaaktypen` as a catalogue would."""
        self._planner = planner
        self._known = known_zaaktypen
        self._base_url = base_url.rstrip("/")
        self.zaken: dict[str, RecordedZaak] = {}  # by zaak url
        self.steps: list[str] = []  # every step actually performed (not skipped), in order

    def close(self) -> None:
        pass  # nothing held open

    def deliver(
        self,
        verzoek: Verzoek,
        previous: Verzoek | None,
        documents: DocumentSource,
        checkpoints: Checkpoints,
    ) -> DeliveryResult:
        zaaktype: str | None = None
        document_ids = [d.document_id for d in verzoek.documenten()]
        vervallen: list[str] = []
        if self._planner is not None:
            try:
                plan = self._planner(verzoek, previous)
            except StamError as exc:
                raise DeliveryPermanentError(f"no plan for verzoek {verzoek.verzoeknummer}: {exc}") from exc
            zaaktype = plan.zaaktype_identificatie
            if zaaktype not in self._known:
                raise DeliveryPermanentError(f"zaaktype {zaaktype!r} not found in the catalogus")
            document_ids = [d.document_id for d in plan.documenten]
            vervallen = list(plan.vervallen_document_ids)

        zaak_cp = checkpoints.get("zaak")
        if zaak_cp is None:
            zaak_uuid = uuid.uuid5(_NAMESPACE, verzoek.verzoeknummer)
            zaak_cp = {
                "url": f"{self._base_url}/zaken/{zaak_uuid}",
                "identificatie": f"DSO-{verzoek.verzoeknummer}",
            }
            self.zaken.setdefault(
                zaak_cp["url"], RecordedZaak(zaak_cp["url"], zaak_cp["identificatie"], zaaktype)
            )
            self._did("zaak")
            checkpoints.put("zaak", zaak_cp)
        zaak = self.zaken.setdefault(
            zaak_cp["url"], RecordedZaak(zaak_cp["url"], zaak_cp["identificatie"], zaaktype)
        )
        v = f"v{verzoek.volgnummer}:"
        if verzoek.volgnummer not in zaak.versies:
            zaak.versies.append(verzoek.volgnummer)
        for document_id in document_ids:
            if checkpoints.get(f"document:{document_id}") is not None:
                continue  # an earlier version delivered it
            key = f"{v}document:{document_id}"
            if checkpoints.get(key) is None:
                size = documents.size(document_id)
                with documents.open(document_id) as stream:  # prove it is readable, like a real upload
                    while stream.read(1024 * 1024):
                        pass
                zaak.documenten.append(document_id)
                self._did(key)
                checkpoints.put(key, {"document_id": document_id, "size": size})
            checkpoints.put(f"document:{document_id}", {"zaak": zaak.url})
        for document_id in vervallen:
            self._step(
                checkpoints, f"{v}vervallen:{document_id}", partial(zaak.vervallen.append, document_id)
            )
        status = {Doel.INTREKKEN: "Afgehandeld", Doel.AANVULLEN: "Aangevuld"}.get(verzoek.doel, "Ontvangen")
        self._step(checkpoints, f"{v}status", lambda: zaak.statussen.append(status))
        return DeliveryResult(zaak_url=zaak.url, zaak_identificatie=zaak.identificatie)

    def _step(self, checkpoints: Checkpoints, key: str, action: Callable[[], Any]) -> None:
        if checkpoints.get(key) is None:
            action()
            self._did(key)
            checkpoints.put(key, {"done": True})

    def _did(self, key: str) -> None:
        self.steps.append(key)
