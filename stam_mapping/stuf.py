"""StUF-ZKN 3.10 (Zaak- en Documentservices) message bodies for a verzoek, built with lxml.

Returns the body element of the SOAP message (the adapter adds the envelope, the endpoint and
the SOAPAction `http://www.egem.nl/StUF/sector/zkn/0310/<operation>`). The flow follows ZDS as
Open Formulieren implements it; element names, order, lengths and geometry types follow the
official ZKN 0310 (patch 28) schemas, against which adapters/stuf_zkn/schemas.py validates every
message (this package does no I/O, so it does not load them itself).
"""

from __future__ import annotations

import base64
import math
import mimetypes
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lxml import etree

from stam_mapping.dates import dutch_date
from stam_mapping.geo import to_geojson
from stam_mapping.mapping import MunicipalMapping
from stam_mapping.model import Adres, Betrokkene, Document, Verzoek

STUF = "http://www.egem.nl/StUF/StUF0301"
ZKN = "http://www.egem.nl/StUF/sector/zkn/0310"
BG = "http://www.egem.nl/StUF/sector/bg/0310"
GML = "http://www.opengis.net/gml"
XMIME = "http://www.w3.org/2005/05/xmlmime"
_NSMAP = {"StUF": STUF, "ZKN": ZKN, "BG": BG, "gml": GML, "xmime": XMIME}
_WGS84 = "urn:ogc:def:crs:EPSG::4326"
# A document's content when the message is built without it: valid base64 (of "BIJLAGE"), so
# the message still validates, and unique enough that the adapter can find it and stream the
# real content in its place.
INHOUD_PLACEHOLDER = "QklKTEFHRQ=="
# ZKN:lokatie allows surfaces only: a point becomes a square of this many metres around it.
PUNT_VLAK_METERS = 1.0


@dataclass(frozen=True)
class Systeem:
    organisatie: str = ""
    applicatie: str = ""
    administratie: str = ""
    gebruiker: str = ""


@dataclass(frozen=True)
class Stuurgegevens:
    zender: Systeem = Systeem(organisatie="Gemeente", applicatie="DSO-gateway")
    ontvanger: Systeem = Systeem(organisatie="Gemeente", applicatie="ZKN")
    referentienummer: str = field(default_factory=lambda: uuid.uuid4().hex[:40])
    tijdstip: datetime = field(default_factory=datetime.now)


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _sub(parent: etree._Element, ns: str, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, _q(ns, name), {_q(STUF, k): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _opt(parent: etree._Element, ns: str, name: str, text: Any) -> None:
    if text is not None and text != "":
        _sub(parent, ns, name, str(text))


def _datum(value: date | datetime) -> str:
    return dutch_date(value).strftime("%Y%m%d")


def _tijdstip(value: datetime) -> str:
    return value.strftime("%Y%m%d%H%M%S") + f"{value.microsecond // 1000:03d}"


def _systeem(parent: etree._Element, name: str, systeem: Systeem) -> None:
    element = _sub(parent, STUF, name)
    for part in ("organisatie", "applicatie", "administratie", "gebruiker"):
        _opt(element, STUF, part, getattr(systeem, part))


def _stuurgegevens(
    root: etree._Element, berichtcode: str, stuurgegevens: Stuurgegevens, *, entiteittype: str | None = None,
    functie: str | None = None,
) -> None:  # fmt: skip
    element = _sub(root, ZKN, "stuurgegevens")
    _sub(element, STUF, "berichtcode", berichtcode)
    _systeem(element, "zender", stuurgegevens.zender)
    _systeem(element, "ontvanger", stuurgegevens.ontvanger)
    _sub(element, STUF, "referentienummer", stuurgegevens.referentienummer)
    _sub(element, STUF, "tijdstipBericht", _tijdstip(stuurgegevens.tijdstip))
    if entiteittype:
        _sub(element, STUF, "entiteittype", entiteittype)
    if functie:
        _sub(element, STUF, "functie", functie)


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _verblijfsadres(parent: etree._Element, name: str, adres: Adres | None) -> None:
    """A Dutch address as `name` (schema order of BG:VerblijfsadresGrp-zkn-basis), else a
    foreign one as sub.verblijfBuitenland; the two are a choice in StUF."""
    if adres is None:
        return
    if adres.binnenlands is not None:
        a = adres.binnenlands
        element = _sub(parent, BG, name)
        _opt(element, BG, "wpl.woonplaatsNaam", _cut(a.woonplaats, 80))
        _opt(element, BG, "gor.straatnaam", _cut(a.straatnaam, 24))
        _opt(element, BG, "aoa.postcode", a.postcode)
        _opt(element, BG, "aoa.huisnummer", a.huisnummer)
        # BG allows one letter and up to 4 letters/digits: anything else would be refused whole.
        if a.huisletter and re.fullmatch(r"[a-zA-Z]", a.huisletter):
            _opt(element, BG, "aoa.huisletter", a.huisletter)
        toevoeging = re.sub(r"[^a-zA-Z0-9]", "", a.huisnummertoevoeging or "")[:4]
        _opt(element, BG, "aoa.huisnummertoevoeging", toevoeging)
    elif adres.buitenlands is not None:
        b = adres.buitenlands
        element = _sub(parent, BG, "sub.verblijfBuitenland")
        _opt(element, BG, "lnd.landnaam", _cut(b.land, 40))
        for index, regel in enumerate(b.regels[:3], start=1):
            _opt(element, BG, f"sub.adresBuitenland{index}", _cut(regel, 35))


def _cut(value: str | None, length: int) -> str | None:
    """StUF sets a maximum length on most texts; longer ones are cut, not refused."""
    return value[:length] if value else value


def _betrokkene(
    parent: etree._Element, relatie: str, entiteittype: str, betrokkene: Betrokkene, mapping: MunicipalMapping
) -> None:
    rol = _sub(parent, ZKN, relatie, entiteittype=entiteittype, verwerkingssoort="T")
    gerelateerde = _sub(rol, ZKN, "gerelateerde")
    persoon = betrokkene.natuurlijk_persoon
    organisatie = betrokkene.niet_natuurlijk_persoon
    if persoon is not None:
        nps = _sub(gerelateerde, ZKN, "natuurlijkPersoon", entiteittype="NPS", verwerkingssoort="T")
        if persoon.bsn:
            _sub(nps, BG, "inp.bsn", persoon.bsn)
            _sub(nps, BG, "authentiek", "J", metagegeven="true")
        _opt(nps, BG, "geslachtsnaam", _cut(persoon.achternaam, 200))
        _opt(nps, BG, "voorvoegselGeslachtsnaam", _cut(persoon.voorvoegsel, 10))
        _opt(nps, BG, "voorletters", _cut(persoon.voorletters, 20))
        _opt(nps, BG, "voornamen", _cut(persoon.voornamen, 200))
        _verblijfsadres(nps, "verblijfsadres", persoon.verblijfsadres or persoon.correspondentieadres)
    elif organisatie is not None and organisatie.vestigingsnummer:
        ves = _sub(gerelateerde, ZKN, "vestiging", entiteittype="VES", verwerkingssoort="T")
        _sub(ves, BG, "vestigingsNummer", organisatie.vestigingsnummer)
        _sub(ves, BG, "authentiek", "N", metagegeven="true")
        _opt(ves, BG, "handelsnaam", _cut(organisatie.naam, 200))
        _verblijfsadres(ves, "verblijfsadres", organisatie.bezoekadres or organisatie.postadres)
    elif organisatie is not None:
        # inn.nnpId holds an RSIN (9 digits); STAM gives a KvK number (8 digits), which has no
        # field in the ZKN NNP: it goes in the rol (below), the NNP has its name and address.
        nnp = _sub(gerelateerde, ZKN, "nietNatuurlijkPersoon", entiteittype="NNP", verwerkingssoort="T")
        _opt(nnp, BG, "statutaireNaam", _cut(organisatie.naam, 500))
        _verblijfsadres(nnp, "bezoekadres", organisatie.bezoekadres or organisatie.postadres)
    if organisatie is not None and organisatie.kvk_nummer:
        _sub(rol, ZKN, "toelichting", f"KvK-nummer {organisatie.kvk_nummer}")
        if mapping.stuf_zkn.kvk_als_extra_element:
            # StUF0301's extraElementen (stuf0301.xsd): attributes the sector model lacks, by agreement.
            extra = _sub(rol, STUF, "extraElementen")
            etree.SubElement(extra, _q(STUF, "extraElement"), naam="kvkNummer").text = organisatie.kvk_nummer


def _posities(ring: list[list[float]]) -> str:
    # EPSG:4326 in its authority axis order: latitude first.
    return " ".join(f"{lat} {lon}" for lon, lat in ring)


def _vlak_om_punt(lon: float, lat: float) -> list[list[float]]:
    """A closed square ring of PUNT_VLAK_METERS around a point (ZKN:lokatie takes no points)."""
    half = PUNT_VLAK_METERS / 2
    dlat = half / 111_320
    dlon = half / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    r = 7  # the precision of stam_mapping.geo: ~1 cm
    west, east, south, north = (
        round(lon - dlon, r),
        round(lon + dlon, r),
        round(lat - dlat, r),
        round(lat + dlat, r),
    )
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def _lokatie(parent: etree._Element, verzoek: Verzoek) -> None:
    for locatie in verzoek.projectlocaties:
        if locatie.geometrie is None:
            continue
        geojson = to_geojson(locatie.geometrie)
        object_ = _sub(parent, ZKN, "anderZaakObject")
        _sub(object_, ZKN, "omschrijving", "Projectlocatie")
        lokatie = _sub(object_, ZKN, "lokatie")
        if geojson["type"] == "Point":
            rings = [_vlak_om_punt(*geojson["coordinates"])]
        else:
            rings = geojson["coordinates"]
        polygon = etree.SubElement(lokatie, _q(GML, "Polygon"), srsName=_WGS84)
        for index, ring in enumerate(rings):
            boundary = etree.SubElement(polygon, _q(GML, "exterior" if index == 0 else "interior"))
            linear = etree.SubElement(boundary, _q(GML, "LinearRing"))
            etree.SubElement(linear, _q(GML, "posList")).text = _posities(ring)


def zaaktype_code(verzoek: Verzoek, mapping: MunicipalMapping) -> str:
    """The StUF zaaktype code (at most 10 characters) for a verzoek; MappingGap without one."""
    return mapping.stuf_zkn.zaaktype_code(mapping.zaaktype_voor(verzoek))


def missing_zaaktype_codes(mapping: MunicipalMapping) -> list[str]:
    """Zaaktype identificaties the mapping can choose that have no StUF code that fits: checked
    at start-up so the StUF gateway does not begin with a mapping that cannot work."""
    chosen = set(mapping.zaaktype_per_doel.values()) | set(mapping.zaaktype_per_type.values())
    chosen |= {a.zaaktype for a in mapping.activiteiten.values() if a.zaaktype}
    return mapping.stuf_zkn.missing(chosen)


def build_creeer_zaak_lk01(
    verzoek: Verzoek, mapping: MunicipalMapping, *, zaak_identificatie: str, stuurgegevens: Stuurgegevens
) -> bytes:
    """`ZKN:zakLk01` (creeerZaak_Lk01) for a verzoek; `zaak_identificatie` comes from
    genereerZaakIdentificatie_Di02."""
    root = etree.Element(_q(ZKN, "zakLk01"), nsmap=_NSMAP)
    _stuurgegevens(root, "Lk01", stuurgegevens, entiteittype="ZAK")
    parameters = _sub(root, ZKN, "parameters")
    _sub(parameters, STUF, "mutatiesoort", "T")
    _sub(parameters, STUF, "indicatorOvername", "V")
    zaak = _sub(root, ZKN, "object", entiteittype="ZAK", verwerkingssoort="T")
    _sub(zaak, ZKN, "identificatie", zaak_identificatie)
    titel = verzoek.naam or verzoek.omschrijving or f"{verzoek.type.value} {verzoek.verzoeknummer}"
    _sub(zaak, ZKN, "omschrijving", titel[:80])
    _opt(zaak, ZKN, "toelichting", (verzoek.omschrijving or "")[:1000])
    kenmerk = _sub(zaak, ZKN, "kenmerk")
    _sub(kenmerk, ZKN, "kenmerk", verzoek.verzoeknummer)
    _sub(kenmerk, ZKN, "bron", mapping.kenmerk_bron)
    _lokatie(zaak, verzoek)
    _sub(zaak, ZKN, "startdatum", _datum(verzoek.indien_datum))
    _sub(zaak, ZKN, "registratiedatum", _datum(stuurgegevens.tijdstip))
    _sub(zaak, ZKN, "zaakniveau", "1")
    _sub(zaak, ZKN, "deelzakenIndicatie", "N")
    is_van = _sub(zaak, ZKN, "isVan", entiteittype="ZAKZKT", verwerkingssoort="T")
    zaaktype = _sub(is_van, ZKN, "gerelateerde", entiteittype="ZKT", verwerkingssoort="I")
    _sub(zaaktype, ZKN, "code", zaaktype_code(verzoek, mapping))
    if verzoek.gemachtigde is not None:
        _betrokkene(zaak, "heeftAlsGemachtigde", "ZAKBTRGMC", verzoek.gemachtigde, mapping)
    if verzoek.initiatiefnemer is not None:
        _betrokkene(zaak, "heeftAlsInitiator", "ZAKBTRINI", verzoek.initiatiefnemer, mapping)
    status = mapping.statussen.voor(verzoek.doel)
    heeft = _sub(zaak, ZKN, "heeft", entiteittype="ZAKSTT", verwerkingssoort="T")
    statustype = _sub(heeft, ZKN, "gerelateerde", entiteittype="STT", verwerkingssoort="I")
    _sub(statustype, ZKN, "volgnummer", "1")
    _opt(statustype, ZKN, "omschrijving", status.statustype)
    _sub(heeft, ZKN, "toelichting", status.toelichting)
    _sub(heeft, ZKN, "datumStatusGezet", _tijdstip(stuurgegevens.tijdstip))
    return _bytes(root)


_STUF_VERTROUWELIJK = {
    "openbaar": "OPENBAAR",
    "beperkt_openbaar": "BEPERKT OPENBAAR",
    "intern": "INTERN",
    "zaakvertrouwelijk": "ZAAKVERTROUWELIJK",
    "vertrouwelijk": "VERTROUWELIJK",
    "confidentieel": "CONFIDENTIEEL",
    "geheim": "GEHEIM",
    "zeer_geheim": "ZEER GEHEIM",
}


def build_voeg_zaakdocument_toe_lk01(
    verzoek: Verzoek,
    document: Document,
    mapping: MunicipalMapping,
    *,
    zaak_identificatie: str,
    document_identificatie: str,
    inhoud: bytes | None,
    stuurgegevens: Stuurgegevens,
    formaat: str | None = None,
) -> bytes:
    """`ZKN:edcLk01` (voegZaakdocumentToe_Lk01): one bijlage with its content, base64.

    `inhoud=None` puts INHOUD_PLACEHOLDER where the content goes: the adapter streams the real
    content there (a bijlage may be GBs), and `stam map` shows the message without files."""
    formaat = (
        formaat or mimetypes.guess_type(document.bestandsnaam, strict=False)[0] or "application/octet-stream"
    )
    vertrouwelijkheid = (
        mapping.vertrouwelijkheid.vertrouwelijk_document
        if document.vertrouwelijk
        else mapping.vertrouwelijkheid.document
    )
    root = etree.Element(_q(ZKN, "edcLk01"), nsmap=_NSMAP)
    _stuurgegevens(root, "Lk01", stuurgegevens, entiteittype="EDC")
    parameters = _sub(root, ZKN, "parameters")
    _sub(parameters, STUF, "mutatiesoort", "T")
    _sub(parameters, STUF, "indicatorOvername", "I")
    edc = _sub(root, ZKN, "object", entiteittype="EDC", verwerkingssoort="T")
    _sub(edc, ZKN, "identificatie", document_identificatie)
    _sub(edc, ZKN, "dct.omschrijving", mapping.informatieobjecttype_voor(document.documentsoort_dso))
    _sub(edc, ZKN, "creatiedatum", _datum(verzoek.indien_datum))
    _sub(edc, ZKN, "ontvangstdatum", _datum(verzoek.indien_datum))
    _sub(edc, ZKN, "titel", document.bestandsnaam[:200])
    _sub(
        edc,
        ZKN,
        "beschrijving",
        f"{document.documentsoort_dso or 'Bijlage'} bij DSO-verzoek {verzoek.verzoeknummer}",
    )
    _sub(edc, ZKN, "formaat", formaat)
    _sub(edc, ZKN, "taal", mapping.documenten.taal)
    _sub(edc, ZKN, "status", mapping.documenten.status)
    _sub(edc, ZKN, "vertrouwelijkAanduiding", _STUF_VERTROUWELIJK[vertrouwelijkheid])
    _sub(edc, ZKN, "auteur", mapping.documenten.auteur)
    tekst = INHOUD_PLACEHOLDER if inhoud is None else base64.b64encode(inhoud).decode("ascii")
    content = _sub(edc, ZKN, "inhoud", tekst, bestandsnaam=document.bestandsnaam)
    content.set(_q(XMIME, "contentType"), formaat)
    relevant = _sub(edc, ZKN, "isRelevantVoor", entiteittype="EDCZAK", verwerkingssoort="T")
    zaak = _sub(relevant, ZKN, "gerelateerde", entiteittype="ZAK", verwerkingssoort="I")
    _sub(zaak, ZKN, "identificatie", zaak_identificatie)
    return _bytes(root)


def _genereer(root_name: str, functie: str, stuurgegevens: Stuurgegevens) -> bytes:
    root = etree.Element(_q(ZKN, root_name), nsmap={"StUF": STUF, "ZKN": ZKN})
    _stuurgegevens(root, "Di02", stuurgegevens, functie=functie)
    return _bytes(root)


def build_genereer_zaak_identificatie_di02(stuurgegevens: Stuurgegevens) -> bytes:
    return _genereer("genereerZaakIdentificatie_Di02", "genereerZaakidentificatie", stuurgegevens)


def build_genereer_document_identificatie_di02(stuurgegevens: Stuurgegevens) -> bytes:
    return _genereer("genereerDocumentIdentificatie_Di02", "genereerDocumentidentificatie", stuurgegevens)
