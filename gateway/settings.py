"""All configuration, in one pydantic-settings object built once (in the CLI) and passed down.

Every field can be set from the environment with the prefix DSOGW_, e.g. DSOGW_STORE_URL.
Lists take JSON (DSOGW_OUR_OINS='["0000000100160082000", "..."]') or comma-separated values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

APELDOORN_OIN = "00000001001600820000"
OMGEVINGSDIENST_OIN = "00000001823288444000"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DSOGW_", env_file=".env", extra="ignore")

    # Where state lives. The embedded defaults keep everything under data_dir.
    data_dir: Path = Path("var")
    store_url: str = ""  # default: sqlite:///<data_dir>/gateway.db
    queue_url: str = ""  # default: sqlite:///<data_dir>/queue.db; stomp://..., memory://
    archive_dir: Path | None = None  # default: <data_dir>/archive
    # `dso-gateway archive purge` removes bijlagen and PDFs this many days after a verzoek is done.
    archive_retention_days: float | None = Field(default=None, gt=0)
    # With a retention set, each worker also purges every this many seconds (0 = only the command).
    archive_purge_interval: float = Field(default=6 * 3600, ge=0)

    # Our identity towards DSO. The first OIN is the default for calls without a better choice.
    our_oins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: [APELDOORN_OIN, OMGEVINGSDIENST_OIN]
    )
    # Names staff read instead of a bare OIN (detail page), as JSON: {"<oin>": "Gemeente Apeldoorn"}.
    bevoegd_gezag_namen: dict[str, str] = Field(
        default_factory=lambda: {
            APELDOORN_OIN: "Gemeente Apeldoorn",
            OMGEVINGSDIENST_OIN: "Omgevingsdienst Veluwe IJssel",
        }
    )
    # A link from the detail page into the case system's own screens, e.g.
    # "https://zaken.gemeente.nl/zaak/{identificatie}" ({uuid}: the last part of the zaak URL).
    zaak_link_template: str | None = None
    system_name: str = "dso-gateway"  # CloudEvents source: urn:nld:oin:<oin>:systeem:<name>
    skip_kopieberichten: bool = True

    # DSO "Verzoek afhandelen" API
    dso_base_url: str = "http://127.0.0.1:8001/overheid/verzoeken/api/afhandelen/v2"
    dso_samenwerking_url: str | None = None
    dso_oin_header: str = "X-DSO-OIN"
    dso_client_cert: Path | None = None  # PEM (cert+key) or PKCS#12
    dso_client_key: Path | None = None
    dso_client_cert_password: SecretStr | None = None
    dso_ca_bundle: Path | None = None
    dso_timeout: float = 30.0
    kenmerk_systeem: str = "dso-gateway"  # what DSO shows next to our case number
    # DSO's public APIs (/publiek/..., e.g. Verzoek indienen, used only by the harness) want an x-api-key.
    dso_api_key: SecretStr | None = None
    # The harness against a deployed gateway (`harness run --gateway-url`): a token for its /v1 API.
    harness_api_token: SecretStr | None = None

    # Municipal target
    delivery: Literal["zgw", "stuf-zkn", "memory"] = "zgw"
    mapping_file: Path | None = None  # default: the example mapping shipped with stam_mapping
    zgw_zaken_url: str = "http://127.0.0.1:8002/zaken/api/v1"
    zgw_documenten_url: str = "http://127.0.0.1:8002/documenten/api/v1"
    zgw_catalogi_url: str = "http://127.0.0.1:8002/catalogi/api/v1"
    zgw_client_id: str = "dso-gateway"
    zgw_secret: SecretStr = SecretStr("dso-gateway-demo-secret-change-me-0001")
    zgw_timeout: float = 30.0
    zgw_bestandsdelen_threshold: int = 4 * 1024 * 1024
    # StUF-ZKN 3.10 (ZDS 1.1): the base under which /VrijeBerichten and /OntvangAsynchroon live.
    stuf_zkn_url: str = "http://127.0.0.1:8003/stuf-zkn"
    stuf_zkn_timeout: float = 60.0

    # Processing
    max_attempts: int = Field(default=6, ge=1)
    retry_base_delay: float = Field(default=2.0, gt=0)
    retry_max_delay: float = Field(default=300.0, gt=0)
    max_stam_bytes: int = 64 * 1024 * 1024
    worker_heartbeat_interval: float = Field(default=10.0, gt=0)  # seconds; gateway/heartbeat.py
    reconcile_interval: float = 0.0  # seconds between reconciliation runs in the worker; 0 = off
    reconcile_lookback_days: float = Field(default=7.0, gt=0)  # how far back each periodic run looks

    # HTTP API
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Who may post verzoeknotificaties (gateway/api/inbound_auth.py). "none" only for the demo/tests.
    notification_auth: Literal["none", "mtls", "proxy"] = "none"
    notification_sender_oins: Annotated[list[str], NoDecode] = Field(default_factory=list)  # DSO-LV's OIN(s)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)  # addresses or CIDRs
    proxy_cert_header: str = "X-SSL-Client-Cert"  # URL-encoded PEM, e.g. nginx $ssl_client_escaped_cert
    api_tls_cert: Path | None = None  # mode "mtls": our server certificate and key...
    api_tls_key: Path | None = None
    api_client_ca: Path | None = None  # ...and the CA bundle client certificates must chain to
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"

    # Staff login for the status page and the operations API (gateway/auth).
    session_secret: SecretStr | None = None  # signs session cookies; default: random per process
    session_secure_cookie: bool = True  # False only for the plain-HTTP demo on 127.0.0.1
    session_max_age: int = Field(default=8 * 3600, gt=0)
    oidc_issuer: str | None = None  # e.g. https://login.gemeente.nl/realms/medewerkers; off when unset
    oidc_client_id: str = "dso-gateway"
    oidc_client_secret: SecretStr | None = None
    oidc_roles_claim: str = "roles"  # claim (list or space-separated) holding viewer/operator/...
    oidc_verify_tls: bool = True
    api_token_sha256: Annotated[list[str], NoDecode] = Field(default_factory=list)  # hex digests
    # Roles of the tokens in api_token_sha256: read-only unless operator is given explicitly.
    api_token_roles: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["viewer"])

    @field_validator(
        "our_oins",
        "api_token_sha256",
        "api_token_roles",
        "notification_sender_oins",
        "trusted_proxies",
        mode="before",
    )
    @classmethod
    def _split_oins(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if value.startswith("["):
                import json

                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("our_oins")
    @classmethod
    def _check_oins(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one OIN is needed")
        for oin in value:
            if not (len(oin) == 20 and oin.isdigit()):
                raise ValueError("an OIN is 20 digits")
        return value

    @property
    def effective_store_url(self) -> str:
        return self.store_url or f"sqlite:///{self.data_dir / 'gateway.db'}"

    @property
    def effective_queue_url(self) -> str:
        return self.queue_url or f"sqlite:///{self.data_dir / 'queue.db'}"

    @property
    def effective_archive_dir(self) -> Path:
        return self.archive_dir or self.data_dir / "archive"

    @property
    def default_oin(self) -> str:
        return self.our_oins[0]
