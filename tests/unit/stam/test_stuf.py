"""StUF-ZKN 3.10 bodies: well-formed, namespaced as municipal-conventions §2 says, right content."""

from __future__ import annotations

import base64
from datetime import datetime

from lxml import etree

from stam_mapping import parse_verzoek
from stam_mapping.mapping import default_mapping
from stam_mapping.stuf import (
    BG,
    STUF,
    ZKN,
    Stuurgegevens,
    Systeem,
    build_creeer_zaak_lk01,
    build_genereer_document_identificatie_di02,
    build_genereer_zaak_identificatie_di02,
    build_voeg_zaakdocument_toe_lk01,
)
from tests.unit.stam.corpus import example

NS = {"StUF": STUF, "ZKN": ZKN, "BG": BG, "gml": "http://www.opengis.net/gml"}
STUURGEGEVENS = Stuurgegevens(
    zender=Systeem(organisatie="0200", applicatie="DSOGW"),
    ontvanger=Systeem(organisatie="0200", applicatie="ZAKEN", gebruiker="dso"),
    referentienummer="ref-1",
    tijdstip=datetime(2024, 3, 15, 8, 30, 0, 123000),
)


def _xml(data: bytes) -> etree._Element:
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return etree.fromstring(data)


def _text(root: etree._Element, path: str) -> list[str]:
    found = root.xpath(path + "/text()", namespaces=NS)
    assert isinstance(found, list)
    return [str(t) for t in found]


def test_creeer_zaak_lk01() -> None:
    verzoek = parse_verzoek(example("verzoek-dakkapel-initieren.xml").read_bytes())
    root = _xml(
        build_creeer_zaak_lk01(
            verzoek, default_mapping(), zaak_identificatie="Z-1", stuurgegevens=STUURGEGEVENS
        )
    )
    assert root.tag == f"{{{ZKN}}}zakLk01"
    assert _text(root, "ZKN:stuurgegevens/StUF:berichtcode") == ["Lk01"]
    assert _text(root, "ZKN:stuurgegevens/StUF:tijdstipBericht") == ["20240315083000123"]
    assert _text(root, "ZKN:stuurgegevens/StUF:ontvanger/StUF:gebruiker") == ["dso"]
    assert _text(root, "ZKN:parameters/StUF:mutatiesoort") == ["T"]
    zaak = root.find("ZKN:object", NS)
    assert zaak is not None and zaak.get(f"{{{STUF}}}entiteittype") == "ZAK"
    assert _text(zaak, "ZKN:identificatie") == ["Z-1"]
    assert _text(zaak, "ZKN:kenmerk/ZKN:kenmerk") == ["2024031400042"]
    assert _text(zaak, "ZKN:startdatum") == ["20240314"]
    # the StUF code from the mapping's stuf_zkn section, not the 23-character identificatie
    assert _text(zaak, "ZKN:isVan/ZKN:gerelateerde/ZKN:code") == ["OMGVERG"]
    persoon = "ZKN:heeftAlsInitiator/ZKN:gerelateerde/ZKN:natuurlijkPersoon"
    assert _text(zaak, persoon + "/BG:inp.bsn") == ["999993653"]
    assert _text(zaak, persoon + "/BG:verblijfsadres/BG:gor.straatnaam") == ["Loolaan"]
    # ZKN:lokatie takes surfaces only: the point becomes a 1 m square around it
    assert not zaak.xpath("ZKN:anderZaakObject/ZKN:lokatie/gml:Point", namespaces=NS)
    ring = "ZKN:anderZaakObject/ZKN:lokatie/gml:Polygon/gml:exterior/gml:LinearRing"
    (pos,) = _text(zaak, ring + "/gml:posList")
    numbers = list(map(float, pos.split()))
    lats, lons = numbers[0::2], numbers[1::2]
    assert len(lats) == 5 and (lats[0], lons[0]) == (lats[-1], lons[-1])  # a closed ring
    assert 52 < lats[0] < 53 and 5 < lons[0] < 7  # EPSG:4326 authority order: lat first
    assert 0.9 < (max(lats) - min(lats)) * 111_320 < 1.1


def test_creeer_zaak_with_gemachtigde_and_vestiging() -> None:
    verzoek = parse_verzoek(example("verzoek-melding-bedrijf-gemachtigde.xml").read_bytes())
    root = _xml(
        build_creeer_zaak_lk01(
            verzoek, default_mapping(), zaak_identificatie="Z-2", stuurgegevens=STUURGEGEVENS
        )
    )
    zaak = root.find("ZKN:object", NS)
    assert zaak is not None
    assert _text(zaak, "ZKN:heeftAlsInitiator/ZKN:gerelateerde/ZKN:vestiging/BG:vestigingsNummer") == [
        "000038509490"
    ]
    # inn.nnpId takes only an RSIN: the 8-digit KvK number goes in the rol's toelichting
    gemachtigde = "ZKN:heeftAlsGemachtigde"
    assert _text(zaak, gemachtigde + "/ZKN:gerelateerde/ZKN:nietNatuurlijkPersoon/BG:inn.nnpId") == []
    assert _text(zaak, gemachtigde + "/ZKN:toelichting") == ["KvK-nummer 90000102"]
    assert _text(zaak, gemachtigde + "/StUF:extraElementen") == []  # an assumption: off by default
    assert zaak.xpath(
        "ZKN:anderZaakObject/ZKN:lokatie/gml:Polygon/gml:exterior/gml:LinearRing/gml:posList", namespaces=NS
    )


def test_voeg_zaakdocument_toe_lk01() -> None:
    verzoek = parse_verzoek(example("verzoek-melding-bedrijf-gemachtigde.xml").read_bytes())
    document = verzoek.documenten()[0]
    root = _xml(
        build_voeg_zaakdocument_toe_lk01(
            verzoek,
            document,
            default_mapping(),
            zaak_identificatie="Z-2",
            document_identificatie="D-9",
            inhoud=b"%PDF-1.7 test",
            stuurgegevens=STUURGEGEVENS,
        )
    )
    assert root.tag == f"{{{ZKN}}}edcLk01"
    edc = root.find("ZKN:object", NS)
    assert edc is not None
    assert _text(edc, "ZKN:identificatie") == ["D-9"]
    assert _text(edc, "ZKN:dct.omschrijving") == ["Rapport"]
    assert _text(edc, "ZKN:vertrouwelijkAanduiding") == ["VERTROUWELIJK"]
    assert _text(edc, "ZKN:formaat") == ["application/pdf"]
    inhoud = edc.find("ZKN:inhoud", NS)
    assert inhoud is not None and base64.b64decode(inhoud.text or "") == b"%PDF-1.7 test"
    assert inhoud.get(f"{{{STUF}}}bestandsnaam") == "veiligheidsrapport.pdf"
    assert _text(edc, "ZKN:isRelevantVoor/ZKN:gerelateerde/ZKN:identificatie") == ["Z-2"]


def test_genereer_identificatie_di02() -> None:
    zaak = _xml(build_genereer_zaak_identificatie_di02(STUURGEGEVENS))
    assert zaak.tag == f"{{{ZKN}}}genereerZaakIdentificatie_Di02"
    assert _text(zaak, "ZKN:stuurgegevens/StUF:berichtcode") == ["Di02"]
    assert _text(zaak, "ZKN:stuurgegevens/StUF:functie") == ["genereerZaakidentificatie"]
    doc = _xml(build_genereer_document_identificatie_di02(STUURGEGEVENS))
    assert _text(doc, "ZKN:stuurgegevens/StUF:functie") == ["genereerDocumentidentificatie"]
