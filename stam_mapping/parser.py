"""STAM XML -> canonical Verzoek / Notificatie.

The element tree is read with the rules of `versions.STRUCTURE`, compiled per namespace
version into `{clark tag: rule}` lookups, into plain dicts; the frozen pydantic model then
validates them. Tolerance (profile): namespace URI + local name only, any element order,
unknown elements skipped and counted, text trimmed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import structlog
from lxml import etree
from pydantic import BaseModel, ValidationError

from stam_mapping import versions as v
from stam_mapping.errors import StamRejected
from stam_mapping.gcpause import gc_paused
from stam_mapping.gml import read_geometrie
from stam_mapping.model import MAX_VOLGNUMMER, Notificatie, Verzoek, ascii_digits
from stam_mapping.xmlsafe import parse_xml

log = structlog.get_logger(__name__)
M = TypeVar("M", bound=BaseModel)

_LEAF, _CHILD, _REPEATED, _WRAPPED, _GEOMETRY = range(5)
# A compiled rule: (kind, field, element name for messages, conversion or sub-table, item tag)
_Compiled = tuple[int, str, str, Any, str | None]
_Table = dict[str, _Compiled]


@dataclass
class _Context:
    version: v.StamVersion
    unknown: int = 0


def _compile(ns: str, renamed: Mapping[str, str]) -> dict[str, _Table]:
    """Every STRUCTURE content compiled to clark-tag lookups for one namespace."""

    def tag(name: str) -> str:
        return f"{{{ns}}}{renamed.get(name, name)}"

    tables: dict[str, _Table] = {name: {} for name in v.STRUCTURE}
    for content, rules in v.STRUCTURE.items():
        table = tables[content]
        for name, rule in rules.items():
            if isinstance(rule, v.Leaf):
                table[tag(name)] = (_LEAF, rule.field, name, rule.conversion, None)
            elif isinstance(rule, v.Child):
                table[tag(name)] = (_CHILD, rule.field, name, tables[rule.content], None)
            elif isinstance(rule, v.Repeated):
                table[tag(name)] = (_REPEATED, rule.field, name, tables[rule.content], None)
            elif isinstance(rule, v.Wrapped):
                table[tag(name)] = (_WRAPPED, rule.field, name, tables[rule.content], tag(rule.item))
            else:
                table[tag(name)] = (_GEOMETRY, rule.field, name, None, None)
    return tables


# Compiled once at import: parsing is then one dict lookup per element.
_VERZOEK_TABLES = {
    version.name: _compile(version.verzoek_namespace, version.renamed)["verzoek"] for version in v.VERSIONS
}
_NOTIFICATIE_TABLES = {
    version.name: _compile(version.notificatie_namespace, version.renamed)["notificatie"]
    for version in v.VERSIONS
    if version.notificatie_namespace
}
_BY_VERZOEK_NS = {version.verzoek_namespace: version for version in v.VERSIONS}
_BY_NOTIFICATIE_NS = {
    version.notificatie_namespace: version for version in v.VERSIONS if version.notificatie_namespace
}
_KNOWN_NAMESPACES = set(_BY_VERZOEK_NS) | set(_BY_NOTIFICATIE_NS)
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


def _text(element: etree._Element) -> str:
    if len(element):  # mixed content: take all text, nested markup dropped
        return "".join(str(t) for t in element.itertext()).strip()
    text = element.text
    return text.strip() if text else ""


def _volgnummer(value: str, name: str) -> int:
    # ASCII digits only: int() and \d also take Arabic-Indic or fullwidth digits, and "1_0".
    if not ascii_digits(value) or len(value) > len(str(MAX_VOLGNUMMER)):
        raise StamRejected(f"{name} is not a volgnummer (1 to {MAX_VOLGNUMMER}, digits 0-9)")
    return int(value)


def _convert(value: str, conversion: str, name: str, ctx: _Context) -> Any:  # noqa: PLR0911 - one per kind
    if conversion == "text":
        return value
    if conversion == "bsn":
        # 000000000 is how STAM says "unknown": absent, not invalid.
        return None if value == "000000000" else value
    if conversion == "boolean":
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise StamRejected(f"{name} is not an xs:boolean (true, false, 1 or 0)")
    if conversion == "datum":
        try:
            return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError as exc:
            raise StamRejected(f"{name} is not an xs:date or xs:dateTime") from exc
    if conversion == "doel":
        return ctx.version.doel_aliases.get(value, value)
    assert conversion == "volgnummer", conversion  # tables are static
    return _volgnummer(value, name)


def _read(element: etree._Element, table: _Table, ctx: _Context) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in element:
        rule = table.get(child.tag)
        if rule is None:
            ctx.unknown += 1
            continue
        kind, field, name, extra, item_tag = rule
        if kind == _LEAF:
            if field in out:
                raise StamRejected(f"{name} occurs more than once")
            # _text() inlined: this branch runs for most elements of a message
            value = child.text if not len(child) else _text(child)
            value = value.strip() if value else ""
            if not value:
                continue
            if extra == "text":
                out[field] = value
            else:
                converted = _convert(value, extra, name, ctx)
                if converted is not None:
                    out[field] = converted
        elif kind == _CHILD:
            if field in out:
                raise StamRejected(f"{name} occurs more than once")
            out[field] = _read(child, extra, ctx)
        elif kind == _REPEATED:
            out.setdefault(field, []).append(_read(child, extra, ctx))
        elif kind == _WRAPPED:
            items = out.setdefault(field, [])
            for item in child:
                if item.tag == item_tag:
                    items.append(_read(item, extra, ctx))
                else:
                    ctx.unknown += 1
        else:
            geometrie, skipped = read_geometrie(child)
            ctx.unknown += skipped
            out[field] = geometrie
    return out


def _exactly_one(value: dict[str, Any], name: str, choices: tuple[str, str], elements: str) -> None:
    if sum(1 for c in choices if c in value) != 1:
        raise StamRejected(f"{name} must hold exactly one of {elements}")


def _finish_adres(adres: dict[str, Any] | None, name: str) -> None:
    if adres is None:
        return
    _exactly_one(adres, name, ("binnenlands", "buitenlands"), "binnenlandsAdres, buitenlandsAdres")
    buitenlands = adres.get("buitenlands")
    if buitenlands is not None:
        regels = [buitenlands.pop(key, None) for key in ("regel1", "regel2", "regel3")]
        buitenlands["regels"] = tuple(r for r in regels if r)


def _finish_betrokkene(betrokkene: dict[str, Any] | None, name: str) -> None:
    if betrokkene is None:
        return
    choices = ("natuurlijk_persoon", "niet_natuurlijk_persoon")
    _exactly_one(betrokkene, name, choices, "natuurlijkPersoon, nietNatuurlijkPersoon")
    persoon = betrokkene.get("natuurlijk_persoon")
    if persoon is not None:
        _finish_adres(persoon.get("verblijfsadres"), "verblijfsadres")
        _finish_adres(persoon.get("correspondentieadres"), "correspondentieAdres")
    organisatie = betrokkene.get("niet_natuurlijk_persoon")
    if organisatie is not None:
        _finish_adres(organisatie.get("bezoekadres"), "bezoekadres")
        _finish_adres(organisatie.get("postadres"), "postAdres")


def _finish_verzoek(fields: dict[str, Any]) -> None:
    """What the tables cannot say: address lines in order, documents inherit from their
    gevraagdeBijlage (documentsoortDSO, and the vraagId they answer)."""
    _finish_betrokkene(fields.get("initiatiefnemer"), "initiatiefnemer")
    _finish_betrokkene(fields.get("gemachtigde"), "gemachtigde")
    for activiteit in fields.get("projectactiviteiten", ()):
        for spec in activiteit.get("specificaties", ()):
            vraag_id = spec.get("vraag_id")
            for bijlage in spec.get("gevraagde_bijlagen", ()):
                soort = bijlage.get("documentsoort_dso")
                for document in bijlage.get("documenten", ()):
                    if soort is not None:
                        document.setdefault("documentsoort_dso", soort)
                    if vraag_id is not None:
                        document["vraag_id"] = vraag_id


def _validate(model: type[M], fields: dict[str, Any], what: str) -> M:
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise StamRejected(f"{what}: {describe_validation_error(exc)}") from exc


def describe_validation_error(exc: ValidationError, limit: int = 5) -> str:
    """Field paths and reasons of a pydantic error, never the offending values."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False)[:limit]:
        path = ".".join(str(p) for p in error["loc"]) or "(root)"
        reason = error["msg"].removeprefix("Value error, ")
        parts.append(f"{path}: {reason}")
    more = exc.error_count() - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _root_version(
    root: etree._Element, expected_root: str, by_ns: dict[str, v.StamVersion], what: str
) -> v.StamVersion:
    tag = root.tag
    if not isinstance(tag, str) or not tag.startswith("{"):
        raise StamRejected(f"{what}: root element is not namespaced; expected {expected_root}")
    ns, _, local = tag[1:].partition("}")
    version = by_ns.get(ns)
    if version is None:
        if ns in _KNOWN_NAMESPACES:
            raise StamRejected(f"{what}: wrong root element {local!r}, expected {expected_root!r}")
        raise StamRejected(f"{what}: unknown namespace {ns!r} (root element {local})")
    if local != version.renamed.get(expected_root, expected_root):
        raise StamRejected(f"{what}: wrong root element {local!r}, expected {expected_root!r}")
    return version


def parse_verzoek(data: bytes, *, max_bytes: int = 64 * 1024 * 1024) -> Verzoek:
    """The canonical Verzoek in a STAM verzoekbericht, or StamRejected."""
    with gc_paused():
        return _parse_verzoek(data, max_bytes)


def _parse_verzoek(data: bytes, max_bytes: int) -> Verzoek:
    root = parse_xml(data, max_bytes=max_bytes, what="verzoek")
    version = _root_version(root, v.VERZOEK_ROOT, _BY_VERZOEK_NS, "verzoek")
    ctx = _Context(version)
    try:
        fields = _read(root, _VERZOEK_TABLES[version.name], ctx)
        _finish_verzoek(fields)
    except StamRejected as exc:
        raise StamRejected(f"verzoek: {exc}") from exc
    fields["stam_versie"] = version.name
    fields["onbekende_elementen"] = ctx.unknown
    verzoek = _validate(Verzoek, fields, "verzoek")
    if ctx.unknown:
        log.debug(
            "stam.unknown_elements",
            count=ctx.unknown,
            stam_versie=version.name,
            verzoeknummer=verzoek.verzoeknummer,
            volgnummer=verzoek.volgnummer,
        )
    return verzoek


def parse_notificatie(data: bytes, *, max_bytes: int = 64 * 1024) -> Notificatie:
    """The Notificatie in a STAM verzoeknotificatie, or StamRejected."""
    root = parse_xml(data, max_bytes=max_bytes, what="verzoeknotificatie")
    version = _root_version(root, v.NOTIFICATIE_ROOT, _BY_NOTIFICATIE_NS, "verzoeknotificatie")
    ctx = _Context(version)
    try:
        fields = _read(root, _NOTIFICATIE_TABLES[version.name], ctx)
    except StamRejected as exc:
        raise StamRejected(f"verzoeknotificatie: {exc}") from exc
    gezag = fields.pop("bevoegd_gezag", None) or {}
    if "oin" in gezag:
        fields["bevoegd_gezag_oin"] = gezag["oin"]
    return _validate(Notificatie, fields, "verzoeknotificatie")
