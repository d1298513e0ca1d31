"""SOAP 1.1 envelopes around StUF bodies, and reading answers (Du02, Bv03, Fo02 faults)."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
STUF = "http://www.egem.nl/StUF/StUF0301"
ZKN = "http://www.egem.nl/StUF/sector/zkn/0310"
ACTION_BASE = "http://www.egem.nl/StUF/sector/zkn/0310/"

# Answers are parsed without network access, entities or huge trees.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def envelope(body: bytes) -> bytes:
    """`body` (a StUF message as produced by stam_mapping.stuf) inside a SOAP 1.1 envelope."""
    root = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"soap": SOAP11})
    etree.SubElement(root, f"{{{SOAP11}}}Header")
    soap_body = etree.SubElement(root, f"{{{SOAP11}}}Body")
    soap_body.append(etree.fromstring(body, _PARSER))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def parse(content: bytes) -> etree._Element:
    """The first element inside soap:Body. Raises etree.XMLSyntaxError or ValueError."""
    root = etree.fromstring(content, _PARSER)
    body = root.find(f"{{{SOAP11}}}Body")
    if body is None or len(body) == 0:
        raise ValueError("no SOAP Body")
    return body[0]


@dataclass(frozen=True)
class Fo02:
    code: str
    plek: str  # "client" or "server": who StUF says is at fault
    omschrijving: str


def fault_of(element: etree._Element) -> Fo02 | None:
    """The StUF Fo02/Fo03 in a soap:Fault, if `element` is one."""
    if element.tag != f"{{{SOAP11}}}Fault":
        return None
    body = element.find(f".//{{{STUF}}}body")

    def text(name: str) -> str:
        found = body.find(f"{{{STUF}}}{name}") if body is not None else None
        return (found.text or "").strip() if found is not None else ""

    faultstring = element.findtext("faultstring") or ""
    return Fo02(
        code=text("code"), plek=text("plek") or "server", omschrijving=text("omschrijving") or faultstring
    )
