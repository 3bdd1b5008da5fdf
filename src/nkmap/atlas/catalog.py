"""The layer catalog: load it, check every entry and file, and hold every dated feature."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shapely.geometry.base import BaseGeometry

from nkmap.atlas import cache
from nkmap.atlas.dates import BEGINNING, END_OF_TIME, parse_date
from nkmap.atlas.entries import (
    UNVERSIONED,
    LayerEntry,
    catalog_files,
    data_version_of,
    parse_entry,
    read_catalog,
)
from nkmap.atlas.geometry import area_km2
from nkmap.atlas.jsonfile import read_json
from nkmap.atlas.rows import Rows, groups, no_rows
from nkmap.atlas.validate import check_collection
from nkmap.errors import CatalogError, LayerFileError, Problem, ValidationError
from nkmap.settings import default_geodata

if TYPE_CHECKING:
    import geopandas as gpd


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
        derived_layers: Iterable[str] = (),
    ):
        self.root = root
        # The release of the data (geodata/CHANGES.md), shown wherever the atlas is.
        self.data_version = data_version
        # The layers derived from the atlas's sources (make geodata): never replaced by an add.
        self.derived_layers = frozenset(derived_layers)
        self.entries = tuple(entries)
        self.by_id = {e.id: e for e in entries}
        self.features = features
        # What the atlas was loaded from, as one digest (nkmap.atlas.cache.fingerprint); None
        # for an atlas made in memory (a preview), whose products are never cached.
        self.fingerprint: str | None = None

    def entry(self, layer_id: str) -> LayerEntry:
        try:
            return self.by_id[layer_id]
        except KeyError:
            raise CatalogError(f"no layer {layer_id!r} in the catalog") from None

    @cached_property
    def _by_role(self) -> dict[str, gpd.GeoDataFrame]:
        return by_role(self.features)

    def showing(self, shows: str) -> gpd.GeoDataFrame:
        """The features of one role (a layer's ``shows``), whatever their dates."""
        found = self._by_role.get(shows)
        return found if found is not None else no_rows(self.features)

    def __getstate__(self) -> dict[str, Any]:
        # What is made from the features is made again where the atlas is unpickled.
        return {k: v for k, v in self.__dict__.items() if k != "_by_role"}

    def valid_on(self, day: dt.date) -> gpd.GeoDataFrame:
        """The features valid on ``day`` (validity is [valid_from, valid_to))."""
        f = self.features
        return f[(f["valid_from"] <= day) & (day < f["valid_to"])]


class PlainAtlas(Atlas):
    """An atlas whose features are :class:`Rows`, not a GeoDataFrame: the atlas as it is
    loaded, checked and kept in the disk cache (see :func:`load_plain_atlas`), and as the
    commands that only draw print maps read it (the same maps byte for byte). Only what reads
    the features through :class:`Rows`' means may be given one; :func:`full` makes the
    GeoDataFrame for the rest."""

    features: Rows

    def valid_on(self, day: dt.date) -> Rows:
        f = self.features
        return f.where(
            start <= day < end for start, end in zip(f["valid_from"], f["valid_to"], strict=True)
        )


def full(atlas: PlainAtlas) -> Atlas:
    """``atlas`` with its features as a GeoDataFrame (imports geopandas)."""
    found = Atlas(
        atlas.root,
        list(atlas.entries),
        _frame(atlas.features),
        atlas.data_version,
        atlas.derived_layers,
    )
    found.fingerprint = atlas.fingerprint
    return found


def load_plain_atlas(root: Path | str | None = None) -> PlainAtlas:
    """The atlas in ``root`` (default: the repository's geodata/) with its features as
    :class:`Rows`, checked as :func:`load_atlas` checks it: from the disk cache when its files
    are unchanged, else loaded from them (then kept). Neither imports pandas or geopandas."""
    root = Path(root) if root is not None else default_geodata()
    doc, path = read_catalog(root)
    key = cache.fingerprint(path.read_bytes(), catalog_files(root, doc))
    found = cache.read(root, key)
    if isinstance(found, PlainAtlas):
        found.root, found.fingerprint = root, key
        return found
    atlas = _load(root, doc, path)
    atlas.fingerprint = key
    cache.write(root, key, atlas)
    return atlas


def by_role(features: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """``features`` grouped by their layer's role (``shows``), each group in their order."""
    return groups(features, "shows")


def _resolve(value: Any, fallback: dt.date) -> dt.date:
    return fallback if value is None else parse_date(value)


def load_atlas(root: Path | str | None = None, catalog: Path | None = None) -> Atlas:
    """Load and check the catalog in ``root`` (default: the repository's geodata/), or the
    catalog at ``catalog`` with its files named from ``root`` (an add is loaded so, staged,
    before it is swapped in). The checked atlas is kept in the disk cache (see
    :func:`load_plain_atlas`); a staged catalog is loaded once, to be checked: never kept.

    Raises :class:`ValidationError` listing every problem in every entry and file.
    """
    if catalog is None:
        return full(load_plain_atlas(root))
    root = Path(root) if root is not None else default_geodata()
    doc, path = read_catalog(root, catalog)
    return full(_load(root, doc, path))


def _load(root: Path, doc: dict[str, Any], path: Path) -> PlainAtlas:
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
    derived = doc.get("derived_layers", [])
    if not isinstance(derived, list) or not all(isinstance(x, str) for x in derived):
        raise CatalogError(f"{path}: derived_layers: expected a list of layer ids")
    return PlainAtlas(root, entries, _table(rows), data_version_of(doc, path), derived)


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


def _table(rows: list[dict[str, Any]]) -> Rows:
    columns = {name: [row[name] for row in rows] for name in FEATURE_COLUMNS}
    # Measured once here, so that stepping through dates only sums.
    columns["area_km2"] = [
        area_km2(g) if kind == "area" else 0.0
        for kind, g in zip(columns["kind"], columns["geometry"], strict=True)
    ]
    return Rows(columns)


def _frame(table: Rows) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pandas as pd

    # The columns are named even when there are no rows: an empty atlas is still an atlas.
    columns = list(FEATURE_COLUMNS)
    # Made from records, as pandas reads each column's type from them.
    values = zip(*(table[c] for c in columns), strict=True)
    records = [dict(zip(columns, row, strict=True)) for row in values]
    frame = pd.DataFrame(records, columns=columns)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")
    frame["area_km2"] = table["area_km2"]
    return frame


def with_layer(
    atlas: Atlas, entry: LayerEntry, good: list[tuple[dict[str, Any], BaseGeometry]]
) -> Atlas:
    """A new atlas with ``entry`` added (or replacing the layer of the same id), in memory."""
    import geopandas as gpd
    import pandas as pd

    entries = [e for e in atlas.entries if e.id != entry.id] + [entry]
    kept = atlas.features[atlas.features["layer"] != entry.id]
    added = _frame(_table(_rows(entry, good)))
    frame = gpd.GeoDataFrame(
        pd.concat([kept, added], ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )
    return Atlas(atlas.root, entries, frame, atlas.data_version, atlas.derived_layers)
