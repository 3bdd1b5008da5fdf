"""Cells: a fixed tessellation of the region built from the settlements of the gazetteer.

Control changed village by village, so the atlas draws it that way. The region is divided into
one cell per settlement (or named height), and on each date a cell is held by whoever held its
settlement then. The cells do not change over time; only their controller does.

How the cells are made (metres, equal-area projection; deterministic):

1. **Zones.** The region is cut along the sourced lines: the oblast's 1991 boundary, the
   1994 line of contact and the boundaries of the seven districts around the oblast. A cell
   never crosses one of these lines, so wherever the settlements on both sides agree with a
   line, control follows the line exactly.
2. **Empty zones.** A zone with no settlement in it (slivers between generalised lines, or a
   mountain side with no village) joins a neighbouring zone: one on the same side of the 1994
   line if there is one, then one of the same district, then the one it shares the longest
   border with.
3. **Nearest settlement.** Inside each zone, every point belongs to the nearest settlement of
   that zone (a Voronoi tessellation clipped to the zone). A piece of a cell cut off from its
   settlement by the zone's shape joins the neighbouring cell it shares the longest border with.
4. **Where a place contradicts the 1994 line.** A village held by one side from 1994 to 2020
   that Natural Earth's generalised line puts on the other side shows the line is off there,
   by the line's stated uncertainty, not that the village held everything half-way to its
   neighbours. Its cell is limited to a disc reaching just across the line (see ``reach``);
   the rest of its share goes to the zone's other places.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import polygonize, unary_union

MIN_ZONE_M2 = 1e6  # zones under 1 km2 are slivers between generalised lines
GRID_M = 1.0  # overlays snap to a 1 m grid (GEOS needs it where generalised lines nearly meet)


@dataclass(frozen=True)
class Zone:
    geometry: BaseGeometry
    district: str  # the district whose polygon holds most of it ("" outside them)
    side: bool  # whether it lies inside ``held`` (the 1994-held area), for merging


def _parts(geom: BaseGeometry) -> list[Polygon]:
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygons of a geometry, dropping the lines and points an overlay can leave."""
    parts = _parts(geom)
    if len(parts) == 1:
        return parts[0]
    return MultiPolygon(parts) if parts else Polygon()


def _shared(a: BaseGeometry, b: BaseGeometry) -> float:
    """Length of the border two polygons share (a small buffer absorbs rounding)."""
    if not a.buffer(1.0).intersects(b):
        return 0.0
    return float(a.boundary.buffer(1.0).intersection(b.boundary).length)


def cut_zones(
    region: BaseGeometry,
    lines: Sequence[BaseGeometry],
    districts: Mapping[str, BaseGeometry],
    held: BaseGeometry,
) -> list[Zone]:
    """The faces of ``region`` cut by ``lines``, each labelled with its district and with the
    side of the 1994 line it lies on."""
    pieces = [region.boundary, *(line.intersection(region.buffer(1.0)) for line in lines)]
    noded = unary_union([p for p in pieces if not p.is_empty])
    zones = []
    for face in polygonize(noded):
        inside = polygonal(shapely.intersection(face, region, grid_size=GRID_M))
        if inside.area < 0.5 * face.area:
            continue  # a hole of the region, not part of it
        overlap = {
            name: shapely.intersection(inside, polygonal(d), grid_size=GRID_M).area
            for name, d in districts.items()
        }
        best = max(sorted(overlap), key=lambda k: overlap[k]) if overlap else ""
        label = best if best and overlap[best] > 0.5 * inside.area else ""
        side = held.covers(inside.representative_point())
        zones.append(Zone(inside, label, side))
    return zones


def _merge_empty(
    zones: list[Zone], anchors: Mapping[str, Point]
) -> list[tuple[BaseGeometry, list[str]]]:
    """Join zones without anchors (and slivers) to a neighbour; return (geometry, anchor ids)."""
    geoms = [z.geometry for z in zones]
    members: list[list[str]] = [[] for _ in zones]
    for key in sorted(anchors):
        point = anchors[key]
        for i, g in enumerate(geoms):
            if g.covers(point):
                members[i].append(key)
                break
    district = [z.district for z in zones]
    side = [z.side for z in zones]
    alive = set(range(len(zones)))
    while True:
        empty = sorted(
            (i for i in alive if not members[i] or geoms[i].area < MIN_ZONE_M2),
            key=lambda i: (bool(members[i]), geoms[i].area),
        )
        if not empty:
            break
        i = empty[0]
        scores = []
        for j in sorted(alive - {i}):
            length = _shared(geoms[i], geoms[j])
            if length > 0:
                same = bool(district[i]) and district[i] == district[j]
                scores.append((side[i] == side[j], same, length, -j, j))
        if not scores:
            if members[i]:
                break  # an island with its own settlement: keep it
            alive.discard(i)  # an island of no settlement: nobody's land
            continue
        j = max(scores)[-1]
        geoms[j] = unary_union([geoms[j], geoms[i]])
        members[j].extend(members[i])
        alive.discard(i)
    return [(geoms[i], sorted(members[i])) for i in sorted(alive) if members[i]]


def _voronoi(
    zone: BaseGeometry, ids: list[str], anchors: Mapping[str, Point]
) -> dict[str, BaseGeometry]:
    if len(ids) == 1:
        return {ids[0]: zone}
    points = shapely.MultiPoint([anchors[k] for k in ids])
    regions = list(shapely.voronoi_polygons(points, extend_to=zone.envelope.buffer(1000.0)).geoms)
    out: dict[str, BaseGeometry] = {}
    for key in ids:
        region = next(r for r in regions if r.covers(anchors[key]))
        out[key] = region.intersection(zone)
    return out


def _reattach_detached(cells: dict[str, BaseGeometry], anchors: Mapping[str, Point]) -> None:
    """Give each piece of a cell that does not hold its settlement to the neighbouring cell it
    shares the longest border with (a Voronoi region clipped to a bent zone can fall apart)."""
    for key in sorted(cells):
        parts = _parts(cells[key])
        if len(parts) <= 1:
            continue
        point = anchors[key]
        home = min(parts, key=lambda p: p.distance(point))
        cells[key] = home
        for part in sorted(parts, key=lambda p: -p.area):
            if part is home:
                continue
            scores = [
                (_shared(part, g), other) for other, g in sorted(cells.items()) if other != key
            ]
            best = max(scores, default=(0.0, ""))
            if best[0] > 0:
                cells[best[1]] = unary_union([cells[best[1]], part])
            else:
                cells[key] = unary_union([cells[key], part])


def _limit(
    cells: dict[str, BaseGeometry],
    ids: list[str],
    anchors: Mapping[str, Point],
    reach: Mapping[str, float],
) -> None:
    """Shrink the cells of the places in ``reach`` to a disc of that radius around them; the
    rest of each such cell goes to the nearest of the zone's other places."""
    limited = [k for k in ids if k in reach]
    others = [k for k in ids if k not in reach]
    if not limited or not others:
        return
    spare: list[BaseGeometry] = []
    for key in limited:
        disc = anchors[key].buffer(reach[key], quad_segs=16)
        spare.append(cells[key].difference(disc))
        cells[key] = polygonal(cells[key].intersection(disc))
    leftover = polygonal(unary_union(spare))
    if leftover.is_empty:
        return
    for key, part in _voronoi(leftover, others, anchors).items():
        cells[key] = polygonal(unary_union([cells[key], part]))


def tessellate(
    region: BaseGeometry,
    lines: Sequence[BaseGeometry],
    districts: Mapping[str, BaseGeometry],
    held: BaseGeometry,
    anchors: Mapping[str, Point],
    reach: Mapping[str, float] | None = None,
) -> dict[str, BaseGeometry]:
    """One cell per anchor, tiling ``region`` (see the module's docstring). A place listed in
    ``reach`` holds at most a disc of that radius (metres) of its zone, where the zone has other
    places to take the rest."""
    outside = [k for k, p in anchors.items() if not region.covers(p)]
    if outside:
        raise ValueError(f"anchors outside the region: {', '.join(sorted(outside))}")
    zones = cut_zones(region, lines, districts, held)
    cells: dict[str, BaseGeometry] = {}
    for geom, ids in _merge_empty(zones, anchors):
        zone_cells = _voronoi(geom, ids, anchors) if len(ids) > 1 else {ids[0]: geom}
        _limit(zone_cells, ids, anchors, reach or {})
        cells.update(zone_cells)
    _reattach_detached(cells, anchors)
    return cells
