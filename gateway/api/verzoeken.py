"""GET /v1/verzoeken and /v1/verzoeken/{verzoeknummer}: what the store knows, without BSNs."""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.deps import container
from gateway.api.problems import PROBLEM_JSON, Problem, ProblemError
from gateway.api.query_params import IsoDay, refuse_unknown_query_params
from gateway.api.schemas import (
    Document,
    FoutUitleg,
    Gebeurtenis,
    Herhaling,
    Link,
    Links,
    Versie,
    VerzoekDetail,
    VerzoekenPagina,
    VerzoekSamenvatting,
    ZoekResultaat,
)
from gateway.auth.principal import Principal
from gateway.auth.session import api_principal
from gateway.bootstrap import Container
from gateway.bsn_mask import masked, masked_all
from gateway.foutuitleg import retry_text, uitleg
from gateway.store import PogingRecord, State, VerzoekRecord
from gateway.store.queries import VerzoekFilter, search_verzoeken

router = APIRouter(prefix="/v1", tags=["Verzoeken"], dependencies=[Depends(refuse_unknown_query_params)])
MAX_PAGINA = 10_000
ZOEK_UITLEG = (
    "verzoeknummer, zaaknummer, projectnaam of -nummer, naam van aanvrager of gemachtigde,"
    " KvK-nummer, adres, postcode of kadastraal perceel; hoofdletters, accenten en de spatie in een"
    " postcode tellen niet mee. Zoeken op BSN kan hier niet. Persoonsgegevens horen niet in een URL:"
    " gebruik daarvoor POST /zoekopdrachten."
)
_errors: dict[int | str, dict[str, Any]] = {400: {"model": Problem, "content": {PROBLEM_JSON: {}}}}


def fout_uitleg(reason: str | None, *, failed: bool) -> FoutUitleg | None:
    found = uitleg(reason, given_up=failed)
    if found is None:
        return None
    return FoutUitleg(
        wat=found.wat,
        doen=found.doen,
        wie=found.wie,
        blijvend=found.permanent,
        opnieuwZinvol=found.opnieuw_zinvol,
    )


def herhaling(poging: PogingRecord | None) -> Herhaling | None:
    if poging is None:
        return None
    return Herhaling(
        stap=poging.stap,
        pogingen=poging.poging,
        maxPogingen=poging.max_pogingen,
        volgendeOm=poging.volgende_om,
        tekst=retry_text(poging),
    )


def summary(record: VerzoekRecord, poging: PogingRecord | None = None) -> VerzoekSamenvatting:
    failed = record.state == State.FAILED
    return VerzoekSamenvatting(
        verzoeknummer=record.verzoeknummer,
        volgnummer=record.volgnummer,
        status=State(record.state),
        doel=record.doel,
        type=record.type,
        naam=record.naam,
        bevoegdGezagOin=record.bevoegd_gezag_oin,
        zaakUrl=record.zaak_url,
        zaakIdentificatie=record.zaak_identificatie,
        laatsteFout=record.last_error,
        foutUitleg=fout_uitleg(record.last_error, failed=True) if failed else None,
        herhaling=herhaling(poging),
        ontvangenOp=record.created_at,
        bijgewerktOp=record.updated_at,
    )


@router.get("/verzoeken", response_model=VerzoekenPagina, summary="Zoek verzoeken", responses=_errors)
def list_verzoeken(
    request: Request,
    c: Annotated[Container, Depends(container)],
    who: Annotated[Principal, Depends(api_principal)],
    zoek: Annotated[
        str | None,
        Query(max_length=100, description=ZOEK_UITLEG),
    ] = None,
    status: Annotated[State | None, Query(description="status van de nieuwste versie")] = None,
    doel: Annotated[str | None, Query(max_length=40, description="Initiëren, Aanvullen, ...")] = None,
    verzoek_type: Annotated[
        str | None, Query(alias="type", max_length=80, description="bijvoorbeeld Melding")
    ] = None,
    activiteit: Annotated[
        str | None, Query(max_length=200, description="(deel van) een activiteitId")
    ] = None,
    ontvangen_vanaf: Annotated[
        IsoDay | None,
        Query(alias="ontvangenVanaf", description="ontvangen op of na deze dag (Nederlandse tijd)"),
    ] = None,
    ontvangen_tot: Annotated[
        IsoDay | None,
        Query(alias="ontvangenTot", description="ontvangen op of voor deze dag (Nederlandse tijd)"),
    ] = None,
    pagina: Annotated[int, Query(ge=1, le=MAX_PAGINA)] = 1,
    pagina_grootte: Annotated[int, Query(alias="paginaGrootte", ge=1, le=200)] = 50,
) -> VerzoekenPagina:
    """The same search as the status page, for other tools."""
    f = VerzoekFilter(
        zoek=zoek,
        status=status,
        doel=doel,
        type=verzoek_type,
        activiteit=activiteit,
        van=ontvangen_vanaf,
        tot=ontvangen_tot,
    )
    records, total = search_verzoeken(c.store, f, offset=(pagina - 1) * pagina_grootte, limit=pagina_grootte)
    pogingen = c.store.pogingen_for(r.verzoeknummer for r in records)
    return VerzoekenPagina(
        resultaten=[
            summary(r, pogingen.get((r.verzoeknummer, r.volgnummer or 0))) for r in masked_all(records, who)
        ],
        totaal=total,
        pagina=pagina,
        paginaGrootte=pagina_grootte,
        links=page_links(request, pagina, max(1, math.ceil(total / pagina_grootte))),
    )


class Zoekopdracht(BaseModel):
    """The filters of GET /v1/verzoeken in a body: names, addresses and postcodes of citizens
    then stay out of URLs, and so out of proxy and server access logs."""

    model_config = ConfigDict(extra="forbid")

    zoek: str | None = Field(default=None, max_length=100, description=ZOEK_UITLEG)
    status: State | None = None
    doel: str | None = Field(default=None, max_length=40)
    type: str | None = Field(default=None, max_length=80)
    activiteit: str | None = Field(default=None, max_length=200)
    ontvangenVanaf: IsoDay | None = None
    ontvangenTot: IsoDay | None = None
    pagina: int = Field(default=1, ge=1, le=MAX_PAGINA)
    paginaGrootte: int = Field(default=50, ge=1, le=200)


@router.post(
    "/zoekopdrachten",
    response_model=ZoekResultaat,
    summary="Zoek verzoeken met de zoektermen in de body",
    responses=_errors,
)
def search_in_body(c: Annotated[Container, Depends(container)], body: Zoekopdracht) -> ZoekResultaat:
    """The same search as GET /v1/verzoeken, with the terms in the body instead of the URL."""
    f = VerzoekFilter(
        zoek=body.zoek,
        status=body.status,
        doel=body.doel,
        type=body.type,
        activiteit=body.activiteit,
        van=body.ontvangenVanaf,
        tot=body.ontvangenTot,
    )
    size = body.paginaGrootte
    records, total = search_verzoeken(c.store, f, offset=(body.pagina - 1) * size, limit=size)
    pogingen = c.store.pogingen_for(r.verzoeknummer for r in records)
    return ZoekResultaat(
        resultaten=[summary(r, pogingen.get((r.verzoeknummer, r.volgnummer or 0))) for r in records],
        totaal=total,
        pagina=body.pagina,
        paginaGrootte=size,
    )


def page_links(request: Request, pagina: int, last: int) -> Links:
    """HAL-style paging links as the NL API Design Rules prefer (relative to the host)."""

    def to(page: int) -> Link:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "pagina"]
        query.append(("pagina", str(page)))
        return Link(href=f"{request.url.path}?{urlencode(query)}")

    return Links(
        self=to(pagina),
        first=to(1),
        last=to(last),
        prev=to(pagina - 1) if pagina > 1 else None,
        next=to(pagina + 1) if pagina < last else None,
    )


@router.get(
    "/verzoeken/{verzoeknummer}",
    response_model=VerzoekDetail,
    summary="Eén verzoek met zijn versies, tijdlijn en documenten",
    responses={**_errors, 404: {"model": Problem, "content": {PROBLEM_JSON: {}}}},
)
def get_verzoek(
    c: Annotated[Container, Depends(container)],
    who: Annotated[Principal, Depends(api_principal)],
    verzoeknummer: Annotated[str, Path(pattern=r"^[0-9]{13}$")],
) -> VerzoekDetail:
    record = c.store.get_verzoek(verzoeknummer)
    if record is None:
        raise ProblemError(404, "Niet gevonden", f"Verzoek {verzoeknummer} is niet bekend.")
    pogingen = c.store.pogingen_for([verzoeknummer])
    return VerzoekDetail(
        **summary(masked(record, who), pogingen.get((verzoeknummer, record.volgnummer or 0))).model_dump(),
        versies=[
            Versie(
                volgnummer=v.volgnummer,
                status=State(v.state),
                doel=v.doel,
                pogingen=v.attempts,
                laatsteFout=v.last_error,
                foutUitleg=fout_uitleg(v.last_error, failed=True) if v.state == State.FAILED else None,
                herhaling=herhaling(pogingen.get((verzoeknummer, v.volgnummer))),
                mislukteStap=v.failed_stage,
                bijgewerktOp=v.updated_at,
            )
            for v in masked_all(c.store.versies_for(verzoeknummer), who)
        ],
        gebeurtenissen=[
            Gebeurtenis(
                tijdstip=e.at, volgnummer=e.volgnummer, soort=e.kind, toelichting=e.detail, door=e.actor
            )
            for e in masked_all(c.store.events_for(verzoeknummer), who)
        ],
        documenten=[
            Document(
                volgnummer=a.volgnummer,
                soort=a.kind,
                documentId=a.document_id,
                bestandsnaam=a.bestandsnaam,
                grootte=a.size,
                sha256=a.sha256,
            )
            for a in masked_all(c.store.archive_for(verzoeknummer), who)
        ],
    )
