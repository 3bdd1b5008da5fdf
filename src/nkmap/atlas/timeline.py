"""The atlas through time: the dates on which the map changes, and the state on a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import shapely
from shapely.geometry.base import BaseGeometry

from nkmap.atlas.catalog import Atlas, by_role
from nkmap.atlas.dates import BEGINNING, END_OF_TIME, SAMPLING, asof
from nkmap.atlas.geometry import area_km2
from nkmap.atlas.rows import no_rows
from nkmap.atlas.vocabulary import BASE_MAP

if TYPE_CHECKING:
    import geopandas as gpd

UNMAPPED = "unmapped"  # in transfers: land whose control is not mapped on that date


@dataclass(frozen=True)
class Change:
    """A date on which the map changes, labelled by what starts then."""

    date: dt.date
    label: str


def change_dates(atlas: Atlas) -> list[Change]:
    """Every date on which a dated feature starts or ends, labelled by the events of that day
    (or else by what changed hands then, or by the layers that start then), in order."""
    f = atlas.features
    # One pass over plain records (pandas' per-row selection is slow): what starts and ends on
    # each day.
    days: set[dt.date] = set()
    starting_on: dict[dt.date, list[tuple[str, str, dict[str, Any]]]] = {}
    ending_on: dict[dt.date, set[str]] = {}
    for shows, layer, props, start, end in zip(
        f["shows"], f["layer"], f["properties"], f["valid_from"], f["valid_to"], strict=True
    ):
        if shows in BASE_MAP:
            continue
        days |= {start, end}
        starting_on.setdefault(start, []).append((shows, layer, props))
        ending_on.setdefault(end, set()).add(layer)
    days -= {BEGINNING, END_OF_TIME}
    changes = []
    for day in sorted(days):
        starting = starting_on.get(day, [])
        events = [props["title"] for shows, _, props in starting if shows == "events"]
        layers = sorted({layer for shows, layer, _ in starting if shows != "events"})
        control = [props for shows, _, props in starting if shows == "control"]
        moves = list(dict.fromkeys(str(p["change"]) for p in control if p.get("change")))
        if events:
            label = "; ".join(events)
        elif moves:
            label = "; ".join(moves)
        elif layers:
            label = "; ".join(atlas.entry(layer_id).title for layer_id in layers)
        else:
            ending = sorted(ending_on.get(day, set()))
            label = "End of: " + "; ".join(atlas.entry(layer_id).title for layer_id in ending)
        changes.append(Change(day, label))
    return changes


@dataclass(frozen=True)
class State:
    """What the map shows on one date: every feature valid then."""

    date: dt.date
    features: gpd.GeoDataFrame

    @cached_property
    def _by_role(self) -> dict[str, gpd.GeoDataFrame]:
        return by_role(self.features)

    def showing(self, shows: str) -> gpd.GeoDataFrame:
        """The features of one role (a layer's ``shows``) on this date, in the atlas's order."""
        found = self._by_role.get(shows)
        return found if found is not None else no_rows(self.features)

    @property
    def control(self) -> gpd.GeoDataFrame:
        return self.showing("control")

    @property
    def layers(self) -> list[str]:
        return list(dict.fromkeys(self.features["layer"]))


def state_at(atlas: Atlas, day: dt.date) -> State:
    """The state of the map on ``day``."""
    return State(day, atlas.valid_on(day))


@dataclass(frozen=True)
class Timeline:
    """The map's change dates, and the one rule that reads any day from them (:data:`SAMPLING`,
    the last change on or before the day), used by the dashboard, the print maps and, by name,
    the map in the browser."""

    changes: Sequence[Change]
    sampling: ClassVar[str] = SAMPLING

    @classmethod
    def of(cls, atlas: Atlas) -> Timeline:
        return cls(change_dates(atlas))

    def in_force(self, day: dt.date) -> Change | None:
        """The change whose map is the map on ``day``; None before the first change."""
        index = asof([c.date for c in self.changes], day)
        return None if index is None else self.changes[index]

    def snap(self, day: dt.date) -> dt.date:
        """The date of the change in force on ``day``; the first change's for a day before it
        (the map has nothing earlier to show), ``day`` itself when there are no changes."""
        found = self.in_force(day)
        if found is not None:
            return found.date
        return self.changes[0].date if self.changes else day


@dataclass(frozen=True)
class Transfer:
    """Land held by one side on one date and by another side on a second date."""

    before: str
    after: str
    geometry: BaseGeometry
    area_km2: float


# Pieces smaller than this are where two stages' outlines differ by rounding, not a change.
MIN_TRANSFER_KM2 = 0.5


def transfers(atlas: Atlas, first: dt.date, second: dt.date) -> list[Transfer]:
    """What changed hands between two dates: for each pair of controllers, the land held by the
    first on ``first`` and by the second on ``second``, largest first. Land marked "not mapped"
    on one date and held on the other counts (as ``unmapped``); on a date with no control mapped
    at all, nothing is counted (see :func:`mapped_on`)."""
    held_first = _held(state_at(atlas, first))
    held_second = _held(state_at(atlas, second))
    found = []
    for before, geom_before in held_first.items():
        for after, geom_after in held_second.items():
            if before == after:
                continue
            piece = geom_before.intersection(geom_after)
            km2 = area_km2(piece)
            if km2 >= MIN_TRANSFER_KM2:
                found.append(Transfer(before, after, piece, km2))
    return sorted(found, key=lambda t: -t.area_km2)


def mapped_on(atlas: Atlas, day: dt.date) -> bool:
    """Whether any control is mapped on ``day``."""
    return bool(len(state_at(atlas, day).control))


def _held(state: State) -> dict[str, BaseGeometry]:
    """Each side's land on the state's date, and the land whose control is not mapped then
    (passing into or out of "not mapped" is a change too)."""
    control = state.control
    parts: dict[str, list[BaseGeometry]] = {}
    for controller, geom in zip(control["controller"], control.geometry, strict=True):
        parts.setdefault(str(controller), []).append(geom)
    held = {side: shapely.union_all(parts[side]) for side in sorted(parts)}
    unmapped = list(state.showing("unmapped").geometry)
    if unmapped and held:
        held[UNMAPPED] = shapely.union_all(unmapped)
    return held
