"""STAM geometry (RD New or ETRS89, as in the message) -> GeoJSON in WGS84 for ZGW.

pyproj does the geodesy: RD New needs a datum shift that hand-written formulas get wrong by
tens of metres. Without the NSGI grid installed PROJ uses its Helmert fit (about 0.25 m off at
Amersfoort); with the grid in PROJ's data directory it picks that up by itself. Transformers
are costly to build, so there is one per source CRS."""

from __future__ import annotations

from functools import cache
from typing import Any

from pyproj import Transformer

from stam_mapping.model import Geometrie
from stam_mapping.versions import SUPPORTED_EPSG

_DECIMALS = 7  # ~1 cm: more digits only add noise to golden files and payloads


@cache
def _transformer(epsg: int) -> Transformer:
    # always_xy: input (x, y) / (lon, lat), output (lon, lat) whatever the authority axis order.
    return Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)


def _rounded(lon: float, lat: float) -> list[float]:
    return [round(lon, _DECIMALS), round(lat, _DECIMALS)]


def to_geojson(geometrie: Geometrie) -> dict[str, Any]:
    transformer = _transformer(geometrie.epsg)
    lat_lon = SUPPORTED_EPSG[geometrie.epsg]  # the message has lat, lon: swap to x=lon, y=lat
    if geometrie.type == "Point":
        # pyproj's scalar path costs a third of its sequence path, and a point is the common case
        (first, second), *_ = geometrie.rings[0]
        x, y = (second, first) if lat_lon else (first, second)
        return {"type": "Point", "coordinates": _rounded(*transformer.transform(x, y))}
    # Every ring in one pyproj call (one call has a fixed cost of several microseconds).
    positions = [p for ring in geometrie.rings for p in ring]
    xs = [p[1] if lat_lon else p[0] for p in positions]
    ys = [p[0] if lat_lon else p[1] for p in positions]
    lons, lats = transformer.transform(xs, ys)
    coordinates = [_rounded(lon, lat) for lon, lat in zip(lons, lats, strict=True)]
    rings, start = [], 0
    for ring in geometrie.rings:
        rings.append(coordinates[start : start + len(ring)])
        start += len(ring)
    return {"type": "Polygon", "coordinates": rings}


def combine(geometries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """One GeoJSON geometry for a zaak with several projectlocaties."""
    if not geometries:
        return None
    if len(geometries) == 1:
        return geometries[0]
    kinds = {g["type"] for g in geometries}
    if kinds == {"Point"}:
        return {"type": "MultiPoint", "coordinates": [g["coordinates"] for g in geometries]}
    if kinds == {"Polygon"}:
        return {"type": "MultiPolygon", "coordinates": [g["coordinates"] for g in geometries]}
    return {"type": "GeometryCollection", "geometries": geometries}
