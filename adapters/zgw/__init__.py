"""ZGW APIs (Zaken, Documenten, Catalogi) delivery adapter and a ZGW test server."""

from adapters.zgw.catalogus import CatalogusResolver, Zaaktype
from adapters.zgw.client import ZgwClient
from adapters.zgw.delivery import ZgwDelivery

__all__ = ["CatalogusResolver", "Zaaktype", "ZgwClient", "ZgwDelivery"]
