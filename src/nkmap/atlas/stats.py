"""Measurements: areas held by each side, and who held a point on a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import shapely
from shapely.geometry import Point

from nkmap.atlas.catalog import Atlas
from nkmap.atlas.gazetteer import LABELS, Gazetteer, Settlement, source_dicts
from nkmap.atlas.geometry import area_km2
from nkmap.atlas.timeline import State, change_dates, state_at
from nkmap.atlas.vocabulary import CONTROLLERS, REGION_BBOX
from nkmap.errors import OptionError

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
    unmapped = state.features.loc[state.features["shows"] == "unmapped", "area_km2"]
    return float(state.control["area_km2"].sum()) + float(unmapped.sum())


# The region the built atlas maps (nkmap.derive.atlas.build_region): where every figure is measured.
REGION_NAME = "the mapped region (the former oblast, the seven districts, Goranboy and Tartar)"


def share_text(controller: str, km2: float, region: float) -> str:
    """How to read an area: its share of the mapped region (``region`` km2), and for the land
    held by the Armenian side or the peacekeepers, its share of Azerbaijan."""
    parts = [f"{km2 / region:.0%} of the mapped region's {region:,.0f} km2" if region else ""]
    if controller != "azerbaijani":
        parts.append(f"{km2 / AZERBAIJAN_AREA_KM2:.1%} of Azerbaijan's 86,600 km2")
    return "; ".join(p for p in parts if p)


def oblast_area_km2(atlas: Atlas) -> float:
    return float(atlas.features.loc[atlas.features["shows"] == "oblast", "area_km2"].sum())


@dataclass(frozen=True)
class Where:
    lat: float
    lon: float
    date: dt.date
    controller: str | None
    layers: tuple[str, ...]
    in_nkao: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "lat": self.lat,
            "lon": self.lon,
            "date": self.date.isoformat(),
            "controller": self.controller,
            "layers": list(self.layers),
            "in_nkao": self.in_nkao,
        }


def where(atlas: Atlas, lat: float, lon: float, day: dt.date) -> Where:
    """Which controller held the point on ``day``, which layers contain it, and whether it lies
    inside the oblast's outline (whatever the date)."""
    west, south, east, north = REGION_BBOX
    if not (south <= lat <= north and west <= lon <= east):
        hint = ""
        if south <= lon <= north and west <= lat <= east:
            hint = f"; the numbers look swapped: did you mean {lon} {lat} (lat lon)?"
        raise OptionError(
            f"the point {lat} N, {lon} E is outside the atlas's region "
            f"(lat {south}..{north}, lon {west}..{east}){hint}"
        )
    point = Point(lon, lat)
    valid = atlas.valid_on(day)
    areas = valid[valid["kind"] == "area"]
    hits = areas[shapely.covers(areas.geometry.values, point)]
    control = hits[hits["shows"] == "control"]
    controller = control["controller"].iloc[0] if len(control) else None
    oblast = atlas.features[atlas.features["shows"] == "oblast"]
    in_nkao = bool(shapely.covers(oblast.geometry.values, point).any())
    return Where(lat, lon, day, controller, tuple(dict.fromkeys(hits["layer"])), in_nkao)


def place_on(atlas: Atlas, gaz: Gazetteer, place: Settlement, day: dt.date) -> dict[str, Any]:
    """Who held a settlement on ``day``: its own dated, sourced history, and what the map shows
    at its position (the two differ only where the map marks the front as not mapped)."""
    entry = place.entry_on(day)
    controller = place.controller_on(day)
    if entry is None:
        summary = f"not mapped: its history starts on {place.history[0].date}"
    else:
        since = f" since {entry.date}" if entry.precision == "day" else f" from about {entry.date}"
        summary = f"held by {LABELS[entry.controller]}{since}"
    shown = None
    note = ""
    if (
        REGION_BBOX[1] <= place.lat <= REGION_BBOX[3]
        and REGION_BBOX[0] <= place.lon <= REGION_BBOX[2]
    ):
        shown = where(atlas, place.lat, place.lon, day).controller
    if shown != controller:
        note = (
            "the front passed here between the dates given for neighbouring places"
            if shown is None
            else "the place lies in a cell or corridor drawn for its neighbours"
        )
    return {
        "id": place.id,
        "label": place.label,
        "date": day.isoformat(),
        "controller": controller,
        "since": entry.date.isoformat() if entry else None,
        "precision": entry.precision if entry else None,
        "summary": summary,
        "note": entry.note if entry else "",
        "sources": source_dicts(gaz, entry.sources) if entry else [],
        "map_controller": shown,
        "map_note": note,
    }


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
