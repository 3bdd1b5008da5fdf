"""The dashboard's answers apart from its widgets: links, figures, events and sources."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely

from nkmap.atlas.catalog import Atlas
from nkmap.atlas.geometry import area_km2
from nkmap.atlas.timeline import Change, Timeline, state_at
from nkmap.atlas.vocabulary import REGION_BBOX
from nkmap.web.view import (
    View,
    all_sources,
    events_until,
    figures,
    parse_centre,
    parse_view,
    view_bounds,
    view_params,
    with_map_value,
)
from nkmap.webmap.value import MapValue

# The links' parsing is tested on changes of its own, not the atlas's: the data may change.
CHANGES = [
    Change(dt.date(1923, 7, 7), "Oblast created"),
    Change(dt.date(1994, 5, 12), "Ceasefire"),
    Change(dt.date(2020, 9, 27), "War"),
    Change(dt.date(2020, 11, 10), "Ceasefire statement"),
    Change(dt.date(2020, 12, 1), "Handover"),
    Change(dt.date(2021, 3, 1), "A later change"),
    Change(dt.date(2023, 9, 20), "Ceasefire"),
    Change(dt.date(2024, 6, 12), "Withdrawal"),
]


def test_defaults_open_on_the_latest_state_of_control() -> None:
    changes = CHANGES
    view = parse_view({}, changes)
    assert view == View(changes[-1].date)
    assert view_params(view) == {"date": changes[-1].date.isoformat()}


def test_a_date_between_changes_shows_the_last_change_before_it() -> None:
    changes = CHANGES
    view = parse_view({"date": "2021-06-01"}, changes)
    before = max(c.date for c in changes if c.date <= dt.date(2021, 6, 1))
    assert before < dt.date(2021, 6, 1)
    assert view.date == Timeline(changes).snap(dt.date(2021, 6, 1)) == before
    assert f"{before.day} {before:%B %Y}" in view.notes[0]
    assert Timeline(changes).snap(dt.date(1900, 1, 1)) == changes[0].date


def test_every_view_survives_a_round_trip_through_its_link() -> None:
    changes = CHANGES
    for view in (
        View(dt.date(1994, 5, 12)),
        View(dt.date(2020, 11, 10), dt.date(2020, 9, 27), "az", "topo", (39.8, 46.75, 10.5)),
        View(dt.date(2023, 9, 20), None, "hy", "satellite", None),
    ):
        again = parse_view(view_params(view), changes)
        assert again == view


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date": "12/05/1994"}, "date"),
        ({"compare": "yesterday"}, "compare"),
        ({"names": "ru"}, "names"),
        ({"base": "google"}, "base"),
        ({"view": "39.8,46.7"}, "view"),
        ({"view": "10,10,8"}, "view"),  # outside the region
        ({"view": "39.8,46.7,40"}, "view"),  # no such zoom
        ({"view": "nan,46.7,8"}, "view"),
    ],
)
def test_bad_link_parameters_fall_back_with_a_note(params: dict[str, str], field: str) -> None:
    changes = CHANGES
    view = parse_view(params, changes)
    assert len(view.notes) == 1 and view.notes[0].startswith(f"Ignored {field}=")
    assert view_params(view)["date"] == changes[-1].date.isoformat()  # the latest state


def test_map_reports_update_the_view_and_malformed_ones_change_nothing() -> None:
    changes = CHANGES
    view = View(dt.date(2020, 12, 1))
    moved = with_map_value(
        view, MapValue.read({"date": "1994-05-12", "view": [39.9, 46.8, 9], "base": "osm"}), changes
    )
    assert moved == View(dt.date(1994, 5, 12), None, "both", "osm", (39.9, 46.8, 9.0))
    for junk in (
        None,
        "x",
        [],
        {"date": 5},
        {"date": "soon"},
        {"view": [1, 2, 3]},
        {"view": [39.9, "46.8", 9]},
        {"view": [39.9, float("nan"), 9]},
        {"date": "1994-05-12" * 1000},
    ):
        assert with_map_value(view, MapValue.read(junk), changes) == view
    assert with_map_value(view, MapValue.read({"base": "<script>"}), changes).base == "none"
    # Parts the page does not declare are dropped as the value is read.
    assert MapValue.read({"date": "1994-05-12", "extra": {"x": 1}}) == MapValue(date="1994-05-12")
    assert parse_centre("39.8,46.7,9") == (39.8, 46.7, 9.0)


def test_the_view_on_screen_is_kept_for_exports_cut_to_the_region() -> None:
    changes = CHANGES
    view = View(dt.date(2020, 12, 1))
    zoomed = with_map_value(view, MapValue(bounds=(46.5, 39.6, 47.0, 40.0)), changes)
    assert zoomed.bounds == (46.5, 39.6, 47.0, 40.0)
    assert "bounds" not in view_params(zoomed)  # links keep the centre and zoom
    # A view wider than the atlas's region is cut to it.
    wide = with_map_value(view, MapValue(bounds=(40.0, 35.0, 50.0, 45.0)), changes)
    assert wide.bounds == REGION_BBOX
    # Malformed or degenerate bounds keep the previous ones.
    for junk in (
        [1, 2, 3],
        ["a", 1, 2, 3],
        [46.5, 39.6, 46.5, 40.0],
        [True, 1, 2, 3],
        [0, 0, 1, 1],
        [46.5, 39.6, float("inf"), 40.0],
    ):
        value = MapValue.read({"bounds": junk})
        assert view_bounds(value.bounds) is None
        assert with_map_value(zoomed, value, changes).bounds == zoomed.bounds


def test_figures_give_shares_of_the_oblast_and_of_azerbaijan(atlas: Atlas) -> None:
    fig = figures(atlas, dt.date(2021, 1, 1))
    assert fig.mapped
    assert fig.in_oblast["armenian"] <= fig.held["armenian"]
    inside = sum(fig.in_oblast.values())
    state = state_at(atlas, dt.date(2021, 1, 1))
    outline = shapely.union_all(atlas.features[atlas.features["shows"] == "oblast"].geometry)
    unmapped = state.features[state.features["shows"] == "unmapped"].geometry
    not_mapped = sum(area_km2(g.intersection(outline)) for g in unmapped)
    # The sides and the land whose control is not mapped tile the oblast.
    assert inside + not_mapped == pytest.approx(fig.oblast_km2, rel=0.01)
    assert 0.60 < fig.oblast_share("armenian") < 0.76  # about 2,900 of 4,282 km2
    assert fig.azerbaijan_share("armenian") == pytest.approx(fig.held["armenian"] / 86_600)
    # The sides and the land not mapped tile the mapped region, whatever the map's frame.
    assert sum(fig.held.values()) <= fig.region_km2
    assert sum(fig.region_share(s) for s in fig.held) == pytest.approx(
        1 - sum(area_km2(g) for g in unmapped) / fig.region_km2, abs=1e-3
    )
    assert 14_000 < fig.region_km2 < 16_000
    assert not figures(atlas, dt.date(1980, 1, 1)).mapped


def test_events_up_to_a_date_latest_first_with_sources(atlas: Atlas) -> None:
    day = dt.date(2020, 11, 10)
    events = events_until(atlas, day)
    assert events and all(e.date <= day for e in events)
    assert [e.date for e in events] == sorted((e.date for e in events), reverse=True)
    assert events[-1].date == dt.date(1923, 7, 7)
    assert all(e.sources and all(s.url.startswith("http") for s in e.sources) for e in events)
    assert len(events_until(atlas, dt.date.max)) > len(events)


def test_every_source_is_listed_once_with_its_users(atlas: Atlas) -> None:
    listed = all_sources(atlas)
    keys = [(src.title, src.url) for src, _ in listed]
    assert len(keys) == len(set(keys))
    for entry in atlas.entries:
        for src in entry.sources:
            assert (src.title, src.url) in keys
    titles = " ".join(k[0] for k in keys)
    assert "Natural Earth" in titles and "GeoNames" in titles
    assert all(users for _, users in listed)
