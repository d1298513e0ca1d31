"""The zaakstatus sync: each status of the zaak handled once, statusberichten only for staff's
recent statuses the mapping names, the zaak marked closed at its eindstatus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2

from adapters.zgw.client import ZgwClient
from gateway import beslistermijn
from gateway.berichten.afzenden import Berichtendienst
from gateway.berichten.memory import RecordingKanaal
from gateway.berichten.opstellen import Sjablonen
from gateway.berichten.post import PostKanaal
from gateway.berichten.zaakdocument import RecordingZaakDocumenten
from gateway.events import StageJob
from gateway.zaakstatus import ZaakstatusVolger, reconcile_open_zaken
from stam_mapping.mapping import default_mapping
from tests.unit.gateway.test_report_stage import TYPEN, _ctx, _deliver, _stage

Z = "http://zgw.test/zaken/api/v1"
C = "http://zgw.test/catalogi/api/v1"


def _zgw(statussen: list[dict[str, Any]]) -> ZgwClient:
    typen = {
        f"{C}/statustypen/1": {"omschrijving": "Ontvangen", "isEindstatus": False},
        f"{C}/statustypen/3": {"omschrijving": "Afgehandeld", "isEindstatus": True},
    }

    def answer(request: httpx2.Request) -> httpx2.Response:
        url = str(request.url).split("?")[0]
        if url == f"{Z}/statussen":
            return httpx2.Response(200, json={"count": len(statussen), "next": None, "results": statussen})
        if url in typen:
            return httpx2.Response(200, json=typen[url])
        return httpx2.Response(404, json={"detail": "niet gevonden"})

    return ZgwClient(
        zaken_url=Z,
        documenten_url="http://zgw.test/documenten/api/v1",
        catalogi_url=C,
        client_id="t",
        secret="s" * 32,
        transport=httpx2.MockTransport(answer),
    )


def _status(n: int, typ: int, toelichting: str, age: timedelta = timedelta(minutes=1)) -> dict[str, Any]:
    return {
        "url": f"{Z}/statussen/{n}",
        "statustype": f"{C}/statustypen/{typ}",
        "statustoelichting": toelichting,
        "datumStatusGezet": (datetime.now(UTC) - age).isoformat(),
    }


def test_each_status_once_and_a_statusbericht_only_for_staffs_recent_ones(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    mail = RecordingKanaal()
    vnr = _deliver(ctx, "verbouwing-initieren")
    _stage(ctx, mail, RecordingZaakDocumenten()).handle(StageJob(vnr, 1, action="link"))
    eigen = default_mapping().statussen.initieren.toelichting
    statussen = [
        _status(1, 1, eigen),  # set by the gateway on delivery
        _status(2, 3, "Besluit verzonden"),  # staff: Afgehandeld, named in the mapping
    ]
    dienst = Berichtendienst(
        ctx.store,
        email=mail,
        post=PostKanaal(tmp_path / "post"),
        zaakdocumenten=RecordingZaakDocumenten(),
        informatieobjecttypen=TYPEN,
    )
    volger = ZaakstatusVolger(ctx, _zgw(statussen), default_mapping(), dienst, Sjablonen())
    assert volger.sync(vnr) == 2
    assert volger.sync(vnr) == 0  # a second notification: nothing new
    onderwerpen = [b.onderwerp for b in mail.verzonden]
    assert onderwerpen.count(f"Besluit genomen over uw verzoek {vnr}") == 1 and len(onderwerpen) == 2
    details = [e.detail or "" for e in ctx.store.events_for(vnr) if e.kind == "zaakstatus"]
    assert details[0] == "status in het zaaksysteem: Ontvangen (door de gateway gezet)"
    assert details[1].startswith("status in het zaaksysteem: Afgehandeld; statusbericht per e-mail")
    termijn = beslistermijn.termijn(ctx.store, vnr)
    assert termijn is not None and termijn.afgesloten
    # Closed: the periodic comparison leaves it alone from now on.
    assert [r.verzoeknummer for r in ctx.store.open_zaken()] == []


def test_old_statuses_are_recorded_but_not_sent(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    mail = RecordingKanaal()
    vnr = _deliver(ctx, "verbouwing-initieren")
    dienst = Berichtendienst(
        ctx.store,
        email=mail,
        post=PostKanaal(tmp_path / "post"),
        zaakdocumenten=None,
        informatieobjecttypen=TYPEN,
    )
    volger = ZaakstatusVolger(
        ctx, _zgw([_status(9, 3, "Besluit", age=timedelta(days=30))]), default_mapping(), dienst, Sjablonen()
    )
    assert reconcile_open_zaken(volger) == 1
    assert mail.verzonden == []
    [event] = [e for e in ctx.store.events_for(vnr) if e.kind == "zaakstatus"]
    assert "te oud voor een statusbericht" in (event.detail or "")
