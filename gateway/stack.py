"""A whole gateway on 127.0.0.1: DSO sandbox, ZGW test server, API and workers.

Used by `dso-gateway demo`, the end-to-end tests and the integration test harness, so all three
exercise the same wiring as production (`dso-gateway api` + `dso-gateway worker`). With
`external_zgw` no ZGW test server starts: the gateway delivers to the ZGW the settings name
(DSOGW_ZGW_*, or `external_zgw_settings` for `--zgw-url`), e.g. a municipality's Open Zaak."""

from __future__ import annotations

import secrets
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from pydantic import SecretStr

from adapters.stuf_zkn.testserver import create_stuf_app
from adapters.zgw.testserver import ZgwTestServerConfig
from adapters.zgw.testserver import create_app as create_zgw_app
from dso_client.sandbox.app import SandboxConfig
from dso_client.sandbox.app import create_app as create_sandbox_app
from gateway.api.app import create_app
from gateway.berichten.testserver import SmtpTestServer
from gateway.bootstrap import Container, bootstrap
from gateway.pipeline.worker import Worker
from gateway.servers import ServerThread, reserve_port
from gateway.settings import Settings
from gateway.store import FINAL_STATES, VersieRecord

DSO_BASE = "/overheid/verzoeken/api/afhandelen/v2"
SAMENWERKING_BASE = "/overheid/samenwerken/api/behandelen/v4"


@dataclass
class LocalStack:
    base_settings: Settings
    data_dir: Path | None = None
    api_port: int | None = None
    start_worker: bool = True
    external_zgw: bool = False  # True: deliver to the settings' ZGW; no zgw / zgw_app then
    settings: Settings = field(init=False)
    container: Container = field(init=False)
    worker: Worker = field(init=False)
    zgw: ServerThread = field(init=False)
    zgw_app: FastAPI = field(init=False)
    sandbox: ServerThread = field(init=False)
    api: ServerThread = field(init=False)
    stuf: ServerThread = field(init=False)
    smtp: SmtpTestServer | None = field(init=False, default=None)

    def start(self) -> LocalStack:
        data_dir = self.data_dir or Path(tempfile.mkdtemp(prefix="dso-gateway-"))
        # Ports held from here until their server serves on them: the URLs below name them
        # long before the servers start.
        api_sock = None if self.api_port else reserve_port()
        api_port = self.api_port or _port(api_sock)
        sandbox_sock, zgw_sock, stuf_sock = reserve_port(), reserve_port(), reserve_port()
        sandbox_port, zgw_port, stuf_port = _port(sandbox_sock), _port(zgw_sock), _port(stuf_sock)
        zgw_url, dso_url = f"http://127.0.0.1:{zgw_port}", f"http://127.0.0.1:{sandbox_port}"
        mail: dict[str, object] = {}
        if self.base_settings.smtp_host is None:
            # A real SMTP server in-process, with STARTTLS and a login, so mail goes the same way
            # as in production; what it received is on self.smtp.ontvangen.
            from dso_client.sandbox.certs import make_certs

            pki = make_certs(data_dir / "smtp-certs", ())
            # Everything at geweigerd.example bounces (550), for the harness's refusal scenario.
            self.smtp = SmtpTestServer(
                tls="starttls",
                cert=(str(pki.server_cert), str(pki.server_key)),
                login=("gateway", "demo"),
                weiger={"@geweigerd.example"},
            ).start()
            mail = {
                "smtp_host": "127.0.0.1",
                "smtp_port": self.smtp.port,
                "smtp_tls": "starttls",
                "smtp_username": "gateway",
                "smtp_password": SecretStr("demo"),
                "smtp_ca_bundle": pki.ca_cert,
            }
        update: dict[str, object] = {
            **mail,
            "data_dir": data_dir,
            "dso_base_url": dso_url + DSO_BASE,
            # The samenwerking URL only when the caller opted in to that assumption: the stack
            # runs on the production defaults otherwise (nothing undocumented is called).
            "dso_samenwerking_url": (
                dso_url + SAMENWERKING_BASE if self.base_settings.dso_samenwerking_koppelen else None
            ),
            "api_port": api_port,
            "stuf_zkn_url": f"http://127.0.0.1:{stuf_port}/stuf-zkn",
        }
        if not self.external_zgw:
            update.update(zgw_api_urls(zgw_url))
            # Status from the case system: the ZGW test server's Notificaties API calls us back.
            update.update(
                {
                    "zgw_notificaties_url": f"{zgw_url}/notificaties/api/v1",
                    "zgw_callback_url": f"http://127.0.0.1:{api_port}/v1/zgw/notificaties",
                    "zgw_callback_auth": SecretStr(f"Bearer {secrets.token_urlsafe(24)}"),
                }
            )
        self.settings = self.base_settings.model_copy(update=update)
        notify_url = f"http://127.0.0.1:{api_port}/v1/dso/verzoeknotificaties"
        if not self.external_zgw:
            secret = self.settings.zgw_secret.get_secret_value()
            self.zgw_app = create_zgw_app(ZgwTestServerConfig(secret=secret))
            self.zgw = ServerThread(self.zgw_app, sock=zgw_sock).start()
        else:
            zgw_sock.close()
        # The StUF-ZKN test endpoint runs too, so DSOGW_DELIVERY=stuf-zkn works on the same stack.
        self.stuf_app = FastAPI()
        schemas = self.settings.stuf_zkn_schemas or "default"  # validates as a strict counterpart would
        self.stuf_app.mount("/stuf-zkn", create_stuf_app(schema_dir=schemas))
        self.stuf = ServerThread(self.stuf_app, sock=stuf_sock).start()
        self.sandbox_app = create_sandbox_app(SandboxConfig(notify_url=notify_url))
        self.sandbox = ServerThread(self.sandbox_app, sock=sandbox_sock).start()
        self.container = bootstrap(self.settings)
        self.api = ServerThread(create_app(self.container), port=api_port, sock=api_sock).start()
        if self.hears_zaakstatus:
            from gateway.abonnement import abonneren
            from gateway.bootstrap import build_zgw_client

            with build_zgw_client(self.settings) as client:
                abonneren(self.settings, client, self.container.mapping)
        self.worker = self.container.worker()
        if self.start_worker:
            self.worker.start()
        return self

    def stop(self) -> None:
        self.worker.stop()
        self.api.stop()
        self.sandbox.stop()
        if not self.external_zgw:
            self.zgw.stop()
        self.stuf.stop()
        if self.smtp is not None:
            self.smtp.stop()
        self.container.close()

    @property
    def hears_zaakstatus(self) -> bool:
        """Whether the case system tells the gateway about status changes: our own ZGW test
        server calls us back; an external ZGW only when a callback is configured."""
        callback = bool(self.settings.zgw_callback_url and self.settings.zgw_callback_auth)
        return self.settings.delivery == "zgw" and (not self.external_zgw or callback)

    @property
    def zgw_url(self) -> str:
        """Where the gateway delivers: the test server's root, or the external Zaken API."""
        return self.settings.zgw_zaken_url if self.external_zgw else self.zgw.url

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_final(
        self, versions: list[tuple[str, int]], timeout: float = 60.0
    ) -> dict[tuple[str, int], VersieRecord | None]:
        """Wait until every (verzoeknummer, volgnummer) reached a final state, or the timeout."""
        deadline = time.monotonic() + timeout
        found: dict[tuple[str, int], VersieRecord | None] = {}
        while True:
            found = {v: self.container.store.get_versie(*v) for v in versions}
            if all(r is not None and r.state in FINAL_STATES for r in found.values()):
                return found
            if time.monotonic() > deadline:
                return found
            time.sleep(0.1)


# Open Zaak serves the three APIs under one root at these paths (and so does our test server).
ZGW_API_PATHS = {
    "zgw_zaken_url": "/zaken/api/v1",
    "zgw_documenten_url": "/documenten/api/v1",
    "zgw_catalogi_url": "/catalogi/api/v1",
}


def zgw_api_urls(root: str) -> dict[str, object]:
    return {name: root.rstrip("/") + path for name, path in ZGW_API_PATHS.items()}


def external_zgw_settings(settings: Settings, root: str | None) -> Settings:
    """The settings for a run against an external ZGW: `root` (`--zgw-url`) gives the three API
    URLs at Open Zaak's paths, except those set explicitly (DSOGW_ZGW_ZAKEN_URL etc.), which win.
    Without `root`, the configured DSOGW_ZGW_* URLs are used as they are."""
    if root is None:
        return settings
    derived = {k: v for k, v in zgw_api_urls(root).items() if k not in settings.model_fields_set}
    return settings.model_copy(update=derived)


def _port(sock: socket.socket | None) -> int:
    assert sock is not None
    return int(sock.getsockname()[1])
