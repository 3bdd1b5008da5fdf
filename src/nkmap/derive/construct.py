"""Generic geometric constructions used to derive geodata/ from its sources.

Every function here works in the equal-area projection (metres) unless it says otherwise,
and is deterministic: the same input gives the same output, vertex for vertex.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, polygonize, split, unary_union


def snap_endpoints(lines: Sequence[LineString], tolerance: float) -> list[LineString]:
    """Join line ends that lie within ``tolerance`` of each other.

    Natural Earth's boundary pieces stop tens to hundreds of metres short of each other at
    their junctions. Ends closer than ``tolerance`` are grouped, and every end in a group is
    moved to the group's mean position, so the pieces meet exactly.
    """
    ends: list[tuple[float, float]] = []
    for line in lines:
        coords = list(line.coords)
        ends.extend([coords[0], coords[-1]])
    # Group ends by single linkage within the tolerance (there are only a few dozen ends).
    group = list(range(len(ends)))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i, a in enumerate(ends):
        for j in range(i + 1, len(ends)):
            b = ends[j]
            if (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 <= tolerance**2:
                group[root(j)] = root(i)
    members: dict[int, list[tuple[float, float]]] = {}
    for i, end in enumerate(ends):
        members.setdefault(root(i), []).append(end)
    centre = {
        key: (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
        for key, pts in members.items()
    }
    snapped = []
    for k, line in enumerate(lines):
        coords = list(line.coords)
        coords[0] = centre[root(2 * k)]
        coords[-1] = centre[root(2 * k + 1)]
        snapped.append(LineString(coords))
    return snapped


def polygonise(lines: Iterable[LineString]) -> Polygon:
    """The single polygon enclosed by a set of boundary pieces that meet end to end."""
    noded = unary_union(list(lines))
    faces = list(polygonize(noded))
    if not faces:
        raise ValueError("the boundary pieces enclose no area; are their ends snapped?")
    merged = unary_union(faces)
    if not isinstance(merged, Polygon):
        raise ValueError(f"the boundary pieces enclose {len(faces)} separate areas, not one")
    return merged


def merge_line(lines: Iterable[LineString]) -> LineString:
    """Merge pieces of one line into a single LineString, or fail if they do not join up."""
    merged = linemerge(unary_union(list(lines)))
    if not isinstance(merged, LineString):
        raise ValueError(f"the line pieces do not join into one line: {merged.geom_type}")
    return merged


def extend_ends(line: LineString, distance: float) -> LineString:
    """Prolong both ends of ``line`` straight on by ``distance``, along its end segments."""
    coords = list(line.coords)

    def prolong(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float]:
        dx, dy = b[0] - a[0], b[1] - a[1]
        norm = (dx * dx + dy * dy) ** 0.5
        return (b[0] + dx / norm * distance, b[1] + dy / norm * distance)

    start = prolong(coords[1], coords[0])
    end = prolong(coords[-2], coords[-1])
    return LineString([start, *coords, end])


def split_by_line(
    area: BaseGeometry, line: LineString, inside: Point
) -> tuple[Polygon, BaseGeometry]:
    """Cut ``area`` along ``line``; return the piece containing ``inside`` and the rest."""
    pieces = list(split(area, line).geoms)
    if len(pieces) < 2:
        raise ValueError("the line does not cut the area in two; prolong its ends")
    held = [p for p in pieces if p.contains(inside)]
    if len(held) != 1:
        raise ValueError("the line does not cut off a piece containing the anchor point")
    rest = unary_union([p for p in pieces if p is not held[0]])
    piece = held[0]
    if not isinstance(piece, Polygon):
        raise ValueError("the piece containing the anchor point is not a polygon")
    return piece, rest


def part_containing(geom: BaseGeometry, point: Point) -> Polygon:
    """The polygon of a (multi)polygon that contains ``point``."""
    parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    for part in parts:
        if isinstance(part, Polygon) and part.contains(point):
            return part
    raise ValueError("no part of the geometry contains the anchor point")
