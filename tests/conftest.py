from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from shapely.geometry import Polygon

from nkmap.atlas.catalog import Atlas, load_atlas

# Loaded atlases are cached in a folder of the test run's own (also for the commands the tests
# start), never in the user's cache.
os.environ.setdefault("NKMAP_CACHE", tempfile.mkdtemp(prefix="nkmap-test-cache-"))

SOURCE = {"title": "Test source", "url": "https://example.org/", "licence": "CC0"}


@pytest.fixture(scope="session")
def atlas() -> Atlas:
    """The atlas shipped in geodata/."""
    return load_atlas()


def square(x: float, y: float, size: float = 0.1) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
    }


def entry(layer_id: str, **overrides: Any) -> dict[str, Any]:
    base = {
        "id": layer_id,
        "title": f"Layer {layer_id}",
        "file": f"layers/{layer_id}.geojson",
        "kind": "area",
        "shows": "control",
        "description": "A test layer.",
        "valid_from": "2000-01-01",
        "valid_to": "2010-01-01",
        "sources": [SOURCE],
        "method": "Built in code.",
        "uncertainty_km": 1,
        "approximate": False,
        "notes": [],
    }
    base.update(overrides)
    return base


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def feat(geometry: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def zigzag(teeth: int) -> dict[str, Any]:
    """A valid polygon of thin teeth: GEOS's simplification recurses once per tooth on it."""
    x0, y0, width, height = 46.5, 39.7, 0.3, 0.2
    top = [
        [x0 + width * i / (teeth - 1), y0 + (height if i % 2 == 0 else height * 0.02)]
        for i in range(teeth)
    ]
    ring = [*top, [x0 + width, y0], [x0, y0], top[0]]
    return {"type": "Polygon", "coordinates": [ring]}


def layer_meta(**overrides: Any) -> dict[str, Any]:
    """A new area layer's metadata that passes every check, with some fields overridden."""
    return {
        "id": "sites",
        "title": "Sites",
        "kind": "area",
        "valid_from": "2021-01-01",
        "sources": [{"title": "S", "url": "https://example.org", "licence": "CC0"}],
        "method": "m",
        "uncertainty_km": 1,
        **overrides,
    }


WriteAtlas = Callable[[list[tuple[dict[str, Any], Any]]], Path]


@pytest.fixture
def write_atlas(tmp_path: Path) -> WriteAtlas:
    """Write a catalog of (entry, GeoJSON document) pairs into a temporary geodata folder."""

    def write(layers: list[tuple[dict[str, Any], Any]]) -> Path:
        root = tmp_path / "geodata"
        (root / "layers").mkdir(parents=True, exist_ok=True)
        for ent, doc in layers:
            text = doc if isinstance(doc, str) else json.dumps(doc)
            (root / ent["file"]).write_text(text, encoding="utf-8")
        catalog = {"version": 1, "layers": [ent for ent, _ in layers]}
        (root / "catalog.json").write_text(json.dumps(catalog), encoding="utf-8")
        return root

    return write


# Text that would run script or break out of markup if it were ever inserted unescaped.
HOSTILE = '<img src=x onerror="window.top.__pwned=1">${window.top.__pwned=2}'
HOSTILE_KEY = "<script>window.top.__pwned=3</script>"
HOSTILE_TITLE = "<b>Hostile</b> layer `code` [link](javascript:alert(1)) $x$"


@pytest.fixture
def hostile_geodata(geodata_copy: Path) -> Path:
    """The shipped atlas plus one layer whose title, properties and source are hostile text,
    shown from 10 November 2020 as a small area near Stepanakert / Khankendi."""
    root = geodata_copy
    layer = entry(
        "hostile",
        title=HOSTILE_TITLE,
        shows="other",
        description=HOSTILE,
        valid_from="2020-11-10",
        valid_to=None,
        method=HOSTILE,
        sources=[{"title": HOSTILE, "url": "javascript:alert(1)", "licence": HOSTILE}],
        notes=[HOSTILE],
    )
    doc = collection(feat(square(46.70, 39.78, 0.06), name=HOSTILE, **{HOSTILE_KEY: HOSTILE}))
    (root / layer["file"]).write_text(json.dumps(doc), encoding="utf-8")
    catalog = json.loads((root / "catalog.json").read_text(encoding="utf-8"))
    catalog["layers"].append(layer)
    (root / "catalog.json").write_text(json.dumps(catalog), encoding="utf-8")
    return root


@pytest.fixture
def geodata_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped geodata/, to write into."""
    root = tmp_path / "geodata-copy"
    shutil.copytree(load_atlas().root, root)
    return root


# Tests that drive the dashboard in headless Chromium: `make check` leaves them to `make test`.
BROWSER_MODULES = (
    "test_browser.py",
    "test_layout.py",
    "test_folium_browser.py",
    "test_publish.py",
    "test_parts_browser.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in BROWSER_MODULES:
            item.add_marker(pytest.mark.browser)


# ---- crafted layer files (the readers' and the dashboard's tests) ----

SQUARE = Polygon([(46.6, 39.7), (46.7, 39.7), (46.7, 39.8), (46.6, 39.8)])


def gpkg_bytes(tmp_path: Path, frame: gpd.GeoDataFrame, name: str = "layer") -> bytes:
    path = tmp_path / f"{name}.gpkg"
    frame.to_file(path, driver="GPKG", layer=name)
    return path.read_bytes()


def shapefile_zip(tmp_path: Path, frame: gpd.GeoDataFrame, prefix: str = "") -> bytes:
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    frame.to_file(folder / "roads.shp")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for part in sorted(folder.iterdir()):
            z.write(part, prefix + part.name)
    return out.getvalue()


def gpkg_with(tmp_path: Path, *statements: str) -> bytes:
    """A good GeoPackage (in EPSG:3857) changed by SQL statements."""
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[SQUARE], crs=4326).to_crs(3857)
    path = tmp_path / "crafted.gpkg"
    frame.to_file(path, driver="GPKG", layer="layer")
    con = sqlite3.connect(path)
    with con:
        for sql in statements:
            con.execute(sql)
    con.close()
    return path.read_bytes()
