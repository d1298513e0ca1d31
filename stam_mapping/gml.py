"""Reading the one gml:Point or gml:Polygon of a STAM `geometrie` element.

Coordinates stay as they are in the message (its CRS, its axis order); converting to WGS84 is
the ZGW builder's job (stam_mapping/geo.py)."""

from __future__ import annotations

import math
import re
from typing import Any

from lxml import etree

from stam_mapping import versions as v
from stam_mapping.errors import StamRejected

_TAGS = {ns: {name: f"{{{ns}}}{name}" for name in (
    v.GML_POINT, v.GML_POLYGON, v.GML_POS, v.GML_POS_LIST, v.GML_EXTERIOR, v.GML_INTERIOR, v.GML_LINEAR_RING
)} for ns in v.GML_NAMESPACES}  # fmt: skip
_GEOMETRY_TAGS = {
    tags[kind]: (ns, kind) for ns, tags in _TAGS.items() for kind in (v.GML_POINT, v.GML_POLYGON)
}
# urn:ogc:def:crs:EPSG::28992, urn:ogc:def:crs:EPSG:6.9:28992, EPSG:28992,
# http://www.opengis.net/def/crs/EPSG/0/28992, http://www.opengis.net/gml/srs/epsg.xml#28992
_EPSG = re.compile(r"epsg(?:[:/].*?[:/#]|\.xml#|:)(\d+)\s*$", re.IGNORECASE)


def read_geometrie(element: etree._Element) -> tuple[dict[str, Any], int]:
    """(Geometrie fields, number of unknown elements skipped) for a `geometrie` element."""
    found: list[tuple[etree._Element, str, str]] = []
    unknown = 0
    for child in element:
        hit = _GEOMETRY_TAGS.get(child.tag)
        if hit is None:
            unknown += 1
        else:
            found.append((child, *hit))
    if not found:
        raise StamRejected("geometrie holds no gml:Point or gml:Polygon")
    if len(found) > 1:
        raise StamRejected("geometrie holds more than one geometry")
    geom, ns, kind = found[0]
    epsg = _epsg(geom.get("srsName"))
    tags = _TAGS[ns]
    dimension = _dimension(geom)
    if kind == v.GML_POINT:
        pos = geom.find(tags[v.GML_POS])
        if pos is None:
            raise StamRejected("gml:Point without gml:pos")
        ring = _positions(pos, dimension)
        if len(ring) != 1:
            raise StamRejected("gml:Point must hold exactly one position")
        return {"type": "Point", "epsg": epsg, "rings": (ring,)}, unknown
    rings = []
    exterior = geom.findall(tags[v.GML_EXTERIOR])
    if len(exterior) != 1:
        raise StamRejected("gml:Polygon must have exactly one gml:exterior")
    for boundary in (*exterior, *geom.findall(tags[v.GML_INTERIOR])):
        rings.append(_ring(boundary, tags, dimension))
    return {"type": "Polygon", "epsg": epsg, "rings": tuple(rings)}, unknown


def _epsg(srs_name: str | None) -> int:
    if not srs_name:
        raise StamRejected("gml geometry without srsName")
    match = _EPSG.search(srs_name.strip())
    if not match:
        raise StamRejected("gml srsName is not an EPSG reference")
    code = int(match.group(1))
    if code not in v.SUPPORTED_EPSG:
        raise StamRejected(f"unsupported srsName EPSG:{code} (supported: RD New 28992, ETRS89 4258)")
    return code


def _dimension(element: etree._Element) -> int:
    raw = element.get("srsDimension") or "2"
    if raw.strip() not in {"2", "3"}:
        raise StamRejected("gml srsDimension must be 2 or 3")
    return int(raw)


def _ring(boundary: etree._Element, tags: dict[str, str], dimension: int) -> tuple[tuple[float, float], ...]:
    ring_el = boundary.find(tags[v.GML_LINEAR_RING])
    if ring_el is None:
        raise StamRejected("gml polygon boundary without gml:LinearRing")
    pos_list = ring_el.find(tags[v.GML_POS_LIST])
    if pos_list is not None:
        ring = _positions(pos_list, _dimension(pos_list) if pos_list.get("srsDimension") else dimension)
    else:
        ring = tuple(p for pos in ring_el.findall(tags[v.GML_POS]) for p in _positions(pos, dimension))
    if len(ring) < 4:
        raise StamRejected("gml:LinearRing needs at least 4 positions")
    if ring[0] != ring[-1]:
        raise StamRejected("gml:LinearRing is not closed")
    return ring


def _positions(element: etree._Element, dimension: int) -> tuple[tuple[float, float], ...]:
    parts = (element.text or "").split()
    if not parts or len(parts) % dimension:
        raise StamRejected(f"gml coordinate list does not hold pairs of {dimension} numbers")
    try:
        numbers = [float(p) for p in parts]
    except ValueError as exc:
        raise StamRejected("gml coordinate is not a number") from exc
    if not all(math.isfinite(n) for n in numbers):
        raise StamRejected("gml coordinate is not a finite number")
    # A third (height) coordinate is dropped: ZGW and the case systems are 2D.
    return tuple((numbers[i], numbers[i + 1]) for i in range(0, len(numbers), dimension))
