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
from nkmap.atlas.jsonfile import read_json, size_problem
from nkmap.atlas.timeline import change_dates
from nkmap.atlas.validate import check_collection
from nkmap.atlas.vocabulary import ID_PATTERN
from nkmap.errors import (
    CatalogError,
    InputError,
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
    stored: bytes  # the layer file exactly as the atlas will store it


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
    good, in_file = check_collection(candidate.doc, candidate.name, kind, shows)
    good, found = _as_stored(good, candidate.name)
    in_file.extend(found)
    stored = b""
    if not in_file:  # the features are good: the file they make is checked as a whole
        stored, in_file = _stored_file(good, candidate.name)
    problems.extend(in_file)
    if not problems and entry is not None and entry.shows == "control":
        problems.extend(_control_overlaps(atlas, entry, good, candidate.name, replace))
    if problems or entry is None:
        raise ValidationError(candidate.name, problems)
    notes = list(candidate.notes)
    if notes:
        raw["notes"] = [*raw.get("notes", []), *notes]
        entry, _ = parse_entry(raw, 0)
        assert entry is not None  # the same entry with more notes
    return Checked(entry, raw, good, notes, stored)


def _stored_file(
    good: list[tuple[dict[str, Any], BaseGeometry]], name: str
) -> tuple[bytes, list[Problem]]:
    """The layer file as the atlas will store it, and what is wrong with it: a file within the
    upload limit may grow past the limit the loader enforces once re-written (``1E9`` is
    stored as ``1000000000.0``), and the atlas would then refuse to load."""
    try:
        stored = collection_text([feature(geom, props) for props, geom in good]).encode()
    except ValueError:  # NaN or Infinity in a property, which JSON cannot store
        found = "NaN or Infinity in a property"
        return b"", [Problem(name, "properties", found, "finite numbers")]
    too_big = size_problem(len(stored))
    if too_big:
        return stored, [Problem(name, "file", f"{too_big} once stored", "a smaller layer")]
    return stored, []


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


STAGED_CATALOG = ".catalog.staged.json"


def staged_file(layer_id: str) -> str:
    """Where an add stages its layer file, relative to geodata/: hidden, and never a layer's
    own name, so that the catalog in force never names a file that an add is writing."""
    return f"layers/.{layer_id}.staged.geojson"


def save(root: Path, checked: Checked, replace: bool = False) -> Path:
    """Write the checked layer into ``root`` (geodata/) and its entry into the catalog; return
    the layer file's path.

    The add is a transaction whose commit is one rename of the catalog: the layer file and the
    new catalog are staged beside the atlas, loaded there with the very loader and limits
    ``nkmap layers`` and the dashboard use (so that what is stored, not only what was uploaded,
    is within them), and only then is the staged catalog renamed into place; the layer file
    then takes its own name (:func:`settle`). A process killed at any point leaves the old
    atlas or the new one, never a mix; the next save finishes or removes what it left.
    Concurrent saves are serialised; a save that finds its id taken in the meantime is refused
    and writes nothing."""
    root = Path(root)
    layer_id = checked.entry.id
    path = root / "layers" / f"{layer_id}.geojson"
    if path.is_symlink():
        raise CatalogError(f"{path} is a symbolic link: refusing to follow or replace it")
    if path.resolve().parent != (root / "layers").resolve():
        raise CatalogError(f"layer {layer_id!r}: its file would lie outside {root}/layers")
    with locked(root):
        settle(root)  # an add killed earlier is finished or undone first
        catalog, layers = _catalog(root)
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
        (root / "layers").mkdir(exist_ok=True)
        staged = root / staged_file(layer_id)
        entry = {**checked.raw_entry, "file": staged_file(layer_id)}
        if taken:
            layers[taken[0]] = entry
        else:
            layers.append(entry)
        staged_catalog = root / STAGED_CATALOG
        try:
            write_atomic(staged, checked.stored)
            write_atomic(staged_catalog, _catalog_text(catalog))
            _load_staged(root, checked, staged_catalog, path.name)
            os.replace(staged_catalog, root / CATALOG_FILE)  # the commit
        except BaseException:
            staged.unlink(missing_ok=True)
            staged_catalog.unlink(missing_ok=True)
            raise
        try:
            _sync_folder(root)
            settle(root)
        except OSError:
            # The add has landed (the catalog names the staged file, which loads); the layer
            # file takes its own name at the next save.
            return staged
    return path


def _catalog(root: Path) -> tuple[dict[str, Any], list[Any]]:
    catalog = read_json(root / CATALOG_FILE)
    layers = catalog.get("layers") if isinstance(catalog, dict) else None
    if not isinstance(layers, list):
        raise CatalogError(f"{root / CATALOG_FILE}: expected an object with a 'layers' list")
    return catalog, layers


def _catalog_text(catalog: dict[str, Any]) -> bytes:
    return (json.dumps(catalog, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode()


def _load_staged(root: Path, checked: Checked, staged_catalog: Path, name: str) -> None:
    """Load the atlas as the add would leave it, with the loader every reader uses; refuse the
    add if it would not load, or (for control) if it now overlaps control that another add
    landed since the candidate was checked."""
    from nkmap.atlas.catalog import load_atlas

    try:
        after = load_atlas(root, catalog=staged_catalog)
    except ValidationError as exc:
        raise ValidationError(f"{name} as the atlas would store it", exc.problems) from None
    except InputError as exc:  # the catalog itself, as it would be stored
        raise CatalogError(f"{name} as the atlas would store it: {exc}") from None
    if checked.entry.shows == "control":
        # Control layers tile the map: checked against the atlas as it was when the candidate
        # was read, and again here against the atlas as it is now, without the layer itself.
        found = _control_overlaps(after, checked.entry, checked.features, name, replace=True)
        if found:
            raise ValidationError(name, found)


def settle(root: Path) -> None:
    """Finish an add that committed but was stopped before its layer file took its own name,
    and remove what an add stopped before its commit left behind. Called under the lock."""
    root = Path(root)
    catalog_path = root / CATALOG_FILE
    if not catalog_path.is_file():
        return
    catalog, layers = _catalog(root)
    named = {e.get("file") for e in layers if isinstance(e, dict)}
    for e in layers:
        layer_id = e.get("id") if isinstance(e, dict) else None
        if not isinstance(layer_id, str) or not ID_PATTERN.match(layer_id):
            continue  # an id that could name a path: never used to write (the loader refuses it)
        if e.get("file") != staged_file(layer_id):
            continue
        staged = root / staged_file(layer_id)
        if not staged.is_file():
            continue  # not an add's doing: the loader reports the missing file
        write_atomic(root / "layers" / f"{layer_id}.geojson", staged.read_bytes())
        e["file"] = f"layers/{layer_id}.geojson"
        write_atomic(catalog_path, _catalog_text(catalog))
        staged.unlink()
        named.discard(staged_file(layer_id))
    leftovers = [root / STAGED_CATALOG, *root.glob(".*catalog*.tmp")]
    if (root / "layers").is_dir():
        leftovers += [
            p
            for p in (root / "layers").glob(".*")
            if p.name.endswith((".staged.geojson", ".tmp")) and f"layers/{p.name}" not in named
        ]
    for p in leftovers:
        if p.is_file() and not p.is_symlink():
            p.unlink()
    _sync_folder(root)


def _sync_folder(root: Path) -> None:
    """Make the renames in geodata/ durable (a killed process needs no more; a power cut does)."""
    for folder in (root, root / "layers"):
        if folder.is_dir():
            fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
