"""StUF-ZKN 3.10 (Zaak- en Documentservices 1.1) delivery adapter and a StUF test endpoint."""

from adapters.stuf_zkn.client import StufClient
from adapters.stuf_zkn.delivery import StufDelivery

__all__ = ["StufClient", "StufDelivery"]
