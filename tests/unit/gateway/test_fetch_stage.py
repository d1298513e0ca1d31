"""The fetch stage: STAM XML, the PDF rendition and the bijlagen into the archive; a PDF DSO does
not have never holds a verzoek up, a passing DSO failure retries the stage."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import httpx2
import pytest

from dso_client import DsoClient
from dso_client.errors import DsoRetryableError
from gateway.archive import Archive
from gateway.events import StageJob
from gateway.pipeline.context import StageContext
from gateway.pipeline.fetch import FetchStage
from gateway.settings import APELDOORN_OIN, Settings
from gateway.store import OutboxMessage, SqlStore, State

BASE = "https://dso.test/afhandelen/v2"
VNR = "2026031000101"
XML = resources.files("dso_client.sandbox.examples").joinpath("verbouwing-initieren.xml").read_bytes()
DOC = b"%PDF-1.4 bouwtekening"
PDF = b"%PDF-1.4 verzoek samenvatting"


def dso(pdf_status: int, pdf_body: bytes = PDF, pdf_href: str = f"{BASE}/verzoeken/{VNR}/pdf") -> DsoClient:
    def handler(request: httpx2.Request) -> httpx2.Response:
        path = request.url.path.removeprefix("/afhandelen/v2")
        if path.endswith("/verzoekreferenties"):
            return httpx2.Response(
                200,
                json={
                    "verzoeknummer": VNR,
                    "volgnummer": 1,
                    "samenvatting": {"href": f"{BASE}/verzoeken/{VNR}/samenvatting"},
                    "pdf": {"href": pdf_href},
                    "documenten": [
                        {
                            "documentId": "DOC-1",
                            "bestandsnaam": "tekening.pdf",
                            "grootte": len(DOC),
                            "sha256": hashlib.sha256(DOC).hexdigest(),
                            "href": f"{BASE}/verzoeken/{VNR}/documenten/DOC-1",
                        }
                    ],
                },
            )
        if path.endswith("/samenvatting"):
            return httpx2.Response(200, content=XML)
        if path.endswith("/pdf"):
            return httpx2.Response(pdf_status, content=pdf_body if pdf_status == 200 else b"")
        if path.endswith("/documenten/DOC-1"):
            return httpx2.Response(200, content=DOC)
        return httpx2.Response(404)

    return DsoClient(BASE, transport=httpx2.MockTransport(handler))


@pytest.fixture
def ctx(tmp_path: Path) -> StageContext:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gw.db'}")
    context = StageContext(Settings(data_dir=tmp_path), store, Archive(tmp_path / "archive", store))
    job = OutboxMessage(queue="dso.fetch", message_id="n-1", body=b"{}")
    store.record_notification(VNR, 1, APELDOORN_OIN, job)
    return context


def test_stam_pdf_and_bijlagen_are_archived(ctx: StageContext) -> None:
    FetchStage(ctx, dso(200)).handle(StageJob(VNR, 1, APELDOORN_OIN))
    kinds = {r.kind: r for r in ctx.store.archive_for(VNR, 1)}
    assert set(kinds) == {"stam", "pdf", "document"}
    assert Path(kinds["pdf"].path).read_bytes() == PDF and kinds["pdf"].media_type == "application/pdf"
    assert Path(kinds["document"].path).read_bytes() == DOC
    versie = ctx.store.get_versie(VNR, 1)
    assert versie is not None and versie.state == State.FETCHED


def test_a_pdf_dso_does_not_have_is_noted_and_the_verzoek_goes_on(ctx: StageContext) -> None:
    FetchStage(ctx, dso(404)).handle(StageJob(VNR, 1, APELDOORN_OIN))
    assert {r.kind for r in ctx.store.archive_for(VNR, 1)} == {"stam", "document"}
    versie = ctx.store.get_versie(VNR, 1)
    assert versie is not None and versie.state == State.FETCHED
    [fetched] = [e for e in ctx.store.events_for(VNR) if e.kind == "fetched"]
    assert "PDF niet beschikbaar" in (fetched.detail or "")


def test_a_passing_failure_of_the_pdf_retries_the_stage(ctx: StageContext) -> None:
    with pytest.raises(DsoRetryableError):
        FetchStage(ctx, dso(503)).handle(StageJob(VNR, 1, APELDOORN_OIN))
    versie = ctx.store.get_versie(VNR, 1)
    assert versie is not None and versie.state == State.RECEIVED
    # The retry, once DSO answers again, completes the version.
    FetchStage(ctx, dso(200)).handle(StageJob(VNR, 1, APELDOORN_OIN))
    assert {r.kind for r in ctx.store.archive_for(VNR, 1)} >= {"stam", "pdf", "document"}


@pytest.mark.parametrize(
    ("body", "href", "why"),
    [
        (b"<!DOCTYPE html><html>Storing</html>", f"{BASE}/verzoeken/{VNR}/pdf", "iets anders dan een PDF"),
        (PDF, "https://elders.test/verzoek.pdf", "buiten de DSO-API"),
    ],
)
def test_a_pdf_that_is_no_pdf_or_lives_elsewhere_is_noted_like_a_missing_one(
    ctx: StageContext, body: bytes, href: str, why: str
) -> None:
    FetchStage(ctx, dso(200, body, href)).handle(StageJob(VNR, 1, APELDOORN_OIN))
    assert {r.kind for r in ctx.store.archive_for(VNR, 1)} == {"stam", "document"}
    [fetched] = [e for e in ctx.store.events_for(VNR) if e.kind == "fetched"]
    assert "PDF niet beschikbaar" in (fetched.detail or "") and why in (fetched.detail or "")
