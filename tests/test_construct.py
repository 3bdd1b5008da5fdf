"""The geometric constructions used by the geodata build, on shapes built in code."""

from __future__ import annotations

import datetime as dt
import math
from itertools import pairwise

import pytest
from shapely.geometry import LineString, Point, box

from nkmap.derive.cells import tessellate
from nkmap.derive.construct import (
    extend_ends,
    merge_line,
    polygonise,
    snap_endpoints,
    split_by_line,
)
from nkmap.derive.control import Context, bridge, describe_changes


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


K = 1000.0  # the cells work in metres; zones under 1 km2 count as slivers


def test_cells_tile_the_region_and_never_cross_a_sourced_line() -> None:
    region = box(0, 0, 100 * K, 100 * K)
    line = LineString([(50 * K, -10 * K), (50 * K, 110 * K)])  # a sourced line
    anchors = {"w": Point(45 * K, 50 * K), "e1": Point(55 * K, 20 * K), "e2": Point(55 * K, 80 * K)}
    cells = tessellate(region, [line], {}, box(0, 0, 50 * K, 100 * K), anchors)
    assert sum(c.area for c in cells.values()) == pytest.approx(region.area)
    # "w" is nearer than e1/e2 to much of the east, but the line keeps its cell west.
    assert cells["w"].area == pytest.approx(region.area / 2)
    assert cells["e1"].covers(Point(51 * K, 10 * K)) and cells["e2"].covers(Point(99 * K, 99 * K))
    assert cells["e1"].intersection(cells["e2"]).area == pytest.approx(0)


def test_a_zone_with_no_settlement_joins_a_neighbour_on_its_side_of_the_line() -> None:
    region = box(0, 0, 100 * K, 100 * K)
    lines = [
        LineString([(50 * K, -10 * K), (50 * K, 110 * K)]),
        LineString([(50 * K, 50 * K), (110 * K, 50 * K)]),
    ]
    held = box(0, 0, 50 * K, 100 * K)  # the west is the "1994-held" side
    anchors = {"w": Point(25 * K, 50 * K), "se": Point(75 * K, 25 * K)}  # none north-east
    cells = tessellate(region, lines, {}, held, anchors)
    # The empty north-east zone joins the south-east (same side of the line), not the west.
    assert cells["se"].covers(Point(75 * K, 75 * K))
    assert cells["w"].area == pytest.approx(region.area / 2)


def test_tessellate_refuses_an_anchor_outside_the_region() -> None:
    with pytest.raises(ValueError, match="outside the region: far"):
        tessellate(box(0, 0, 10, 10), [], {}, box(0, 0, 5, 10), {"far": Point(50, 50)})


def test_an_island_no_source_describes_is_joined_through_not_mapped_cells() -> None:
    # Five cells in a row; A (rooted in the rest of the country) and D were taken, B and C
    # announced later: D would be an island, so the way from it to A (B and C) is not mapped.
    names = ["a", "b", "c", "d", "e"]
    neighbours = {n: {} for n in names}
    for x, y in pairwise(names):
        neighbours[x][y] = neighbours[y][x] = 1.0
    ctx = Context(
        neighbours,
        {"azerbaijani": frozenset({"a"}), "armenian": frozenset({"e"})},
        {"azerbaijani": "a", "armenian": "e"},
    )
    day = dt.date(2020, 10, 10)
    controllers = {"a": "azerbaijani", "b": "armenian", "c": "armenian", "d": "azerbaijani"}
    controllers["e"] = "armenian"
    assert bridge(controllers, ctx, day) == {"b", "c"}
    controllers["d"] = "armenian"
    assert bridge(controllers, ctx, day) == set()


def test_changes_are_described_neutrally() -> None:
    from nkmap.atlas.gazetteer import Entry, Settlement
    from nkmap.derive.control import Stage

    def village(name: str) -> Settlement:
        entry = Entry(dt.date(1992, 1, 1), "armenian", ("s",))
        return Settlement(
            name.lower(), name, name + "li", "", "", (), "village", "", "", "AZ", 0, 0, "s",
            (entry,), "", True,
        )  # fmt: skip

    stage = Stage(
        dt.date(2020, 10, 3), None, {}, box(0, 0, 1, 1), box(0, 0, 1, 1), box(0, 0, 1, 1),
        box(0, 0, 1, 1), None,
        [(village("Talish"), "armenian", "azerbaijani"), (village("Madaghis"), "armenian",
         "azerbaijani")], set(),
    )  # fmt: skip
    text = describe_changes(stage)
    assert text == "Madaghis / Madaghisli, Talish / Talishli to Azerbaijani control"


def test_a_place_contradicting_the_line_holds_only_a_disc_across_it() -> None:
    region = box(0, 0, 100 * K, 100 * K)
    held = box(0, 0, 50 * K, 100 * K)
    anchors = {"w1": Point(10 * K, 20 * K), "w2": Point(10 * K, 80 * K), "x": Point(45 * K, 50 * K)}
    line = LineString([(50 * K, -10 * K), (50 * K, 110 * K)])
    free = tessellate(region, [line], {}, held, {**anchors, "e": Point(75 * K, 50 * K)})
    limited = tessellate(
        region, [line], {}, held, {**anchors, "e": Point(75 * K, 50 * K)}, {"x": 8 * K}
    )
    assert limited["x"].area < free["x"].area
    # A disc of 8 km round x, less the segment beyond the line 5 km away (x's own zone).
    r, d = 8 * K, 5 * K
    segment = r * r * math.acos(d / r) - d * math.sqrt(r * r - d * d)
    assert limited["x"].area == pytest.approx(math.pi * r * r - segment, rel=0.01)
    assert sum(c.area for c in limited.values()) == pytest.approx(region.area)
    assert limited["w1"].area + limited["w2"].area > free["w1"].area + free["w2"].area
