"""All configuration, in one pydantic-settings object built once (in the CLI) and passed down.

Every field can be set from the environment with the prefix DSOGW_, e.g. DSOGW_STORE_URL.
Lists take JSON (DSOGW_OUR_OINS='["0000000100160082000", "..."]') or comma-separated values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

APELDOORN_OIN = "00000001001600820000"
OMGEVINGSDIENST_OIN = "00000001823288444000"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DSOGW_", env_file=".env", extra="ignore")

    # Where state lives. The embedded defaults keep everything under data_dir.
    data_dir: Path = Path("var")
    store_url: str = ""  # default: sqlite:///<data_dir>/gateway.db
    queue_url: str = ""  # default: sqlite:///<data_dir>/queue.db; stomp://..., memory://
    # Put before every queue name ("gem1" -> gem1.dso.fetch): two installations on one broker
    # vhost. Empty: the plain names. A vhost per installation is better where possible.
    queue_prefix: str = Field(default="", pattern=r"^([A-Za-z0-9][A-Za-z0-9_-]{0,39})?$")
    archive_dir: Path | None = None  # default: <data_dir>/archive
    # `dso-gateway archive purge` removes bijlagen and PDFs this many days after a verzoek is done.
    archive_retention_days: float | None = Field(default=None, gt=0)
    # With a retention set, each worker also purges every this many seconds (0 = only the command).
    archive_purge_interval: float = Field(default=6 * 3600, ge=0)
    # Logboek Dataverwerkingen (gateway/logboek). The key of the data subjects' HMAC; unset: one
    # generated per installation in <data_dir>/logboek.sleutel. Records older than the retention
    # are deleted by the workers every archive_purge_interval; unset: kept. The register of
    # verwerkingsactiviteiten; default: gateway/logboek/register.yaml.
    logboek_sleutel: SecretStr | None = None
    logboek_retention_days: float | None = Field(default=None, gt=0)
    logboek_register: Path | None = None

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
    # ASSUMPTION, off by default: no public DSO source says a samenwerking (Samenwerkfunctionaliteit)
    # should record a municipality's case number, and other parties see every samenwerking
    # (../shared/domain/dso-reality.md). Only with dso_samenwerking_koppelen=true does the report
    # stage create one; otherwise nothing is called and nothing fails.
    dso_samenwerking_koppelen: bool = False
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
    # Status from the case system: the Notificaties API (Open Notificaties) we subscribe to with
    # `dso-gateway zgw abonneren`, our callback URL (POST /v1/zgw/notificaties, as the Notificaties
    # API can reach it) and the Authorization header value it must send. No secret: callback off.
    zgw_notificaties_url: str = "http://127.0.0.1:8002/notificaties/api/v1"
    zgw_callback_url: str | None = None
    zgw_callback_auth: SecretStr | None = None
    # Seconds between comparisons of every open zaak's statuses (a missed notification); 0 = off.
    zaakstatus_reconcile_interval: float = Field(default=900.0, ge=0)
    zgw_bestandsdelen_threshold: int = 4 * 1024 * 1024
    # Seconds the ZGW catalogue (zaaktypen, statustypen, ...) is cached; a delivery that fails on
    # a catalogue gap refreshes it at once and tries once more.
    zgw_catalogus_ttl: float = Field(default=300.0, ge=0)
    # StUF-ZKN 3.10 (ZDS 1.1): the base under which /VrijeBerichten and /OntvangAsynchroon live.
    stuf_zkn_url: str = "http://127.0.0.1:8003/stuf-zkn"
    stuf_zkn_timeout: float = 60.0
    # The official StUF-ZKN 3.10 schemas (ZKN 0310 patch 28), only for checking: `stam map
    # --validate` and the StUF test endpoint. Default: ../shared/stuf/zkn0310-patch28 when present.
    stuf_zkn_schemas: Path | None = None

    # Messages to the initiatiefnemer (gateway/berichten). DSO does not send them: Awb 4:3a asks
    # the municipality to confirm receipt itself. False for a municipality whose case system
    # already sends the ontvangstbevestiging.
    ontvangstbevestiging_versturen: bool = True
    # SMTP; without a host every message becomes a PDF letter for the post.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_tls: Literal["starttls", "implicit", "none"] = "starttls"  # "none" only on 127.0.0.1
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "noreply@gemeente.example"
    smtp_timeout: float = Field(default=30.0, gt=0)
    smtp_ca_bundle: Path | None = None  # CA for the mail server's certificate; default: system CAs
    post_dir: Path | None = None  # letters "per post te versturen"; default: <data_dir>/post
    # The status page flags open zaken whose beslistermijn ends within this many days.
    beslistermijn_waarschuwing_dagen: int = Field(default=14, ge=0)

    # Processing
    max_attempts: int = Field(default=6, ge=1)
    # Consumer threads per stage in each worker process. A stage mostly waits on DSO or ZGW over
    # HTTP, so two keep a 2-core machine busy; on a broker each gets its own prefetch slot.
    stage_consumers: int = Field(default=2, ge=1, le=32)
    retry_base_delay: float = Field(default=2.0, gt=0)
    retry_max_delay: float = Field(default=300.0, gt=0)
    # Every download from DSO is streamed to disk and cut off at its limit (and at the size DSO
    # announced, when it announced one): the STAM samenvatting, the PDF, and each bijlage.
    max_stam_bytes: int = Field(default=64 * 1024 * 1024, gt=0)
    max_pdf_bytes: int = Field(default=100 * 1024 * 1024, gt=0)
    max_bijlage_bytes: int = Field(default=1024 * 1024 * 1024, gt=0)
    # A version waiting for an older version of its verzoek (gateway/pipeline/waiting.py): how
    # often workers look whether it can go on, and how many hours it may wait before it fails.
    waiting_check_interval: float = Field(default=5.0, gt=0)
    max_wait_for_older_version: float = Field(default=72.0, gt=0)
    # Seconds between browses of the dead-letter queues on a broker (the status page reads the
    # last browse; a STOMP browse is too slow to run per page view). SQLite/memory: always live.
    dead_letter_refresh_interval: float = Field(default=15.0, gt=0)
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

    # OpenTelemetry tracing, off unless enabled. Spans go by OTLP/HTTP (protobuf) to the endpoint
    # (e.g. http://otel-collector:4318); without one the exporter follows the standard
    # OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT and OTEL_EXPORTER_OTLP_HEADERS variables.
    otel_enabled: bool = False
    otel_exporter_otlp_endpoint: str | None = None
    # service.name of every span; default: OTEL_SERVICE_NAME, else "dso-gateway".
    otel_service_name: str | None = None
    # `dso-gateway worker` serves its Prometheus metrics (stage and outbound-call latency) on this
    # port with prometheus-client's own HTTP server. None: not served (the API has /metrics).
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    worker_metrics_addr: str = "0.0.0.0"  # noqa: S104 - a scrape port, inside the pod network

    # Staff login for the status page and the operations API (gateway/auth).
    # No longer used: sessions live in the store (gateway/auth/server_session.py), the cookie is
    # an opaque random id. Kept so existing configurations still load.
    session_secret: SecretStr | None = None
    session_secure_cookie: bool = True  # False only for the plain-HTTP demo on 127.0.0.1
    session_max_age: int = Field(default=8 * 3600, gt=0)
    oidc_issuer: str | None = None  # e.g. https://login.gemeente.nl/realms/medewerkers; off when unset
    oidc_client_id: str = "dso-gateway"
    oidc_client_secret: SecretStr | None = None
    oidc_roles_claim: str = "roles"  # claim (list or space-separated) holding viewer/operator/...
    oidc_verify_tls: bool = True
    api_token_sha256: Annotated[list[str], NoDecode] = Field(default_factory=list)  # hex digests
    api_token_roles: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["viewer", "operator"])

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

    @model_validator(mode="after")
    def _samenwerking_needs_url(self) -> Settings:
        if self.dso_samenwerking_koppelen and not self.dso_samenwerking_url:
            raise ValueError("dso_samenwerking_koppelen=true needs dso_samenwerking_url")
        if self.smtp_tls == "none" and self.smtp_host not in (None, "127.0.0.1", "localhost", "::1"):
            # Credentials and personal data never cross a network in clear text.
            raise ValueError("smtp_tls=none is only allowed for a mail server on 127.0.0.1")
        return self

    @property
    def effective_post_dir(self) -> Path:
        return self.post_dir or self.data_dir / "post"

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
