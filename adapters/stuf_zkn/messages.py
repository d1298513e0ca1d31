"""The StUF messages of one delivery, in the order the adapter sends them.

updateZaak_Lk01 (a new status, and the einddatum when the verzoek is ingetrokken) is built
here: it needs the adapter's statustype volgnummers. Shape as in Open Formulieren's updateZaak
template (an `oud` and a `nieuw` ZAK object with verwerkingssoort W), order as in the ZKN 0310
mutatie schema. `berichten()` lists every message for a verzoek without sending anything: what
`dso-gateway stam map --to stuf-zkn` prints and the tests validate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from stam_mapping.errors import MappingGap
from stam_mapping.mapping import MunicipalMapping
from stam_mapping.model import Doel, Verzoek
from stam_mapping.stuf import (
    STUF,
    ZKN,
    Stuurgegevens,
    build_creeer_zaak_lk01,
    build_genereer_document_identificatie_di02,
    build_genereer_zaak_identificatie_di02,
    build_voeg_zaakdocument_toe_lk01,
)

DEFAULT_STATUSTYPEN = {"Ontvangen": 1, "Aangevuld": 2, "Afgehandeld": 3}
DEFAULT_EINDSTATUS = "Afgehandeld"


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
    _sub(statustype, ZKN, "omschrijving", statustype_omschrijving[:80])
    _sub(heeft, ZKN, "toelichting", toelichting[:1000])
    _sub(heeft, ZKN, "datumStatusGezet", _tijdstip(stuurgegevens.tijdstip))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def build_status_lk01(
    verzoek: Verzoek,
    mapping: MunicipalMapping,
    *,
    zaak_identificatie: str,
    statustypen: dict[str, int],
    eindstatus: str,
    stuurgegevens: Stuurgegevens,
) -> tuple[str, bytes]:
    """(statustype omschrijving, updateZaak_Lk01) for an Aanvullen or Intrekken."""
    intrekken = verzoek.doel is Doel.INTREKKEN
    status = mapping.statussen.voor(verzoek.doel)
    omschrijving = eindstatus if intrekken else (status.statustype or "Ontvangen")
    volgnummer = statustypen.get(omschrijving)
    if volgnummer is None:
        raise MappingGap(f"statustype {omschrijving!r} has no volgnummer in the StUF configuration")
    body = build_update_zaak_status_lk01(
        zaak_identificatie=zaak_identificatie,
        statustype_omschrijving=omschrijving,
        statustype_volgnummer=volgnummer,
        toelichting=status.toelichting,
        einddatum=stuurgegevens.tijdstip if intrekken else None,
        stuurgegevens=stuurgegevens,
    )
    return omschrijving, body


@dataclass(frozen=True)
class Bericht:
    operation: str  # the SOAPAction's last part, e.g. "creeerZaak_Lk01"
    body: bytes  # the StUF message (XML declaration included), without the SOAP envelope


def berichten(
    verzoek: Verzoek,
    mapping: MunicipalMapping,
    *,
    zaak_identificatie: str,
    stuurgegevens: Callable[[], Stuurgegevens] = Stuurgegevens,
    al_geleverd: Iterable[str] = (),
    statustypen: dict[str, int] | None = None,
    eindstatus: str = DEFAULT_EINDSTATUS,
    media_type: Callable[[str], str | None] = lambda document_id: None,
) -> list[Bericht]:
    """Every message StufDelivery sends for `verzoek` when no step was done before, in order.
    Identificaties the counterpart hands out (Du02) are made up: the zaak gets
    `zaak_identificatie`, documents `DOC-<n>`; contents are INHOUD_PLACEHOLDER. `al_geleverd`:
    document ids delivered with an earlier version (skipped, as the adapter does)."""
    mapping.stuf_zkn.zaaktype_code(mapping.zaaktype_voor(verzoek))  # a gap fails before any message
    skip = set(al_geleverd)
    result = [
        Bericht("genereerZaakIdentificatie_Di02", build_genereer_zaak_identificatie_di02(stuurgegevens())),
        Bericht(
            "creeerZaak_Lk01",
            build_creeer_zaak_lk01(
                verzoek, mapping, zaak_identificatie=zaak_identificatie, stuurgegevens=stuurgegevens()
            ),
        ),
    ]
    for number, document in enumerate(verzoek.documenten(), start=1):
        if document.document_id in skip:
            continue
        result.append(
            Bericht(
                "genereerDocumentIdentificatie_Di02",
                build_genereer_document_identificatie_di02(stuurgegevens()),
            )
        )
        body = build_voeg_zaakdocument_toe_lk01(
            verzoek,
            document,
            mapping,
            zaak_identificatie=zaak_identificatie,
            document_identificatie=f"DOC-{number:08d}",
            inhoud=None,
            stuurgegevens=stuurgegevens(),
            formaat=media_type(document.document_id),
        )
        result.append(Bericht("voegZaakdocumentToe_Lk01", body))
    if verzoek.doel in (Doel.AANVULLEN, Doel.INTREKKEN):
        _, body = build_status_lk01(
            verzoek,
            mapping,
            zaak_identificatie=zaak_identificatie,
            statustypen=statustypen or dict(DEFAULT_STATUSTYPEN),
            eindstatus=eindstatus,
            stuurgegevens=stuurgegevens(),
        )
        result.append(Bericht("updateZaak_Lk01", body))
    return result
