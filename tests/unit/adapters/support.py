"""Test doubles for the Delivery port: in-memory checkpoints and documents, and demo verzoeken."""

from __future__ import annotations

import io
from datetime import date
from typing import BinaryIO

from stam_mapping.mapping import default_mapping
from stam_mapping.model import (
    Adres,
    AdresAanduiding,
    Betrokkene,
    BinnenlandsAdres,
    Document,
    Doel,
    Geometrie,
    GevraagdeBijlage,
    KadastraalPerceel,
    NatuurlijkPersoon,
    NietNatuurlijkPersoon,
    Organisatie,
    Projectactiviteit,
    Projectlocatie,
    Specificatie,
    Verzoek,
    VerzoekType,
)
from stam_mapping.zgw import build_zgw_plan
from stam_mapping.zgw_plan import ZgwPlan

BSN = "111222333"  # passes the 11-proef; a test value


class MemoryDocuments:
    """Documents as bytes, or generated on the fly (`sized`) so large ones cost no memory."""

    def __init__(self, **blobs: bytes) -> None:
        self.blobs = dict(blobs)
        self.opened: list[str] = []

    def add(self, document_id: str, content: bytes) -> None:
        self.blobs[document_id] = content

    def open(self, document_id: str) -> BinaryIO:
        self.opened.append(document_id)
        return io.BytesIO(self.blobs[document_id])

    def size(self, document_id: str) -> int:
        return len(self.blobs[document_id])

    def media_type(self, document_id: str) -> str:
        return "application/pdf"


def planner(verzoek: Verzoek, previous: Verzoek | None) -> ZgwPlan:
    return build_zgw_plan(verzoek, default_mapping(), previous, registratiedatum=date(2024, 3, 14))


_ADRES = Adres(
    binnenlands=BinnenlandsAdres(
        straatnaam="Marktstraat", huisnummer=12, postcode="7311AB", woonplaats="Apeldoorn"
    )
)


def demo_verzoek(
    *,
    volgnummer: int = 1,
    doel: Doel = Doel.INITIEREN,
    documenten: tuple[str, ...] = ("DOC-1", "DOC-2"),
    bouwkosten: str = "25000",
    verzoeknummer: str = "2024031400042",
) -> Verzoek:
    """An Aanvraag vergunning by a person with a company as gemachtigde, one address with a
    perceel and a point, and a bouwkosten answer; `documenten` are its bijlagen."""
    docs = tuple(
        Document(document_id=d, bestandsnaam=f"{d.lower()}.pdf", documentsoort_dso="Bouwtekening")
        for d in documenten
    )
    return Verzoek(
        stam_versie="stam-v4",
        verzoeknummer=verzoeknummer,
        volgnummer=volgnummer,
        doel=doel,
        type=VerzoekType.AANVRAAG_VERGUNNING,
        indien_datum=date(2024, 3, 14),
        naam="Dakkapel Marktstraat 12",
        omschrijving="Plaatsen van een dakkapel op het achterdakvlak",
        bevoegd_gezag=Organisatie(oin="00000001001600820000", naam="Gemeente Apeldoorn"),
        initiatiefnemer=Betrokkene(
            natuurlijk_persoon=NatuurlijkPersoon(
                bsn=BSN,
                voorletters="J.",
                achternaam="Jansen",
                emailadres="j@example.org",
                verblijfsadres=_ADRES,
            )
        ),
        gemachtigde=Betrokkene(
            niet_natuurlijk_persoon=NietNatuurlijkPersoon(kvk_nummer="12345678", naam="Bouwadvies B.V.")
        ),
        projectlocaties=(
            Projectlocatie(
                adres=AdresAanduiding(
                    straatnaam="Marktstraat",
                    huisnummer=12,
                    postcode="7311AB",
                    woonplaats="Apeldoorn",
                    bag_nummeraanduiding_id="0200200000123456",
                ),
                percelen=(
                    KadastraalPerceel(kadastrale_gemeente_code="APD01", sectie="K", perceelnummer="1234"),
                ),
                geometrie=Geometrie(type="Point", epsg=28992, rings=(((194000.0, 469000.0),),)),
            ),
        ),
        projectactiviteiten=(
            Projectactiviteit(
                activiteit_id="nl.imow-gm0200.activiteit.BouwactiviteitOmgevingsplan",
                activiteit_naam="Bouwactiviteit (omgevingsplan)",
                specificaties=(
                    Specificatie(vraag_id=284856, vraagtekst="Bouwkosten?", antwoord=bouwkosten),
                    Specificatie(
                        vraag_id=1,
                        gevraagde_bijlagen=(
                            GevraagdeBijlage(documentsoort_dso="Bouwtekening", documenten=docs),
                        ),
                    ),
                ),
            ),
        ),
    )
