"""Projections and geometry helpers shared by the library and the geodata build."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import shapely
from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:
    from pyproj import Transformer

# Lambert azimuthal equal-area centred on the region: areas in this projection are true areas,
# and distances near the centre are within 0.1 % of true distances.
EQUAL_AREA_CRS = "+proj=laea +lat_0=39.8 +lon_0=46.5 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
WGS84 = "EPSG:4326"


@cache
def _transformer(forward: bool) -> Transformer:
    from pyproj import Transformer  # only when measuring: a print map needs no projection

    if forward:
        return Transformer.from_crs(WGS84, EQUAL_AREA_CRS, always_xy=True)
    return Transformer.from_crs(EQUAL_AREA_CRS, WGS84, always_xy=True)


def to_metres(geom: BaseGeometry) -> BaseGeometry:
    """Project a lon/lat geometry to the equal-area projection (metres)."""
    return shapely.transform(geom, _project_forward, interleaved=False)


def to_lonlat(geom: BaseGeometry) -> BaseGeometry:
    """Project an equal-area geometry (metres) back to lon/lat."""
    return shapely.transform(geom, _project_backward, interleaved=False)


def _project_forward(x: object, y: object) -> tuple[object, object]:
    return _transformer(True).transform(x, y)


def _project_backward(x: object, y: object) -> tuple[object, object]:
    return _transformer(False).transform(x, y)


def area_km2(geom: BaseGeometry) -> float:
    """True area of a lon/lat geometry, in square kilometres."""
    if geom.is_empty:
        return 0.0
    return float(to_metres(geom).area) / 1e6


def shared_borders(countries: Iterable[BaseGeometry]) -> list[BaseGeometry]:
    """The international borders: where two countries' outlines meet, each line once (a dash
    pattern drawn twice, out of step, would look solid) and merged into long lines (so the
    pattern runs on through vertices). Coasts, lake shores and the edges of the base map are
    not borders, so the countries' own outlines will not do. Used by the map in the browser and
    by the print maps."""
    return list(_shared_borders(tuple(g for g in countries if g is not None and not g.is_empty)))


@lru_cache(maxsize=4)
def _shared_borders(geoms: tuple[BaseGeometry, ...]) -> tuple[BaseGeometry, ...]:
    """:func:`shared_borders`, kept: every frame of an animation has the same countries."""
    shared = []
    for i, a in enumerate(geoms):
        for b in geoms[i + 1 :]:
            if a.intersects(b):
                meet = shapely.intersection(a.boundary, b.boundary)
                shared += [p for p in shapely.get_parts(meet) if p.geom_type == "LineString"]
    if not shared:
        return ()
    return tuple(shapely.get_parts(shapely.line_merge(shapely.union_all(shared))))
