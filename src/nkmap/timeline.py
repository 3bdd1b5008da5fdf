"""The atlas through time: the dates on which the map changes, and the state on a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd

from nkmap.catalog import Atlas
from nkmap.dates import BEGINNING, END_OF_TIME

TIMELESS = ("countries", "rayons", "places")


@dataclass(frozen=True)
class Change:
    """A date on which the map changes, labelled by what starts then."""

    date: dt.date
    label: str


def change_dates(atlas: Atlas) -> list[Change]:
    """Every date on which a dated feature starts or ends, labelled by the events of that day
    (or else by the layers that start then), in order."""
    f = atlas.features[~atlas.features["shows"].isin(TIMELESS)]
    days = set(f["valid_from"]) | set(f["valid_to"])
    days -= {BEGINNING, END_OF_TIME}
    changes = []
    for day in sorted(days):
        starting = f[f["valid_from"] == day]
        events = [p["title"] for p in starting[starting["shows"] == "events"]["properties"]]
        layers = sorted(set(starting[starting["shows"] != "events"]["layer"]))
        if events:
            label = "; ".join(events)
        elif layers:
            label = "; ".join(atlas.entry(layer_id).title for layer_id in layers)
        else:
            ending = sorted(set(f[f["valid_to"] == day]["layer"]))
            label = "End of: " + "; ".join(atlas.entry(layer_id).title for layer_id in ending)
        changes.append(Change(day, label))
    return changes


@dataclass(frozen=True)
class State:
    """What the map shows on one date: every feature valid then."""

    date: dt.date
    features: gpd.GeoDataFrame

    @property
    def control(self) -> gpd.GeoDataFrame:
        return self.features[self.features["shows"] == "control"]

    @property
    def layers(self) -> list[str]:
        return list(dict.fromkeys(self.features["layer"]))


def state_at(atlas: Atlas, day: dt.date) -> State:
    """The state of the map on ``day``."""
    return State(day, atlas.valid_on(day))
