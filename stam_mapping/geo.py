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


def _ring_to_wgs84(epsg: int, ring: tuple[tuple[float, float], ...]) -> list[list[float]]:
    if SUPPORTED_EPSG[epsg]:  # the message has lat, lon: swap to x=lon, y=lat
        xs = [p[1] for p in ring]
        ys = [p[0] for p in ring]
    else:
        xs = [p[0] for p in ring]
        ys = [p[1] for p in ring]
    lons, lats = _transformer(epsg).transform(xs, ys)
    return [[round(lon, _DECIMALS), round(lat, _DECIMALS)] for lon, lat in zip(lons, lats, strict=True)]


def to_geojson(geometrie: Geometrie) -> dict[str, Any]:
    rings = [_ring_to_wgs84(geometrie.epsg, ring) for ring in geometrie.rings]
    if geometrie.type == "Point":
        return {"type": "Point", "coordinates": rings[0][0]}
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
