"""Configuration of the ZGW test server."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from stam_mapping.mapping import Vertrouwelijkheidaanduiding

# Every scope the gateway needs against Open Zaak (README: "ZGW test server"). Open Zaak checks
# scopes per operation, so an application missing one of these fails a delivery step.
GATEWAY_SCOPES: frozenset[str] = frozenset(
    {
        "zaken.lezen",
        "zaken.aanmaken",
        "zaken.bijwerken",
        "zaken.heropenen",
        "documenten.lezen",
        "documenten.aanmaken",
        "documenten.bijwerken",
        "documenten.verwijderen",
        "documenten.lock",
        "catalogi.lezen",
    }
)
Vertrouwelijkheid = Vertrouwelijkheidaanduiding  # the ZGW levels, as the mapping names them


class Application(BaseModel):
    """One Open Zaak "applicatie": what a client_id may do. Open Zaak grants scopes per zaaktype
    or informatieobjecttype; the test server grants them for every type (as a
    CatalogusAutorisatie on its one catalogus does)."""

    model_config = ConfigDict(frozen=True)

    scopes: frozenset[str] = GATEWAY_SCOPES
    max_vertrouwelijkheidaanduiding: Vertrouwelijkheid = "zeer_geheim"
    # None: the server's `secret`. Open Zaak keeps one secret per client_id.
    secret: str | None = None


class ZgwTestServerConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    secret: str = "sandbox-secret-change-me-0123456789abcdef"  # noqa: S105 - the test server's own, documented default
    # Empty: any client_id signed with `secret` is accepted (and gets `default_application`).
    client_ids: tuple[str, ...] = ()
    # Applications by client_id; a client_id not listed here gets `default_application`.
    applications: dict[str, Application] = Field(default_factory=dict)
    default_application: Application = Application()
    jwt_max_age_seconds: int = 3600  # Open Zaak's JWT_EXPIRY (+ JWT_LEEWAY 0)
    # Size of one bestandsdeel; Open Zaak's default is much larger, small values exercise the flow.
    part_size: int = 1024 * 1024
    # Items per page of a paginated list (Open Zaak: 100); small values exercise `next`.
    page_size: int = Field(100, ge=1)
    # Where bestandsdelen and merged blobs go; None: a fresh temporary directory.
    blob_dir: Path | None = None
    # A YAML file in the format of the packaged catalogue.yaml; None: the packaged one.
    catalogue_file: Path | None = None
    # Which Catalogi API to imitate: 1.3.1 (what Open Zaak serves) or 1.3.3 (adds required
    # *Omschrijving/*Identificaties fields; ZaakType.informatieobjecttypen becomes a list).
    catalogi_version: Literal["1.3.1", "1.3.3"] = "1.3.1"
    # Open Zaak GETs zaakobject.object, zaak.communicatiekanaal and zaak.selectielijstklasse and
    # refuses them unless the answer is 200 (`bad-url`). Off only for a test server without network.
    fetch_external_urls: bool = True
    # Open Zaak's admin feature flag: accept concept zaaktypen/informatieobjecttypen.
    allow_unpublished_typen: bool = False

    def application(self, client_id: str) -> Application:
        return self.applications.get(client_id, self.default_application)

    def knows_client(self, client_id: str) -> bool:
        return client_id in self.applications or not self.client_ids or client_id in self.client_ids
