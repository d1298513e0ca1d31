"""The Logboek Dataverwerkingen page: for privacy officers only (role privacy-officer).

Shows the newest records, optionally only those of one person: the BSN typed in is hashed at
once with the logboek's key (the page, the session and the URL never hold it), and that search
is itself recorded as a search by BSN."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway import logboek
from gateway.api.deps import container
from gateway.api.status_page import render
from gateway.auth.principal import Principal
from gateway.auth.session import Forbidden, csrf_ok, page_principal
from gateway.bootstrap import Container
from gateway.zoektermen import looks_like_bsn

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 200
_SESSION_KEY = "logboek_betrokkene"  # the HMAC of the searched BSN, never the BSN


def privacy_officer(who: Annotated[Principal, Depends(page_principal)]) -> Principal:
    if not who.sees_bsn:
        raise Forbidden()
    return who


@router.get("/logboek", response_class=HTMLResponse)
def logboek_page(
    request: Request,
    c: Annotated[Container, Depends(container)],
    who: Annotated[Principal, Depends(privacy_officer)],
    alles: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    if alles:
        request.session.pop(_SESSION_KEY, None)
    subject = request.session.get(_SESSION_KEY)
    subject = subject if isinstance(subject, str) else None
    records = list(logboek.vastleggingen(c.store, subject_id=subject, limit=PAGE_SIZE, newest_first=True))
    return render(
        request,
        "logboek.html",
        {
            "vastleggingen": records,
            "gefilterd": subject is not None,
            "register": logboek.voor(c.store).register.activiteiten,
            "max": PAGE_SIZE,
            "melding": request.session.pop("melding", None),
        },
    )


@router.post("/logboek/zoeken")
def logboek_search(
    request: Request,
    c: Annotated[Container, Depends(container)],
    who: Annotated[Principal, Depends(privacy_officer)],
    bsn: Annotated[str, Form(max_length=20)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not csrf_ok(request, csrf):
        request.session["melding"] = "Verlopen formulier: probeer het opnieuw."
    elif not looks_like_bsn(bsn):
        request.session["melding"] = "Dit is geen geldig BSN (9 cijfers, elfproef)."
    else:
        boek = logboek.voor(c.store)
        logboek.bsn_gezocht(c.store, bsn.strip(), who.actor)
        subject_id = boek.bsn(bsn.strip()).id
        if subject_id is not None:
            request.session[_SESSION_KEY] = subject_id
    return RedirectResponse("/logboek", status_code=303)
