"""A small outline of a verzoek's geometry as inline SVG: no map tiles, no network, no script.

Enough for a clerk to see the shape and size of the location (the project location with its
holes, or a point) and to compare it with the address; the real map is the case system's or
the Omgevingsloket's. Coordinates are drawn as the message gives them: RD New (EPSG:28992) in
metres, ETRS89 (EPSG:4258) as lat/lon with the longitude shrunk by cos(latitude)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from stam_mapping.model import Geometrie

_SIZE = 200.0
_MARGIN = 12.0
ETRS89 = 4258

Ring = Sequence[tuple[float, float]]


def _plane(geometrie: Geometrie) -> list[list[tuple[float, float]]]:
    """The rings in a plane where x is east and y is north, in comparable units."""
    if geometrie.epsg != ETRS89:
        return [list(ring) for ring in geometrie.rings]
    lats = [lat for ring in geometrie.rings for lat, _ in ring]
    shrink = math.cos(math.radians(sum(lats) / len(lats))) if lats else 1.0
    return [[(lon * shrink, lat) for lat, lon in ring] for ring in geometrie.rings]


def _metres_across(geometrie: Geometrie, width: float) -> float | None:
    if geometrie.epsg == 28992:
        return width
    if geometrie.epsg == ETRS89:
        return width * 111_320.0  # one degree of latitude, in metres (the shrunk longitude matches)
    return None


def schets(geometrieen: Sequence[Geometrie], *, titel: str = "Omtrek van de projectlocatie") -> Markup:
    """Inline SVG with every geometry that shares the first one's CRS; empty when there is none."""
    if not geometrieen:
        return Markup("")
    first = geometrieen[0]
    shapes = [(g.type, _plane(g)) for g in geometrieen if g.epsg == first.epsg]
    points = [p for _, rings in shapes for ring in rings for p in ring]
    if not points:
        return Markup("")
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    span = max(width, height) or 1.0
    scale = (_SIZE - 2 * _MARGIN) / span
    # Centre the drawing; y is flipped because SVG counts downwards.
    ox = _MARGIN + ((_SIZE - 2 * _MARGIN) - width * scale) / 2
    oy = _MARGIN + ((_SIZE - 2 * _MARGIN) - height * scale) / 2

    def xy(p: tuple[float, float]) -> str:
        return f"{ox + (p[0] - min(xs)) * scale:.1f},{oy + (max(ys) - p[1]) * scale:.1f}"

    parts: list[str] = []
    for kind, rings in shapes:
        if kind == "Point" or len(rings[0]) == 1:
            x, y = xy(rings[0][0]).split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="6" class="punt"/>')
        else:
            path = " ".join("M" + " L".join(xy(p) for p in ring) + " Z" for ring in rings)
            parts.append(f'<path d="{path}" fill-rule="evenodd" class="vlak"/>')
    metres = _metres_across(first, max(width, height))
    description = f"ongeveer {metres:,.0f} meter breed".replace(",", ".") if metres else "schaal onbekend"
    if metres is not None and metres < 1:
        description = "een punt"
    # Safe: every text is escaped and every number is formatted by us.
    return Markup(  # noqa: S704
        '<svg class="locatieschets" viewBox="0 0 200 200" width="200" height="200" role="img" '
        'aria-labelledby="schets-titel schets-omschrijving" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="schets-titel">{escape(titel)}</title>'
        f'<desc id="schets-omschrijving">{escape(description)}, EPSG:{first.epsg}</desc>'
        '<rect x="0.5" y="0.5" width="199" height="199" class="kader"/>'
        f"{''.join(parts)}</svg>"
        f'<p class="stil">{escape(description.capitalize())} (EPSG:{first.epsg}); noorden is boven.</p>'
    )
