"""The catalog's entries: what each layer is, its dates, sources, method and uncertainty,
checked field by field. Read without the layers' geometry (and without geopandas), so that
listing the atlas's layers is quick; :mod:`nkmap.atlas.catalog` loads the features."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nkmap.atlas.dates import parse_date
from nkmap.atlas.jsonfile import read_json, unsafe_text
from nkmap.atlas.vocabulary import BASE_MAP, ID_PATTERN, KINDS, SHOWS
from nkmap.errors import CatalogError, DateError, LayerFileError, Problem
from nkmap.settings import CATALOG_FILE

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
    # Membership only for strings: a list or an object is refused, not hashed.
    if "kind" not in missing and (not isinstance(raw["kind"], str) or raw["kind"] not in KINDS):
        problems.append(Problem(where, "kind", repr(raw["kind"]), ", ".join(KINDS)))
    if "shows" not in missing and (not isinstance(raw["shows"], str) or raw["shows"] not in SHOWS):
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
    for key in ("id", "title", "description", "method", "file"):
        value = raw.get(key)
        wrong = unsafe_text(value) if isinstance(value, str) else None
        if wrong:
            problems.append(Problem(where, key, wrong, "text without control characters"))
    for i, src in enumerate(listed if isinstance(listed, list) else []):
        for part in ("title", "url", "licence"):
            value = src.get(part) if isinstance(src, dict) else None
            wrong = unsafe_text(value) if isinstance(value, str) else None
            if wrong:
                problems.append(Problem(where, f"sources[{i}].{part}", wrong, "plain text"))
    unc: Any = raw.get("uncertainty_km")
    if (
        not isinstance(unc, int | float)
        or isinstance(unc, bool)
        or not math.isfinite(unc)
        or unc < 0
    ):
        problems.append(Problem(where, "uncertainty_km", repr(unc), "a finite number of km >= 0"))
    notes = raw.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        problems.append(Problem(where, "notes", repr(notes)[:60], "a list of strings"))
    else:
        for i, note in enumerate(notes):
            wrong = unsafe_text(note)
            if wrong:
                problems.append(Problem(where, f"notes[{i}]", wrong, "plain text"))
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


def data_version_of(doc: dict[str, Any], path: Path) -> str:
    """The catalog's data version (YYYY.MM.DD, with .N for a second release that day); a
    catalog without one (an atlas of one's own) is "unversioned"."""
    value = doc.get("data_version")
    if value is None:
        return UNVERSIONED
    if not isinstance(value, str) or not DATA_VERSION_PATTERN.match(value):
        raise CatalogError(f"{path}: data_version {value!r}: expected YYYY.MM.DD")
    return value


def catalog_files(root: Path, doc: dict[str, Any]) -> list[Path]:
    """The layer files a catalog names (what a loaded atlas depends on besides the catalog)."""
    return [
        root / e["file"]
        for e in doc["layers"]
        if isinstance(e, dict) and isinstance(e.get("file"), str)
    ]


def read_catalog(root: Path, path: Path | None = None) -> tuple[dict[str, Any], Path]:
    """The catalog's JSON object (with its 'layers' list) and its path: ``root``'s catalog, or
    the one at ``path`` (a catalog staged beside it, whose files are named from ``root``)."""
    path = root / CATALOG_FILE if path is None else path
    try:
        doc = read_json(path)
    except LayerFileError as exc:
        raise CatalogError(str(exc)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("layers"), list):
        raise CatalogError(f"{path}: expected an object with a 'layers' list")
    return doc, path
