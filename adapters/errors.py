"""Errors of the delivery adapters. httpx/SOAP failures are translated here once."""

from __future__ import annotations

from typing import Any, ClassVar


class DeliveryError(Exception):
    retryable: ClassVar[bool] = False

    def __init__(
        self, message: str, *, invalid_params: list[dict[str, Any]] | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.invalid_params = invalid_params or []
        self.status = status  # the target's HTTP status, when it answered

    def refused_only_for(self, *codes: str) -> bool:
        """A 400 whose every invalid parameter has one of `codes`. The provider's uniqueness
        rules (identificatie-niet-uniek, unique, max-occurences) run once the fields are valid
        (DRF serializer validators), so such a refusal says nothing else: "it exists already"."""
        params = self.invalid_params
        return self.status == 400 and bool(params) and all(p.get("code") in codes for p in params)


class DeliveryPermanentError(DeliveryError):
    """4xx from the target, a catalogue entry that does not exist, a mapping gap."""


class DeliveryRetryableError(DeliveryError):
    """5xx, timeouts, connection errors: retrying later can succeed."""

    retryable = True
