"""One test per catalog entry of the shipped atlas: file, format, geometry, dates, sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from nkmap.atlas.vocabulary import CONTROLLERS, KINDS, REGION_BBOX
from nkmap.settings import default_geodata

GEODATA = default_geodata()
CATALOG = json.loads((GEODATA / "catalog.json").read_text(encoding="utf-8"))
ENTRIES = CATALOG["layers"]
BASEMAP = {"countries", "rayons", "places"}


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["id"] for e in ENTRIES])
def test_layer_file_is_rfc7946_within_region_and_valid(entry: dict) -> None:
    path = GEODATA / entry["file"]
    assert path.is_file()
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc
    assert doc["features"]
    west, south, east, north = REGION_BBOX
    # Base maps reach a little beyond the region; every dated layer stays inside it.
    wide = {"countries": 4.0, "rayons": 4.0}
    margin = wide.get(entry["shows"], 1.0 if entry["shows"] in BASEMAP else 0.0)
    for feature in doc["features"]:
        geom = shape(feature["geometry"])
        assert feature["geometry"]["type"] in KINDS[entry["kind"]]
        assert geom.is_valid, shapely.is_valid_reason(geom)
        assert not geom.is_empty
        minx, miny, maxx, maxy = geom.bounds
        assert west - margin <= minx and maxx <= east + margin
        assert south - margin <= miny and maxy <= north + margin
        assert shapely.get_coordinate_dimension(geom) == 2
        if entry["shows"] == "control":
            assert feature["properties"]["controller"] in CONTROLLERS
        if entry["kind"] == "area" and entry["shows"] not in BASEMAP:
            assert "controller" in feature["properties"]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["id"] for e in ENTRIES])
def test_layer_entry_has_dates_sources_method_uncertainty(entry: dict) -> None:
    if entry["shows"] not in BASEMAP:
        assert entry["valid_from"]
    if entry["valid_from"] and entry["valid_to"]:
        assert entry["valid_from"] < entry["valid_to"]
    assert entry["sources"]
    for source in entry["sources"]:
        assert source["title"] and source["licence"]
        assert source["url"].startswith(("http://", "https://"))
    assert len(entry["method"]) > 20
    assert entry["uncertainty_km"] >= 0
    assert entry["title"] and entry["description"]
    if entry["approximate"]:
        assert entry["notes"], "an approximate layer says why in its notes"


def test_every_file_in_geodata_is_in_the_catalog() -> None:
    listed = {Path(e["file"]).name for e in ENTRIES}
    on_disk = {p.name for p in (GEODATA / "layers").glob("*")}
    assert on_disk == listed


def test_geometry_comes_only_from_allowed_sources() -> None:
    allowed = ("Public domain", "CC BY 4.0")
    for entry in ENTRIES:
        licences = {s["licence"] for s in entry["sources"]}
        assert licences & set(allowed), entry["id"]


def test_every_event_is_dated_worded_and_sourced() -> None:
    doc = json.loads((GEODATA / "layers" / "events.geojson").read_text(encoding="utf-8"))
    for feature in doc["features"]:
        props = feature["properties"]
        assert props["date"] == props["valid_from"], props["id"]
        assert props["title"] and len(props["description"]) > 30, props["id"]
        assert props["status"] in ("solid", "disputed", "unsure"), props["id"]
        if props["status"] == "disputed":
            assert props["note"], f"{props['id']}: a disputed event says what each source says"
        assert props["sources"], props["id"]
        for source in props["sources"]:
            assert source["url"].startswith(("http://", "https://")), props["id"]
            assert source["title"] and source["licence"], props["id"]


def test_every_town_has_both_name_forms() -> None:
    doc = json.loads((GEODATA / "layers" / "basemap-places.geojson").read_text(encoding="utf-8"))
    names = {f["properties"]["id"]: f["properties"] for f in doc["features"]}
    assert names["stepanakert"]["name"] == "Stepanakert / Khankendi"
    assert names["shusha"]["name"] == "Shushi / Shusha"
    assert names["martakert"]["name"] == "Martakert / Aghdara"
    assert names["lachin"]["name"] == "Berdzor / Lachin"
    for props in names.values():
        assert props["name_hy"] and props["name_az"]
