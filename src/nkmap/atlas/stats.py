"""Measurements: areas held by each side, and who held a point on a date."""

from __future__ import annotations

import datetime as dt
from itertools import combinations
from typing import Any

import shapely

from nkmap.atlas import located
from nkmap.atlas.catalog import Atlas
from nkmap.atlas.gazetteer import Gazetteer, Settlement
from nkmap.atlas.geometry import area_km2
from nkmap.atlas.located import Where, areas_of
from nkmap.atlas.timeline import State, change_dates, state_at
from nkmap.atlas.vocabulary import CONTROLLERS

# Azerbaijan's whole area, Nakhchivan and Nagorno-Karabakh included (CIA World Factbook 1995).
AZERBAIJAN_AREA_KM2 = 86_600.0


def areas_by_controller(state: State) -> dict[str, float]:
    """Area in km2 held by each controller on the state's date (equal-area projection)."""
    totals = dict.fromkeys(CONTROLLERS, 0.0)
    for controller, km2 in zip(state.control["controller"], state.control["area_km2"], strict=True):
        totals[controller] += float(km2)
    return totals


def region_km2(state: State) -> float:
    """The area of the region whose control is mapped on the state's date: the land held by
    any side plus the land whose control is not mapped. The built atlas maps a fixed region
    (:data:`REGION_NAME`), so figures never depend on the map's frame."""
    held = sum(float(km2) for km2 in state.control["area_km2"])
    return held + sum(float(km2) for km2 in state.showing("unmapped")["area_km2"])


def share_text(controller: str, km2: float, region: float) -> str:
    """How to read an area: its share of the mapped region (``region`` km2), and for the land
    held by the Armenian side or the peacekeepers, its share of Azerbaijan."""
    parts = [f"{km2 / region:.0%} of the mapped region's {region:,.0f} km2" if region else ""]
    if controller != "azerbaijani":
        parts.append(f"{km2 / AZERBAIJAN_AREA_KM2:.1%} of Azerbaijan's 86,600 km2")
    return "; ".join(p for p in parts if p)


def oblast_area_km2(atlas: Atlas) -> float:
    return float(atlas.features.loc[atlas.features["shows"] == "oblast", "area_km2"].sum())


def where(atlas: Atlas, lat: float, lon: float, day: dt.date) -> Where:
    """Which controller held the point on ``day``, which layers contain it, and whether it lies
    inside the oblast's outline (whatever the date)."""
    return areas_of(atlas).where(lat, lon, day)


def place_on(atlas: Atlas, gaz: Gazetteer, place: Settlement, day: dt.date) -> dict[str, Any]:
    """Who held a settlement on ``day``: its own dated, sourced history, and what the map shows
    at its position (the two differ only where the map marks the front as not mapped)."""
    return located.place_on(areas_of(atlas), gaz, place, day)


def overlaps(atlas: Atlas, tolerance_km2: float = 0.01) -> list[str]:
    """Control areas held by two sides at once on any change date (should be none)."""
    found = []
    for change in change_dates(atlas):
        control = state_at(atlas, change.date).control
        for (i, a), (j, b) in combinations(enumerate(control.itertuples()), 2):
            shared = area_km2(a.geometry.intersection(b.geometry))
            if shared > tolerance_km2:
                found.append(
                    f"{change.date}: {a.layer}#{i} ({a.controller}) and {b.layer}#{j} "
                    f"({b.controller}) overlap by {shared:.2f} km2"
                )
    return found


def areas_in_oblast(atlas: Atlas, state: State) -> dict[str, float]:
    """Area in km2 held by each controller inside the oblast's 1991 outline."""
    totals = dict.fromkeys(CONTROLLERS, 0.0)
    oblast = atlas.features[atlas.features["shows"] == "oblast"]
    if not len(oblast):
        return totals
    outline = shapely.union_all(oblast.geometry.values)
    for controller, geom in zip(state.control["controller"], state.control.geometry, strict=True):
        totals[controller] += area_km2(geom.intersection(outline))
    return totals
