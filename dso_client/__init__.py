"""Client of the DSO "Verzoek afhandelen" API, and a DSO sandbox (dso_client.sandbox) to test it."""

from dso_client.client import DsoClient
from dso_client.errors import (
    DsoError,
    DsoIntegrityError,
    DsoNotAvailableError,
    DsoPermanentError,
    DsoRateLimitedError,
    DsoRetryableError,
)
from dso_client.models import DocumentReferentie, DownloadResult, Verzoekreferenties, ZoekResultaat

__all__ = [
    "DocumentReferentie",
    "DownloadResult",
    "DsoClient",
    "DsoError",
    "DsoIntegrityError",
    "DsoNotAvailableError",
    "DsoPermanentError",
    "DsoRateLimitedError",
    "DsoRetryableError",
    "Verzoekreferenties",
    "ZoekResultaat",
]
