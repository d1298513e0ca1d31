"""The sandbox's state as plain Python: stored verzoek versions, what the gateway reported back,
the faults in force. The FastAPI app is a thin skin over this; tests may drive it directly."""

from __future__ import annotations

import mimetypes
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dso_client.sandbox.config import FaultConfig, SandboxConfig
from dso_client.sandbox.content import DocumentContent, GeneratedDocument
from dso_client.sandbox.notifier import Notifier
from dso_client.sandbox.stam import StamSummary, notificatie_xml, read_verzoek


@dataclass(frozen=True)
class StoredDocument:
    document_id: str
    bestandsnaam: str
    media_type: str
    content: DocumentContent

    @property
    def size(self) -> int:
        return self.content.size


@dataclass
class StoredVersie:
    summary: StamSummary
    xml: bytes
    documenten: dict[str, StoredDocument]
    beschikbaar_op: datetime  # when DSO made it available to the bevoegd gezag
    available_from: float  # time.monotonic(); before that the API answers 404

    @property
    def verzoeknummer(self) -> str:
        return self.summary.verzoeknummer

    @property
    def volgnummer(self) -> int:
        return self.summary.volgnummer

    def authorised(self, oin: str) -> bool:
        return oin in (self.summary.bevoegd_gezag_oin, self.summary.uitvoerende_instantie_oin)

    def available(self) -> bool:
        return time.monotonic() >= self.available_from


@dataclass(frozen=True)
class InjectedFault:
    status: int
    retry_after: float | None = None


@dataclass
class Sandbox:
    config: SandboxConfig = field(default_factory=SandboxConfig)
    notifier: Notifier | None = None
    versies: dict[str, dict[int, StoredVersie]] = field(default_factory=dict)
    rerouteringen: list[dict[str, Any]] = field(default_factory=list)
    samenwerkingen: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self.faults = self.config.faults.model_copy()
        self._random = random.Random(self.config.seed)
        self._held: list[tuple[str, int, bytes]] = []
        if self.notifier is None and self.config.notify_url:
            self.notifier = Notifier(
                self.config.notify_url,
                attempts=self.config.notify_attempts,
                backoff=self.config.notify_backoff,
            )

    # -- submitting ----------------------------------------------------------------------------

    def submit(
        self,
        xml: bytes,
        bijlage_sizes: Mapping[str, int] | None = None,
        *,
        uploaded: Mapping[str, DocumentContent] | None = None,
    ) -> StoredVersie:
        """Store a verzoek version (as if an initiatiefnemer submitted it) and notify the gateway.

        Documents come from `uploaded` (the indienen API), else an earlier version, else they are
        generated with the size from `bijlage_sizes` (the control API)."""
        summary = read_verzoek(xml)
        sizes = dict(bijlage_sizes or {})
        with self._lock:
            documenten: dict[str, StoredDocument] = {}
            for doc in summary.documenten:
                media_type = mimetypes.guess_type(doc.bestandsnaam)[0] or "application/octet-stream"
                if uploaded and doc.document_id in uploaded:
                    documenten[doc.document_id] = StoredDocument(
                        doc.document_id, doc.bestandsnaam, media_type, uploaded[doc.document_id]
                    )
                    continue
                size = sizes.get(doc.document_id)
                earlier = self._earlier_document(summary.verzoeknummer, doc.document_id)
                if size is None and earlier is not None:
                    # An aanvulling repeats the documents it keeps: the same content as before.
                    documenten[doc.document_id] = StoredDocument(
                        doc.document_id, doc.bestandsnaam, media_type, earlier.content
                    )
                    continue
                if size is None:
                    size = self.config.default_document_size
                content = GeneratedDocument(doc.document_id, size)
                documenten[doc.document_id] = StoredDocument(
                    doc.document_id, doc.bestandsnaam, media_type, content
                )
            versie = StoredVersie(
                summary=summary,
                xml=xml,
                documenten=documenten,
                beschikbaar_op=datetime.now(UTC),
                available_from=time.monotonic() + self.faults.not_available_seconds,
            )
            self.versies.setdefault(summary.verzoeknummer, {})[summary.volgnummer] = versie
            self._notify(versie)
        return versie

    def _earlier_document(self, verzoeknummer: str, document_id: str) -> StoredDocument | None:
        for versie in self.versies.get(verzoeknummer, {}).values():
            if document_id in versie.documenten:
                return versie.documenten[document_id]
        return None

    def _notify(self, versie: StoredVersie) -> None:
        if self.notifier is None or self.faults.skip_notification:
            return
        item = (
            versie.verzoeknummer,
            versie.volgnummer,
            notificatie_xml(versie.verzoeknummer, versie.volgnummer, versie.summary.bevoegd_gezag_oin),
        )
        copies = 2 if self.faults.duplicate_notifications else 1
        if self.faults.out_of_order_notifications:
            self._held.extend([item] * copies)
            if len({(v, n) for v, n, _ in self._held}) >= 2:
                self.flush_notifications(reverse=True)
            return
        for _ in range(copies):
            self.notifier.send(*item)

    def flush_notifications(self, *, reverse: bool = True) -> int:
        """Send the notifications held back for out-of-order delivery; returns how many."""
        with self._lock:
            held, self._held = self._held, []
        if self.notifier is not None:
            for item in reversed(held) if reverse else held:
                self.notifier.send(*item)
        return len(held)

    # -- reading -------------------------------------------------------------------------------

    def get_versie(self, verzoeknummer: str, volgnummer: int | None = None) -> StoredVersie | None:
        with self._lock:
            versies = self.versies.get(verzoeknummer)
            if not versies:
                return None
            if volgnummer is None:
                return versies[max(versies)]
            return versies.get(volgnummer)

    def find_document(
        self, verzoeknummer: str, document_id: str
    ) -> tuple[StoredVersie, StoredDocument] | None:
        with self._lock:
            versies = self.versies.get(verzoeknummer, {})
            for volgnummer in sorted(versies, reverse=True):
                versie = versies[volgnummer]
                if document_id in versie.documenten:
                    return versie, versie.documenten[document_id]
        return None

    def zoek(self, oin: str, vanaf: datetime, tot: datetime | None) -> list[StoredVersie]:
        with self._lock:
            found = [
                versie
                for versies in self.versies.values()
                for versie in versies.values()
                if versie.authorised(oin)
                and versie.available()
                and versie.beschikbaar_op >= vanaf
                and (tot is None or versie.beschikbaar_op < tot)
            ]
        return sorted(found, key=lambda v: (v.beschikbaar_op, v.verzoeknummer, v.volgnummer))

    # -- what the gateway reported back --------------------------------------------------------

    def record_reroute(self, verzoeknummer: str, oin: str, reden: str, naar_oin: str | None = None) -> None:
        with self._lock:
            self.rerouteringen.append(
                {
                    "verzoeknummer": verzoeknummer,
                    "oin": oin,
                    "reden": reden,
                    "naarOin": naar_oin,
                    "op": _now(),
                }
            )

    def record_samenwerking(self, verzoeknummer: str, oin: str, kenmerk: str, nummer: str) -> dict[str, Any]:
        entry = {
            "verzoeknummer": verzoeknummer,
            "oin": oin,
            "kenmerkSysteem": kenmerk,
            "nummerBinnenSysteem": nummer,
            "op": _now(),
        }
        with self._lock:
            self.samenwerkingen.append(entry)
        return entry

    # -- faults --------------------------------------------------------------------------------

    def set_faults(self, faults: FaultConfig) -> None:
        with self._lock:
            self.faults = faults.model_copy()

    def next_fault(self) -> InjectedFault | None:
        """The configured 5xx/429 fault for this API request, if any (counters first, then rates)."""
        with self._lock:
            f = self.faults
            if f.rate_limit_next:
                f.rate_limit_next -= 1
                return InjectedFault(429, f.retry_after)
            if f.error_next:
                f.error_next -= 1
                return InjectedFault(f.error_status)
            if f.rate_limit_rate and self._random.random() < f.rate_limit_rate:
                return InjectedFault(429, f.retry_after)
            if f.error_rate and self._random.random() < f.error_rate:
                return InjectedFault(f.error_status)
        return None

    def take_drop(self) -> int | None:
        """Bytes after which to drop this document response, if the drop fault is armed."""
        with self._lock:
            f = self.faults
            if f.drop_after_bytes is None:
                return None
            limit = f.drop_after_bytes
            if f.drop_times:
                f.drop_times -= 1
                if f.drop_times == 0:
                    f.drop_after_bytes = None
            return limit

    def reset(self) -> None:
        with self._lock:
            self.versies.clear()
            self.rerouteringen.clear()
            self.samenwerkingen.clear()
            self._held.clear()
            self.faults = self.config.faults.model_copy()

    def close(self) -> None:
        if self.notifier is not None:
            self.notifier.close()


def _now() -> str:
    return datetime.now(UTC).isoformat()
