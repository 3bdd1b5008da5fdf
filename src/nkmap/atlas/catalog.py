"""The layer catalog: load it, check every entry and file, and hold every dated feature."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from nkmap.atlas.dates import BEGINNING, END_OF_TIME, parse_date
from nkmap.atlas.geometry import area_km2
from nkmap.atlas.validate import check_collection, read_json
from nkmap.atlas.vocabulary import BASE_MAP, ID_PATTERN, KINDS, SHOWS
from nkmap.errors import CatalogError, DateError, LayerFileError, Problem, ValidationError
from nkmap.settings import CATALOG_FILE, default_geodata

UNVERSIONED = "unversioned"
DATA_VERSION_PATTERN = re.compile(r"^\d{4}\.\d{2}\.\d{2}(\.\d+)?$")
REQUIRED = ("id", "title", "file", "kind", "shows", "description", "sources", "method")


@dataclass(frozen=True)
class Source:
    title: str
    url: str
    licence: str


@dataclass(frozen=True)
class LayerEntry:
    id: str
    title: str
    file: str
    kind: str
    shows: str
    description: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    sources: tuple[Source, ...]
    method: str
    uncertainty_km: float
    approximate: bool
    notes: tuple[str, ...]


def parse_entry(raw: Any, index: int) -> tuple[LayerEntry | None, list[Problem]]:
    """Check one catalog entry; return it (if usable) with every problem found."""
    where = f"catalog entry {index}"
    if not isinstance(raw, dict):
        return None, [Problem(where, "entry", type(raw).__name__, "an object")]
    if isinstance(raw.get("id"), str):
        where = f"layer {raw['id']!r}"
    # Every field is checked, also when others are missing, so that one reading lists every
    # problem (a layer being added may lack its id and still learn what else is wrong).
    missing = {k for k in REQUIRED if not raw.get(k)}
    problems = [Problem(where, k, "missing", "a value") for k in REQUIRED if k in missing]
    if "id" not in missing and (not isinstance(raw["id"], str) or not ID_PATTERN.match(raw["id"])):
        problems.append(Problem(where, "id", repr(raw["id"]), "lower-case letters, digits and '-'"))
    for key in ("title", "description", "method", "file"):
        if key not in missing and not isinstance(raw[key], str):
            problems.append(Problem(where, key, type(raw[key]).__name__, "a string"))
    if "kind" not in missing and raw["kind"] not in KINDS:
        problems.append(Problem(where, "kind", repr(raw["kind"]), ", ".join(KINDS)))
    if "shows" not in missing and raw["shows"] not in SHOWS:
        problems.append(Problem(where, "shows", repr(raw["shows"]), ", ".join(sorted(SHOWS))))
    dates: dict[str, dt.date | None] = {}
    for key in ("valid_from", "valid_to"):
        value = raw.get(key)
        try:
            dates[key] = None if value is None else parse_date(value, key)
        except DateError:
            problems.append(Problem(where, key, repr(value), "a date as YYYY-MM-DD, or null"))
    start, end = dates.get("valid_from"), dates.get("valid_to")
    if start and end and start >= end:
        problems.append(Problem(where, "valid_to", str(end), f"a date after {start}"))
    if "shows" not in missing and raw["shows"] not in BASE_MAP and start is None:
        problems.append(
            Problem(where, "valid_from", "null", "a date (only base maps are timeless)")
        )
    sources: list[Source] = []
    listed = raw.get("sources") or []
    if not isinstance(listed, list):
        problems.append(Problem(where, "sources", type(listed).__name__, "a list"))
    else:
        for i, src in enumerate(listed):
            fields = ("title", "url", "licence")
            if not isinstance(src, dict) or not all(
                isinstance(src.get(f), str) and src.get(f) for f in fields
            ):
                problems.append(
                    Problem(where, f"sources[{i}]", repr(src)[:60], "title, url and licence")
                )
            else:
                sources.append(Source(src["title"], src["url"], src["licence"]))
    unc: Any = raw.get("uncertainty_km")
    if not isinstance(unc, int | float) or isinstance(unc, bool) or unc < 0:
        problems.append(Problem(where, "uncertainty_km", repr(unc), "a number of km >= 0"))
    notes = raw.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        problems.append(Problem(where, "notes", repr(notes)[:60], "a list of strings"))
    if problems:
        return None, problems
    entry = LayerEntry(
        id=raw["id"],
        title=raw["title"],
        file=raw["file"],
        kind=raw["kind"],
        shows=raw["shows"],
        description=raw["description"],
        valid_from=start,
        valid_to=end,
        sources=tuple(sources),
        method=raw["method"],
        uncertainty_km=float(unc),  # checked above: a number >= 0
        approximate=bool(raw.get("approximate", True)),
        notes=tuple(notes),
    )
    return entry, []


class Atlas:
    """Every layer of the catalog with its features, ready to be sliced by date.

    ``features`` is one GeoDataFrame of every feature of every layer, with the layer's id,
    kind and role, the feature's controller (or None), its validity resolved to dates
    (the feature's own ``valid_from`` / ``valid_to`` where given, else the layer's) and, for
    areas, its true area in km2.
    """

    def __init__(
        self,
        root: Path,
        entries: list[LayerEntry],
        features: gpd.GeoDataFrame,
        data_version: str = UNVERSIONED,
    ):
        self.root = root
        # The release of the data (geodata/CHANGES.md), shown wherever the atlas is.
        self.data_version = data_version
        self.entries = tuple(entries)
        self.by_id = {e.id: e for e in entries}
        self.features = features

    def entry(self, layer_id: str) -> LayerEntry:
        try:
            return self.by_id[layer_id]
        except KeyError:
            raise CatalogError(f"no layer {layer_id!r} in the catalog") from None

    def valid_on(self, day: dt.date) -> gpd.GeoDataFrame:
        """The features valid on ``day`` (validity is [valid_from, valid_to))."""
        f = self.features
        return f[(f["valid_from"] <= day) & (day < f["valid_to"])]


def _data_version(doc: dict[str, Any], path: Path) -> str:
    """The catalog's data version (YYYY.MM.DD, with .N for a second release that day); a
    catalog without one (an atlas of one's own) is "unversioned"."""
    value = doc.get("data_version")
    if value is None:
        return UNVERSIONED
    if not isinstance(value, str) or not DATA_VERSION_PATTERN.match(value):
        raise CatalogError(f"{path}: data_version {value!r}: expected YYYY.MM.DD")
    return value


def _resolve(value: Any, fallback: dt.date) -> dt.date:
    return fallback if value is None else parse_date(value)


def load_atlas(root: Path | str | None = None) -> Atlas:
    """Load and check the catalog in ``root`` (default: the repository's geodata/).

    Raises :class:`ValidationError` listing every problem in every entry and file.
    """
    root = Path(root) if root is not None else default_geodata()
    path = root / CATALOG_FILE
    try:
        doc = read_json(path)
    except LayerFileError as exc:
        raise CatalogError(str(exc)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("layers"), list):
        raise CatalogError(f"{path}: expected an object with a 'layers' list")
    problems: list[Problem] = []
    entries: list[LayerEntry] = []
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    for i, raw in enumerate(doc["layers"]):
        entry, found = parse_entry(raw, i)
        problems.extend(found)
        if entry is None:
            continue
        if entry.id.lower() in seen:
            problems.append(Problem(f"layer {entry.id!r}", "id", "a duplicate", "a unique id"))
            continue
        seen.add(entry.id.lower())
        file = (root / entry.file).resolve()
        if not file.is_relative_to(root.resolve()) or file.suffix != ".geojson":
            problems.append(
                Problem(f"layer {entry.id!r}", "file", entry.file, "a .geojson file in geodata/")
            )
            continue
        try:
            collection = read_json(file)
        except LayerFileError as exc:
            problems.append(Problem(f"layer {entry.id!r}", "file", str(exc), "a readable file"))
            continue
        good, found = check_collection(collection, f"layer {entry.id!r}", entry.kind, entry.shows)
        problems.extend(found)
        entries.append(entry)
        rows.extend(_rows(entry, good))
    if problems:
        raise ValidationError(str(path), problems)
    return Atlas(root, entries, _frame(rows), _data_version(doc, path))


def _rows(
    entry: LayerEntry, good: list[tuple[dict[str, Any], BaseGeometry]]
) -> list[dict[str, Any]]:
    start = entry.valid_from or BEGINNING
    end = entry.valid_to or END_OF_TIME
    return [
        {
            "layer": entry.id,
            "index": j,
            "kind": entry.kind,
            "shows": entry.shows,
            "controller": props.get("controller"),
            "valid_from": max(start, _resolve(props.get("valid_from"), start)),
            "valid_to": min(end, _resolve(props.get("valid_to"), end)),
            "properties": props,
            "geometry": geom,
        }
        for j, (props, geom) in enumerate(good)
    ]


FEATURE_COLUMNS = (
    "layer",
    "index",
    "kind",
    "shows",
    "controller",
    "valid_from",
    "valid_to",
    "properties",
    "geometry",
)


def _frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    # The columns are named even when there are no rows: an empty atlas is still an atlas.
    table = pd.DataFrame(rows, columns=list(FEATURE_COLUMNS))
    frame = gpd.GeoDataFrame(table, geometry="geometry", crs="EPSG:4326")
    # Measured once here, so that stepping through dates only sums.
    frame["area_km2"] = [
        area_km2(g) if kind == "area" else 0.0
        for kind, g in zip(frame["kind"], frame.geometry, strict=True)
    ]
    return frame


def with_layer(
    atlas: Atlas, entry: LayerEntry, good: list[tuple[dict[str, Any], BaseGeometry]]
) -> Atlas:
    """A new atlas with ``entry`` added (or replacing the layer of the same id), in memory."""
    entries = [e for e in atlas.entries if e.id != entry.id] + [entry]
    kept = atlas.features[atlas.features["layer"] != entry.id]
    added = _frame(_rows(entry, good))
    frame = gpd.GeoDataFrame(
        pd.concat([kept, added], ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )
    return Atlas(atlas.root, entries, frame, atlas.data_version)
