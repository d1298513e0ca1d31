"""The few STAM fields the sandbox needs, read with lxml (namespace-aware, prefix-free).

The sandbox must not depend on stam_mapping: it plays DSO, which has its own copy of the truth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

VERZOEK_NAMESPACES = frozenset(
    {
        "http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoek",
        "http://www.omgevingswet.nl/koppelvlak/stam-v2/verzoek",
    }
)
NOTIFICATIE_NS = "http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoeknotificatie"


class StamInputError(ValueError):
    """The submitted XML is not a verzoek the sandbox can store."""


@dataclass(frozen=True)
class StamDocument:
    document_id: str
    bestandsnaam: str


@dataclass(frozen=True)
class StamSummary:
    verzoeknummer: str
    volgnummer: int
    bevoegd_gezag_oin: str
    uitvoerende_instantie_oin: str | None
    indien_datum: datetime | None
    documenten: tuple[StamDocument, ...]


def read_verzoek(xml: bytes) -> StamSummary:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise StamInputError(f"not well-formed XML: {exc}") from exc
    qname = etree.QName(root)
    if qname.localname != "verzoek" or qname.namespace not in VERZOEK_NAMESPACES:
        raise StamInputError(f"root is not a STAM verzoek: {{{qname.namespace}}}{qname.localname}")
    ns = qname.namespace

    def text(path: str) -> str | None:
        found = root.findtext(path.replace("x:", f"{{{ns}}}"))
        return found.strip() if found and found.strip() else None

    verzoeknummer = text("x:verzoeknummer")
    volgnummer = text("x:volgnummer")
    bevoegd_gezag = text("x:bevoegdGezag/x:oin")
    if not verzoeknummer or not verzoeknummer.isdigit():
        raise StamInputError("verzoeknummer missing or not digits")
    if not volgnummer or not volgnummer.isdigit() or int(volgnummer) < 1:
        raise StamInputError("volgnummer missing or < 1")
    if not bevoegd_gezag:
        raise StamInputError("bevoegdGezag/oin missing")
    documenten: dict[str, StamDocument] = {}
    for doc in root.iterfind(f".//{{{ns}}}document"):
        doc_id = (doc.findtext(f"{{{ns}}}documentId") or "").strip()
        if doc_id and doc_id not in documenten:
            naam = (doc.findtext(f"{{{ns}}}bestandsnaam") or "").strip() or doc_id
            documenten[doc_id] = StamDocument(doc_id, naam)
    return StamSummary(
        verzoeknummer=verzoeknummer,
        volgnummer=int(volgnummer),
        bevoegd_gezag_oin=bevoegd_gezag,
        uitvoerende_instantie_oin=text("x:uitvoerendeInstantie/x:oin"),
        indien_datum=_parse_date(text("x:indienDatum")),
        documenten=tuple(documenten.values()),
    )


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def notificatie_xml(verzoeknummer: str, volgnummer: int, bevoegd_gezag_oin: str) -> bytes:
    nsmap = {"vn": NOTIFICATIE_NS}
    root = etree.Element(f"{{{NOTIFICATIE_NS}}}verzoeknotificatie", nsmap=nsmap)
    etree.SubElement(root, f"{{{NOTIFICATIE_NS}}}verzoeknummer").text = verzoeknummer
    etree.SubElement(root, f"{{{NOTIFICATIE_NS}}}volgnummer").text = str(volgnummer)
    bg = etree.SubElement(root, f"{{{NOTIFICATIE_NS}}}bevoegdGezag")
    etree.SubElement(bg, f"{{{NOTIFICATIE_NS}}}oin").text = bevoegd_gezag_oin
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
