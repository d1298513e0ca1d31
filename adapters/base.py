"""The Delivery port: registering a verzoek in the municipality's case system.

Implementations: ZGW (adapters/zgw), StUF-ZKN 3.10 (adapters/stuf_zkn) and the recording
fake (adapters/memory). One contract suite (tests/contract/test_delivery_contract.py) runs
against all of them.
"""

from __future__ import annotations

from typing import Any, BinaryIO, Protocol

from pydantic import BaseModel, ConfigDict

from stam_mapping.model import Verzoek


class Checkpoints(Protocol):
    """Results of finished delivery steps, kept by the gateway's store per verzoeknummer.

    An adapter calls `get(key)` before a step and `put(key, result)` right after it, so a
    redelivered message resumes at the first missing step and never creates anything twice."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, value: dict[str, Any]) -> None: ...


class DocumentSource(Protocol):
    """The archived bijlagen of a verzoek, read as streams (they may be GBs)."""

    def open(self, document_id: str) -> BinaryIO: ...

    def size(self, document_id: str) -> int: ...

    def media_type(self, document_id: str) -> str: ...


class DeliveryResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    zaak_url: str
    zaak_identificatie: str
    # What the clerk should know about how it was registered (Dutch; e.g. which zaaktype
    # version was taken): said on the verzoek's timeline.
    notities: tuple[str, ...] = ()


class Delivery(Protocol):
    name: str

    def deliver(
        self,
        verzoek: Verzoek,
        previous: Verzoek | None,
        documents: DocumentSource,
        checkpoints: Checkpoints,
    ) -> DeliveryResult:
        """Register `verzoek` (Initiëren/Conceptverzoek: a new zaak; Aanvullen: update the zaak
        of `previous`'s verzoeknummer; Intrekken: close it). Raises DeliveryPermanentError or
        DeliveryRetryableError (adapters/errors.py) and nothing else."""

    def close(self) -> None:
        """Release what the adapter holds open (its HTTP connections)."""
