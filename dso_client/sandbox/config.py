"""Configuration of the DSO sandbox, and the faults it can inject."""

from __future__ import annotations

from pydantic import BaseModel, Field

DEFAULT_BASE_PATH = "/overheid/verzoeken/api/afhandelen/v2"
DEFAULT_SAMENWERKING_PATH = "/overheid/samenwerken/api/behandelen/v4"
DEFAULT_INDIENEN_PATH = "/publiek/verzoeken/api/indienen/v4"


class FaultConfig(BaseModel):
    """Faults applied to the afhandelen/samenwerking API (never to /_sandbox).

    Rates are probabilities per request (seeded, so a run is repeatable); `*_next` counters
    hit the next N requests exactly, for deterministic tests."""

    latency_seconds: float = Field(0.0, ge=0, le=60)
    error_rate: float = Field(0.0, ge=0, le=1)
    error_next: int = Field(0, ge=0)
    error_status: int = Field(503, ge=500, le=599)
    rate_limit_rate: float = Field(0.0, ge=0, le=1)
    rate_limit_next: int = Field(0, ge=0)
    retry_after: float = Field(1.0, ge=0)
    # Drop the connection after this many body bytes of a document, for the next `drop_times`
    # document responses (0 = every one).
    drop_after_bytes: int | None = Field(None, ge=0)
    drop_times: int = Field(1, ge=0)
    # A verzoek version answers 404 for this many seconds after submission (notification
    # arrives before the content is available).
    not_available_seconds: float = Field(0.0, ge=0)
    duplicate_notifications: bool = False
    # Notifications are held in pairs and sent newest first.
    out_of_order_notifications: bool = False
    skip_notification: bool = False


class SandboxConfig(BaseModel):
    base_path: str = DEFAULT_BASE_PATH
    samenwerking_path: str = DEFAULT_SAMENWERKING_PATH
    indienen_path: str = DEFAULT_INDIENEN_PATH
    # The public indienen API wants an x-api-key when this is set (as DSO's /publiek APIs do).
    indienen_api_key: str | None = None
    oin_header: str = "X-DSO-OIN"
    # With mTLS, DSO lets a certificate act only for the OINs on its whitelist: its own (the
    # subject serialNumber) plus those listed here under it, e.g. a municipality's certificate
    # also acting for its omgevingsdienst.
    certificate_oins: dict[str, list[str]] = Field(default_factory=dict)
    notify_url: str | None = None
    # Absolute links in verzoekreferenties use this; default: the URL the request came in on.
    public_url: str | None = None
    default_document_size: int = Field(48 * 1024, ge=0)
    # A sha256 over a generated multi-GB document costs seconds: above this size none is announced.
    sha256_max_size: int = Field(1024 * 1024 * 1024, ge=0)
    page_size: int = Field(50, ge=1)
    seed: int = 20240314
    faults: FaultConfig = Field(default_factory=FaultConfig)
    notify_attempts: int = Field(5, ge=1)
    notify_backoff: float = Field(0.2, ge=0)
