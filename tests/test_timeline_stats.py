"""Timeline and statistics on a synthetic atlas built in code."""

from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import shape

from conftest import WriteAtlas, collection, entry, feat, square
from nkmap.atlas.catalog import load_atlas
from nkmap.atlas.geometry import area_km2
from nkmap.atlas.stats import areas_by_controller, overlaps, where
from nkmap.atlas.timeline import change_dates, state_at, transfers
from nkmap.errors import NkmapError

D = dt.date


@pytest.fixture
def synthetic(write_atlas: WriteAtlas):
    early = collection(
        feat(square(46.0, 39.5, 0.2), controller="armenian"),
        feat(square(46.2, 39.5, 0.2), controller="azerbaijani"),
    )
    late = collection(
        feat(square(46.0, 39.5, 0.1), controller="armenian"),
        feat(
            {
                "type": "Polygon",
                "coordinates": [
                    [
                        [46.1, 39.5],
                        [46.4, 39.5],
                        [46.4, 39.7],
                        [46.0, 39.7],
                        [46.0, 39.6],
                        [46.1, 39.6],
                        [46.1, 39.5],
                    ]
                ],
            },
            controller="azerbaijani",
        ),
    )
    oblast = collection(feat(square(46.0, 39.5, 0.4), controller=None))
    events = collection(
        feat(
            {"type": "Point", "coordinates": [46.05, 39.55]},
            title="Something happens",
            valid_from="2003-03-03",
        )
    )
    root = write_atlas(
        [
            (entry("early", valid_from="2000-01-01", valid_to="2005-01-01"), early),
            (entry("late", title="Later control", valid_from="2005-01-01", valid_to=None), late),
            (
                entry("oblast", shows="oblast", valid_from="1990-01-01", valid_to="1995-01-01"),
                oblast,
            ),
            (
                entry(
                    "events", kind="point", shows="events", valid_from="1990-01-01", valid_to=None
                ),
                events,
            ),
        ]
    )
    return load_atlas(root)


def test_change_dates_and_labels(synthetic) -> None:
    changes = change_dates(synthetic)
    assert [c.date for c in changes] == [
        D(1990, 1, 1),
        D(1995, 1, 1),
        D(2000, 1, 1),
        D(2003, 3, 3),
        D(2005, 1, 1),
    ]
    labels = {c.date: c.label for c in changes}
    assert labels[D(2003, 3, 3)] == "Something happens"
    assert labels[D(2005, 1, 1)] == "Later control"
    assert labels[D(1995, 1, 1)].startswith("End of: ")


def test_state_at_is_half_open(synthetic) -> None:
    assert state_at(synthetic, D(2004, 12, 31)).layers[0] == "early"
    assert "early" not in state_at(synthetic, D(2005, 1, 1)).layers
    assert "late" in state_at(synthetic, D(2005, 1, 1)).layers


def test_areas_by_controller_are_equal_area(synthetic) -> None:
    areas = areas_by_controller(state_at(synthetic, D(2001, 1, 1)))
    expected = area_km2(shape(square(46.0, 39.5, 0.2)))
    assert areas["armenian"] == pytest.approx(expected)
    # 0.2 x 0.2 degrees at 39.6 N: about 22.2 km x 17.1 km
    assert areas["armenian"] == pytest.approx(22.24 * 17.13, rel=0.01)
    assert areas["russian_peacekeepers"] == 0
    later = areas_by_controller(state_at(synthetic, D(2006, 1, 1)))
    assert later["armenian"] == pytest.approx(expected / 4, rel=0.01)
    assert later["armenian"] + later["azerbaijani"] == pytest.approx(2 * expected, rel=0.01)


def test_where(synthetic) -> None:
    w = where(synthetic, 39.55, 46.05, D(2001, 1, 1))
    assert (w.controller, w.layers, w.in_nkao) == ("armenian", ("early",), True)
    w = where(synthetic, 39.65, 46.15, D(2006, 1, 1))
    assert w.controller == "azerbaijani"
    assert where(synthetic, 39.55, 46.05, D(1999, 1, 1)).controller is None
    assert not where(synthetic, 40.5, 47.5, D(2001, 1, 1)).in_nkao
    with pytest.raises(NkmapError, match="outside the atlas's region"):
        where(synthetic, 10.0, 46.0, D(2001, 1, 1))


def test_overlaps_are_found(write_atlas: WriteAtlas) -> None:
    clash = collection(
        feat(square(46.0, 39.5, 0.2), controller="armenian"),
        feat(square(46.1, 39.5, 0.2), controller="azerbaijani"),
    )
    found = overlaps(load_atlas(write_atlas([(entry("clash"), clash)])))
    assert len(found) == 1
    assert "clash#0 (armenian) and clash#1 (azerbaijani) overlap by" in found[0]


def test_land_passing_into_not_mapped_counts_as_a_change() -> None:
    """From 10 November 2020 no source says who held Zarysly and its neighbours: that land
    leaves the Armenian side for "not mapped", and the comparison says so."""
    atlas = load_atlas()
    moved = {(t.before, t.after): t.area_km2 for t in transfers(
        atlas, dt.date(2020, 11, 9), dt.date(2020, 11, 10)
    )}  # fmt: skip
    assert moved.get(("armenian", "unmapped"), 0) > 10
    assert transfers(atlas, dt.date(1980, 1, 1), dt.date(2005, 1, 1)) == []  # nothing mapped
