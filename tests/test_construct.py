"""The geometric constructions used by the geodata build, on shapes built in code."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, Point, box

from nkmap.build.construct import (
    corridor,
    extend_ends,
    merge_line,
    polygonise,
    snap_endpoints,
    split_by_line,
    voronoi_cells,
)


def test_snap_and_polygonise_closes_gaps() -> None:
    # A 10 x 10 square drawn as four pieces whose ends miss each other by up to 0.3.
    pieces = [
        LineString([(0, 0), (10, 0.2)]),
        LineString([(10.1, 0), (10, 10)]),
        LineString([(10, 10.3), (0, 10)]),
        LineString([(0.2, 10), (0, 0.1)]),
    ]
    with pytest.raises(ValueError, match="enclose no area"):
        polygonise(pieces)
    area = polygonise(snap_endpoints(pieces, tolerance=0.5)).area
    assert area == pytest.approx(100, rel=0.05)


def test_merge_line_refuses_disjoint_pieces() -> None:
    assert merge_line([LineString([(0, 0), (1, 0)]), LineString([(1, 0), (2, 1)])]).length > 2
    with pytest.raises(ValueError, match="do not join"):
        merge_line([LineString([(0, 0), (1, 0)]), LineString([(5, 5), (6, 6)])])


def test_extend_and_split() -> None:
    line = LineString([(5, 2), (5, 8)])
    area = box(0, 0, 10, 10)
    with pytest.raises(ValueError, match="does not cut the area"):
        split_by_line(area, line, Point(1, 5))
    held, rest = split_by_line(area, extend_ends(line, 5), Point(1, 5))
    assert held.area == pytest.approx(50)
    assert rest.area == pytest.approx(50)


def test_voronoi_and_corridor() -> None:
    cells = voronoi_cells({"a": Point(2, 5), "b": Point(8, 5)}, box(0, 0, 10, 10))
    assert cells["a"].area == pytest.approx(50)
    assert cells["a"].contains(Point(4.9, 5)) and cells["b"].contains(Point(5.1, 5))
    band = corridor(LineString([(0, 0), (100, 0)]), 5)
    assert band.area == pytest.approx(500)
