"""nkmap from Python: the atlas in a notebook, a script or another tool.

    >>> import nkmap
    >>> atlas = nkmap.load()
    >>> atlas.dates().head(3)                      # the dates the map changes, with labels
    >>> atlas.state("2020-12-01")                  # a GeoDataFrame of what the map shows then
    >>> atlas.where("Shusha", "2020-11-01")        # who held a place, with sources
    >>> atlas.where((39.82, 46.75), "1995-01-01")  # or a point, as (lat, lon)
    >>> atlas.history("Hadrut")                    # a place's dated control
    >>> atlas.changes("2020-09-26", "2020-11-10")  # what changed hands, with km2
    >>> atlas.areas("2005-01-01")                  # km2 held by each side in the region
    >>> atlas.folium_map("2020-12-01")             # a folium map in the atlas's look
    >>> atlas.folium_timeline()                    # a folium map that steps through time

Dates are ``datetime.date`` or ``YYYY-MM-DD`` strings. Every answer carries its sources, the
method and the uncertainty of the lines it comes from.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from nkmap.atlas.catalog import Atlas as Catalog
from nkmap.atlas.catalog import load_atlas
from nkmap.atlas.dates import parse_date
from nkmap.atlas.gazetteer import GAZETTEER_FILE, Gazetteer, history_of, load_gazetteer
from nkmap.atlas.stats import areas_by_controller, place_on, where
from nkmap.atlas.tables import feature_table, sources_text
from nkmap.atlas.timeline import Timeline, state_at, transfers
from nkmap.atlas.vocabulary import BASE_MAP
from nkmap.errors import OptionError

if TYPE_CHECKING:
    import folium


def load(geodata: Path | str | None = None) -> Atlas:
    """The atlas in ``geodata`` (by default the one shipped with nkmap, or $NKMAP_GEODATA)."""
    catalog = load_atlas(geodata)
    # An atlas of one's own may have no gazetteer: it then answers for positions only.
    has_places = (catalog.root / GAZETTEER_FILE).is_file()
    gazetteer = load_gazetteer(catalog.root) if has_places else Gazetteer((), {})
    return Atlas(catalog, gazetteer)


class Atlas:
    """The atlas of territorial control: its dates, the state on any date, places and their
    history, what changed hands, and maps of it."""

    def __init__(self, catalog: Catalog, gazetteer: Gazetteer) -> None:
        self.catalog = catalog
        self.gazetteer = gazetteer
        self.timeline = Timeline.of(catalog)

    def __repr__(self) -> str:
        return (
            f"<nkmap atlas: {len(self.catalog.entries)} layers, {len(self.timeline.changes)} "
            f"change dates, {len(self.gazetteer)} places, from {self.catalog.root}>"
        )

    def dates(self) -> pd.DataFrame:
        """Every date on which the map changes, with what happened then."""
        return pd.DataFrame(
            {
                "date": pd.to_datetime([c.date for c in self.timeline.changes]),
                "label": [c.label for c in self.timeline.changes],
            }
        )

    def state(self, date: dt.date | str) -> gpd.GeoDataFrame:
        """What the map shows on ``date``: the areas held, the lines and the events of that
        day and before, one row per feature (EPSG:4326), with controller, sources, method and
        uncertainty. The timeless base map is left out (it is ``atlas.catalog``'s)."""
        features = state_at(self.catalog, parse_date(date)).features
        return feature_table(self.catalog, features[~features["shows"].isin(BASE_MAP)])

    def where(self, place: str | tuple[float, float], date: dt.date | str) -> dict[str, Any]:
        """Who held a place on ``date``: a settlement by any of its names (the gazetteer's
        answer, with sources, and what the map shows at its position), or a point as
        ``(lat, lon)``."""
        day = parse_date(date)
        if isinstance(place, str):
            return place_on(self.catalog, self.gazetteer, self.gazetteer.resolve(place), day)
        if len(place) != 2:
            raise OptionError(f"where: expected a name or (lat, lon), got {place!r}")
        lat, lon = (float(x) for x in place)
        return where(self.catalog, lat, lon, day).as_dict()

    def history(self, place: str) -> pd.DataFrame:
        """A settlement's dated control, one row per entry, with its sources."""
        doc = history_of(self.gazetteer, self.gazetteer.resolve(place))
        rows = [
            {
                "place": doc["label"],
                "date": pd.Timestamp(entry["date"]),
                "controller": entry["controller"],
                "held_by": entry["held_by"],
                "precision": entry["precision"],
                "note": entry["note"],
                "sources": sources_text(entry["sources"]),
            }
            for entry in doc["history"]
        ]
        return pd.DataFrame(rows)

    def changes(self, first: dt.date | str, second: dt.date | str) -> gpd.GeoDataFrame:
        """What changed hands between two dates: one row for each pair of sides, with the
        land and its area, largest first."""
        moved = transfers(self.catalog, parse_date(first, "first"), parse_date(second, "second"))
        return gpd.GeoDataFrame(
            {
                "before": [t.before for t in moved],
                "after": [t.after for t in moved],
                "area_km2": [round(t.area_km2, 1) for t in moved],
            },
            geometry=[t.geometry for t in moved],
            crs=4326,
        )

    def areas(self, date: dt.date | str) -> dict[str, float]:
        """The km2 each side held on ``date`` in the mapped region."""
        return {
            side: round(km2, 1)
            for side, km2 in areas_by_controller(state_at(self.catalog, parse_date(date))).items()
        }

    def folium_map(
        self, date: dt.date | str, compare: dt.date | str | None = None, names: str = "both"
    ) -> folium.Map:
        """A folium map of ``date`` in the atlas's look, with a legend, tooltips and popups
        carrying sources; with ``compare``, the land that changed hands between the dates is
        outlined. Works offline (Leaflet is inlined)."""
        from nkmap.maps.folium_maps import state_map

        return state_map(
            self.catalog, parse_date(date), None if compare is None else parse_date(compare), names
        )

    def folium_timeline(self, names: str = "both") -> folium.Map:
        """A folium map with a time bar that steps through every change date in the browser."""
        from nkmap.maps.folium_maps import timeline_map

        return timeline_map(self.catalog, names)
