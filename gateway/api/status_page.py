"""GET /status: a plain HTML overview for permit staff (Dutch), rendered server-side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from gateway.api.deps import container
from gateway.bootstrap import Container
from gateway.events import STAGES

router = APIRouter(include_in_schema=False)
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


@router.get("/status", response_class=HTMLResponse)
def status(
    c: Annotated[Container, Depends(container)],
    zoek: Annotated[str | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    records, total = c.store.list_verzoeken(query=zoek, limit=100)
    depths = {q: c.queue.depth(q) for q in STAGES}
    html = _templates.get_template("status.html").render(
        verzoeken=records,
        totaal=total,
        counts=c.store.counts_by_state(),
        depths=depths,
        zoek=zoek or "",
        dead_letters=len(c.queue.dead_letters()),
    )
    return HTMLResponse(html)
