"""Adding a layer to the atlas safely.

A candidate (read by :mod:`nkmap.layers.readers`) and its metadata are checked completely before
anything is written; every problem is reported at once. Only then, under a lock on the geodata
folder, the layer file and the catalog are each written to a temporary file and renamed into
place. An id names the file (``layers/<id>.geojson``) and must match a strict pattern, so it can
never name a path outside geodata/; an existing id is replaced only when asked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from nkmap.atlas.catalog import Atlas, with_layer
from nkmap.atlas.dates import END_OF_TIME
from nkmap.atlas.entries import LayerEntry, parse_entry
from nkmap.atlas.geojson import collection_text, feature, rounded_geometry
from nkmap.atlas.geometry import area_km2
from nkmap.atlas.jsonfile import read_json
from nkmap.atlas.timeline import change_dates
from nkmap.atlas.validate import check_collection
from nkmap.atlas.vocabulary import ID_PATTERN
from nkmap.errors import (
    CatalogError,
    LayerFileError,
    Problem,
    ValidationError,
)
from nkmap.files import write_atomic
from nkmap.layers.meta import ADDABLE, META_FIELDS
from nkmap.layers.readers import Candidate
from nkmap.settings import CATALOG_FILE

OVERLAP_TOLERANCE_KM2 = 0.5


@dataclass(frozen=True)
class Checked:
    """A candidate that passed every check: its catalog entry and features."""

    entry: LayerEntry
    raw_entry: dict[str, Any]
    features: list[tuple[dict[str, Any], BaseGeometry]]
    notes: list[str]


def entry_from(meta: Mapping[str, Any]) -> dict[str, Any]:
    """A catalog entry from metadata (command-line options or a sidecar file); unknown keys
    are refused by :func:`check`."""
    raw = {k: meta[k] for k in META_FIELDS if meta.get(k) is not None}
    raw.setdefault("shows", "other")
    raw.setdefault("description", raw.get("title", ""))
    raw.setdefault("approximate", True)
    raw.setdefault("notes", [])
    if isinstance(raw.get("id"), str):
        raw["file"] = f"layers/{raw['id']}.geojson"
    return raw


def check(
    atlas: Atlas, candidate: Candidate, meta: Mapping[str, Any], replace: bool = False
) -> Checked:
    """Check a candidate layer and its metadata against the atlas; raise
    :class:`ValidationError` listing every problem."""
    raw = entry_from(meta)
    where = f"layer {raw.get('id')!r}" if isinstance(raw.get("id"), str) else "the metadata"
    problems: list[Problem] = []
    unknown = sorted(set(meta) - set(META_FIELDS))
    if unknown:
        problems.append(Problem(where, "metadata", ", ".join(unknown), ", ".join(META_FIELDS)))
    layer_id = raw.get("id")
    if not isinstance(layer_id, str) or not ID_PATTERN.match(layer_id):
        problems.append(
            Problem(where, "id", repr(layer_id)[:60], "1-63 lower-case letters, digits and '-'")
        )
        raw.pop("file", None)
    else:
        existing = [e for e in atlas.entries if e.id.lower() == layer_id.lower()]
        if existing and not replace:
            problems.append(
                Problem(where, "id", f"{layer_id!r} already exists", "a new id (or --replace)")
            )
        elif existing and (
            existing[0].shows not in ADDABLE or existing[0].id in atlas.derived_layers
        ):
            # The oblast, the stages of control, the events and the base map are derived from
            # the atlas's sources (make geodata), not added.
            problems.append(
                Problem(
                    where,
                    "id",
                    f"{layer_id!r} is derived from the atlas's sources",
                    "a new id: derived layers are not replaced by an add",
                )
            )
    if raw.get("shows") not in ADDABLE:
        problems.append(Problem(where, "shows", repr(raw.get("shows")), ", ".join(ADDABLE)))
    if not raw.get("valid_from"):
        problems.append(Problem(where, "valid_from", "missing", "a date as YYYY-MM-DD"))
    sources = raw.get("sources")
    if not isinstance(sources, list) or not sources:
        problems.append(Problem(where, "sources", "none", "at least one source with a licence"))
    else:
        for i, src in enumerate(sources):
            url = src.get("url") if isinstance(src, dict) else None
            if isinstance(url, str) and not url.startswith(("https://", "http://")):
                problems.append(Problem(where, f"sources[{i}].url", repr(url)[:60], "http(s)://"))
    entry, found = parse_entry(raw, 0)  # every field, also when the id is refused
    if "file" not in raw:  # the id is refused above, and the file's name follows from it
        found = [p for p in found if p.field != "file"]
    seen = {p.field for p in problems}
    for p in found:  # the catalog's checks, named after this layer, one problem per field
        if p.field not in seen:
            seen.add(p.field)
            problems.append(Problem(where, p.field, p.found, p.accepted))
    kind = raw.get("kind") if raw.get("kind") in ("area", "line", "point") else None
    shows = raw.get("shows") if isinstance(raw.get("shows"), str) else None
    good, found = check_collection(candidate.doc, candidate.name, kind, shows)
    problems.extend(found)
    good, found = _as_stored(good, candidate.name)
    problems.extend(found)
    if not problems and entry is not None and entry.shows == "control":
        problems.extend(_control_overlaps(atlas, entry, good, candidate.name, replace))
    if problems or entry is None:
        raise ValidationError(candidate.name, problems)
    notes = list(candidate.notes)
    if notes:
        raw["notes"] = [*raw.get("notes", []), *notes]
        entry, _ = parse_entry(raw, 0)
        assert entry is not None  # the same entry with more notes
    return Checked(entry, raw, good, notes)


def _as_stored(
    good: list[tuple[dict[str, Any], BaseGeometry]], name: str
) -> tuple[list[tuple[dict[str, Any], BaseGeometry]], list[Problem]]:
    """The features as they will be stored (coordinates rounded to about a metre), checked
    again: a polygon valid at full precision may cross itself once rounded, and the atlas would
    then refuse to load."""
    stored, problems = [], []
    for i, (props, geom) in enumerate(good):
        rounded = rounded_geometry(geom)
        if not rounded.is_valid:
            problems.append(
                Problem(
                    f"{name}: feature {i}",
                    "geometry",
                    f"{shapely.is_valid_reason(rounded)} once stored at about 1 m precision",
                    "a geometry still valid with coordinates rounded to 5 decimals",
                )
            )
        stored.append((props, rounded))
    return stored, problems


def _control_overlaps(
    atlas: Atlas,
    entry: LayerEntry,
    good: list[tuple[dict[str, Any], BaseGeometry]],
    name: str,
    replace: bool,
) -> list[Problem]:
    """Control layers tile the map: a new one may not overlap another side's control on any of
    the dates it is shown."""
    start = entry.valid_from or dt.date.min
    end = entry.valid_to or END_OF_TIME
    days = {start} | {c.date for c in change_dates(atlas) if start <= c.date < end}
    problems = []
    for day in sorted(days):
        existing = atlas.valid_on(day)
        existing = existing[existing["shows"] == "control"]
        if replace:
            existing = existing[existing["layer"] != entry.id]
        if not len(existing):
            continue
        held = shapely.union_all(existing.geometry.values)
        for i, (_, geom) in enumerate(good):
            shared = area_km2(geom.intersection(held))
            if shared > OVERLAP_TOLERANCE_KM2:
                problems.append(
                    Problem(
                        f"{name}: feature {i}",
                        "geometry",
                        f"overlaps control already mapped on {day} by {shared:,.1f} km2",
                        "control areas that do not overlap (control layers tile the map; "
                        "add it with shows 'other' instead)",
                    )
                )
        if problems:
            break
    return problems


def preview(atlas: Atlas, checked: Checked) -> Atlas:
    """The atlas with the checked layer added, in memory only."""
    return with_layer(atlas, checked.entry, checked.features)


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """An exclusive lock on the geodata folder itself (no lock file is left behind)."""
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def save(root: Path, checked: Checked, replace: bool = False) -> Path:
    """Write the checked layer into ``root`` (geodata/) and its entry into the catalog; return
    the layer file's path. Concurrent saves are serialised; a save that finds its id taken in
    the meantime is refused and writes nothing."""
    root = Path(root)
    layer_id = checked.entry.id
    path = root / "layers" / f"{layer_id}.geojson"
    if path.is_symlink():
        raise CatalogError(f"{path} is a symbolic link: refusing to follow or replace it")
    if path.resolve().parent != (root / "layers").resolve():
        raise CatalogError(f"layer {layer_id!r}: its file would lie outside {root}/layers")
    features = [feature(geom, props) for props, geom in checked.features]
    try:
        layer_text = collection_text(features)
    except ValueError:  # NaN or Infinity in a property: the atlas could not load it
        raise LayerFileError(
            f"layer {layer_id!r}: a property holds NaN or Infinity, which JSON cannot store; "
            "nothing was written"
        ) from None
    with locked(root):
        catalog = read_json(root / CATALOG_FILE)
        layers = catalog.get("layers") if isinstance(catalog, dict) else None
        if not isinstance(layers, list):
            raise CatalogError(f"{root / CATALOG_FILE}: expected an object with a 'layers' list")
        taken = [
            i
            for i, e in enumerate(layers)
            if isinstance(e, dict) and str(e.get("id", "")).lower() == layer_id.lower()
        ]
        if taken and not replace:
            raise CatalogError(f"layer {layer_id!r} already exists (use --replace to replace it)")
        if taken and layer_id in catalog.get("derived_layers", []):
            raise CatalogError(f"layer {layer_id!r} is derived from the atlas's sources")
        if path.is_symlink() or (path.exists() and not taken):
            raise CatalogError(f"{path} exists but is not the catalog's: refusing to overwrite")
        if checked.entry.shows == "control":
            # Checked against the atlas as it was; another add may have landed since. Control
            # layers tile the map, so the overlap check runs again on the atlas as it is now.
            from nkmap.atlas.catalog import load_atlas

            now = load_atlas(root)
            found = _control_overlaps(now, checked.entry, checked.features, layer_id, replace)
            if found:
                raise ValidationError(str(path.name), found)
        entry = dict(checked.raw_entry)
        if taken:
            layers[taken[0]] = entry
        else:
            layers.append(entry)
        catalog_text = json.dumps(catalog, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
        (root / "layers").mkdir(exist_ok=True)
        previous = path.read_bytes() if taken and path.is_file() else None
        write_atomic(path, layer_text.encode())
        try:
            write_atomic(root / CATALOG_FILE, catalog_text.encode())
        except BaseException:
            # The catalog was not written: put the layer file back as it was, so that nothing
            # changed and the add can be tried again.
            if previous is None:
                path.unlink(missing_ok=True)
            else:
                write_atomic(path, previous)
            raise
    return path
