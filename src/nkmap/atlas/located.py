"""Who held a point, or a settlement's position, on a date: answered from the atlas's areas
alone, with shapely and nothing heavier.

``nkmap where`` asks one question of the atlas, so it should not pay for the whole of it:
:func:`load_areas` takes the areas from the disk cache (:mod:`nkmap.atlas.cache`) under the
same fingerprint of the catalog's and every layer file's bytes as the atlas, and only on a
miss loads the atlas (with geopandas) to make them. The answers are the same as from the
loaded atlas (:func:`areas_of`), which :mod:`nkmap.atlas.stats` uses.
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from nkmap.atlas import cache
from nkmap.atlas.entries import catalog_files, read_catalog
from nkmap.atlas.gazetteer import LABELS, Gazetteer, Settlement, source_dicts
from nkmap.atlas.vocabulary import REGION_BBOX
from nkmap.errors import OptionError
from nkmap.settings import default_geodata

if TYPE_CHECKING:
    from nkmap.atlas.catalog import Atlas


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


@dataclass(frozen=True, eq=False)
class Areas:
    """Every area of the atlas in its order, with its layer, role, controller and validity
    ([valid_from, valid_to)), and the oblast's outline."""

    layers: tuple[str, ...]
    shows: tuple[str, ...]
    controllers: tuple[str | None, ...]
    valid_from: np.ndarray  # datetime64[D]
    valid_to: np.ndarray
    geometries: np.ndarray  # shapely geometries
    oblast: np.ndarray

    def valid_on(self, day: dt.date) -> np.ndarray:
        """Which areas are valid on ``day``, as a mask."""
        when = np.datetime64(day, "D")
        return np.asarray((self.valid_from <= when) & (when < self.valid_to))

    def mapped_on(self, day: dt.date) -> bool:
        """Whether any control is mapped on ``day``."""
        control = np.fromiter((s == "control" for s in self.shows), bool, len(self.shows))
        return bool((control & self.valid_on(day)).any())

    def where(self, lat: float, lon: float, day: dt.date) -> Where:
        """Which controller held the point on ``day``, which layers' areas contain it, and
        whether it lies inside the oblast's outline (whatever the date)."""
        west, south, east, north = REGION_BBOX
        if not (south <= lat <= north and west <= lon <= east):
            hint = ""
            if south <= lon <= north and west <= lat <= east:
                hint = f"; the numbers look swapped: did you mean {lon} {lat} (lat lon)?"
            raise OptionError(
                f"the point {lat} N, {lon} E is outside the atlas's region "
                f"(lat {south}..{north}, lon {west}..{east}){hint}"
            )
        point = shapely.Point(lon, lat)
        hits = np.flatnonzero(self.valid_on(day) & shapely.covers(self.geometries, point))
        controller = next((self.controllers[i] for i in hits if self.shows[i] == "control"), None)
        layers = tuple(dict.fromkeys(self.layers[i] for i in hits))
        in_nkao = bool(shapely.covers(self.oblast, point).any())
        return Where(lat, lon, day, controller, layers, in_nkao)


_OF: weakref.WeakKeyDictionary[Atlas, Areas] = weakref.WeakKeyDictionary()


def areas_of(atlas: Atlas) -> Areas:
    """The areas of a loaded atlas (made once for each atlas)."""
    found = _OF.get(atlas)
    if found is None:
        f = atlas.features
        areas = f[f["kind"] == "area"]
        oblast = f[f["shows"] == "oblast"]
        found = Areas(
            layers=tuple(str(x) for x in areas["layer"]),
            shows=tuple(str(x) for x in areas["shows"]),
            controllers=tuple(x if isinstance(x, str) else None for x in areas["controller"]),
            valid_from=np.array(list(areas["valid_from"]), dtype="datetime64[D]"),
            valid_to=np.array(list(areas["valid_to"]), dtype="datetime64[D]"),
            geometries=np.asarray(areas.geometry.values, dtype=object),
            oblast=np.asarray(oblast.geometry.values, dtype=object),
        )
        _OF[atlas] = found
    return found


def load_areas(root: Path | str | None = None) -> Areas:
    """The areas of the atlas in ``root`` (default: the repository's geodata/): from the disk
    cache when its files are unchanged, else from the loaded atlas (then kept)."""
    root = Path(root) if root is not None else default_geodata()
    doc, path = read_catalog(root)
    key = cache.fingerprint(path.read_bytes(), catalog_files(root, doc))
    found = cache.read(root, key, "areas")
    if isinstance(found, Areas):
        return found
    from nkmap.atlas.catalog import load_atlas  # geopandas: only when the cache has nothing

    areas = areas_of(load_atlas(root))
    cache.write(root, key, areas, "areas")
    return areas


def place_on(areas: Areas, gaz: Gazetteer, place: Settlement, day: dt.date) -> dict[str, Any]:
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
        shown = areas.where(place.lat, place.lon, day).controller
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
