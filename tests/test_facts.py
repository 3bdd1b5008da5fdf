"""The fact sheet's dates and areas, checked against the shipped atlas."""

from __future__ import annotations

import datetime as dt

import pytest

from nkmap.atlas.catalog import Atlas
from nkmap.atlas.stats import areas_by_controller, oblast_area_km2, overlaps, region_km2, where
from nkmap.atlas.timeline import change_dates, state_at

D = dt.date
# (lat, lon) of towns, from the fact sheet's sources (Wikipedia infoboxes) and GeoNames.
TOWNS = {
    "Stepanakert": (39.815, 46.752),
    "Shusha": (39.758, 46.748),
    "Martakert": (40.215, 46.813),
    "Martuni": (39.795, 47.113),
    "Askeran": (39.937, 46.833),
    "Hadrut": (39.517, 47.030),
    "Lachin": (39.641, 46.547),
    "Kalbajar": (40.107, 46.038),
    "Aghdam": (39.993, 46.931),
    "Fuzuli": (39.600, 47.143),
    "Jabrayil": (39.400, 47.026),
    "Qubadli": (39.350, 46.583),
    "Zangilan": (39.084, 46.660),
    "Barda": (40.376, 47.126),
    "Tartar": (40.342, 46.932),
}


def controller(atlas: Atlas, town: str, day: dt.date) -> str | None:
    lat, lon = TOWNS[town]
    return where(atlas, lat, lon, day).controller


def armenian_km2(atlas: Atlas, day: dt.date) -> float:
    return areas_by_controller(state_at(atlas, day))["armenian"]


def test_oblast_area_within_5_percent_of_official(atlas: Atlas) -> None:
    assert oblast_area_km2(atlas) == pytest.approx(4388, rel=0.05)


@pytest.mark.parametrize("day", [D(1994, 6, 1), D(2005, 1, 1), D(2020, 9, 26)])
def test_area_held_1994_to_2020(atlas: Atlas, day: dt.date) -> None:
    assert 10_900 <= armenian_km2(atlas, day) <= 12_300


@pytest.mark.parametrize("day", [D(2020, 12, 1), D(2021, 6, 1), D(2023, 9, 19)])
def test_area_left_after_the_2020_handovers(atlas: Atlas, day: dt.date) -> None:
    assert 2_800 <= armenian_km2(atlas, day) <= 3_300


@pytest.mark.parametrize("day", [D(2023, 10, 1), D(2024, 1, 1), D(2024, 12, 31)])
def test_nothing_armenian_held_after_october_2023(atlas: Atlas, day: dt.date) -> None:
    areas = areas_by_controller(state_at(atlas, day))
    assert areas["armenian"] == 0
    assert areas["russian_peacekeepers"] == 0
    # The whole mapped region, and only it: nothing beyond is filled.
    assert areas["azerbaijani"] == pytest.approx(region_km2(state_at(atlas, day)))
    assert areas["azerbaijani"] > 14_000


@pytest.mark.parametrize("town", ["Stepanakert", "Martakert", "Martuni", "Askeran"])
def test_oblast_towns(atlas: Atlas, town: str) -> None:
    assert controller(atlas, town, D(2005, 1, 1)) == "armenian"
    assert controller(atlas, town, D(2021, 6, 1)) == "armenian"
    assert controller(atlas, town, D(2023, 11, 15)) == "azerbaijani"


def test_shusha(atlas: Atlas) -> None:
    assert controller(atlas, "Shusha", D(2005, 1, 1)) == "armenian"
    assert controller(atlas, "Shusha", D(2020, 11, 8)) == "armenian"
    for day in (D(2020, 11, 9), D(2020, 12, 15), D(2022, 9, 1)):
        assert controller(atlas, "Shusha", day) == "azerbaijani"


@pytest.mark.parametrize("town", ["Hadrut", "Fuzuli", "Jabrayil", "Qubadli", "Zangilan"])
def test_towns_taken_in_the_2020_war(atlas: Atlas, town: str) -> None:
    assert controller(atlas, town, D(2005, 1, 1)) == "armenian"
    assert controller(atlas, town, D(2020, 12, 15)) == "azerbaijani"


@pytest.mark.parametrize(
    ("town", "before", "after"),
    [("Aghdam", D(2020, 11, 15), D(2020, 11, 21)), ("Kalbajar", D(2020, 11, 24), D(2020, 11, 26))],
)
def test_handovers(atlas: Atlas, town: str, before: dt.date, after: dt.date) -> None:
    assert controller(atlas, town, before) == "armenian"
    assert controller(atlas, town, after) == "azerbaijani"


def test_lachin_town_in_the_corridor_until_august_2022(atlas: Atlas) -> None:
    assert controller(atlas, "Lachin", D(2020, 11, 30)) == "armenian"
    for day in (D(2020, 12, 1), D(2021, 6, 1), D(2022, 8, 25)):
        assert controller(atlas, "Lachin", day) == "russian_peacekeepers"
    assert controller(atlas, "Lachin", D(2022, 8, 26)) == "azerbaijani"


@pytest.mark.parametrize("town", ["Tartar"])
def test_towns_azerbaijani_held_throughout(atlas: Atlas, town: str) -> None:
    for change in change_dates(atlas):
        if change.date >= D(1992, 5, 9):
            assert controller(atlas, town, change.date) == "azerbaijani", change.date


def test_towns_beyond_the_mapped_region_are_not_filled(atlas: Atlas) -> None:
    for change in change_dates(atlas):
        assert controller(atlas, "Barda", change.date) is None, change.date


def test_first_war_stages(atlas: Atlas) -> None:
    assert controller(atlas, "Shusha", D(1991, 12, 1)) is None  # before control is mapped
    assert controller(atlas, "Shusha", D(1992, 5, 8)) == "azerbaijani"
    assert controller(atlas, "Shusha", D(1992, 5, 9)) == "armenian"
    assert controller(atlas, "Lachin", D(1992, 5, 17)) == "azerbaijani"
    assert controller(atlas, "Lachin", D(1992, 5, 18)) == "armenian"
    assert controller(atlas, "Martakert", D(1992, 9, 1)) == "azerbaijani"
    assert controller(atlas, "Kalbajar", D(1993, 4, 2)) == "azerbaijani"
    assert controller(atlas, "Kalbajar", D(1993, 4, 3)) == "armenian"
    assert controller(atlas, "Zangilan", D(1993, 10, 28)) == "azerbaijani"
    assert controller(atlas, "Zangilan", D(1993, 10, 29)) == "armenian"


def test_control_areas_never_overlap(atlas: Atlas) -> None:
    assert overlaps(atlas) == []


def test_control_areas_tile_the_frame_on_every_mapped_date(atlas: Atlas) -> None:
    """Where control is mapped, the three sides (and the unmapped front) cover the same frame."""
    full = None
    for change in change_dates(atlas):
        state = state_at(atlas, change.date)
        if state.control.empty:
            continue
        unmapped = state.features[state.features["shows"] == "unmapped"]
        total = sum(areas_by_controller(state).values()) + unmapped["area_km2"].sum()
        full = full or total
        assert total == pytest.approx(full, rel=0.005), change.date


def test_in_nkao_whatever_the_date(atlas: Atlas) -> None:
    lat, lon = TOWNS["Stepanakert"]
    assert where(atlas, lat, lon, D(1960, 1, 1)).in_nkao
    assert where(atlas, lat, lon, D(2024, 1, 1)).in_nkao
    lat, lon = TOWNS["Lachin"]
    assert not where(atlas, lat, lon, D(2005, 1, 1)).in_nkao
