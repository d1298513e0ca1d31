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
    model_config = SettingsConfigDict(
        env_prefix="DSOGW_", env_file=".env", extra="ignore", use_attribute_docstrings=True
    )

    # Where state lives. The embedded defaults keep everything under data_dir.
    data_dir: Path = Path("var")
    """Where the embedded defaults (SQLite store and queue, archive) keep their files."""
    store_url: str = ""  # default: sqlite:///<data_dir>/gateway.db
    """The store: empty means sqlite:///<data_dir>/gateway.db; in production
    postgresql+psycopg://user@host/db. On PostgreSQL each process (api, every worker) keeps two
    connection pools, for writes (10, up to 20 at a peak) and for reads in autocommit (5, up to
    20): size max_connections (or a pooler) for up to 40 per process."""
    queue_url: str = ""  # default: sqlite:///<data_dir>/queue.db; stomp://..., memory://
    """The queue: empty means sqlite:///<data_dir>/queue.db; or stomp://user:pass@host:61613, memory://."""
    sqlite_synchronous: Literal["full", "normal"] = "full"
    """SQLite store and queue: "full" syncs the disk at every commit, so what was committed survives
    a power cut or OS crash. "normal" (WAL mode) syncs only at checkpoints: a crash of a process
    loses nothing, but a power cut or OS crash may lose the last commits, and with them the
    guarantees that rest on them (a delivery's run marker, a published job). Faster
    (bench_end_to_end.py); only on a machine whose losing power you can live with. PostgreSQL is
    not affected."""
    queue_prefix: str = Field(default="", pattern=r"^([A-Za-z0-9][A-Za-z0-9_-]{0,39})?$")
    """Put before every queue name ("gem1" gives gem1.dso.fetch), for two installations on one
    broker vhost; empty: the plain names. A vhost per installation is better where possible."""
    archive_dir: Path | None = None  # default: <data_dir>/archive
    """Where STAM XML, PDFs and bijlagen are archived; empty means <data_dir>/archive."""
    # `dso-gateway archive purge` removes bijlagen and PDFs this many days after a verzoek is done.
    archive_retention_days: float | None = Field(default=None, gt=0)
    """`archive purge` (and the workers) remove bijlagen and PDFs this many days after a verzoek is done;
    empty keeps them."""
    # With a retention set, each worker also purges every this many seconds (0 = only the command).
    archive_purge_interval: float = Field(default=6 * 3600, ge=0)
    """With a retention set, each worker purges every this many seconds (0: only the command)."""
    # Logboek Dataverwerkingen (gateway/logboek).
    logboek_sleutel: SecretStr | None = None
    """Key of the HMAC over data subjects' identifiers in the Logboek Dataverwerkingen; empty: one
    generated per installation in <data_dir>/logboek.sleutel (every api and worker must share it)."""
    logboek_retention_days: float | None = Field(default=None, gt=0)
    """Logboek records older than this many days are deleted by the workers; empty: kept."""
    logboek_register: Path | None = None
    """The register of verwerkingsactiviteiten (YAML); empty: the shipped gateway/logboek/register.yaml."""

    # Our identity towards DSO. The first OIN is the default for calls without a better choice.
    our_oins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: [APELDOORN_OIN, OMGEVINGSDIENST_OIN]
    )
    """The OINs we act for towards DSO (JSON list or comma separated); the first is the default."""
    # Names staff read instead of a bare OIN (detail page), as JSON: {"<oin>": "Gemeente Apeldoorn"}.
    bevoegd_gezag_namen: dict[str, str] = Field(
        default_factory=lambda: {
            APELDOORN_OIN: "Gemeente Apeldoorn",
            OMGEVINGSDIENST_OIN: "Omgevingsdienst Veluwe IJssel",
        }
    )
    """Names staff read instead of a bare OIN on the detail page, as JSON: {"<oin>": "Gemeente Apeldoorn"}."""
    # A link from the detail page into the case system's own screens, e.g.
    # "https://zaken.gemeente.nl/zaak/{identificatie}" ({uuid}: the last part of the zaak URL).
    zaak_link_template: str | None = None
    """A link from the detail page into the case system, e.g.
    https://zaken.gemeente.nl/zaak/{identificatie} ({uuid}: the last part of the zaak URL); empty: no
    link."""
    system_name: str = "dso-gateway"  # CloudEvents source: urn:nld:oin:<oin>:systeem:<name>
    """Our system name in CloudEvents sources: urn:nld:oin:<oin>:systeem:<name>."""
    skip_kopieberichten: bool = True
    """Record a kopiebericht (another organisation handles the verzoek) without making a zaak."""

    # DSO "Verzoek afhandelen" API
    dso_base_url: str = "http://127.0.0.1:8001/overheid/verzoeken/api/afhandelen/v2"
    """The DSO Verzoek afhandelen API, e.g.
    https://pkio.service.pre.omgevingswet.overheid.nl/overheid/verzoeken/api/afhandelen/v2 (default: the
    sandbox)."""
    dso_samenwerking_koppelen: bool = False
    """ASSUMPTION, off by default: also record our zaak number at DSO as a samenwerking
    (Samenwerkfunctionaliteit). No public DSO source asks for this, and other parties see every
    samenwerking (../shared/domain/dso-reality.md); needs DSOGW_DSO_SAMENWERKING_URL."""
    dso_samenwerking_url: str | None = None
    """DSO's samenwerking API, for reporting back where that is used; empty: not used."""
    dso_oin_header: str = "X-DSO-OIN"
    """The request header that carries our OIN to DSO."""
    dso_client_cert: Path | None = None  # PEM (cert+key) or PKCS#12
    """PKIoverheid client certificate for DSO: PEM (certificate and key) or PKCS#12."""
    dso_client_key: Path | None = None
    """The key of dso_client_cert when it is a separate PEM file."""
    dso_client_cert_password: SecretStr | None = None
    """Password of a PKCS#12 client certificate."""
    dso_ca_bundle: Path | None = None
    """CA bundle to verify DSO's server certificate; empty: the system's."""
    dso_timeout: float = 30.0
    """Seconds before a DSO call times out (and is retried)."""
    kenmerk_systeem: str = "dso-gateway"  # what DSO shows next to our case number
    """What DSO shows next to our zaak number."""
    # DSO's public APIs (/publiek/..., e.g. Verzoek indienen, used only by the harness) want an x-api-key.
    dso_api_key: SecretStr | None = None
    """DSO's x-api-key for its public APIs; only for `harness run --dso-url`."""
    # The harness against a deployed gateway (`harness run --gateway-url`): a token for its /v1 API.
    harness_api_token: SecretStr | None = None
    """A token for a deployed gateway's /v1 API; only for `harness run --gateway-url`."""

    # Municipal target
    delivery: Literal["zgw", "stuf-zkn", "memory"] = "zgw"
    """The case system adapter: zgw, stuf-zkn or memory."""
    mapping_file: Path | None = None  # default: the example mapping shipped with stam_mapping
    """The municipal mapping YAML (activiteit to zaaktype, vraag to eigenschap, documentsoort to
    informatieobjecttype); empty: the example in stam_mapping/data/."""
    zgw_zaken_url: str = "http://127.0.0.1:8002/zaken/api/v1"
    """The ZGW Zaken API (default: the test server on 127.0.0.1:8002)."""
    zgw_documenten_url: str = "http://127.0.0.1:8002/documenten/api/v1"
    """The ZGW Documenten API."""
    zgw_catalogi_url: str = "http://127.0.0.1:8002/catalogi/api/v1"
    """The ZGW Catalogi API."""
    zgw_client_id: str = "dso-gateway"
    """ZGW JWT (HS256) client id."""
    zgw_secret: SecretStr = SecretStr("dso-gateway-demo-secret-change-me-0001")
    """ZGW JWT (HS256) secret; the default is a demo value."""
    zgw_timeout: float = 30.0
    """Seconds before a ZGW call times out (and is retried)."""
    zgw_notificaties_url: str = "http://127.0.0.1:8002/notificaties/api/v1"
    """The ZGW Notificaties API (Open Notificaties) that `dso-gateway zgw abonneren` subscribes to."""
    zgw_callback_url: str | None = None
    """Our callback (POST /v1/zgw/notificaties) as the Notificaties API can reach it."""
    zgw_callback_auth: SecretStr | None = None
    """The Authorization header value the Notificaties API must send us; empty: callback off."""
    zaakstatus_reconcile_interval: float = Field(default=900.0, ge=0)
    """Seconds between comparisons of every open zaak's statuses (a missed notification); 0: off."""
    zgw_bestandsdelen_threshold: int = 4 * 1024 * 1024
    """Documents larger than this many bytes are uploaded in bestandsdelen."""
    zgw_catalogus_ttl: float = Field(default=300.0, ge=0)
    """Seconds the ZGW catalogue is cached; a delivery that fails on a catalogue gap refreshes it
    at once and tries once more."""
    # StUF-ZKN 3.10 (ZDS 1.1): the base under which /VrijeBerichten and /OntvangAsynchroon live.
    stuf_zkn_url: str = "http://127.0.0.1:8003/stuf-zkn"
    """StUF-ZKN 3.10: the base under which /VrijeBerichten and /OntvangAsynchroon live."""
    stuf_zkn_timeout: float = 60.0
    """Seconds before a StUF-ZKN call times out (and is retried)."""
    stuf_zkn_schemas: Path | None = None
    """The official StUF-ZKN 3.10 schemas (ZKN 0310 patch 28), only for checking (`stam map
    --validate`, the StUF test endpoint); empty: ../shared/stuf/zkn0310-patch28 when present."""

    # Messages to the initiatiefnemer (gateway/berichten).
    ontvangstbevestiging_versturen: bool = True
    """Send the ontvangstbevestiging (Awb 4:3a; DSO does not); false where the case system sends it."""
    smtp_host: str | None = None
    """The mail server; empty: every message becomes a PDF letter for the post."""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    """The mail server's port."""
    smtp_tls: Literal["starttls", "implicit", "none"] = "starttls"
    """starttls, implicit or none (none only on 127.0.0.1)."""
    smtp_username: str | None = None
    """The mail server login; empty: no login."""
    smtp_password: SecretStr | None = None
    """The mail server password."""
    smtp_from: str = "noreply@gemeente.example"
    """The From address of messages to initiatiefnemers."""
    smtp_timeout: float = Field(default=30.0, gt=0)
    """Seconds before a mail server call times out."""
    smtp_ca_bundle: Path | None = None
    """CA bundle for the mail server's certificate; empty: the system CAs."""
    post_dir: Path | None = None
    """Where letters "per post te versturen" are kept; empty: <data_dir>/post."""
    beslistermijn_waarschuwing_dagen: int = Field(default=14, ge=0)
    """The status page flags open zaken whose beslistermijn ends within this many days."""

    # Processing
    max_attempts: int = Field(default=6, ge=1)
    """Attempts before a retryable failure is given up and dead-lettered."""
    stage_consumers: int | None = Field(default=None, ge=1, le=32)
    """Consumer threads per stage in each worker process (stages mostly wait on HTTP); on a broker
    each gets a prefetch slot. With hand-off the fetch consumers carry a version through every
    stage, so this is how many verzoeken a worker has in flight. Empty: 4 with PostgreSQL, where
    their round trips overlap (end to end 0.56 -> 0.61 of the case system's rate against 2);
    2 with SQLite, whose every write takes the one write lock: more threads only queue on it and
    hold off the intake's writes in a burst of notifications (sustainable 600/s with 2, 400/s
    with 3 or 4; bench_intake.py), for little more end to end (0.65 -> 0.67)."""
    stage_handoff: bool = True
    """A stage's job for the next stage of the same version runs in the same worker thread right
    away, held in the outbox meanwhile (gateway/pipeline/handoff.py); a failure there is the job's
    first attempt and hands it to the queue. false: every stage goes through the queue."""
    http_transport: Literal["httpx", "lean"] = "lean"
    """Outbound HTTP (DSO, ZGW) through our HTTP/1.1 transport under httpx's client (lean:
    gateway/http11.py, half the CPU per call), or httpx's own (httpx). With HTTPS_PROXY or the
    like in the environment, httpx's own is used: ours does not go through a proxy."""
    stage_handoff_hold: float = Field(default=60.0, gt=0)
    """Seconds a held job stays out of the relay's reach (renewed by the heartbeat while its stage
    runs, at least three heartbeats): how long a job of a worker that died waits to be queued."""
    worker_niceness: int = Field(default=5, ge=0, le=19)
    """How much lower a worker process's CPU priority is than the api's (Unix nice, added at
    start): where both share CPUs, DSO's notifications are answered first and the backlog waits.
    0 keeps the same priority. No effect between containers with CPU limits of their own."""
    retry_base_delay: float = Field(default=2.0, gt=0)
    """Seconds before the first retry; doubles per attempt (with jitter)."""
    retry_max_delay: float = Field(default=300.0, gt=0)
    """The longest wait between retries, in seconds."""
    max_stam_bytes: int = Field(default=64 * 1024 * 1024, gt=0)
    """The largest STAM message downloaded from DSO, in bytes (cut off there, streamed to disk)."""
    max_pdf_bytes: int = Field(default=100 * 1024 * 1024, gt=0)
    """The largest PDF of a verzoek downloaded from DSO, in bytes."""
    max_bijlage_bytes: int = Field(default=1024 * 1024 * 1024, gt=0)
    """The largest bijlage downloaded from DSO, in bytes (also cut off at the size DSO announced)."""
    waiting_check_interval: float = Field(default=5.0, gt=0)
    """Seconds between a worker's looks whether a version waiting for an older one can go on."""
    max_wait_for_older_version: float = Field(default=72.0, gt=0)
    """Hours a version may wait for an older version of its verzoek before it fails."""
    dead_letter_refresh_interval: float = Field(default=15.0, gt=0)
    """Seconds between browses of the dead-letter queues on a broker (pages read the last browse);
    SQLite and memory queues are always read live."""
    worker_heartbeat_interval: float = Field(default=10.0, gt=0)  # seconds; gateway/heartbeat.py
    """Seconds between a worker's heartbeats in the store (live workers on the overview)."""
    reconcile_interval: float = 0.0  # seconds between reconciliation runs in the worker; 0 = off
    """Seconds between reconciliation runs in the worker; 0: off (use `dso-gateway reconcile`)."""
    reconcile_lookback_days: float = Field(default=7.0, gt=0)  # how far back each periodic run looks
    """How many days back each periodic reconciliation looks."""

    # HTTP API
    api_host: str = "127.0.0.1"
    """The address `dso-gateway api` (and the demo) listens on."""
    api_port: int = 8000
    """The port `dso-gateway api` (and the demo) listens on."""
    # Who may post verzoeknotificaties (gateway/api/inbound_auth.py). "none" only for the demo/tests.
    notification_auth: Literal["none", "mtls", "proxy"] = "none"
    """Who may post verzoeknotificaties: mtls (we terminate TLS), proxy (a reverse proxy checks DSO's
    certificate) or none (demo only; refused on a non-loopback api_host)."""
    notification_sender_oins: Annotated[list[str], NoDecode] = Field(default_factory=list)  # DSO-LV's OIN(s)
    """The OIN(s) of DSO-LV that may send notifications (mtls/proxy)."""
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)  # addresses or CIDRs
    """Addresses or CIDRs of the reverse proxies trusted to pass the client certificate (proxy)."""
    proxy_cert_header: str = "X-SSL-Client-Cert"  # URL-encoded PEM, e.g. nginx $ssl_client_escaped_cert
    """The header in which the proxy passes DSO's certificate (URL-encoded PEM)."""
    api_tls_cert: Path | None = None  # mode "mtls": our server certificate and key...
    """Our server certificate (PEM) for notification_auth=mtls."""
    api_tls_key: Path | None = None
    """The key of api_tls_cert."""
    api_client_ca: Path | None = None  # ...and the CA bundle client certificates must chain to
    """The CA bundle DSO's client certificate must chain to (mtls)."""
    log_format: Literal["console", "json"] = "console"
    """console or json."""
    log_level: str = "INFO"
    """DEBUG, INFO, WARNING or ERROR."""

    # OpenTelemetry tracing, off unless enabled. Spans go by OTLP/HTTP (protobuf) to the endpoint
    # (e.g. http://otel-collector:4318); without one the exporter follows the standard
    # OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT and OTEL_EXPORTER_OTLP_HEADERS variables.
    otel_enabled: bool = False
    """Trace every verzoek with OpenTelemetry (one trace from notification to report); off by default."""
    otel_exporter_otlp_endpoint: str | None = None
    """OTLP/HTTP endpoint for spans, e.g. http://otel-collector:4318; empty: the standard OTEL_* variables."""
    # service.name of every span; default: OTEL_SERVICE_NAME, else "dso-gateway".
    otel_service_name: str | None = None
    """service.name of every span; empty: OTEL_SERVICE_NAME, else dso-gateway."""
    # `dso-gateway worker` serves its Prometheus metrics (stage and outbound-call latency) on this
    # port with prometheus-client's own HTTP server. None: not served (the API has /metrics).
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """Port on which `dso-gateway worker` serves its Prometheus metrics; empty: not served."""
    worker_metrics_addr: str = "0.0.0.0"  # noqa: S104 - a scrape port, inside the pod network
    """Address of the worker's metrics port."""

    # Staff login for the status page and the operations API (gateway/auth).
    session_secret: SecretStr | None = None
    """No longer used: staff sessions live in the store and the cookie is an opaque random id.
    Kept so existing configurations still load."""
    session_secure_cookie: bool = True  # False only for the plain-HTTP demo on 127.0.0.1
    """Send the session cookie over HTTPS only; false only for the plain-HTTP demo on 127.0.0.1."""
    session_max_age: int = Field(default=8 * 3600, gt=0)
    """Seconds a staff login lasts."""
    oidc_issuer: str | None = None  # e.g. https://login.gemeente.nl/realms/medewerkers; off when unset
    """OpenID Connect issuer for staff login, e.g. https://login.gemeente.nl/realms/medewerkers; empty:
    local accounts only."""
    oidc_client_id: str = "dso-gateway"
    """Our OpenID Connect client id."""
    oidc_client_secret: SecretStr | None = None
    """Our OpenID Connect client secret."""
    oidc_roles_claim: str = "roles"  # claim (list or space-separated) holding viewer/operator/...
    """The claim (list or space separated) holding viewer, operator, privacy-officer."""
    oidc_verify_tls: bool = True
    """Verify the identity provider's TLS certificate."""
    api_token_sha256: Annotated[list[str], NoDecode] = Field(default_factory=list)  # hex digests
    """SHA-256 hex digests of API tokens configured by hand (`dso-gateway tokens add` is the easier way)."""
    # Roles of the tokens in api_token_sha256: read-only unless operator is given explicitly.
    api_token_roles: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["viewer"])
    """Roles of the tokens in api_token_sha256: viewer (read-only) unless operator is given explicitly."""

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
    def effective_stage_consumers(self) -> int:
        if self.stage_consumers is not None:
            return self.stage_consumers
        return 4 if self.effective_store_url.startswith("postgresql") else 2

    @property
    def effective_queue_url(self) -> str:
        return self.queue_url or f"sqlite:///{self.data_dir / 'queue.db'}"

    @property
    def effective_archive_dir(self) -> Path:
        return self.archive_dir or self.data_dir / "archive"

    @property
    def default_oin(self) -> str:
        return self.our_oins[0]
