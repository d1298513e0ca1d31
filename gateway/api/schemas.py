"""JSON shapes of the API: lowerCamelCase on the wire (NL API Design Rules), no BSN anywhere."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from gateway.store import State


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class NotificatieOntvangen(_Camel):
    verzoeknummer: str
    volgnummer: int | None
    status: str  # "ontvangen" or "dubbel"


class Herhaling(_Camel):
    """The version failed with a temporary error and is tried again automatically."""

    stap: str = Field(description="fetch, translate of report")
    pogingen: int = Field(description="pogingen tot nu toe (zelfde telling als Versie.pogingen)")
    maxPogingen: int
    volgendeOm: datetime
    tekst: str = Field(description="zoals de statuspagina het toont, in Nederlandse tijd")


class FoutUitleg(_Camel):
    """What a failure means for staff, in Dutch; laatsteFout keeps the technical reason."""

    wat: str = Field(description="wat er gebeurde")
    doen: str = Field(description="wat er nu moet gebeuren")
    wie: str = Field(description="wie dat doet")
    blijvend: bool = Field(description="opnieuw proberen helpt pas na een aanpassing")
    opnieuwZinvol: bool = Field(description="de actie 'opnieuw' heeft zin (eventueel na de aanpassing)")


class VerzoekSamenvatting(_Camel):
    verzoeknummer: str
    volgnummer: int | None
    status: State
    doel: str | None
    type: str | None
    naam: str | None
    bevoegdGezagOin: str | None
    zaakUrl: str | None
    zaakIdentificatie: str | None
    laatsteFout: str | None
    foutUitleg: FoutUitleg | None = None
    herhaling: Herhaling | None = None
    ontvangenOp: datetime
    bijgewerktOp: datetime


class Link(_Camel):
    href: str


class Links(_Camel):
    self: Link
    first: Link
    last: Link
    prev: Link | None = None
    next: Link | None = None


class ZoekResultaat(_Camel):
    """One page of a search sent in a POST body (no links: its terms stay out of URLs)."""

    resultaten: list[VerzoekSamenvatting]
    totaal: int
    pagina: int
    paginaGrootte: int


class VerzoekenPagina(_Camel):
    links: Links = Field(alias="_links")
    resultaten: list[VerzoekSamenvatting]
    totaal: int
    pagina: int
    paginaGrootte: int


class Versie(_Camel):
    volgnummer: int
    status: State
    doel: str | None
    pogingen: int
    laatsteFout: str | None
    foutUitleg: FoutUitleg | None = None
    herhaling: Herhaling | None = None
    mislukteStap: str | None
    bijgewerktOp: datetime


class Gebeurtenis(_Camel):
    tijdstip: datetime
    volgnummer: int | None
    soort: str
    toelichting: str | None
    door: str | None


class Document(_Camel):
    volgnummer: int
    soort: str
    documentId: str | None
    bestandsnaam: str | None
    grootte: int
    sha256: str


class VerzoekDetail(VerzoekSamenvatting):
    versies: list[Versie]
    gebeurtenissen: list[Gebeurtenis]
    documenten: list[Document]
