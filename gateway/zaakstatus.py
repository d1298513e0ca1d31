"""Status from the case system: a zaak that came from DSO gets a new status there.

One code path for both triggers: the ZGW notification callback (gateway/api/zgw_notificaties.py)
queues a "zaakstatus" job for the verzoek, and a periodic reconciliation runs the same sync for
every open zaak, so a missed notification never means a missed status. The sync reads the
zaak's statussen from the Zaken API and handles each status once (checkpoint per status URL):
it goes on the verzoek's timeline and, when the mapping names a statusbericht for its
statustype, the initiatiefnemer gets that message (gateway/berichten, idempotent per status).

Statuses the gateway set itself (on delivery: its toelichting is one of the mapping's
`statussen`) are recorded but never trigger a statusbericht: the ontvangstbevestiging already
told the initiatiefnemer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from adapters.zgw.client import ZgwClient
from gateway.berichten import opstellen
from gateway.berichten.afzenden import Berichtendienst
from gateway.beslistermijn import AFGESLOTEN
from gateway.errors import PermanentError
from gateway.pipeline.context import StageContext
from gateway.store import DELIVERED_STATES, State
from stam_mapping import parse_verzoek
from stam_mapping.errors import MappingGap
from stam_mapping.mapping import MunicipalMapping
from stam_mapping.model import Verzoek

log = structlog.get_logger(__name__)

ACTION = "zaakstatus"  # StageJob.action on the report queue
# A status older than this gets no statusbericht: when the gateway is first connected to zaken
# that already have a history, or after a long outage, old news is recorded but not sent.
MAX_LEEFTIJD = timedelta(days=2)


class ZaakstatusVolger:
    def __init__(
        self,
        ctx: StageContext,
        client: ZgwClient,
        mapping: MunicipalMapping,
        berichten: Berichtendienst,
        sjablonen: opstellen.Sjablonen,
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.mapping = mapping
        self.berichten = berichten
        self.sjablonen = sjablonen
        self._statustypen: dict[str, dict[str, Any]] = {}
        s = mapping.statussen
        self._eigen = {x.toelichting for x in (s.initieren, s.conceptverzoek, s.aanvullen, s.intrekken)}

    def _statustype(self, url: str) -> dict[str, Any]:
        if url not in self._statustypen:
            self._statustypen[url] = dict(self.client.get(url))
        return self._statustypen[url]

    def sync(self, verzoeknummer: str) -> int:
        """Handle every status of the verzoek's zaak not handled before; returns how many were new."""
        store = self.ctx.store
        record = store.get_verzoek(verzoeknummer)
        if record is None or not record.zaak_url:
            return 0
        statussen = sorted(
            self.client.list_all(self.client.zaken("statussen"), {"zaak": record.zaak_url}),
            key=lambda s: str(s.get("datumStatusGezet", "")),
        )
        nieuw = 0
        for status in statussen:
            key = f"zaakstatus:{status['url']}"
            if store.checkpoint_get(verzoeknummer, key) is not None:
                continue
            statustype = self._statustype(str(status["statustype"]))
            omschrijving = str(statustype.get("omschrijving", ""))
            eigen = str(status.get("statustoelichting") or "") in self._eigen
            detail = f"status in het zaaksysteem: {omschrijving}" + (
                " (door de gateway gezet)" if eigen else ""
            )
            sjabloon = None if eigen else self.mapping.berichten.statusberichten.get(omschrijving)
            if sjabloon is not None and _te_oud(status):
                detail += "; te oud voor een statusbericht"
                sjabloon = None
            if sjabloon is not None:
                try:
                    detail += "; " + self._statusbericht(
                        verzoeknummer, record.zaak_identificatie or "", record.zaak_url, status, sjabloon
                    )
                except PermanentError as exc:
                    # Retrying cannot fix it (a template, an address): on the timeline for staff,
                    # and the next status is not held up by it. Retryable errors go back to the queue.
                    store.add_event(
                        verzoeknummer, None, "bericht-mislukt", f"statusbericht niet verstuurd: {exc}"
                    )
                    detail += "; statusbericht niet verstuurd"
            store.add_event(verzoeknummer, None, "zaakstatus", detail)
            if statustype.get("isEindstatus"):
                store.checkpoint_put(verzoeknummer, AFGESLOTEN, {"status": omschrijving})
            store.checkpoint_put(verzoeknummer, key, {"statustype": omschrijving, "bericht": sjabloon})
            log.info(
                "zaakstatus.verwerkt", verzoeknummer=verzoeknummer, statustype=omschrijving, bericht=sjabloon
            )
            nieuw += 1
        return nieuw

    def _versies(self, verzoeknummer: str) -> tuple[Verzoek, Verzoek | None]:
        """The newest delivered version (what the zaak holds now) and the first one."""
        delivered = sorted(
            v.volgnummer
            for v in self.ctx.store.versies_for(verzoeknummer)
            if State(v.state) in DELIVERED_STATES
        )
        if not delivered:
            raise MappingGap(f"verzoek {verzoeknummer} has no delivered version")

        def parse(volgnummer: int) -> Verzoek:
            raw = self.ctx.archive.stam(verzoeknummer, volgnummer)
            return parse_verzoek(raw, max_bytes=self.ctx.settings.max_stam_bytes)

        laatste = parse(delivered[-1])
        return laatste, (parse(delivered[0]) if len(delivered) > 1 else None)

    def _statusbericht(
        self, vnr: str, zaaknummer: str, zaak_url: str, status: dict[str, Any], sjabloon: str
    ) -> str:
        verzoek, eerste = self._versies(vnr)
        try:
            zaaktype: str | None = self.mapping.zaaktype_voor(eerste or verzoek)
        except MappingGap:
            zaaktype = None
        gezet = str(status.get("datumStatusGezet") or "")
        bericht = opstellen.statusbericht(
            verzoek,
            sjabloon=sjabloon,
            status_url=str(status["url"]),
            statusdatum=datetime.fromisoformat(gezet) if gezet else datetime.now(),
            zaaknummer=zaaknummer,
            zaaktype=zaaktype,
            berichten=self.mapping.berichten,
            sjablonen=self.sjablonen,
            eerste=eerste,
        )
        return self.berichten.verstuur(vnr, None, bericht, zaak_url).detail


def _te_oud(status: dict[str, Any]) -> bool:
    try:
        gezet = datetime.fromisoformat(str(status.get("datumStatusGezet")))
    except ValueError:
        return False
    if gezet.tzinfo is None:
        gezet = gezet.replace(tzinfo=UTC)
    return datetime.now(UTC) - gezet > MAX_LEEFTIJD


def reconcile_open_zaken(volger: ZaakstatusVolger) -> int:
    """The periodic check: every open zaak's statuses compared with what we handled."""
    nieuw = 0
    for record in volger.ctx.store.open_zaken():
        try:
            nieuw += volger.sync(record.verzoeknummer)
        except Exception as exc:  # noqa: BLE001 - one zaak's trouble must not stop the others
            log.warning(
                "zaakstatus.reconcile_failed", verzoeknummer=record.verzoeknummer, error=type(exc).__name__
            )
    if nieuw:
        log.info("zaakstatus.reconciled", nieuw=nieuw)
    return nieuw


def zet_status(
    client: ZgwClient, zaak_url: str, omschrijving: str, toelichting: str, resultaat: str = "Verleend"
) -> str:
    """Set a status on a zaak through the Zaken API, as a case worker's system does (the demo and
    the harness stand in for staff with it). Returns the new status's URL."""
    zaak = client.get(zaak_url)
    statustypen = list(client.list_all(client.catalogi("statustypen"), {"zaaktype": str(zaak["zaaktype"])}))
    match = next((t for t in statustypen if t.get("omschrijving") == omschrijving), None)
    if match is None:
        raise MappingGap(f"statustype {omschrijving!r} hoort niet bij het zaaktype van deze zaak")
    if match.get("isEindstatus") and not zaak.get("resultaat"):
        # Closing a zaak needs a resultaat first (Open Zaak: resultaat-does-not-exist), as a case
        # worker records the outcome of the besluit before the last status.
        resultaattypen = client.list_all(
            client.catalogi("resultaattypen"), {"zaaktype": str(zaak["zaaktype"])}
        )
        soort = next((r for r in resultaattypen if r.get("omschrijving") == resultaat), None)
        if soort is None:
            raise MappingGap(f"resultaattype {resultaat!r} hoort niet bij het zaaktype van deze zaak")
        client.post(
            client.zaken("resultaten"),
            {"zaak": zaak_url, "resultaattype": str(soort["url"]), "toelichting": toelichting[:1000]},
        )
    body = {
        "zaak": zaak_url,
        "statustype": str(match["url"]),
        "datumStatusGezet": datetime.now(UTC).isoformat(),
        "statustoelichting": toelichting,
    }
    return str(client.post(client.zaken("statussen"), body)["url"])
