"""What the dashboard shows, apart from the widgets: the page's address (query parameters), the
figures for a date, what changed since the previous step, the events so far and every source.

Kept free of Streamlit so the CLI, the exports and the tests can use the same answers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from nkmap.atlas.catalog import Atlas
from nkmap.atlas.dates import parse_date
from nkmap.atlas.entries import Source
from nkmap.atlas.gazetteer import LABELS, UNMAPPED, Gazetteer, Settlement
from nkmap.atlas.gazetteer import Source as GazetteerSource
from nkmap.atlas.stats import (
    AZERBAIJAN_AREA_KM2,
    areas_by_controller,
    areas_in_oblast,
    oblast_area_km2,
    region_km2,
)
from nkmap.atlas.timeline import Change, Timeline, state_at
from nkmap.atlas.vocabulary import REGION_BBOX
from nkmap.errors import DateError
from nkmap.present.basemaps import BASE_MAPS
from nkmap.present.style import NAME_FORMS
from nkmap.webmap.value import MapValue

DEFAULT_DATE = dt.date(2020, 12, 1)
MIN_ZOOM, MAX_ZOOM = 6.0, 19.0


@dataclass(frozen=True)
class View:
    """Everything a link to the dashboard keeps: the date, the comparison date, the place
    names, the base map and the map's centre and zoom."""

    date: dt.date
    compare: dt.date | None = None
    names: str = "both"
    base: str = "none"
    centre: tuple[float, float, float] | None = None  # lat, lon, zoom
    notes: tuple[str, ...] = field(default=())
    # The area on screen (west, south, east, north), for exports of exactly the view; not kept
    # in links, which keep the centre and zoom.
    bounds: tuple[float, float, float, float] | None = None


def default_date(changes: list[Change]) -> dt.date:
    """The page opens on the latest state of control (the last change), unless its address
    says otherwise."""
    days = [c.date for c in changes]
    return days[-1] if days else DEFAULT_DATE


def parse_view(params: Mapping[str, str], changes: list[Change]) -> View:
    """Read the page's query parameters. A bad value never fails: it is replaced by the default
    and a note says so (the note quotes the value, to be shown escaped)."""
    notes: list[str] = []
    day = default_date(changes)
    if "date" in params:
        try:
            asked = parse_date(params["date"], "date")
            day = Timeline(changes).snap(asked)
            if day != asked:
                notes.append(
                    f"The map on {asked:%d %B %Y} is the map of the last change before it, "
                    f"on {day:%d %B %Y}."
                )
        except DateError:
            notes.append(f"Ignored date={params['date']!r}: expected YYYY-MM-DD.")
    compare = None
    if params.get("compare"):
        try:
            compare = Timeline(changes).snap(parse_date(params["compare"], "compare"))
        except DateError:
            notes.append(f"Ignored compare={params['compare']!r}: expected YYYY-MM-DD.")
    names = params.get("names", "both")
    if names not in NAME_FORMS:
        notes.append(f"Ignored names={names!r}: expected one of {', '.join(NAME_FORMS)}.")
        names = "both"
    base = params.get("base", "none")
    if base not in BASE_MAPS:
        notes.append(f"Ignored base={base!r}: expected one of {', '.join(BASE_MAPS)}.")
        base = "none"
    centre = None
    if params.get("view"):
        centre = parse_centre(params["view"])
        if centre is None:
            notes.append(
                f"Ignored view={params['view']!r}: expected lat,lon,zoom within the region."
            )
    return View(day, compare, names, base, centre, tuple(notes))


def parse_centre(text: str) -> tuple[float, float, float] | None:
    parts = text.split(",")
    if len(parts) != 3:
        return None
    try:
        lat, lon, zoom = (float(p) for p in parts)
    except ValueError:
        return None
    west, south, east, north = REGION_BBOX
    pad = 2.0
    if not (south - pad <= lat <= north + pad and west - pad <= lon <= east + pad):
        return None
    if not MIN_ZOOM <= zoom <= MAX_ZOOM:
        return None
    return (lat, lon, zoom)


def view_params(view: View) -> dict[str, str]:
    """The query parameters for ``view`` (defaults left out, so links stay short)."""
    params = {"date": view.date.isoformat()}
    if view.compare is not None:
        params["compare"] = view.compare.isoformat()
    if view.names != "both":
        params["names"] = view.names
    if view.base != "none":
        params["base"] = view.base
    if view.centre is not None:
        lat, lon, zoom = view.centre
        params["view"] = f"{lat:.4f},{lon:.4f},{zoom:g}"
    return params


def with_map_value(view: View, value: MapValue, changes: list[Change]) -> View:
    """The view after the map reported ``value``; parts missing, malformed or out of range
    leave the view's as they were."""
    day = view.date
    if value.date is not None:
        with contextlib.suppress(DateError):
            day = Timeline(changes).snap(parse_date(value.date))
    centre = view.centre
    if value.view is not None:
        centre = parse_centre(",".join(str(x) for x in value.view)) or centre
    base = value.base if value.base in BASE_MAPS else view.base
    bounds = view_bounds(value.bounds) or view.bounds
    return replace(view, date=day, centre=centre, base=str(base), bounds=bounds)


MIN_SPAN_DEG = 0.02  # about 2 km: a narrower view is not a map worth printing


def view_bounds(value: tuple[float, ...] | None) -> tuple[float, float, float, float] | None:
    """The map's reported bounds (west, south, east, north), cut to the atlas's region; None
    when missing or when too little of the region is in view."""
    if value is None or len(value) != 4:
        return None
    west, south, east, north = value
    rw, rs, re_, rn = REGION_BBOX
    box = (max(west, rw), max(south, rs), min(east, re_), min(north, rn))
    if box[2] - box[0] < MIN_SPAN_DEG or box[3] - box[1] < MIN_SPAN_DEG:
        return None
    return box


# ---- figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """The area held by each side on a date, in km2, in the mapped region (whose area is
    ``region_km2``) and inside the oblast."""

    date: dt.date
    held: dict[str, float]
    in_oblast: dict[str, float]
    oblast_km2: float
    region_km2: float = 0.0

    @property
    def mapped(self) -> bool:
        return any(self.held.values())

    def oblast_share(self, controller: str) -> float:
        return self.in_oblast[controller] / self.oblast_km2 if self.oblast_km2 else 0.0

    def azerbaijan_share(self, controller: str) -> float:
        return self.held[controller] / AZERBAIJAN_AREA_KM2

    def region_share(self, controller: str) -> float:
        return self.held[controller] / self.region_km2 if self.region_km2 else 0.0


def figures(atlas: Atlas, day: dt.date) -> Figures:
    state = state_at(atlas, day)
    return Figures(
        day,
        areas_by_controller(state),
        areas_in_oblast(atlas, state),
        oblast_area_km2(atlas),
        region_km2(state),
    )


def previous_change(changes: list[Change], day: dt.date) -> Change | None:
    earlier = [c for c in changes if c.date < day]
    return earlier[-1] if earlier else None


# ---- events and sources ---------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    date: dt.date
    title: str
    description: str
    place: str
    note: str
    sources: tuple[Source, ...]


def events_until(atlas: Atlas, day: dt.date) -> list[Event]:
    """Every event on or before ``day``, latest first."""
    f = atlas.features
    rows = f[(f["shows"] == "events") & (f["valid_from"] <= day)]
    found = []
    for start, props in zip(rows["valid_from"], rows["properties"], strict=True):
        raw_sources = props.get("sources")
        sources = tuple(
            Source(str(s.get("title", "")), str(s.get("url", "")), str(s.get("licence", "")))
            for s in (raw_sources if isinstance(raw_sources, list) else [])
            if isinstance(s, dict)
        )
        found.append(
            Event(
                start,
                str(props.get("title", "")),
                str(props.get("description", "")),
                str(props.get("place", "")),
                str(props.get("note", "") or ""),
                sources,
            )
        )
    return sorted(found, key=lambda e: e.date, reverse=True)


def all_sources(atlas: Atlas) -> list[tuple[Source, list[str]]]:
    """Every source the atlas cites (layers' and events'), once each, with the titles of the
    layers that use it, in order of first use."""
    found: dict[tuple[str, str], tuple[Source, list[str]]] = {}
    for entry in atlas.entries:
        for src in entry.sources:
            found.setdefault((src.title, src.url), (src, []))[1].append(entry.title)
    for event in events_until(atlas, dt.date.max):
        for src in event.sources:
            users = found.setdefault((src.title, src.url), (src, []))[1]
            if "Events" not in users:
                users.append("Events")
    return list(found.values())


# ---- a place and its history ----------------------------------------------------------------


def place_payload(place: Settlement, changes: list[Change], seq: int) -> dict[str, Any]:
    """What the map needs to show a settlement: where it is, its names, and who held it on each
    change date of the atlas (the strip drawn along the time bar, one cell per step)."""
    strip = []
    for change in changes:
        entry = place.entry_on(change.date)
        strip.append(None if entry is None or entry.controller == UNMAPPED else entry.controller)
    return {
        "id": place.id,
        "label": place.label,
        "lat": place.lat,
        "lon": place.lon,
        "strip": strip,
        "seq": seq,
    }


@dataclass(frozen=True)
class HistoryRow:
    date: dt.date
    held_by: str
    precision: str
    note: str
    sources: tuple[GazetteerSource, ...]


def history_rows(gaz: Gazetteer, place: Settlement) -> list[HistoryRow]:
    """A settlement's dated control, earliest first, each entry with its sources."""
    return [
        HistoryRow(e.date, LABELS[e.controller], e.precision, e.note, tuple(gaz.cite(e.sources)))
        for e in place.history
    ]
