"""A ZGW test server (Zaken, Documenten, Catalogi) that behaves like Open Zaak for what the
gateway uses. Ships with the product so a municipality can try the gateway without a zaaksysteem."""

from adapters.zgw.testserver.app import create_app, store_of
from adapters.zgw.testserver.config import ZgwTestServerConfig
from adapters.zgw.testserver.store import Fault, ZgwStore

__all__ = ["Fault", "ZgwStore", "ZgwTestServerConfig", "create_app", "store_of"]
