"""The atlas at village precision: the audit's findings, each checked against the shipped atlas
and the gazetteer it is derived from. Each test names the sources behind it: they are cited in
the gazetteer entries it reads (geodata/gazetteer.json), which the first tests check exist."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from nkmap.atlas.catalog import Atlas
from nkmap.atlas.gazetteer import Gazetteer, Settlement, load_gazetteer
from nkmap.atlas.geometry import to_metres
from nkmap.atlas.stats import areas_by_controller, where
from nkmap.atlas.timeline import change_dates, state_at
from nkmap.cli import main

D = dt.date


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


def place(gaz: Gazetteer, name: str) -> Settlement:
    return gaz.resolve(name)


def drawn(atlas: Atlas, s: Settlement, day: dt.date) -> str | None:
    """Who the map shows holding the place's position on ``day``."""
    return where(atlas, s.lat, s.lon, day).controller


def held(gaz: Gazetteer, atlas: Atlas, name: str, day: dt.date) -> str | None:
    """Who held the place on ``day``, by its history; the map must show the same there."""
    s = place(gaz, name)
    by_history = s.controller_on(day)
    assert drawn(atlas, s, day) == by_history, (name, day)
    return by_history


def cited(s: Settlement, day: dt.date) -> None:
    entry = s.entry_on(day)
    assert entry is not None and entry.sources, (s.id, day)


# --- the gazetteer itself ---------------------------------------------------------------------


def test_gazetteer_has_at_least_250_sourced_places(gaz: Gazetteer) -> None:
    settlements = [s for s in gaz.settlements if s.kind in ("town", "village")]
    assert len(settlements) >= 250
    for s in gaz.settlements:
        assert s.name_hy and s.name_az, s.id
        assert s.coord_source in gaz.sources, s.id
        assert all(e.sources for e in s.history), s.id
        for e in s.history:
            assert all(k in gaz.sources for k in e.sources), s.id


def test_control_is_mapped_from_1992_at_the_latest(gaz: Gazetteer) -> None:
    for s in gaz.settlements:
        if s.cell and s.country == "AZ":
            assert s.history[0].date <= D(1992, 1, 1), s.id


def test_every_change_of_a_place_is_a_change_date_of_the_atlas(
    atlas: Atlas, gaz: Gazetteer
) -> None:
    days = {c.date for c in change_dates(atlas)}
    mapped_changes = {d for d in gaz.change_dates() if d >= D(1992, 1, 1)}
    assert mapped_changes and mapped_changes <= days


# --- the findings of the audit, one by one ----------------------------------------------------


def test_talish_and_madaghis_taken_on_3_october_2020_and_kept(atlas: Atlas, gaz: Gazetteer) -> None:
    for name in ("Talish", "Madaghis"):
        assert held(gaz, atlas, name, D(2020, 10, 2)) == "armenian"
        for day in (D(2020, 10, 3), D(2020, 11, 15), D(2021, 6, 1), D(2023, 9, 1)):
            assert held(gaz, atlas, name, day) == "azerbaijani"
        cited(place(gaz, name), D(2020, 10, 3))
    events = atlas.features[atlas.features["shows"] == "events"]
    assert D(2020, 10, 3) in set(events["valid_from"])


def test_sghnakh_and_avetaranots_azerbaijani_from_9_november_2020(
    atlas: Atlas, gaz: Gazetteer
) -> None:
    for name in ("Sghnakh", "Avetaranots"):
        assert held(gaz, atlas, name, D(2020, 11, 8)) == "armenian"
        assert held(gaz, atlas, name, D(2020, 11, 9)) == "azerbaijani"
        assert held(gaz, atlas, name, D(2021, 6, 1)) == "azerbaijani"


def _component(geom: BaseGeometry, lat: float, lon: float) -> BaseGeometry:
    point = Point(lon, lat)
    parts = list(getattr(geom, "geoms", [geom]))
    return next(p for p in parts if p.distance(point) < 1e-6)


def _side(atlas: Atlas, day: dt.date, *controllers: str | None) -> BaseGeometry:
    state = state_at(atlas, day)
    f = state.features
    keep = f[(f["shows"] == "control") & f["controller"].isin([c for c in controllers if c])]
    geoms = list(keep.geometry)
    if None in controllers:
        geoms += list(f[f["shows"] == "unmapped"].geometry)
    return shapely.union_all(geoms, grid_size=1e-5)


@pytest.mark.parametrize("day", [D(2020, 11, 10), D(2020, 12, 15), D(2022, 9, 1)])
def test_hadrut_joined_to_shusha_after_the_ceasefire(
    atlas: Atlas, gaz: Gazetteer, day: dt.date
) -> None:
    """No Armenian-held finger west of Hadrut, no Shusha island: Shusha, Hadrut and Fuzuli
    lie in one Azerbaijani-held area."""
    shusha, hadrut, fuzuli = (place(gaz, n) for n in ("Shusha", "Hadrut", "Fuzuli"))
    azerbaijani = _side(atlas, day, "azerbaijani")
    part = _component(azerbaijani, shusha.lat, shusha.lon)
    assert part.covers(Point(hadrut.lon, hadrut.lat))
    assert part.covers(Point(fuzuli.lon, fuzuli.lat))


def test_jabrayil_never_cut_off_by_a_still_armenian_zone(atlas: Atlas, gaz: Gazetteer) -> None:
    """From its fall, Jabrayil joins the Azerbaijani-held land east of it (Horadiz), at worst
    through land whose control the map marks as not mapped."""
    jabrayil, horadiz = place(gaz, "Jabrayil"), place(gaz, "Horadiz")
    days = [c.date for c in change_dates(atlas) if D(2020, 10, 4) <= c.date <= D(2020, 10, 20)]
    assert days
    for day in days:
        assert drawn(atlas, jabrayil, day) == "azerbaijani", day
        land = _side(atlas, day, "azerbaijani", None)
        assert _component(land, jabrayil.lat, jabrayil.lon).covers(
            Point(horadiz.lon, horadiz.lat)
        ), day


def test_martakert_azerbaijani_held_from_july_1992_to_june_1993(
    atlas: Atlas, gaz: Gazetteer
) -> None:
    assert held(gaz, atlas, "Martakert", D(1992, 7, 3)) == "armenian"
    for day in (D(1992, 7, 4), D(1992, 12, 1), D(1993, 6, 26)):
        assert held(gaz, atlas, "Martakert", day) == "azerbaijani"
    assert held(gaz, atlas, "Martakert", D(1993, 6, 27)) == "armenian"
    # Retaken before Aghdam fell on 23 July 1993.
    assert held(gaz, atlas, "Aghdam", D(1993, 7, 22)) == "azerbaijani"
    assert place(gaz, "Martakert").disagreement  # 27 July per another source


def test_shahumyan_held_until_june_1992_and_north_east_martakert_until_april_1994(
    atlas: Atlas, gaz: Gazetteer
) -> None:
    assert held(gaz, atlas, "Shahumyan", D(1992, 6, 12)) == "armenian"
    assert held(gaz, atlas, "Shahumyan", D(1992, 6, 14)) == "azerbaijani"
    for name in ("Talish", "Madaghis"):
        assert held(gaz, atlas, name, D(1993, 12, 1)) == "azerbaijani"
        assert held(gaz, atlas, name, D(1994, 5, 1)) == "armenian"


def test_zabukh_in_the_corridor_until_26_august_2022(atlas: Atlas, gaz: Gazetteer) -> None:
    for day in (D(2020, 12, 1), D(2021, 6, 1), D(2022, 8, 25)):
        assert held(gaz, atlas, "Zabukh", day) == "russian_peacekeepers"
        assert held(gaz, atlas, "Lachin", day) == "russian_peacekeepers"
    for day in (D(2022, 8, 26), D(2023, 1, 1)):
        assert held(gaz, atlas, "Zabukh", day) == "azerbaijani"


def test_the_2022_corridor_runs_by_hin_shen(atlas: Atlas, gaz: Gazetteer) -> None:
    corridor = _side(atlas, D(2022, 9, 1), "russian_peacekeepers", "armenian")
    hin_shen = place(gaz, "Hin Shen")
    assert corridor.covers(Point(hin_shen.lon, hin_shen.lat))
    # From the Armenian border at Kornidzor the road passes Malkhalaf and Malikpaya.
    for name in ("Malkhalaf", "Malikpaya"):
        village = place(gaz, name)
        assert corridor.covers(Point(village.lon, village.lat)), name
    zabukh = place(gaz, "Zabukh")
    assert not corridor.covers(Point(zabukh.lon, zabukh.lat))


@pytest.mark.parametrize("name", ["mets-shen", "Hin Shen", "Yeghtsahogh", "Lisagor"])
def test_four_shusha_district_villages_armenian_held_2020_to_2023(
    atlas: Atlas, gaz: Gazetteer, name: str
) -> None:
    for day in (D(2020, 11, 10), D(2021, 6, 1), D(2023, 9, 19)):
        assert held(gaz, atlas, name, day) == "armenian"
    assert held(gaz, atlas, name, D(2023, 9, 21)) == "azerbaijani"


def test_hin_tagher_and_khtsaberd_held_until_december_2020(atlas: Atlas, gaz: Gazetteer) -> None:
    for name in ("Hin Tagher", "Khtsaberd"):
        assert held(gaz, atlas, name, D(2020, 11, 15)) == "armenian"
        assert held(gaz, atlas, name, D(2020, 12, 14)) == "azerbaijani"
    assert held(gaz, atlas, "Khandzadzor", D(2020, 10, 19)) == "armenian"
    assert held(gaz, atlas, "Khandzadzor", D(2020, 10, 20)) == "azerbaijani"


@pytest.mark.parametrize(
    ("name", "before", "after", "side"),
    [
        ("Horadiz", D(1993, 10, 23), D(1993, 10, 24), "armenian"),
        ("Horadiz", D(1994, 1, 4), D(1994, 1, 5), "azerbaijani"),
        ("Lala Tepe", D(1994, 2, 1), D(1994, 2, 12), "armenian"),
        ("Lala Tepe", D(2016, 3, 31), D(2016, 4, 2), "azerbaijani"),
        ("Khojaly", D(1992, 2, 25), D(1992, 2, 26), "armenian"),
        ("Parukh", D(2022, 3, 23), D(2022, 3, 24), "azerbaijani"),
    ],
)
def test_dated_changes_of_control_at_their_place(
    atlas: Atlas, gaz: Gazetteer, name: str, before: dt.date, after: dt.date, side: str
) -> None:
    assert held(gaz, atlas, name, before) != side
    assert held(gaz, atlas, name, after) == side
    cited(place(gaz, name), after)


def test_whole_kalbajar_district_held_1994_to_2020(atlas: Atlas, gaz: Gazetteer) -> None:
    """North Kalbajar up to the Murovdag ridge was held; the map shows the whole district."""
    rayons = atlas.features[atlas.features["shows"] == "rayons"]
    kalbajar = rayons[[p.get("name") == "Kalbajar" for p in rayons["properties"]]].geometry.iloc[0]
    oblast = atlas.features[atlas.features["shows"] == "oblast"].geometry.iloc[0]
    district = kalbajar.difference(oblast)
    azerbaijani = _side(atlas, D(2005, 1, 1), "azerbaijani")
    assert to_metres(district.intersection(azerbaijani)).area / 1e6 < 25
    assert held(gaz, atlas, "Omar pass", D(2005, 1, 1)) == "armenian"


def test_1994_line_uncertainty_is_honest(atlas: Atlas) -> None:
    assert atlas.entry("line-1994").uncertainty_km >= 3
    assert any("12 km" in n for n in atlas.entry("line-1994").notes)


def test_dadivank_passed_to_azerbaijan_with_kalbajar(atlas: Atlas, gaz: Gazetteer) -> None:
    assert held(gaz, atlas, "Dadivank", D(2020, 11, 24)) == "armenian"
    assert held(gaz, atlas, "Dadivank", D(2020, 11, 26)) == "azerbaijani"
    events = atlas.features[atlas.features["shows"] == "events"]
    kalbajar = next(p for p in events["properties"] if p.get("id") == "kalbajar-2020")
    assert "Dadivank" in kalbajar["description"]


def test_zangilan_label_is_the_town_not_the_district(atlas: Atlas, gaz: Gazetteer) -> None:
    places = atlas.features[atlas.features["shows"] == "places"]
    label = places[[p.get("id") == "zangilan" for p in places["properties"]]].geometry.iloc[0]
    town = place(gaz, "Zangilan")
    geonames = Point(46.65988, 39.08371)  # GeoNames 146901, Zangilan
    assert to_metres(label).distance(to_metres(geonames)) < 1000
    assert to_metres(Point(town.lon, town.lat)).distance(to_metres(geonames)) < 1000


@pytest.mark.parametrize(("lat", "lon"), [(40.6828, 46.3606), (40.6183, 47.15)])
def test_where_accepts_ganja_and_yevlakh(
    atlas: Atlas, lat: float, lon: float, capsys: pytest.CaptureFixture[str]
) -> None:
    # Inside the atlas's frame but outside the region whose control it maps: not filled, and
    # said so, rather than guessed.
    assert where(atlas, lat, lon, D(2005, 1, 1)).controller is None
    assert main(["where", str(lat), str(lon), "--date", "2005-01-01"]) == 0
    assert "not mapped: outside the mapped region (the former oblast" in capsys.readouterr().out


# --- areas and shapes on every change date ----------------------------------------------------


@pytest.mark.parametrize("day", [D(1994, 6, 1), D(2005, 1, 1), D(2020, 9, 26)])
def test_area_held_1994_to_2020(atlas: Atlas, day: dt.date) -> None:
    assert 11_400 <= areas_by_controller(state_at(atlas, day))["armenian"] <= 11_900


@pytest.mark.parametrize("day", [D(2020, 12, 1), D(2021, 6, 1), D(2023, 9, 19)])
def test_area_held_after_1_december_2020(atlas: Atlas, day: dt.date) -> None:
    assert 2_800 <= areas_by_controller(state_at(atlas, day))["armenian"] <= 3_300


def _parts(geom: BaseGeometry) -> list[BaseGeometry]:
    return [p for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Polygon"]


def test_nothing_under_1_km2_detached_on_any_date(atlas: Atlas) -> None:
    found = []
    for change in change_dates(atlas):
        state = state_at(atlas, change.date)
        for controller, group in state.control.groupby("controller"):
            geom = shapely.union_all(group.geometry.values, grid_size=1e-5)
            for part in _parts(geom):
                km2 = to_metres(part).area / 1e6
                if km2 < 1:
                    found.append((change.date, controller, round(km2, 3), part.centroid.wkt))
    assert found == []


@pytest.mark.slow
def test_no_island_that_no_source_describes(atlas: Atlas, gaz: Gazetteer) -> None:
    """Every piece of a side's area joins that side's land outside the mapped region (Armenia;
    the rest of Azerbaijan), its main area, or land the map marks as not mapped (the front
    passing), or it is an enclave a source describes (see ENCLAVES)."""
    from nkmap.derive.control import ENCLAVES

    countries = atlas.features[atlas.features["shows"] == "countries"]
    armenia = countries[[p.get("name") == "Armenia" for p in countries["properties"]]]
    azerbaijan = countries[[p.get("name") == "Azerbaijan" for p in countries["properties"]]]
    # The mapped region is the whole of the last date's control; the rest of Azerbaijan is what
    # lies beyond it.
    region = _side(atlas, change_dates(atlas)[-1].date, "azerbaijani")
    beyond = azerbaijan.geometry.iloc[0].difference(region.buffer(-0.005))
    roots = {"armenian": armenia.geometry.iloc[0].buffer(0.01), "azerbaijani": beyond}
    stepanakert = place(gaz, "Stepanakert")
    bad = []
    for change in change_dates(atlas):
        day = change.date
        state = state_at(atlas, day)
        unmapped = state.features[state.features["shows"] == "unmapped"].geometry
        loose = shapely.union_all(list(unmapped), grid_size=1e-5).buffer(0.001)
        for side in ("armenian", "azerbaijani"):
            geom = _side(atlas, day, side)
            corridor = _side(atlas, day, "russian_peacekeepers").buffer(0.001)
            parts = _parts(geom)
            if not parts:
                continue
            main = max(parts, key=lambda p: p.area)
            for part in parts:
                if part is main or part.intersects(roots[side]) or part.intersects(loose):
                    continue
                if side == "armenian" and (
                    part.covers(Point(stepanakert.lon, stepanakert.lat))
                    or part.intersects(corridor)
                ):
                    continue
                inside = {
                    s.id for s in gaz.settlements if part.covers(Point(s.lon, s.lat)) and s.cell
                }
                if any(inside <= e.places and e.start <= day < e.end for e in ENCLAVES):
                    continue
                bad.append((day, side, sorted(inside)))
    assert bad == []


REGION_RAYONS = (
    "Kalbajar", "Lachin", "Qubadli", "Zangilan", "Jabrayil", "Fuzuli", "Aghdam", "Tartar",
    "Goranboy", "Khojavend", "Khojaly", "Khankendi (city)", "Shusha", "Shusha (town)",
)  # fmt: skip


def test_map_agrees_with_every_place_history_on_every_date(atlas: Atlas, gaz: Gazetteer) -> None:
    """At a place's own position the map shows who held it, except where it marks the front
    as not mapped, or the place lies inside the corridor band drawn along the road. A place
    just outside Natural Earth's generalised borders (a peak on a border ridge) anchors its
    cell just inside them: there the cell must lie within 5 km."""
    f = atlas.features
    rayons = f[(f["shows"] == "rayons")]
    named = [
        g
        for g, p in zip(rayons.geometry, rayons["properties"], strict=True)
        if p.get("name") in REGION_RAYONS and p.get("country") == "Azerbaijan"
    ]
    region = shapely.union_all([*named, *f[f["shows"] == "oblast"].geometry]).buffer(1e-4)
    places = [s for s in gaz.settlements if s.cell and s.country == "AZ"]
    points = shapely.points([s.lon for s in places], [s.lat for s in places])
    wrong = []
    for change in change_dates(atlas):
        day = change.date
        control = state_at(atlas, day).control
        shown: list[str | None] = [None] * len(places)
        for controller, geom in zip(control["controller"], control.geometry, strict=True):
            for i in np.flatnonzero(shapely.covers(geom, points)):
                shown[i] = shown[i] or str(controller)
        for s, point, on_map in zip(places, points, shown, strict=True):
            expected = s.controller_on(day)
            if on_map == expected or on_map is None:
                continue
            if on_map == "russian_peacekeepers" and expected in ("azerbaijani", None):
                continue  # a village inside the corridor's 5 km band
            if not region.covers(point) and expected is not None:
                side = _side(atlas, day, expected)
                if to_metres(side).distance(to_metres(point)) < 5000:
                    continue
            wrong.append((day, s.id, expected, on_map))
    assert wrong == []
