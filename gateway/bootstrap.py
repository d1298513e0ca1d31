"""Wiring: the one place that knows every concrete implementation.

`bootstrap(settings)` builds the store, queue, archive, DSO client, delivery adapter and status
reporter from one Settings object. Tests pass their own transports or fakes as keyword
arguments instead of patching anything."""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

import httpx2

from adapters.base import Delivery
from adapters.registry import create_delivery
from adapters.zgw.client import ZgwClient
from dso_client import DsoClient
from dso_client.tls import build_ssl_context
from gateway import logboek, queue_prefix, telemetry
from gateway.archive import Archive
from gateway.berichten.afzenden import Berichtendienst
from gateway.berichten.bericht import Berichtkanaal
from gateway.berichten.opstellen import Sjablonen, templates_dir
from gateway.berichten.post import PostKanaal
from gateway.berichten.smtp import SmtpKanaal
from gateway.berichten.zaakdocument import RecordingZaakDocumenten, ZaakDocumenten, ZgwZaakDocumenten
from gateway.dead_letter_view import DeadLetterView
from gateway.events import FETCH, REPORT, STAGES, TRANSLATE
from gateway.http11 import LeanTransport
from gateway.metrics import GatewayMetrics, TimedKanaal
from gateway.pipeline.context import StageContext
from gateway.pipeline.fetch import FetchStage
from gateway.pipeline.report import ReportStage
from gateway.pipeline.translate import TranslateStage
from gateway.pipeline.waiting import release_waiting
from gateway.pipeline.worker import StageRunner, Worker
from gateway.reconcile import periodic_reconcile
from gateway.reporting import DsoStatusReporter, StatusReporter
from gateway.retention import periodic_purge
from gateway.settings import Settings
from gateway.store import Notification, SqlStore
from gateway.store.grouped import GroupedWrites
from gateway.zaakstatus import ZaakstatusVolger, reconcile_open_zaken
from message_queue.base import MessageQueue
from stam_mapping.mapping import MunicipalMapping, default_mapping, load_mapping


@dataclass
class Container:
    settings: Settings
    store: SqlStore
    queue: MessageQueue
    archive: Archive
    dso: DsoClient
    delivery: Delivery
    reporter: StatusReporter
    mapping: MunicipalMapping
    berichten: Berichtendienst
    sjablonen: Sjablonen
    zaakstatus: ZaakstatusVolger | None = None
    metrics: GatewayMetrics = field(default_factory=GatewayMetrics)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @cached_property
    def dead_letters(self) -> DeadLetterView:
        """What people read of the dead-letter queues (cached where a browse is slow)."""
        view = DeadLetterView(self.queue, STAGES, self.settings.dead_letter_refresh_interval)
        self._closers.append(view.close)
        return view

    @cached_property
    def notification_writes(self) -> GroupedWrites[Notification, bool]:
        """The api's notification intake: one commit for the requests that arrive together."""
        store = self.store
        writes = GroupedWrites(
            store, lambda n: store.record_notifications([n])[0], store.record_notifications
        )
        self._closers.append(writes.close)
        return writes

    @property
    def context(self) -> StageContext:
        return StageContext(self.settings, self.store, self.archive)

    def worker(self) -> Worker:
        ctx = self.context
        stages = [
            StageRunner(FETCH, "fetch", FetchStage(ctx, self.dso).handle),
            StageRunner(TRANSLATE, "translate", TranslateStage(ctx, self.delivery).handle),
            StageRunner(
                REPORT,
                "report",
                ReportStage(
                    ctx, self.reporter, self.berichten, self.mapping, self.sjablonen, self.zaakstatus
                ).handle,
            ),
        ]
        periodic: list[tuple[float, Callable[[], object]]] = [
            (self.settings.waiting_check_interval, lambda: release_waiting(ctx)),
        ]
        if self.settings.reconcile_interval > 0:
            lookback = timedelta(days=self.settings.reconcile_lookback_days)
            periodic.append(
                (self.settings.reconcile_interval, lambda: periodic_reconcile(ctx, self.dso, lookback))
            )
        volger = self.zaakstatus
        if volger is not None and self.settings.zaakstatus_reconcile_interval > 0:
            periodic.append(
                (self.settings.zaakstatus_reconcile_interval, lambda: reconcile_open_zaken(volger))
            )
        retention = self.settings.archive_retention_days
        if retention is not None and self.settings.archive_purge_interval > 0:
            periodic.append(
                (self.settings.archive_purge_interval, lambda: periodic_purge(self.store, retention))
            )
        periodic += logboek.periodic_jobs(self.settings, self.store)  # its retention
        return Worker(self.settings, self.store, self.queue, stages, periodic=periodic, metrics=self.metrics)

    def close(self) -> None:
        self.metrics.close()
        for close in self._closers:
            close()
        self.delivery.close()
        self.dso.close()
        self.queue.close()
        self.store.close()


def build_dso_client(settings: Settings, transport: httpx2.BaseTransport | None = None) -> DsoClient:
    cert: tuple[str, str] | str | None = None
    if settings.dso_client_cert is not None:
        cert = (
            (str(settings.dso_client_cert), str(settings.dso_client_key))
            if settings.dso_client_key
            else str(settings.dso_client_cert)
        )
    password = (
        settings.dso_client_cert_password.get_secret_value() if settings.dso_client_cert_password else None
    )
    verify = str(settings.dso_ca_bundle) if settings.dso_ca_bundle else True
    if transport is None and settings.http_transport == "lean":
        # With the TLS context DsoClient would build.
        context = build_ssl_context(verify, cert, password)
        transport = _transport(settings, context if isinstance(context, ssl.SSLContext) else _no_verify())
    return DsoClient(
        settings.dso_base_url,
        oin_header=settings.dso_oin_header,
        transport=transport,
        cert=cert,
        verify=verify,
        timeout=settings.dso_timeout,
        samenwerking_url=settings.dso_samenwerking_url,
        max_stam_bytes=settings.max_stam_bytes,
        max_pdf_bytes=settings.max_pdf_bytes,
        max_bijlage_bytes=settings.max_bijlage_bytes,
        cert_password=password,
    )


_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")


def _transport(settings: Settings, tls: ssl.SSLContext) -> httpx2.BaseTransport | None:
    """Our HTTP/1.1 transport (gateway/http11.py: half the CPU of httpx's per call) when chosen;
    else None: the client builds httpx's own. Ours connects to the server itself, and httpx
    ignores the environment's proxies for a client given a transport: with a proxy in the
    environment (HTTPS_PROXY and the like, as many municipal networks need), httpx's own is
    used, which honours them and NO_PROXY as before."""
    if settings.http_transport != "lean":
        return None
    if any(os.environ.get(name) or os.environ.get(name.upper()) for name in _PROXY_VARIABLES):
        return None
    return LeanTransport(ssl_context=tls)


def _no_verify() -> ssl.SSLContext:
    # build_ssl_context's False (no verification, no client certificate) as a context.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def connect_queue(settings: Settings) -> MessageQueue:
    url = settings.effective_queue_url
    if url.startswith("stomp") and "prefetch=" not in url:
        # One message in flight per consumer thread; a prefetch in the URL still wins.
        url += ("&" if "?" in url else "?") + f"prefetch={settings.effective_stage_consumers}"
    if url.startswith("sqlite") and "synchronous=" not in url and settings.sqlite_synchronous != "full":
        url += ("&" if "?" in url else "?") + f"synchronous={settings.sqlite_synchronous}"
    return queue_prefix.connect(url, settings.queue_prefix)


def load_municipal_mapping(settings: Settings) -> MunicipalMapping:
    return load_mapping(settings.mapping_file) if settings.mapping_file else default_mapping()


def build_delivery(
    settings: Settings, mapping: MunicipalMapping, transport: httpx2.BaseTransport | None = None
) -> Delivery:
    from stam_mapping.zgw import build_zgw_plan

    if settings.delivery == "stuf-zkn":
        base = settings.stuf_zkn_url.rstrip("/")
        return create_delivery(
            "stuf-zkn",
            mapping=mapping,
            vrije_berichten_url=f"{base}/VrijeBerichten",
            ontvang_asynchroon_url=f"{base}/OntvangAsynchroon",
            timeout=settings.stuf_zkn_timeout,
        )
    planner = lambda verzoek, previous: build_zgw_plan(verzoek, mapping, previous)  # noqa: E731
    if settings.delivery == "memory":
        return create_delivery("memory", planner=planner)
    return create_delivery(
        "zgw",
        planner=planner,
        client=build_zgw_client(settings, transport=transport),
        bestandsdelen_threshold=settings.zgw_bestandsdelen_threshold,
        catalogus_ttl=settings.zgw_catalogus_ttl,
    )


def build_zgw_client(
    settings: Settings,
    *,
    transport: httpx2.BaseTransport | None = None,
    user_id: str = "dso-gateway",
    user_representation: str = "DSO gateway",
) -> ZgwClient:
    """The ZGW client for the configured provider: delivery, `dso-gateway check` and the
    harness's checks at the municipal target all talk to it with the same credentials."""
    return ZgwClient(
        zaken_url=settings.zgw_zaken_url,
        documenten_url=settings.zgw_documenten_url,
        catalogi_url=settings.zgw_catalogi_url,
        client_id=settings.zgw_client_id,
        secret=settings.zgw_secret.get_secret_value(),
        user_id=user_id,
        user_representation=user_representation,
        timeout=settings.zgw_timeout,
        # With the TLS settings httpx would use.
        transport=transport or _transport(settings, httpx2.create_ssl_context()),
    )


def build_email_kanaal(settings: Settings) -> SmtpKanaal | None:
    if not settings.smtp_host:
        return None
    import ssl

    context = ssl.create_default_context(
        cafile=str(settings.smtp_ca_bundle) if settings.smtp_ca_bundle else None
    )
    return SmtpKanaal(
        settings.smtp_host,
        settings.smtp_port,
        afzender=settings.smtp_from,
        tls=settings.smtp_tls,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        timeout=settings.smtp_timeout,
        ssl_context=context,
    )


def build_berichten(
    settings: Settings,
    store: SqlStore,
    mapping: MunicipalMapping,
    *,
    zgw_transport: httpx2.BaseTransport | None = None,
    email: Berichtkanaal | None = None,
    closers: list[Callable[[], None]] | None = None,
) -> Berichtendienst:
    """`closers` receives the close of every client made here (the Container's own list)."""
    zaakdocumenten: ZaakDocumenten | None
    if settings.delivery == "zgw":
        client = build_zgw_client(settings, transport=zgw_transport)
        if closers is not None:
            closers.append(client.close)
        zaakdocumenten = ZgwZaakDocumenten(client, mapping)
    elif settings.delivery == "memory":
        zaakdocumenten = RecordingZaakDocumenten()
    else:
        zaakdocumenten = None  # StUF-ZKN: storing our own messages in the zaak is not built yet
    typen = mapping.berichten.informatieobjecttypen
    return Berichtendienst(
        store,
        email=email if email is not None else build_email_kanaal(settings),
        post=PostKanaal(settings.effective_post_dir),
        zaakdocumenten=zaakdocumenten,
        informatieobjecttypen={
            "ontvangstbevestiging": typen.ontvangstbevestiging,
            "statusbericht": typen.statusbericht,
        },
    )


def outbound_targets(settings: Settings) -> dict[str, list[str | None]]:
    """The base URLs by which outbound HTTP calls are told apart in the metrics."""
    return {
        "dso": [settings.dso_base_url, settings.dso_samenwerking_url],
        "zgw": [
            settings.zgw_zaken_url,
            settings.zgw_documenten_url,
            settings.zgw_catalogi_url,
            settings.zgw_notificaties_url,
        ],
        "stuf": [settings.stuf_zkn_url],
    }


def bootstrap(
    settings: Settings,
    *,
    dso_transport: httpx2.BaseTransport | None = None,
    zgw_transport: httpx2.BaseTransport | None = None,
    delivery: Delivery | None = None,
    reporter: StatusReporter | None = None,
    queue: MessageQueue | None = None,
    email: Berichtkanaal | None = None,
) -> Container:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    telemetry.configure(settings)  # before the engine and clients exist, so they are traced
    metrics = GatewayMetrics()
    metrics.time_http(outbound_targets(settings))
    store = SqlStore.from_url(settings.effective_store_url, sqlite_synchronous=settings.sqlite_synchronous)
    logboek.installeer(settings, store)  # Logboek Dataverwerkingen: its key and register, checked now
    mapping = load_municipal_mapping(settings)
    dso = build_dso_client(settings, dso_transport)
    email = email if email is not None else build_email_kanaal(settings)
    if email is not None:
        email = TimedKanaal(email, metrics)
    # Whatever holds connections open is closed with the Container (Container.close).
    closers: list[Callable[[], None]] = []
    berichten = build_berichten(
        settings, store, mapping, zgw_transport=zgw_transport, email=email, closers=closers
    )
    sjablonen = Sjablonen(templates_dir(settings.mapping_file, mapping.berichten))
    container = Container(
        settings=settings,
        store=store,
        queue=queue or connect_queue(settings),
        archive=Archive(settings.effective_archive_dir, store),
        dso=dso,
        delivery=delivery or build_delivery(settings, mapping, zgw_transport),
        reporter=reporter or DsoStatusReporter(dso, kenmerk_systeem=settings.kenmerk_systeem),
        mapping=mapping,
        berichten=berichten,
        sjablonen=sjablonen,
        metrics=metrics,
        _closers=closers,
    )
    if settings.delivery == "zgw":
        # Status from the case system: only the ZGW APIs tell us about statuses.
        status_client = build_zgw_client(settings, transport=zgw_transport)
        container._closers.append(status_client.close)
        container.zaakstatus = ZaakstatusVolger(
            container.context,
            status_client,
            mapping,
            berichten,
            sjablonen,
        )
    return container
