"""Catalog loading and layer checks on small layers built in code."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import WriteAtlas, collection, entry, feat, square
from nkmap.atlas.catalog import load_atlas
from nkmap.atlas.validate import check_collection
from nkmap.errors import CatalogError, ValidationError


def problems_of(write_atlas: WriteAtlas, layers: list) -> str:
    root = write_atlas(layers)
    with pytest.raises(ValidationError) as info:
        load_atlas(root)
    return str(info.value)


def test_good_catalog_loads_with_feature_dates_resolved(write_atlas: WriteAtlas) -> None:
    layer = collection(
        feat(square(46.0, 39.5), controller="armenian"),
        feat(square(46.2, 39.5), controller="azerbaijani", valid_from="2005-01-01"),
    )
    atlas = load_atlas(write_atlas([(entry("a"), layer)]))
    f = atlas.features
    assert list(f["controller"]) == ["armenian", "azerbaijani"]
    assert list(f["valid_from"]) == [dt.date(2000, 1, 1), dt.date(2005, 1, 1)]
    assert list(f["valid_to"]) == [dt.date(2010, 1, 1)] * 2
    assert len(atlas.valid_on(dt.date(2001, 1, 1))) == 1
    assert len(atlas.valid_on(dt.date(2010, 1, 1))) == 0  # valid_to is exclusive


def test_missing_fields_are_named(write_atlas: WriteAtlas) -> None:
    bad = entry("a")
    del bad["method"]
    bad["sources"] = []
    msg = problems_of(
        write_atlas, [(bad, collection(feat(square(46, 39.5), controller="armenian")))]
    )
    assert "layer 'a': method: found missing; accepted: a value" in msg
    assert "layer 'a': sources: found missing" in msg


def test_bad_dates_and_unknown_kind(write_atlas: WriteAtlas) -> None:
    bad = entry("a", valid_from="2010-01-01", valid_to="2001-01-01", kind="blob")
    msg = problems_of(write_atlas, [(bad, collection())])
    assert "layer 'a': valid_to: found 2001-01-01; accepted: a date after 2010-01-01" in msg
    assert "layer 'a': kind: found 'blob'; accepted: area, line, point" in msg


def test_source_without_licence(write_atlas: WriteAtlas) -> None:
    bad = entry("a", sources=[{"title": "x", "url": "https://x.org"}])
    msg = problems_of(
        write_atlas, [(bad, collection(feat(square(46, 39.5), controller="armenian")))]
    )
    assert "sources[0]" in msg and "title, url and licence" in msg


def test_duplicate_ids_case_insensitive_and_path_escape(write_atlas: WriteAtlas) -> None:
    good = collection(feat(square(46, 39.5), controller="armenian"))
    escape = entry("b", file="../outside.geojson")
    msg = problems_of(
        write_atlas,
        [(entry("a"), good), (entry("a", file="layers/a2.geojson"), good), (escape, good)],
    )
    assert "layer 'a': id: found a duplicate" in msg
    assert "layer 'b': file: found ../outside.geojson; accepted: a .geojson file in geodata/" in msg


def test_every_geometry_problem_is_reported_at_once() -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[46, 39], [46.1, 39.1], [46.1, 39], [46, 39.1], [46, 39]]],
    }
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
        "features": [
            feat(bowtie, controller="armenian"),
            feat(None, controller="armenian"),
            feat(square(5_100_000, 4_400_000), controller="armenian"),
            feat(square(39.5, 46.0), controller="armenian"),
            feat(square(46.0, 39.5), controller="rebels"),
            feat({"type": "Point", "coordinates": [46.0, 39.5]}, controller="armenian"),
        ],
    }
    _, problems = check_collection(doc, "t.geojson", kind="area", shows="control")
    text = "\n".join(map(str, problems))
    assert "t.geojson: crs: found" in text and "no 'crs' member" in text
    assert "feature 0: geometry: found invalid (Self-intersection" in text
    assert "feature 1: geometry: found null" in text
    assert "feature 2: geometry.coordinates" in text and "metres given as degrees" in text
    assert "feature 3" in text and "lon and lat look swapped" in text
    assert "feature 4: properties.controller: found 'rebels'" in text
    assert "feature 5: geometry.type: found Point; accepted: Polygon or MultiPolygon" in text


def test_checked_geometries_are_the_ones_geos_reads_from_the_text() -> None:
    # Made from arrays (without writing the GeoJSON out for GEOS to parse again): every
    # geometry of the shipped atlas is the one GEOS reads, vertex for vertex; one that cannot
    # be made so is left to GEOS, which names its problem.
    import shapely

    atlas = load_atlas()
    types = set()
    for layer in atlas.entries:
        doc = json.loads((atlas.root / layer.file).read_text(encoding="utf-8"))
        good, problems = check_collection(doc, layer.file, layer.kind, layer.shows)
        assert problems == [] and len(good) == len(doc["features"]), layer.file
        for (_, geom), raw in zip(good, doc["features"], strict=True):
            expected = shapely.from_geojson(json.dumps(raw["geometry"]))
            assert shapely.to_wkb(geom) == shapely.to_wkb(expected), layer.file
            types.add(geom.geom_type)
    # Areas with holes and in parts, lines and points.
    assert {"Polygon", "MultiPolygon", "Point"} <= types and types & {
        "LineString",
        "MultiLineString",
    }
    holes = {
        "type": "Polygon",
        "coordinates": [
            [[46, 39], [46.3, 39], [46.3, 39.3], [46, 39.3], [46, 39]],
            [[46.05, 39.05], [46.1, 39.05], [46.1, 39.1], [46.05, 39.05]],
            [[46.2, 39.2], [46.25, 39.2], [46.25, 39.25], [46.2, 39.25], [46.2, 39.2]],
        ],
    }
    lines = {"type": "MultiLineString", "coordinates": [[[46, 39], [46.1, 39.1]], [[46.2, 39]]]}
    good, problems = check_collection(collection(feat(holes), feat(lines)), "t")
    assert shapely.to_wkb(good[0][1]) == shapely.to_wkb(shapely.from_geojson(json.dumps(holes)))
    assert [(p.where, p.field) for p in problems] == [("t: feature 1", "geometry")]


def test_nan_and_3d_coordinates() -> None:
    nan = feat({"type": "Point", "coordinates": [float("nan"), 39.5]})
    three_d = feat({"type": "Point", "coordinates": [46.0, 39.5, 100.0]})
    _, problems = check_collection(collection(nan, three_d), "p", kind="point")
    text = "\n".join(map(str, problems))
    assert "feature 0: geometry.coordinates" in text and "finite numbers" in text
    assert "feature 1: geometry.coordinates: found 3D positions" in text


def test_not_json_and_not_a_collection(write_atlas: WriteAtlas, tmp_path: Path) -> None:
    msg = problems_of(write_atlas, [(entry("a"), "{not json")])
    assert "layer 'a': file:" in msg and "not valid JSON" in msg
    _, problems = check_collection({"type": "Feature"}, "x")
    assert str(problems[0]) == "x: type: found 'Feature'; accepted: 'FeatureCollection'"
    _, problems = check_collection(collection(), "x")
    assert str(problems[0]) == "x: features: found list; accepted: at least one feature"


def test_deeply_nested_json_is_refused_not_crashing(write_atlas: WriteAtlas) -> None:
    msg = problems_of(write_atlas, [(entry("a"), "[" * 100_000 + "]" * 100_000)])
    assert "layer 'a': file:" in msg


def test_catalog_itself_unreadable(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"catalog.json: cannot read the file"):
        load_atlas(tmp_path)
    (tmp_path / "catalog.json").write_text(json.dumps({"layers": "no"}))
    with pytest.raises(CatalogError, match="expected an object with a 'layers' list"):
        load_atlas(tmp_path)


def test_the_data_version_is_the_latest_release_and_the_citations() -> None:
    """catalog.json's data_version is the first release listed in geodata/CHANGES.md, and
    CITATION.cff cites that version; the derivation writes the same."""
    import re

    from nkmap.atlas.catalog import load_atlas
    from nkmap.derive.atlas import DATA_VERSION

    root = Path(__file__).resolve().parents[1]
    version = load_atlas().data_version
    releases = re.findall(r"^## (\S+)$", (root / "geodata" / "CHANGES.md").read_text(), re.M)
    assert releases and releases[0] == version == DATA_VERSION
    assert releases == sorted(releases, reverse=True)
    citation = (root / "CITATION.cff").read_text()
    assert f'version: "{version}"' in citation
    year, month, day = version.split(".")[:3]
    assert f'date-released: "{year}-{month}-{day}"' in citation


def test_a_catalog_without_a_data_version_is_unversioned_and_a_bad_one_refused(
    tmp_path: Path,
) -> None:
    import json

    from nkmap.atlas.catalog import load_atlas
    from nkmap.atlas.entries import UNVERSIONED
    from nkmap.errors import CatalogError

    (tmp_path / "catalog.json").write_text(json.dumps({"layers": []}))
    assert load_atlas(tmp_path).data_version == UNVERSIONED
    (tmp_path / "catalog.json").write_text(json.dumps({"data_version": "<b>", "layers": []}))
    with pytest.raises(CatalogError, match="data_version"):
        load_atlas(tmp_path)


def test_rows_select_and_group_as_a_frame_does() -> None:
    import geopandas as gpd
    import shapely

    from nkmap.atlas.rows import Rows, groups, no_rows

    points = [shapely.Point(i, 0) for i in range(5)]
    shows = ["control", "places", "control", "events", "places"]
    rows = Rows({"shows": shows, "n": list(range(5)), "geometry": points})
    frame = gpd.GeoDataFrame({"shows": shows, "n": list(range(5))}, geometry=points)
    assert len(rows) == 5 and rows.columns == ["shows", "n", "geometry"]
    for table in (rows, frame):
        found = groups(table, "shows")
        assert list(found) == ["control", "places", "events"]  # in the order first met
        assert [list(g["n"]) for g in found.values()] == [[0, 2], [1, 4], [3]]
        assert len(no_rows(table)) == 0 and list(no_rows(table)["shows"]) == []
    assert list(rows.where(n % 2 == 0 for n in rows["n"])["n"]) == [0, 2, 4]
    assert rows.take([4, 0]).geometry == [points[4], points[0]]
    with pytest.raises(ValueError, match="different lengths"):
        Rows({"shows": shows, "geometry": points[:2]})
