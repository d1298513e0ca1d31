"""JSON shapes of the API: lowerCamelCase on the wire (NL API Design Rules), no BSN anywhere."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class NotificatieOntvangen(_Camel):
    verzoeknummer: str
    volgnummer: int | None
    status: str  # "ontvangen" or "dubbel"


class VerzoekSamenvatting(_Camel):
    verzoeknummer: str
    volgnummer: int | None
    status: str
    doel: str | None
    type: str | None
    naam: str | None
    bevoegdGezagOin: str | None
    zaakUrl: str | None
    zaakIdentificatie: str | None
    laatsteFout: str | None
    ontvangenOp: datetime
    bijgewerktOp: datetime


class VerzoekenPagina(_Camel):
    resultaten: list[VerzoekSamenvatting]
    totaal: int
    pagina: int
    paginaGrootte: int


class Versie(_Camel):
    volgnummer: int
    status: str
    doel: str | None
    pogingen: int
    laatsteFout: str | None
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
