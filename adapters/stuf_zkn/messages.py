"""The one StUF message stam_mapping does not build: updateZaak_Lk01 (a new status, and the
einddatum when the verzoek is ingetrokken). Shape as in Open Formulieren's updateZaak template:
an `oud` and a `nieuw` ZAK object with verwerkingssoort W."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from stam_mapping.stuf import STUF, ZKN, Stuurgegevens


def _sub(parent: etree._Element, ns: str, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{name}", {f"{{{STUF}}}{k}": v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _tijdstip(value: datetime) -> str:
    return value.strftime("%Y%m%d%H%M%S") + f"{value.microsecond // 1000:03d}"


def build_update_zaak_status_lk01(
    *,
    zaak_identificatie: str,
    statustype_omschrijving: str,
    statustype_volgnummer: int,
    toelichting: str,
    einddatum: datetime | None,
    stuurgegevens: Stuurgegevens,
) -> bytes:
    root = etree.Element(f"{{{ZKN}}}zakLk01", nsmap={"StUF": STUF, "ZKN": ZKN})
    stuur = _sub(root, ZKN, "stuurgegevens")
    _sub(stuur, STUF, "berichtcode", "Lk01")
    for name, systeem in (("zender", stuurgegevens.zender), ("ontvanger", stuurgegevens.ontvanger)):
        element = _sub(stuur, STUF, name)
        for part in ("organisatie", "applicatie", "administratie", "gebruiker"):
            if getattr(systeem, part):
                _sub(element, STUF, part, getattr(systeem, part))
    _sub(stuur, STUF, "referentienummer", stuurgegevens.referentienummer)
    _sub(stuur, STUF, "tijdstipBericht", _tijdstip(stuurgegevens.tijdstip))
    _sub(stuur, STUF, "entiteittype", "ZAK")
    parameters = _sub(root, ZKN, "parameters")
    _sub(parameters, STUF, "mutatiesoort", "W")
    _sub(parameters, STUF, "indicatorOvername", "V")
    oud = _sub(root, ZKN, "object", entiteittype="ZAK", verwerkingssoort="W")
    _sub(oud, ZKN, "identificatie", zaak_identificatie)
    nieuw = _sub(root, ZKN, "object", entiteittype="ZAK", verwerkingssoort="W")
    _sub(nieuw, ZKN, "identificatie", zaak_identificatie)
    if einddatum is not None:
        _sub(nieuw, ZKN, "einddatum", einddatum.strftime("%Y%m%d"))
    heeft = _sub(nieuw, ZKN, "heeft", entiteittype="ZAKSTT", verwerkingssoort="T")
    statustype = _sub(heeft, ZKN, "gerelateerde", entiteittype="STT", verwerkingssoort="I")
    _sub(statustype, ZKN, "volgnummer", str(statustype_volgnummer))
    _sub(statustype, ZKN, "omschrijving", statustype_omschrijving)
    _sub(heeft, ZKN, "toelichting", toelichting[:1000])
    _sub(heeft, ZKN, "datumStatusGezet", _tijdstip(stuurgegevens.tijdstip))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
