"""A StUF-ZKN 3.10 test endpoint (ZDS 1.1 subset) for tests and demos: VrijeBerichten answers
Di02 with a Du02, OntvangAsynchroon takes creeerZaak/voegZaakdocumentToe/updateZaak Lk01 with a
Bv03, and errors are SOAP faults carrying a StUF Fo02, as ZDS servers answer.

Like a strict counterpart it validates every message body against the official ZKN 0310 schemas
(schemas.py) and answers a client Fo02 naming the first error (the code StUF055 is this
endpoint's choice, not checked against a public source; the adapter relies only on plek=client,
which makes the failure permanent). Without the schemas it
logs once that it does not validate. Request bodies are read as a stream: document content is
decoded on the fly and replaced by a placeholder before validation (inhoud_filter.py), so a
500 MB bijlage is never held in memory."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response
from lxml import etree

from adapters.stuf_zkn import soap
from adapters.stuf_zkn.inhoud_filter import Inhoud, InhoudError, InhoudFilter
from adapters.stuf_zkn.schemas import StufSchemas, default_schema_dir

log = structlog.get_logger(__name__)

# The zaaktype codes of the example mapping's stuf_zkn section (at most 10 characters).
DSO_ZAAKTYPE_CODES = frozenset({"OMGVERG", "MELDING", "INFORMATIE", "MAATWERK", "CONCEPT"})
DEFAULT = "default"  # schema_dir: the shared schema folder when present
_NS = {"ZKN": soap.ZKN, "StUF": soap.STUF}
_ROOT_OF = {
    "genereerZaakIdentificatie_Di02": "genereerZaakIdentificatie_Di02",
    "genereerDocumentIdentificatie_Di02": "genereerDocumentIdentificatie_Di02",
    "creeerZaak_Lk01": "zakLk01",
    "updateZaak_Lk01": "zakLk01",
    "voegZaakdocumentToe_Lk01": "edcLk01",
}


class StufFault(Exception):
    def __init__(self, code: str, plek: str, omschrijving: str) -> None:
        super().__init__(omschrijving)
        self.code, self.plek, self.omschrijving = code, plek, omschrijving


@dataclass
class StufStore:
    zaaktype_codes: frozenset[str] = DSO_ZAAKTYPE_CODES
    zaken: dict[str, dict[str, Any]] = field(default_factory=dict)
    documenten: dict[str, dict[str, Any]] = field(default_factory=dict)
    operations: list[str] = field(default_factory=list)
    # (operation, first schema error) of every message refused for not matching the schemas
    refused: list[tuple[str, str]] = field(default_factory=list)
    # operation name -> how many more times to answer it with a server Fo02
    faults: dict[str, int] = field(default_factory=dict)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_number(self) -> int:
        return next(self._numbers)


def _text(element: etree._Element, path: str) -> str:
    return (element.findtext(path, namespaces=_NS) or "").strip()


def _answer(element: etree._Element, status: int = 200) -> Response:
    return Response(
        soap.envelope(etree.tostring(element)), status_code=status, media_type="text/xml; charset=utf-8"
    )


def _stuurgegevens(parent: etree._Element, tag: str, berichtcode: str) -> None:
    stuur = etree.SubElement(parent, tag)
    etree.SubElement(stuur, f"{{{soap.STUF}}}berichtcode").text = berichtcode


def _fault(fault: StufFault) -> Response:
    root = etree.Element(f"{{{soap.SOAP11}}}Fault", nsmap={"soap": soap.SOAP11, "StUF": soap.STUF})
    etree.SubElement(root, "faultcode").text = "soap:Client" if fault.plek == "client" else "soap:Server"
    etree.SubElement(root, "faultstring").text = fault.omschrijving
    detail = etree.SubElement(root, "detail")
    fo02 = etree.SubElement(detail, f"{{{soap.STUF}}}Fo02Bericht")
    _stuurgegevens(fo02, f"{{{soap.STUF}}}stuurgegevens", "Fo02")
    body = etree.SubElement(fo02, f"{{{soap.STUF}}}body")
    for name, value in (("code", fault.code), ("plek", fault.plek), ("omschrijving", fault.omschrijving)):
        etree.SubElement(body, f"{{{soap.STUF}}}{name}").text = value
    return _answer(root, 500)


def _operation(request: Request, message: etree._Element) -> str:
    action = request.headers.get("SOAPAction", "").strip('"')
    operation = action.removeprefix(soap.ACTION_BASE)
    if operation not in _ROOT_OF or etree.QName(message).localname != _ROOT_OF[operation]:
        raise StufFault("StUF003", "client", f"SOAPAction {action!r} past niet bij het bericht")
    return operation


def _schemas(schema_dir: Path | str | None) -> StufSchemas | None:
    directory = default_schema_dir() if schema_dir == DEFAULT else schema_dir
    if directory is None:
        log.warning("stuf.testserver.no_validation", reason="no StUF-ZKN schemas found")
        return None
    return StufSchemas(Path(directory))


async def _read(request: Request) -> tuple[bytes, list[Inhoud]]:
    body = InhoudFilter()
    try:
        async for chunk in request.stream():
            body.feed(chunk)
        return body.close(), body.inhouden
    except InhoudError as exc:
        raise StufFault("StUF055", "client", str(exc)) from None


def create_stuf_app(store: StufStore | None = None, *, schema_dir: Path | str | None = DEFAULT) -> FastAPI:
    """`schema_dir`: the ZKN 0310 schema folder; "default" is ../shared/stuf/zkn0310-patch28
    when present, None (or absent schemas) switches validation off."""
    app = FastAPI(title="StUF-ZKN 3.10 test endpoint", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.stuf = store or StufStore()
    app.state.schemas = _schemas(schema_dir)

    async def handle(request: Request, synchronous: bool) -> Response:
        s: StufStore = request.app.state.stuf
        schemas: StufSchemas | None = request.app.state.schemas
        try:
            envelope, inhouden = await _read(request)
            try:
                message = soap.parse(envelope)
            except (etree.XMLSyntaxError, ValueError):
                raise StufFault("StUF001", "client", "Geen geldig SOAP-bericht") from None
            operation = _operation(request, message)
            s.operations.append(operation)
            if schemas is not None:
                problems = schemas.errors(message)
                if problems:
                    s.refused.append((operation, problems[0]))
                    raise StufFault("StUF055", "client", f"Bericht niet volgens het schema: {problems[0]}")
            if s.faults.get(operation, 0) > 0:
                s.faults[operation] -= 1
                raise StufFault("StUF058", "server", "Proces voor afhandelen bericht geeft fout (test)")
            if synchronous != operation.endswith("_Di02"):
                raise StufFault("StUF003", "client", f"{operation} hoort niet op dit endpoint")
            return _dispatch(s, operation, message, inhouden)
        except StufFault as fault:
            return _fault(fault)

    @app.post("/VrijeBerichten")
    async def vrije_berichten(request: Request) -> Response:
        return await handle(request, synchronous=True)

    @app.post("/OntvangAsynchroon")
    async def ontvang_asynchroon(request: Request) -> Response:
        return await handle(request, synchronous=False)

    return app


def _du02(operation: str, message: etree._Element, entiteit: str, identificatie: str) -> Response:
    """A Du02 valid against the zs-dms schema: sender and receiver swapped, the Di02's
    referentienummer as crossRefnummer, its functie repeated."""
    root = etree.Element(f"{{{soap.ZKN}}}{operation.replace('_Di02', '_Du02')}", nsmap=_NS)
    stuur = etree.SubElement(root, f"{{{soap.ZKN}}}stuurgegevens")
    etree.SubElement(stuur, f"{{{soap.STUF}}}berichtcode").text = "Du02"
    asked = message.find("ZKN:stuurgegevens", _NS)
    for name, source in (("zender", "ontvanger"), ("ontvanger", "zender")):
        systeem = asked.find(f"StUF:{source}", _NS) if asked is not None else None
        if systeem is not None:
            copy = etree.SubElement(stuur, f"{{{soap.STUF}}}{name}")
            copy.extend(etree.fromstring(etree.tostring(child)) for child in systeem)
    etree.SubElement(stuur, f"{{{soap.STUF}}}referentienummer").text = f"DU02-{identificatie}"
    etree.SubElement(stuur, f"{{{soap.STUF}}}tijdstipBericht").text = datetime.now().strftime(
        "%Y%m%d%H%M%S%f"
    )[:17]
    cross = _text(message, "ZKN:stuurgegevens/StUF:referentienummer")
    if cross:
        etree.SubElement(stuur, f"{{{soap.STUF}}}crossRefnummer").text = cross
    etree.SubElement(stuur, f"{{{soap.STUF}}}functie").text = _text(message, "ZKN:stuurgegevens/StUF:functie")
    element = etree.SubElement(
        root,
        f"{{{soap.ZKN}}}{entiteit}",
        {
            f"{{{soap.STUF}}}entiteittype": "ZAK" if entiteit == "zaak" else "EDC",
            f"{{{soap.STUF}}}functie": "entiteit",
        },
    )
    etree.SubElement(element, f"{{{soap.ZKN}}}identificatie").text = identificatie
    return _answer(root)


def _bv03() -> Response:
    root = etree.Element(f"{{{soap.STUF}}}Bv03Bericht", nsmap={"StUF": soap.STUF})
    _stuurgegevens(root, f"{{{soap.STUF}}}stuurgegevens", "Bv03")
    return _answer(root)


def _dispatch(s: StufStore, operation: str, message: etree._Element, inhouden: list[Inhoud]) -> Response:
    if operation == "genereerZaakIdentificatie_Di02":
        return _du02(operation, message, "zaak", f"0200-{s.next_number():08d}")
    if operation == "genereerDocumentIdentificatie_Di02":
        return _du02(operation, message, "document", f"DOC-{s.next_number():08d}")
    objects = message.findall("ZKN:object", _NS)
    if not objects:
        raise StufFault("StUF055", "client", "Geen object in het bericht")
    obj = objects[-1]
    identificatie = _text(obj, "ZKN:identificatie")
    if operation == "creeerZaak_Lk01":
        code = _text(obj, "ZKN:isVan/ZKN:gerelateerde/ZKN:code")
        if code not in s.zaaktype_codes:
            raise StufFault("StUF058", "client", f"Zaaktype {code!r} is onbekend")
        if identificatie in s.zaken:
            raise StufFault("StUF058", "client", "Zaak bestaat al")
        s.zaken[identificatie] = {
            "zaaktype": code,
            "omschrijving": _text(obj, "ZKN:omschrijving"),
            "kenmerk": _text(obj, "ZKN:kenmerk/ZKN:kenmerk"),
            "initiator": obj.find("ZKN:heeftAlsInitiator", _NS) is not None,
            "gemachtigde": obj.find("ZKN:heeftAlsGemachtigde", _NS) is not None,
            "statussen": [_text(obj, "ZKN:heeft/ZKN:gerelateerde/ZKN:omschrijving") or "1"],
            "einddatum": None,
        }
        return _bv03()
    zaak = s.zaken.get(identificatie)
    if operation == "updateZaak_Lk01":
        if zaak is None:
            raise StufFault("StUF064", "client", "Zaak niet gevonden")
        zaak["statussen"].append(_text(obj, "ZKN:heeft/ZKN:gerelateerde/ZKN:omschrijving"))
        zaak["einddatum"] = _text(obj, "ZKN:einddatum") or zaak["einddatum"]
        return _bv03()
    # voegZaakdocumentToe_Lk01
    zaak_id = _text(obj, "ZKN:isRelevantVoor/ZKN:gerelateerde/ZKN:identificatie")
    if zaak_id not in s.zaken:
        raise StufFault("StUF064", "client", "Zaak van het document niet gevonden")
    if identificatie in s.documenten:
        raise StufFault("StUF058", "client", "Document bestaat al")
    inhoud = inhouden[0] if inhouden else None
    s.documenten[identificatie] = {
        "zaak": zaak_id,
        "titel": _text(obj, "ZKN:titel"),
        # the bytes only when small; large ones are known by size and hash
        "inhoud": (inhoud.complete if inhoud is not None else b""),
        "grootte": inhoud.size if inhoud is not None else 0,
        "sha256": inhoud.sha256.hexdigest() if inhoud is not None else None,
    }
    return _bv03()
