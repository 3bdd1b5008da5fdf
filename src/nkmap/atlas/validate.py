"""Every check a layer file and a catalog must pass. Problems are collected, not raised one by
one, so that a contributor can fix them all in one pass."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from nkmap.atlas.dates import parse_date
from nkmap.atlas.jsonfile import unsafe_text
from nkmap.atlas.vocabulary import CONTROLLERS, KINDS, REGION_BBOX
from nkmap.errors import DateError, Problem
from nkmap.settings import MAX_FEATURES, MAX_PART_VERTICES, MAX_VERTICES

REGION_MARGIN_DEG = 1.0  # layers may reach this far beyond the region (the base map does)
COUNTRIES_MARGIN_DEG = 4.0  # country and province outlines reach further (a wide window)

# Nesting depth of a coordinates array for each geometry type.
DEPTH = {
    "Point": 1,
    "MultiPoint": 2,
    "LineString": 2,
    "MultiLineString": 3,
    "Polygon": 3,
    "MultiPolygon": 4,
}


def _type(value: Any) -> str:
    return type(value).__name__ if value is not None else "null"


def _finite_pairs(coords: Any, depth: int) -> Iterator[Any]:
    """Yield each position of a coordinates array of the given depth; raise ValueError if the
    nesting is wrong."""
    if depth == 1:
        yield coords
        return
    if not isinstance(coords, list):
        raise ValueError(f"expected an array at depth {depth}, found {_type(coords)}")
    for item in coords:
        yield from _finite_pairs(item, depth - 1)


def _plain_positions(positions: list[Any]) -> np.ndarray | None:
    """The positions as an array if every one is 2 or 3 plain, finite numbers within lon/lat
    range; None otherwise (the slow check then names the first bad one). One pass in C where
    the per-position loop would take seconds on a large layer."""
    if not all(type(v) in (int, float) for p in positions if type(p) is list for v in p):
        return None
    try:
        arr = np.array(positions, dtype=np.float64)
    except (ValueError, TypeError):
        return None
    if arr.ndim != 2 or arr.shape[1] not in (2, 3) or not np.isfinite(arr).all():
        return None
    if (np.abs(arr[:, 0]) > 180).any() or (np.abs(arr[:, 1]) > 90).any():
        return None
    return arr


def _check_positions(
    positions: list[Any],
    where: str,
    bbox: tuple[float, float, float, float],
    problems: list[Problem],
) -> int:
    """Check each position; return how many lie outside ``bbox``, or -1 after adding the
    problem that makes the geometry unusable."""
    west, south, east, north = bbox
    outside = 0
    for pos in positions:
        if not isinstance(pos, list) or len(pos) < 2:
            problems.append(
                Problem(where, "geometry.coordinates", repr(pos)[:40], "[lon, lat] positions"),
            )
            return -1
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos):
            problems.append(
                Problem(where, "geometry.coordinates", repr(pos)[:40], "numbers"),
            )
            return -1
        if not all(math.isfinite(v) for v in pos):
            problems.append(
                Problem(where, "geometry.coordinates", repr(pos)[:40], "finite numbers"),
            )
            return -1
        lon, lat = pos[0], pos[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            hint = "metres given as degrees? the file must be WGS84 lon/lat (EPSG:4326)"
            problems.append(
                Problem(where, "geometry.coordinates", f"[{lon}, {lat}]", f"lon/lat ({hint})"),
            )
            return -1
        if not (west <= lon <= east and south <= lat <= north):
            outside += 1
    return outside


def check_geometry(
    geom: Any, kind: str | None, where: str, bbox: tuple[float, float, float, float]
) -> tuple[BaseGeometry | None, list[Problem]]:
    """Check one GeoJSON geometry object; return the shapely geometry (if usable) and problems."""
    problems: list[Problem] = []
    if geom is None:
        return None, [Problem(where, "geometry", "null", "a GeoJSON geometry object")]
    if not isinstance(geom, dict) or geom.get("type") not in DEPTH:
        found = geom.get("type") if isinstance(geom, dict) else _type(geom)
        return None, [Problem(where, "geometry.type", repr(found), ", ".join(DEPTH))]
    gtype = geom["type"]
    if kind is not None and gtype not in KINDS[kind]:
        problems.append(
            Problem(
                where,
                "geometry.type",
                gtype,
                f"{' or '.join(KINDS[kind])} for {'an' if kind == 'area' else 'a'} {kind} layer",
            )
        )
    try:
        positions = list(_finite_pairs(geom.get("coordinates"), DEPTH[gtype]))
    except ValueError as exc:
        return None, [*problems, Problem(where, "geometry.coordinates", str(exc), "RFC 7946")]
    if not positions:
        return None, [*problems, Problem(where, "geometry.coordinates", "empty", "coordinates")]
    west, south, east, north = bbox
    fast = _plain_positions(positions)
    if fast is not None:  # every position is 2 or 3 finite numbers, in lon/lat range
        lon, lat = fast[:, 0], fast[:, 1]
        outside = int((~((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north))).sum())
        positions = positions if outside else []  # only the first is needed below
    else:
        outside = _check_positions(positions, where, bbox, problems)
        if outside < 0:
            return None, problems
    if (fast is not None and fast.shape[1] > 2) or (
        fast is None and any(len(p) > 2 for p in positions)
    ):
        problems.append(
            Problem(where, "geometry.coordinates", "3D positions", "[lon, lat] (2D) positions")
        )
    if outside:
        lon, lat = positions[0][0], positions[0][1]
        swapped = west <= lat <= east and south <= lon <= north
        hint = " (lon and lat look swapped)" if swapped else ""
        problems.append(
            Problem(
                where,
                "geometry.coordinates",
                f"{outside} of {len(positions)} positions outside the region{hint}",
                f"lon {west}..{east}, lat {south}..{north}",
            )
        )
        return None, problems
    too_long = _check_parts(geom)
    if too_long:
        return None, [
            *problems,
            Problem(
                where,
                "geometry.coordinates",
                too_long,
                f"at most {MAX_PART_VERTICES:,} in one ring or line (simplify or split it)",
            ),
        ]
    ring_problem = _check_rings(geom)
    if ring_problem:
        return None, [
            *problems,
            Problem(
                where, "geometry.coordinates", ring_problem, "closed rings of at least 4 positions"
            ),
        ]
    try:
        # The structure and every number are checked above: plain 2D positions are made into
        # shapely's geometry from arrays; anything else (or what that refuses) GEOS parses
        # from a known-good document, saying what is wrong with it.
        shp = _from_arrays(geom) if fast is not None and fast.shape[1] == 2 else None
        if shp is None:
            shp = shapely.from_geojson(json.dumps(geom))
    except (ValueError, TypeError, shapely.errors.GEOSException) as exc:
        return None, [*problems, Problem(where, "geometry", str(exc), "a well-formed geometry")]
    if not shp.is_valid:
        reason = shapely.is_valid_reason(shp)
        problems.append(Problem(where, "geometry", f"invalid ({reason})", "a valid geometry"))
    elif shp.is_empty:
        problems.append(Problem(where, "geometry", "empty", "a non-empty geometry"))
    return shp, problems


def _from_arrays(geom: dict[str, Any]) -> BaseGeometry | None:
    """The shapely geometry of a checked GeoJSON geometry whose positions are all two plain
    numbers, made from arrays: the same geometry as GEOS reads from the GeoJSON text, without
    writing the text and parsing it again (most of the time a large layer takes to load).
    None where a part is empty or too short to make (GEOS's reader then names the problem)."""
    gtype, coords = geom["type"], geom["coordinates"]

    def positions(part: list[Any]) -> np.ndarray:
        return np.asarray(part, dtype=np.float64).reshape(-1, 2)

    def polygon(rings: list[Any]) -> Any:
        holes = [shapely.linearrings(positions(r)) for r in rings[1:]]
        return shapely.polygons(shapely.linearrings(positions(rings[0])), holes or None)

    try:
        if gtype == "Point":
            return shapely.points(positions([coords])[0])
        if gtype == "MultiPoint":
            return shapely.multipoints(positions(coords))
        if gtype == "LineString":
            return shapely.linestrings(positions(coords))
        if gtype == "MultiLineString":
            return shapely.multilinestrings([shapely.linestrings(positions(p)) for p in coords])
        if gtype == "Polygon":
            return polygon(coords)
        return shapely.multipolygons([polygon(p) for p in coords])
    except (ValueError, TypeError, IndexError, shapely.errors.GEOSException):
        return None


def _check_parts(geom: dict[str, Any]) -> str | None:
    """A ring or line with more positions than GEOS can be trusted with (MAX_PART_VERTICES),
    found before any geometry is made."""
    gtype = geom["type"]
    coords = geom["coordinates"]
    if gtype == "LineString":
        parts = [coords]
    elif gtype in ("MultiLineString", "Polygon"):
        parts = coords
    elif gtype == "MultiPolygon":
        parts = [ring for polygon in coords for ring in polygon]
    else:
        return None
    for i, part in enumerate(parts):
        if len(part) > MAX_PART_VERTICES:
            what = "line" if "Line" in gtype else "ring"
            return f"{what} {i} has {len(part):,} positions"
    return None


def _check_rings(geom: dict[str, Any]) -> str | None:
    """Shapely closes open rings without a word, so a polygon's rings are checked here."""
    if geom["type"] == "Polygon":
        polygons = [geom["coordinates"]]
    elif geom["type"] == "MultiPolygon":
        polygons = geom["coordinates"]
    else:
        return None
    for p, rings in enumerate(polygons):
        for r, ring in enumerate(rings):
            name = f"ring {r}" + (f" of polygon {p}" if geom["type"] == "MultiPolygon" else "")
            if len(ring) < 4:
                return f"{name} has {len(ring)} positions"
            if ring[0][:2] != ring[-1][:2]:
                return f"{name} is not closed (first {ring[0][:2]}, last {ring[-1][:2]})"
    return None


def check_feature_dates(props: dict[str, Any], where: str) -> list[Problem]:
    problems = []
    start = end = None
    for key in ("valid_from", "valid_to"):
        if props.get(key) is None:
            continue
        try:
            value = parse_date(props[key], key)
        except DateError:
            problems.append(
                Problem(where, f"properties.{key}", repr(props[key]), "a date as YYYY-MM-DD")
            )
            continue
        if key == "valid_from":
            start = value
        else:
            end = value
    if start and end and start >= end:
        problems.append(
            Problem(where, "properties.valid_to", str(end), f"a date after valid_from ({start})")
        )
    return problems


def check_collection(
    doc: Any,
    name: str,
    kind: str | None = None,
    shows: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> tuple[list[tuple[dict[str, Any], BaseGeometry]], list[Problem]]:
    """Check a parsed GeoJSON document as a layer; return its usable features and problems."""
    if bbox is None:
        w, s, e, n = REGION_BBOX
        m = COUNTRIES_MARGIN_DEG if shows in ("countries", "rayons") else REGION_MARGIN_DEG
        bbox = (w - m, s - m, e + m, n + m)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        found = doc.get("type") if isinstance(doc, dict) else _type(doc)
        return [], [Problem(name, "type", repr(found), "'FeatureCollection'")]
    problems: list[Problem] = []
    if "crs" in doc:
        problems.append(
            Problem(
                name,
                "crs",
                json.dumps(doc["crs"])[:60],
                "no 'crs' member (RFC 7946: coordinates are always WGS84 lon/lat)",
            )
        )
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        return [], [*problems, Problem(name, "features", _type(features), "at least one feature")]
    if len(features) > MAX_FEATURES:
        return [], [
            *problems,
            Problem(name, "features", f"{len(features):,}", f"at most {MAX_FEATURES:,}"),
        ]
    good: list[tuple[dict[str, Any], BaseGeometry]] = []
    vertices = 0
    for i, feat in enumerate(features):
        where = f"{name}: feature {i}"
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            problems.append(Problem(where, "type", repr(_short(feat)), "'Feature'"))
            continue
        props = feat.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            problems.append(Problem(where, "properties", _type(props), "an object or null"))
            continue
        geom, found = check_geometry(feat.get("geometry"), kind, where, bbox)
        found += check_properties(props, where)
        problems.extend(found)
        problems.extend(check_feature_dates(props, where))
        if shows == "control" and props.get("controller") not in CONTROLLERS:
            problems.append(
                Problem(
                    where,
                    "properties.controller",
                    repr(props.get("controller")),
                    ", ".join(CONTROLLERS),
                )
            )
        if geom is not None:
            vertices += shapely.get_num_coordinates(geom)
            if not found:
                good.append((props, geom))
    if vertices > MAX_VERTICES:
        problems.append(
            Problem(name, "features", f"{vertices:,} vertices", f"at most {MAX_VERTICES:,}")
        )
    return good, problems


# How deep a feature's properties may nest (objects in lists in objects...): far more than any
# real attribute table, and far below the depth at which reading them back would fail.
MAX_PROPERTY_DEPTH = 16


def _depth(value: Any, limit: int) -> int:
    """How deep ``value`` nests, counted no further than ``limit`` (no recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > limit:
                return level
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def _texts(value: Any) -> Iterator[str]:
    """Every string in ``value``: keys and values, at any depth (no recursion)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def check_properties(props: dict[str, Any], where: str) -> list[Problem]:
    """Properties the atlas can store and read back: nested no deeper than
    MAX_PROPERTY_DEPTH, and no NaN or Infinity (which JSON has no words for)."""
    depth = _depth(props, MAX_PROPERTY_DEPTH)
    if depth > MAX_PROPERTY_DEPTH:
        return [
            Problem(
                where,
                "properties",
                f"nested deeper than {MAX_PROPERTY_DEPTH} levels",
                f"at most {MAX_PROPERTY_DEPTH} levels",
            )
        ]
    try:
        json.dumps(props, allow_nan=False)
    except ValueError:
        return [Problem(where, "properties", "NaN or Infinity", "finite numbers")]
    except TypeError as exc:  # a value JSON cannot hold at all (readers give plain values)
        return [Problem(where, "properties", str(exc), "text, numbers, lists and objects")]
    for text in _texts(props):
        wrong = unsafe_text(text)
        if wrong:
            return [Problem(where, "properties", wrong, "text without control characters")]
    return []


def _short(value: Any) -> Any:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
