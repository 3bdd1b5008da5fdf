"""Writing layers as the atlas stores them: RFC 7946 GeoJSON, coordinates rounded to about a
metre, one feature per line so that diffs stay reviewable."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

DECIMALS = 5


def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, DECIMALS)
    if isinstance(obj, list | tuple):
        return [_round(x) for x in obj]
    return obj


def rounded_geometry(geom: BaseGeometry) -> BaseGeometry:
    """The geometry exactly as it will be stored: its coordinates rounded by :func:`feature`
    (DECIMALS places, about 1 m)."""
    stored: BaseGeometry = shape(feature(geom, {})["geometry"])
    return stored


def feature(geom: BaseGeometry, properties: dict[str, Any]) -> dict[str, Any]:
    g = mapping(geom)
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": g["type"], "coordinates": _round(g["coordinates"])},
    }


def collection_text(features: Sequence[dict[str, Any]]) -> str:
    """The features as a stored layer file. NaN and Infinity, which JSON has no words for and
    the loader refuses, are refused here too (ValueError), before anything is written."""
    lines = [json.dumps(f, ensure_ascii=False, sort_keys=True, allow_nan=False) for f in features]
    return '{"type": "FeatureCollection", "features": [\n' + ",\n".join(lines) + "\n]}\n"
