"""The atlas's features as flat tables: one row per feature, with the layer's title,
controller, dates (open ends empty), sources, method and uncertainty. What the Python API
returns and what the GIS exports (GeoPackage, KML, CSV) write."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import pandas as pd

from nkmap.atlas.catalog import Atlas
from nkmap.atlas.dates import BEGINNING, END_OF_TIME
from nkmap.atlas.entries import LayerEntry, Source
from nkmap.atlas.gazetteer import LABELS

# The columns of every table of features this module returns, in order.
COLUMNS = (
    "layer",
    "layer_title",
    "shows",
    "kind",
    "controller",
    "held_by",
    "name",
    "description",
    "valid_from",
    "valid_to",
    "sources",
    "method",
    "uncertainty_km",
    "approximate",
    "area_km2",
)


def _bound(day: Any) -> pd.Timestamp | None:
    """A validity bound as a pandas date: None (NaT) for an open end."""
    if day is None or day in (BEGINNING, END_OF_TIME) or pd.isna(day):
        return None
    return pd.Timestamp(day)


def sources_text(sources: Iterable[Source | dict[str, Any]]) -> str:
    """Sources as one line: ``title <url> (licence); ...``."""
    parts = []
    for src in sources:
        if isinstance(src, Source):
            title, url, licence = src.title, src.url, src.licence
        else:
            title, url, licence = (str(src.get(k, "")) for k in ("title", "url", "licence"))
        parts.append(f"{title} <{url}> ({licence})")
    return "; ".join(parts)


def feature_sources(entry: LayerEntry, props: dict[str, Any]) -> list[Source]:
    """A feature's sources: its own where it lists them (as events do), else its layer's."""
    own = props.get("sources")
    if isinstance(own, list):
        return [
            Source(str(s.get("title", "")), str(s.get("url", "")), str(s.get("licence", "")))
            for s in own
            if isinstance(s, dict)
        ]
    return list(entry.sources)


def feature_table(catalog: Atlas, features: pd.DataFrame) -> gpd.GeoDataFrame:
    """Features of the catalog as a flat table: one row each, with the layer's title, sources
    (the feature's own where it has them, as events do), method and uncertainty."""
    rows = []
    for row in features.itertuples(index=False):
        entry: LayerEntry = catalog.entry(row.layer)
        props: dict[str, Any] = row.properties or {}
        controller = row.controller if isinstance(row.controller, str) else None
        rows.append(
            {
                "layer": row.layer,
                "layer_title": entry.title,
                "shows": row.shows,
                "kind": row.kind,
                "controller": controller,
                "held_by": LABELS.get(controller or "", ""),
                "name": str(props.get("title") or props.get("name") or entry.title),
                "description": str(props.get("description") or props.get("change") or ""),
                "valid_from": _bound(row.valid_from),
                "valid_to": _bound(row.valid_to),
                "sources": sources_text(feature_sources(entry, props)),
                "method": entry.method,
                "uncertainty_km": entry.uncertainty_km,
                "approximate": entry.approximate,
                "area_km2": float(row.area_km2) if pd.notna(row.area_km2) else None,
                "geometry": row.geometry,
            }
        )
    table = gpd.GeoDataFrame(rows, columns=[*COLUMNS, "geometry"], geometry="geometry", crs=4326)
    for column in ("valid_from", "valid_to"):
        table[column] = pd.to_datetime(table[column])
    return table
