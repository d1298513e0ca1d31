"""The status page for permit staff (Dutch, server-rendered): overview, search, detail, actions.

Every page needs a login (gateway.auth); actions need the operator role and a CSRF token. BSNs
in the raw STAM XML and the canonical model are masked unless the user is a privacy officer."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path as FsPath
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from gateway import beslistermijn, logboek
from gateway.api.deps import container
from gateway.api.locatieschets import schets
from gateway.api.operations_api import ACTIE_LABELS, Actie, apply_action, dead_letters, overview, replay
from gateway.api.verzoek_weergave import weergave, zaak_link
from gateway.auth.principal import Principal
from gateway.auth.session import Forbidden, LoginRequired, csrf_ok, csrf_token, page_principal
from gateway.bootstrap import Container
from gateway.bsn_mask import mask_bsns, masked, masked_all
from gateway.doorsturen import OPVOLGING, doorsturen, opvolging_nodig
from gateway.foutuitleg import Uitleg, retry_text, uitleg
from gateway.operations import OperationError
from gateway.store import FINAL_STATES, State
from gateway.store.queries import VerzoekFilter, search_verzoeken
from gateway.tijd import iso_lokaal, klok, lokaal
from gateway.zoektermen import looks_like_bsn
from stam_mapping import parse_verzoek
from stam_mapping.errors import StamError
from stam_mapping.model import Doel, Verzoek, VerzoekType

log = structlog.get_logger(__name__)
router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
_templates = Environment(
    loader=FileSystemLoader(FsPath(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
)

STATE_LABELS = {
    "received": "Ontvangen",
    "fetched": "Opgehaald",
    "waiting": "Wacht op eerdere versie",
    "delivered": "Geregistreerd",
    "reported": "Teruggemeld",
    "failed": "Mislukt",
    "parked": "Geparkeerd",
    "rerouted": "Doorgestuurd",
    "skipped": "Overgeslagen",
    "superseded": "Vervangen",
    "handled": "Handmatig afgehandeld",
}
EVENT_LABELS = {
    "received": "Notificatie ontvangen",
    "duplicate-notification": "Dubbele notificatie",
    "fetched": "Opgehaald bij DSO",
    "delivered": "Geregistreerd in zaaksysteem",
    # "reported" = everything owed has been told: DSO where it applies, and the initiatiefnemer.
    "reported": "Alles gemeld (DSO waar nodig, initiatiefnemer)",
    "retry-requested": "Opnieuw geprobeerd",
    "parked": "Geparkeerd",
    "unparked": "Hervat",
    "handled-by-hand": "Handmatig afgehandeld",
    "dead-letter-replayed": "Dood bericht herplaatst",
    "superseded": "Vervangen door nieuwere versie",
    "kopiebericht": "Kopiebericht",
    "reroute-requested": "Doorsturen aangevraagd",
    "rerouted": "Doorgestuurd",
    "waiting": "Wacht op eerdere versie",
    "wait-over": "Eerdere versie afgerond",
    "bsn-gezocht": "Gevonden bij zoeken op BSN",
    # Messages to the initiatiefnemer (gateway/berichten).
    "bericht-verzonden": "Bericht aan initiatiefnemer verzonden",
    "bericht-geweigerd": "Bericht geweigerd door de mailserver",
    "per-post-te-versturen": "Brief per post te versturen",
    "bericht-in-zaak": "Bericht opgeslagen in de zaak",
    "bericht-niet-in-zaak": "Bericht niet in de zaak opgeslagen",
    "bericht-mislukt": "Bericht aan initiatiefnemer mislukt",
    "zaakstatus": "Nieuwe status in het zaaksysteem",
    # Doorsturen by staff (gateway/doorsturen.py).
    "doorgestuurd": "Doorgestuurd via DSO",
    "doorgestuurd-lokaal": "Doorgestuurd, alleen lokaal vastgelegd",
    "opvolging-nodig": "Opvolging nodig",
}
# Timeline events that also get a line under "Berichten aan de initiatiefnemer" on the detail page.
BERICHT_EVENTS = (
    "bericht-verzonden",
    "bericht-geweigerd",
    "per-post-te-versturen",
    "bericht-niet-in-zaak",
    "bericht-mislukt",
)
# The pipeline's stages as staff know them.
STAP_LABELS = {
    "fetch": "ophalen bij het Omgevingsloket",
    "translate": "registreren in het zaaksysteem",
    "report": "terugmelden aan het Omgevingsloket",
}


def event_label(kind: str) -> str:
    """A timeline event in Dutch; failures and retries name the stage they happened in."""
    if kind in EVENT_LABELS:  # first: "retry-requested" (staff) is no stage's retry
        return EVENT_LABELS[kind]
    for prefix, text in (
        ("failed-", "Mislukt bij {}"),
        ("retry-", "Mislukt bij {}, wordt opnieuw geprobeerd"),
    ):
        if kind.startswith(prefix):
            stap = kind.removeprefix(prefix)
            return text.format(STAP_LABELS.get(stap, stap))
    return EVENT_LABELS.get(kind, kind)


_templates.filters.update(lokaal=lokaal, klok=klok, iso_lokaal=iso_lokaal)
DOCUMENT_SOORTEN = {"stam": "STAM-bericht", "pdf": "PDF van het verzoek", "document": "Bijlage"}
_templates.globals.update(
    document_soorten=DOCUMENT_SOORTEN,
    state_labels=STATE_LABELS,
    event_label=event_label,
    event_labels=EVENT_LABELS,
    actie_labels=ACTIE_LABELS,
    stap_labels=STAP_LABELS,
    uitleg=uitleg,
    retry_text=retry_text,
)


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    principal = page_principal_or_none(request)
    values = {"gebruiker": principal, "csrf": csrf_token(request) if "session" in request.scope else ""}
    html = _templates.get_template(name).render({**values, **context})
    return HTMLResponse(html, status_code=status_code)


def page_principal_or_none(request: Request) -> Principal | None:
    try:
        return page_principal(request)
    except (LoginRequired, Forbidden):
        return None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/", include_in_schema=False)
def root() -> Response:
    return RedirectResponse("/status", status_code=303)


FILTER_FIELDS = ("zoek", "status", "doel", "type", "activiteit", "van", "tot")


@router.get("/status", response_class=HTMLResponse)
def status(
    request: Request,
    c: Annotated[Container, Depends(container)],
    who: Annotated[Principal, Depends(page_principal)],
    status: Annotated[str | None, Query(max_length=20)] = None,
    pagina: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> HTMLResponse:
    # Search terms can hold personal data (a project name is often an address), so they travel
    # in a POST and live in the session, never in the URL. Only `status` (the overview tiles and
    # "Wissen") and the page number are query parameters.
    if status is not None:
        request.session["filters"] = {"status": status} if status else {}
    saved = request.session.get("filters")
    params = {k: str(saved.get(k, "")) for k in FILTER_FIELDS} if isinstance(saved, dict) else {}
    params = {k: params.get(k, "") for k in FILTER_FIELDS}
    f = VerzoekFilter(
        zoek=params["zoek"] or None,
        status=params["status"] or None,
        doel=params["doel"] or None,
        type=params["type"] or None,
        activiteit=params["activiteit"] or None,
        van=_date(params["van"]),
        tot=_date(params["tot"]),
        zoek_bsn=who.sees_bsn and looks_like_bsn(params["zoek"]),
        actor=who.actor,
    )
    records, total = search_verzoeken(c.store, f, offset=(pagina - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    if f.zoek_bsn:
        _record_bsn_search(c, who, records, total)
    return render(
        request,
        "status.html",
        {
            "verzoeken": masked_all(records, who),
            "pogingen": c.store.pogingen_for(r.verzoeknummer for r in records),
            "totaal": total,
            "pagina": pagina,
            "paginas": max(1, math.ceil(total / PAGE_SIZE)),
            "filters": params,
            "doelen": [d.value for d in Doel],
            "typen": [t.value for t in VerzoekType],
            "overzicht": overview(c),
            "opvolgingen": opvolging_nodig(c.context),
            # Letters made in the last 30 days, for staff to print and post.
            "per_post": c.store.recent_events(
                "per-post-te-versturen", datetime.now(UTC) - timedelta(days=30)
            ),
            "termijnen": beslistermijn.naderend(
                c.store, date.today(), c.settings.beslistermijn_waarschuwing_dagen
            ),
            "vandaag": date.today(),
            "dode_berichten": dead_letters(c),
            "melding": request.session.pop("melding", None),
        },
    )


def _record_bsn_search(c: Container, who: Principal, records: list[Any], total: int) -> None:
    """A search by BSN is processing of personal data: who did it, and which verzoeken it
    showed, goes on the log and on each shown verzoek's timeline. Never the BSN itself."""
    log.info("bsn-search", user=who.actor, gevonden=total)
    for record in records:
        c.store.add_event(
            record.verzoeknummer, None, "bsn-gezocht", "gevonden bij zoeken op BSN", actor=who.actor
        )


@router.post("/status/zoeken")
def search(
    request: Request,
    _: Annotated[Principal, Depends(page_principal)],
    zoek: Annotated[str, Form(max_length=100)] = "",
    status: Annotated[str, Form(max_length=20)] = "",
    doel: Annotated[str, Form(max_length=40)] = "",
    type: Annotated[str, Form(max_length=60)] = "",
    activiteit: Annotated[str, Form(max_length=200)] = "",
    van: Annotated[str, Form(max_length=10)] = "",
    tot: Annotated[str, Form(max_length=10)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if csrf_ok(request, csrf):
        values = {"zoek": zoek.strip(), "status": status, "doel": doel, "type": type}
        values |= {"activiteit": activiteit.strip(), "van": van, "tot": tot}
        request.session["filters"] = {k: v for k, v in values.items() if v}
    return RedirectResponse("/status", status_code=303)


@router.get("/status/overzicht", response_class=HTMLResponse)
def overview_fragment(
    request: Request,
    c: Annotated[Container, Depends(container)],
    _: Annotated[Principal, Depends(page_principal)],
) -> HTMLResponse:
    return render(request, "_overzicht.html", {"overzicht": overview(c)})


def _stam_and_model(c: Container, verzoeknummer: str, volgnummer: int, unmasked: bool) -> tuple[str, str]:
    try:
        raw = c.archive.stam(verzoeknummer, volgnummer)
    except (KeyError, OSError):  # not fetched yet, or archive gone: the page still shows the rest
        return "", ""
    xml = raw.decode("utf-8", errors="replace")
    try:
        model = parse_verzoek(raw, max_bytes=c.settings.max_stam_bytes).model_dump_json(indent=2)
    except StamError as exc:  # a rejected STAM: its reason is on the timeline already
        model = f"(niet te lezen: {type(exc).__name__})"
    if unmasked:
        return xml, model
    return mask_bsns(xml), mask_bsns(model)


def _newest_model(c: Container, verzoeknummer: str, volgnummers: list[int]) -> Verzoek | None:
    """The canonical model of the newest version we have the STAM of (None before the fetch)."""
    for volgnummer in sorted(volgnummers, reverse=True):
        try:
            raw = c.archive.stam(verzoeknummer, volgnummer)
            return parse_verzoek(raw, max_bytes=c.settings.max_stam_bytes)
        except (KeyError, OSError, StamError):
            continue
    return None


@router.get("/status/verzoeken/{verzoeknummer}", response_class=HTMLResponse)
def detail(
    request: Request,
    c: Annotated[Container, Depends(container)],
    who: Annotated[Principal, Depends(page_principal)],
    verzoeknummer: Annotated[str, Path(pattern=r"^[0-9]{13}$")],
) -> HTMLResponse:
    record = c.store.get_verzoek(verzoeknummer)
    if record is None:
        return render(
            request, "fout.html", {"titel": "Niet gevonden", "tekst": "Dit verzoek is niet bekend."}, 404
        )
    versies = c.store.versies_for(verzoeknummer)
    pogingen = c.store.pogingen_for([verzoeknummer])
    # A failed version, or one being retried: why, and what to do. (A version that got through
    # after a retry keeps its last error in the store, but it is no longer news.)
    uitleggen = {
        v.volgnummer: uitleg(v.last_error, given_up=v.state == State.FAILED)
        for v in versies
        if v.state == State.FAILED or (verzoeknummer, v.volgnummer) in pogingen
    }
    inhoud = {v.volgnummer: _stam_and_model(c, verzoeknummer, v.volgnummer, who.sees_bsn) for v in versies}
    model = _newest_model(c, verzoeknummer, [v.volgnummer for v in versies])
    if who.sees_bsn:
        log.info("bsn-unmasked-view", verzoeknummer=verzoeknummer, user=who.actor)
        logboek.ingezien(c.store, who.actor, verzoeknummer, model)
    return render(
        request,
        "detail.html",
        {
            "v": masked(record, who),
            "versies": masked_all(versies, who),
            "acties": {
                v.volgnummer: _actions_for(State(v.state), uitleggen.get(v.volgnummer)) for v in versies
            },
            "uitleggen": uitleggen,
            "pogingen": pogingen,
            "gebeurtenissen": masked_all(c.store.events_for(verzoeknummer), who),
            "documenten": masked_all(c.store.archive_for(verzoeknummer), who),
            "berichten": [e for e in c.store.events_for(verzoeknummer) if e.kind in BERICHT_EVENTS],
            "termijn": beslistermijn.termijn(c.store, verzoeknummer),
            "opvolging": c.store.checkpoint_get(verzoeknummer, OPVOLGING),
            "vandaag": date.today(),
            "waarschuwing_dagen": c.settings.beslistermijn_waarschuwing_dagen,
            "inhoud": inhoud,
            "w": weergave(model, sees_bsn=who.sees_bsn, gezag_namen=c.settings.bevoegd_gezag_namen)
            if model
            else None,
            "schets": schets([loc.geometrie for loc in model.projectlocaties if loc.geometrie])
            if model
            else "",
            "gezag_naam": c.settings.bevoegd_gezag_namen.get(record.bevoegd_gezag_oin or ""),
            "zaak_link": zaak_link(c.settings.zaak_link_template, record.zaak_identificatie, record.zaak_url),
            "ontmaskerd": who.sees_bsn,
            "melding": request.session.pop("melding", None),
        },
    )


def _actions_for(state: State, fout: Uitleg | None = None) -> list[Actie]:
    """The first action is the one the form preselects: "Opnieuw proberen" only leads after
    retries were given up; after a permanent failure something must change first, so it comes
    last, and where retrying cannot help at all (an unreadable STAM) it is not offered."""
    acties = []
    retry = state is State.FAILED and (fout is None or fout.opnieuw_zinvol)
    retry_first = retry and (fout is None or not fout.permanent)
    if retry_first:
        acties.append(Actie.OPNIEUW)
    if state not in FINAL_STATES or state is State.FAILED:
        acties.append(Actie.PARKEREN)
    if state is State.PARKED:
        acties.append(Actie.HERVATTEN)
    if state not in (State.REPORTED, State.HANDLED):
        acties.append(Actie.AFGEHANDELD)
    if retry and not retry_first:
        acties.append(Actie.OPNIEUW)
    return acties


class ExpiredForm(Exception):
    """A posted form whose CSRF token does not match the session (stale page or forged post)."""


def operator_form(
    request: Request,
    who: Annotated[Principal, Depends(page_principal)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Principal:
    """Every state-changing form: first a valid CSRF token, then the operator role."""
    if not csrf_ok(request, csrf):
        raise ExpiredForm()
    if not who.can_operate:
        raise Forbidden()
    return who


@router.post("/status/verzoeken/{verzoeknummer}/versies/{volgnummer}/acties")
def action(
    request: Request,
    c: Annotated[Container, Depends(container)],
    who: Annotated[Principal, Depends(operator_form)],
    verzoeknummer: Annotated[str, Path(pattern=r"^[0-9]{13}$")],
    volgnummer: Annotated[int, Path(ge=1, le=10000)],
    actie: Annotated[Actie, Form()],
    toelichting: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        state = apply_action(c, verzoeknummer, volgnummer, actie, toelichting, who)
        request.session["melding"] = (
            f"{ACTIE_LABELS[actie]}: versie {volgnummer} is nu {STATE_LABELS.get(state, state)}."
        )
    except OperationError as exc:
        request.session["melding"] = f"Niet gelukt: {exc}."
    return RedirectResponse(f"/status/verzoeken/{verzoeknummer}", status_code=303)


@router.post("/status/verzoeken/{verzoeknummer}/doorsturen")
def doorsturen_action(
    request: Request,
    c: Annotated[Container, Depends(container)],
    who: Annotated[Principal, Depends(operator_form)],
    verzoeknummer: Annotated[str, Path(pattern=r"^\d{13}$")],
    naar_oin: Annotated[str, Form(alias="naarOin", max_length=20)],
    reden: Annotated[str, Form(max_length=1000)] = "",
    naar_naam: Annotated[str, Form(alias="naarNaam", max_length=200)] = "",
) -> Response:
    try:
        uitkomst = doorsturen(
            c.context,
            c.reporter,
            verzoeknummer,
            naar_oin=naar_oin,
            reden=reden,
            actor=who.actor,
            naar_naam=naar_naam or None,
        )
        request.session["melding"] = f"Doorsturen: {uitkomst.melding}."
    except OperationError as exc:
        request.session["melding"] = f"Niet gelukt: {exc}."
    return RedirectResponse(f"/status/verzoeken/{verzoeknummer}", status_code=303)


@router.post("/status/dode-berichten/herplaatsingen")
def replay_action(
    request: Request,
    c: Annotated[Container, Depends(container)],
    who: Annotated[Principal, Depends(operator_form)],
    wachtrij: Annotated[str, Form(max_length=100)],
    bericht_id: Annotated[str, Form(alias="berichtId", max_length=100)],
    toelichting: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        n = replay(c, wachtrij, bericht_id, toelichting, who)
        request.session["melding"] = f"{n} bericht(en) teruggezet op {wachtrij}."
    except OperationError as exc:
        request.session["melding"] = f"Niet gelukt: {exc}."
    return RedirectResponse("/status", status_code=303)


def error_page(request: Request, status_code: int, titel: str, tekst: str) -> Response:
    return render(request, "fout.html", {"titel": titel, "tekst": tekst, "code": status_code}, status_code)


def install_page_handlers(app: FastAPI) -> None:
    app.state.html_error_page = error_page

    @app.exception_handler(ExpiredForm)
    async def _expired(request: Request, exc: ExpiredForm) -> Response:
        return render(
            request, "fout.html", {"titel": "Verlopen formulier", "tekst": "Laad de pagina opnieuw."}, 400
        )

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        tekst = "Uw account heeft geen rol die dit toestaat."
        return render(request, "fout.html", {"titel": "Geen toegang", "tekst": tekst}, 403)
