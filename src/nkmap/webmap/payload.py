"""What the interactive map is sent: every dated feature of the atlas, simplified for display,
with the layer's title, dates, sources, method and uncertainty.

The browser holds all of it and switches dates itself, so a step sends nothing. Statistics and
exports use the full geometry; display geometry is simplified to a tolerance far below each
layer's stated uncertainty and rounded to about a metre.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from nkmap.atlas import cache
from nkmap.atlas.catalog import Atlas, load_atlas
from nkmap.atlas.dates import iso_or_open
from nkmap.atlas.entries import LayerEntry
from nkmap.atlas.geometry import shared_borders
from nkmap.atlas.timeline import Change, Timeline, Transfer, change_dates
from nkmap.atlas.vocabulary import BASE_MAP, REGION_BBOX
from nkmap.present import basemaps
from nkmap.present.style import (
    BASE_COLOURS,
    BORDER_LABEL,
    COLOURS,
    LABELS,
    LINE_LABELS,
    LINES,
    NAME_KEYS,
    OPACITY,
    OTHER_COLOUR,
    SHORT_LABELS,
)

# The map's page, code and styles (and Leaflet), served to the dashboard's component and
# inlined into the standalone HTML export.
FRONTEND = Path(__file__).parent / "frontend"

# Display tolerance: this share of the layer's uncertainty, and never more than MAX_TOLERANCE_M.
TOLERANCE_SHARE = 0.01
MAX_TOLERANCE_M = 20.0
METRES_PER_DEGREE = 111_320.0
DECIMALS = 5  # about 1 m


def display_geometry(geom: BaseGeometry, uncertainty_km: float) -> dict[str, Any]:
    """The geometry as GeoJSON for display: simplified below the layer's uncertainty and
    rounded to about a metre."""
    tolerance_m = min(uncertainty_km * 1000 * TOLERANCE_SHARE, MAX_TOLERANCE_M)
    if tolerance_m > 0 and geom.geom_type != "Point":
        geom = shapely.simplify(geom, tolerance_m / METRES_PER_DEGREE, preserve_topology=True)
    geom = shapely.transform(geom, lambda xy: np.round(xy, DECIMALS))
    mapping: dict[str, Any] = json.loads(shapely.to_geojson(geom))
    return mapping


def land_borders(geoms: Iterable[BaseGeometry], uncertainty_km: float) -> dict[str, Any] | None:
    """Where two countries of the base map meet, as lines for display: the international
    borders, without the coasts and the frame's edges that their outlines also follow."""
    lines = shared_borders(geoms)
    if not lines:
        return None
    return display_geometry(shapely.MultiLineString(lines), uncertainty_km)


REGION_SIMPLIFY_DEG = 0.01  # about 1 km: the outline only keeps country names off the region


def mapped_region(atlas: Atlas) -> dict[str, Any] | None:
    """The outline of the land whose control the atlas maps (its control areas on the last
    date it maps any), coarsely simplified: country names are placed off it, so that no
    country's name is written over the contested land."""
    control = atlas.features[atlas.features["shows"].isin(["control", "unmapped"])]
    if not len(control):
        return None
    last = control["valid_from"].max()
    on = control[(control["valid_from"] <= last) & (last < control["valid_to"])]
    outline = shapely.simplify(shapely.union_all(on.geometry.values), REGION_SIMPLIFY_DEG)
    return display_geometry(outline, 0.0)


# The shape of the map's payload, which the page (frontend/map.js) checks before drawing: a
# change to the fields the page reads gets a new number in both places.
PAYLOAD_SCHEMA = 3


def layer_info(entry: LayerEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "title": entry.title,
        "kind": entry.kind,
        "shows": entry.shows,
        "description": entry.description,
        "valid_from": entry.valid_from.isoformat() if entry.valid_from else None,
        "valid_to": entry.valid_to.isoformat() if entry.valid_to else None,
        "sources": [{"title": s.title, "url": s.url, "licence": s.licence} for s in entry.sources],
        "method": entry.method,
        "uncertainty_km": entry.uncertainty_km,
        "approximate": entry.approximate,
        "notes": list(entry.notes),
        # The atlas's own kinds of layer name their properties in words in popups; a layer
        # of other things (as users add) shows its properties as they are.
        "builtin": entry.shows != "other",
    }


def payload(atlas: Atlas, changes: Iterable[Change]) -> dict[str, Any]:
    """Everything the map needs, for every date: layers, features with their validity
    (``from`` inclusive, ``to`` exclusive, ISO dates or null for open ends), change dates,
    colours and labels."""
    index = {entry.id: i for i, entry in enumerate(atlas.entries)}
    features = []
    for row in atlas.features.itertuples():
        entry = atlas.entry(row.layer)
        features.append(
            {
                "layer": index[row.layer],
                "from": iso_or_open(row.valid_from),
                "to": iso_or_open(row.valid_to),
                "controller": row.controller if isinstance(row.controller, str) else None,
                "properties": row.properties,
                "geometry": display_geometry(row.geometry, entry.uncertainty_km),
            }
        )
    base = atlas.features[atlas.features["shows"] == "countries"]
    borders = (
        land_borders(base.geometry, min(atlas.entry(layer).uncertainty_km for layer in base.layer))
        if len(base)
        else None
    )
    return {
        "schema": PAYLOAD_SCHEMA,
        # The release of the data, credited in the map's attribution.
        "credit": basemaps.data_credit(atlas.data_version),
        "bbox": list(REGION_BBOX),
        # The base map's extent: the map never shows beyond it (no blank bands).
        "frame": [float(v) for v in base.total_bounds] if len(base) else list(REGION_BBOX),
        # International borders (shared edges of the base map's countries), drawn above the
        # areas held.
        "borders": borders,
        "region": mapped_region(atlas),
        "dates": [{"date": c.date.isoformat(), "label": c.label} for c in changes],
        # How the page reads a day from the dates (nkmap.atlas.dates.SAMPLING).
        "sampling": Timeline.sampling,
        "layers": [layer_info(e) for e in atlas.entries],
        "features": features,
        "colours": COLOURS,
        "other_colour": OTHER_COLOUR,
        "look": {"colours": BASE_COLOURS, "opacity": OPACITY},
        "base_map": list(BASE_MAP),
        # The offline base map's attribution and the optional tile layers with their own.
        "tiles": basemaps.payload_part(),
        "labels": LABELS,
        "short_labels": SHORT_LABELS,
        "lines": {k: {"colour": c, "width": w, "dash": d} for k, (c, w, d) in LINES.items()},
        "line_labels": {**LINE_LABELS, "border": BORDER_LABEL},
        "name_keys": NAME_KEYS,
    }


def transfers_payload(transfers: Iterable[Transfer]) -> list[dict[str, Any]]:
    """Areas that changed hands, for display."""
    return [
        {
            "before": t.before,
            "after": t.after,
            "area_km2": round(t.area_km2, 1),
            "geometry": display_geometry(t.geometry, 0.0),
        }
        for t in transfers
    ]


# Characters that could end a <script> element or a JavaScript string if the JSON is ever
# placed in a page; escaped so the text is safe wherever it is embedded.
_SCRIPT_SAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def to_json(value: Any) -> str:
    """Compact JSON with no character that can break out of a <script> element."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_SAFE)


def version(text: str) -> str:
    """A short fingerprint of a payload, so the browser parses each payload once."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# What the page gets first, beside the payload's other fields: the features of one date (and
# those drawn on every date), numbered by their place in the whole payload (``keys``), with how
# many there are in all (``total``) and the change they show (``head_for``); ``layers`` holds
# only the layers of those features (null for the others). The rest follows once the map is
# drawn (:meth:`Prepared.rest`).
FIRST_PART_FIELDS = ("keys", "total", "head_for")
# Features the page needs whatever the date: the base map, the oblast's outline (drawn faintly
# before and after it existed) and the events (their rings mark the time bar).
ALWAYS_SENT = frozenset({*BASE_MAP, "oblast", "events"})


@dataclass(frozen=True)
class Prepared:
    """An atlas ready for the dashboard: its change dates and labels, and the map's payload
    with its fingerprint, as JSON in parts (:meth:`first`, :meth:`rest`).

    The page opens on what one date needs, so the first paint waits for that date's features
    and layers, not for the whole atlas; the rest is sent after it, in the background."""

    atlas: Atlas
    changes: list[Change]
    labels: dict[dt.date, str]
    version: str  # of the whole payload
    # The payload without its layers and features (a JSON object); each layer and each
    # feature as JSON; each feature's layer, and its validity as (from, to) ISO dates (None
    # for a feature sent first whatever the date).
    head: str
    layers: tuple[str, ...]
    features: tuple[str, ...]
    layer_of: tuple[int, ...]
    spans: tuple[tuple[str, str] | None, ...]

    def _on(self, day: str) -> list[int]:
        return [k for k, span in enumerate(self.spans) if span is None or span[0] <= day < span[1]]

    def first(self, day: dt.date) -> tuple[str, str]:
        """The first part for a page opening on ``day``, and the change it shows."""
        shown = Timeline(self.changes).snap(day).isoformat()
        keys = self._on(shown)
        used = {self.layer_of[k] for k in keys}
        layers = ",".join(text if i in used else "null" for i, text in enumerate(self.layers))
        text = (
            self.head[:-1]
            + f',"head_for":"{shown}","total":{len(self.features)},"keys":{to_json(keys)}'
            + f',"layers":[{layers}],"features":['
            + ",".join(self.features[k] for k in keys)
            + "]}"
        )
        return text, shown

    def rest(self, head_for: str) -> str:
        """Every feature and layer the first part for ``head_for`` left out."""
        sent = set(self._on(head_for))
        used = {self.layer_of[k] for k in sent}
        keys = [k for k in range(len(self.features)) if k not in sent]
        features = ",".join(self.features[k] for k in keys)
        layers = ",".join(f'"{i}":{text}' for i, text in enumerate(self.layers) if i not in used)
        return f'{{"layers":{{{layers}}},"keys":{to_json(keys)},"features":[{features}]}}'


# The code the payload is made by, beside the atlas's own (in its fingerprint).
_CODE = [Path(__file__), *sorted((Path(__file__).parents[1] / "present").glob("*.py"))]


def prepare(atlas: Atlas) -> Prepared:
    """The atlas ready for the dashboard; kept on disk for an atlas loaded from its files, so
    that a dashboard started again on the same files skips this work."""
    key = cache.derived(atlas.fingerprint, _CODE) if atlas.fingerprint else None
    if key is not None:
        found = cache.read(atlas.root, key, kind="payload")
        if isinstance(found, tuple) and len(found) == len(fields(Prepared)) - 1:
            return Prepared(atlas, *found)
    made = _prepare(atlas)
    if key is not None:
        parts = tuple(getattr(made, f.name) for f in fields(Prepared) if f.name != "atlas")
        cache.write(atlas.root, key, parts, kind="payload")
    return made


def _prepare(atlas: Atlas) -> Prepared:
    changes = change_dates(atlas)
    whole = payload(atlas, changes)
    features = whole.pop("features")
    layers = whole.pop("layers")
    head = to_json(whole)
    texts = tuple(to_json(f) for f in features)
    layer_texts = tuple(to_json(layer) for layer in layers)
    whole_text = (
        head[:-1] + f',"layers":[{",".join(layer_texts)}],"features":[' + ",".join(texts) + "]}"
    )
    spans = tuple(
        None
        if layers[f["layer"]]["shows"] in ALWAYS_SENT
        else (f["from"] or "0000-00-00", f["to"] or "9999-99-99")
        for f in features
    )
    return Prepared(
        atlas,
        changes,
        {c.date: c.label for c in changes},
        version(whole_text),
        head,
        layer_texts,
        texts,
        tuple(f["layer"] for f in features),
        spans,
    )


_prepared: dict[str, Prepared] = {}
_preparing = threading.Lock()


def prepared(root: Path | str) -> Prepared:
    """The atlas in ``root``, loaded and prepared once per process (other callers wait for the
    first rather than load it again)."""
    key = str(Path(root).resolve())
    with _preparing:
        if key not in _prepared:
            _prepared[key] = prepare(load_atlas(key))
        return _prepared[key]


def forget(root: Path | str) -> None:
    """Drop the prepared atlas of ``root`` (after a layer was saved into it)."""
    with _preparing:
        _prepared.pop(str(Path(root).resolve()), None)
