"""Reading candidate layers: each format, and each way a file can try to deceive or hurt."""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import struct
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from conftest import SQUARE, gpkg_bytes, gpkg_with, shapefile_zip
from nkmap.atlas.validate import check_collection
from nkmap.errors import LayerFileError
from nkmap.layers.readers import check_wkb, read_candidate
from nkmap.settings import MAX_FILE_BYTES


def geojson(*features: dict[str, object]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def point(lon: float, lat: float, *z: float, **props: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [lon, lat, *z]},
    }


def refused(data: bytes, name: str, message: str, **kwargs: str) -> None:
    with pytest.raises(LayerFileError) as exc:
        read_candidate(data, name, **kwargs)
    assert message in str(exc.value)


# ---- what the bytes are ----------------------------------------------------------------------


def test_a_vrt_named_geojson_is_refused_before_any_gis_library_sees_it() -> None:
    vrt = b'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd</SrcDataSource>'
    refused(
        vrt + b"</OGRVRTLayer></OGRVRTDataSource>",
        "layer.geojson",
        "layer.geojson: named as geojson but its content is XML that is not KML",
    )


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"{}", "layer.exe", "extension '.exe' not accepted"),
        (b"{}", "layer", "extension '(none)' not accepted"),
        (b"   \n", "layer.geojson", "the file is empty"),
        (b"SQLite format 3\x00" + b"\x00" * 100, "layer.geojson", "its content is a gpkg file"),
        (b"PK\x03\x04" + b"\x00" * 30, "layer.kml", "its content is a shapefile file"),
        (b"\x00\x01binary", "layer.gpkg", "its content is not a known format"),
        (b"{", "layer.geojson", "not valid JSON"),
        (b'{"a": NaN}', "layer.geojson", "NaN is not allowed in JSON"),
        (b'{"a": -Infinity}', "layer.json", "-Infinity is not allowed in JSON"),
    ],
)
def test_content_and_name_must_agree(data: bytes, name: str, message: str) -> None:
    refused(data, name, message)


def test_deep_nesting_is_refused_without_crashing() -> None:
    refused(b"[" * 200_000 + b"]" * 200_000, "deep.geojson", "deep.geojson: not valid JSON")


def test_size_limit_is_enforced_with_the_limit_in_the_message() -> None:
    refused(
        b"{" + b" " * MAX_FILE_BYTES + b"}", "big.geojson", f"the limit is {MAX_FILE_BYTES:,} bytes"
    )


def test_only_the_file_name_is_used_never_its_path() -> None:
    found = read_candidate(geojson(point(46.7, 39.8)), "/etc/../../secret/dir/layer.geojson")
    assert found.name == "layer.geojson"


# ---- GeoJSON -----------------------------------------------------------------------------------


def test_heights_are_dropped_with_a_note() -> None:
    found = read_candidate(geojson(point(46.7, 39.8, 1200.0)), "l.geojson")
    assert found.doc["features"][0]["geometry"]["coordinates"] == [46.7, 39.8]
    assert found.notes == ["Heights (z) were dropped from 1 feature(s)."]
    good, problems = check_collection(found.doc, found.name, "point")
    assert problems == [] and len(good) == 1


# ---- GeoPackage --------------------------------------------------------------------------------


def test_geopackage_is_read_and_reprojected(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"name": ["a"], "pop": [3]}, geometry=[SQUARE], crs=4326)
    data = gpkg_bytes(tmp_path, frame.to_crs(3857))
    found = read_candidate(data, "layer.gpkg")
    assert found.fmt == "gpkg"
    assert found.notes == ["Reprojected from WGS 84 / Pseudo-Mercator to WGS84 lon/lat."]
    (feature,) = found.doc["features"]
    assert feature["properties"] == {"name": "a", "pop": 3}
    ring = feature["geometry"]["coordinates"][0]
    assert ring[0] == pytest.approx([46.6, 39.7])
    assert check_collection(found.doc, found.name, "area")[1] == []


def test_geopackage_in_wgs84_needs_no_note(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(46.7, 39.8)], crs=4326)
    found = read_candidate(gpkg_bytes(tmp_path, frame), "layer.gpkg")
    assert found.notes == []
    assert found.doc["features"][0]["geometry"] == {"type": "Point", "coordinates": [46.7, 39.8]}


def test_geopackage_with_a_geometry_collection_is_refused(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(46.7, 39.8)], crs=4326)
    path = tmp_path / "x.gpkg"
    frame.to_file(path, driver="GPKG", layer="x")
    nested = struct.pack("<BII", 1, 7, 1) * 3 + struct.pack("<BIdd", 1, 1, 46.7, 39.8)
    with sqlite3.connect(path) as con:
        for (trigger,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
            con.execute(f'DROP TRIGGER "{trigger}"')
        con.execute("UPDATE x SET geom = ?", (b"GP\x00\x01" + struct.pack("<i", 4326) + nested,))
    refused(path.read_bytes(), "x.gpkg", "x.gpkg: feature 0: geometry geometry type 7")


def test_geopackage_with_two_tables_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    frame = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(46.7, 39.8)], crs=4326)
    frame.to_file(path, driver="GPKG", layer="one")
    frame.to_file(path, driver="GPKG", layer="two", mode="a")
    refused(path.read_bytes(), "two.gpkg", "expected one feature table, found 'one', 'two'")


def test_wkb_walker_accepts_simple_geometries_and_refuses_the_rest() -> None:
    assert check_wkb(SQUARE.wkb) == (5, False)
    for bad, message in (
        (SQUARE.wkb[:-3], "truncated"),
        (SQUARE.wkb + b"\x00", "trailing bytes"),
        (struct.pack("<BII", 1, 7, 0), "geometry type 7"),
        (struct.pack("<BII", 1, 6, 1) + struct.pack("<BIdd", 1, 1, 1.0, 2.0), "holding a Point"),
        (struct.pack("<BI", 1, 2) + struct.pack("<I", 10**9), "too many positions"),
    ):
        with pytest.raises(ValueError, match=message):
            check_wkb(bad)


# ---- zipped Shapefile ---------------------------------------------------------------------------


def test_zipped_shapefile_is_read_and_reprojected(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[SQUARE], crs=4326).to_crs(32638)
    found = read_candidate(shapefile_zip(tmp_path, frame), "roads.zip")
    assert found.fmt == "shapefile"
    assert found.notes == ["Reprojected from WGS 84 / UTM zone 38N to WGS84 lon/lat."]
    ring = found.doc["features"][0]["geometry"]["coordinates"][0]
    assert [round(v, 6) for v in ring[0]] in (
        [46.6, 39.7],
        [46.7, 39.7],
        [46.6, 39.8],
        [46.7, 39.8],
    )
    assert check_collection(found.doc, found.name, "area")[1] == []


def test_member_names_never_become_paths(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(46.7, 39.8)], crs=4326)
    data = shapefile_zip(tmp_path, frame, prefix="../../escape/")
    found = read_candidate(data, "roads.zip")
    assert len(found.doc["features"]) == 1
    # Extracted by name into <tmp>/nkmap-shp-*/, they would have landed here.
    assert not (Path(tempfile.gettempdir()).parent / "escape").exists()


def test_zip_checks(tmp_path: Path) -> None:
    def zipped(**members: bytes) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for name, body in members.items():
                z.writestr(name.replace("_", "."), body)
        return out.getvalue()

    refused(zipped(a_shp=b"x", a_dbf=b"x"), "a.zip", "a.zip: the zip lacks .shx")
    refused(
        zipped(a_shp=b"<OGRVRTDataSource/>" * 10, a_shx=b"x", a_dbf=b"\x03"),
        "a.zip",
        "the .shp file is not a Shapefile",
    )
    refused(zipped(**{f"f{i}_txt": b"" for i in range(13)}), "a.zip", "13 files in the zip")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.shp", b"\x00" * (MAX_FILE_BYTES * 3 + 1))
    refused(bomb.getvalue(), "a.zip", f"the limit is {MAX_FILE_BYTES * 3:,} bytes")
    refused(b"PK\x03\x04garbage", "a.zip", "not a readable zip file")


# ---- KML ---------------------------------------------------------------------------------------

KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>Site A</name><description>&lt;b&gt;clinic&lt;/b&gt;</description>
<ExtendedData><Data name="staff"><value>12</value></Data></ExtendedData>
<Point><coordinates>46.75,39.82,0</coordinates></Point></Placemark>
<Placemark><name>Area</name><Polygon>
<innerBoundaryIs><LinearRing><coordinates>
46.62,39.72 46.64,39.72 46.64,39.74 46.62,39.72
</coordinates></LinearRing></innerBoundaryIs>
<outerBoundaryIs><LinearRing><coordinates>
46.6,39.7 46.7,39.7 46.7,39.8 46.6,39.8 46.6,39.7
</coordinates></LinearRing></outerBoundaryIs>
</Polygon></Placemark>
</Document></kml>"""


def test_kml_placemarks_become_features() -> None:
    found = read_candidate(KML.encode(), "sites.kml")
    site, area = found.doc["features"]
    assert site["properties"] == {"name": "Site A", "description": "<b>clinic</b>", "staff": "12"}
    assert site["geometry"] == {"type": "Point", "coordinates": [46.75, 39.82]}
    assert area["geometry"]["coordinates"][0][0] == [46.6, 39.7]  # the outer ring first
    assert found.notes == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaa">]><kml>&a;</kml>',
            "document type declarations are not accepted",
        ),
        ("<kml><Document></Document></kml>", "no Placemark in the KML"),
        (
            "<kml><Placemark><Point><coordinates>x,y</coordinates></Point></Placemark></kml>",
            "placemark 0: coordinates 'x,y': expected numbers",
        ),
        (
            "<kml><Placemark><MultiGeometry><Point><coordinates>46,39</coordinates></Point>"
            "<LineString><coordinates>46,39 47,40</coordinates></LineString></MultiGeometry>"
            "</Placemark></kml>",
            "mixed geometry types (LineString, Point)",
        ),
        ("<kml><Placemark>", "not well-formed XML"),
    ],
)
def test_kml_checks(text: str, message: str) -> None:
    refused(text.encode(), "sites.kml", message)


def test_what_gdal_warns_of_in_a_shapefile_is_said(tmp_path: Path) -> None:
    # A number in the .dbf with a stray character after it: GDAL reads what it can (1.1) and
    # warns. The warning becomes a note of the read, never an exception escaping from GDAL.
    frame = gpd.GeoDataFrame({"n": [1.1]}, geometry=[SQUARE], crs=4326)
    members = {}
    with zipfile.ZipFile(io.BytesIO(shapefile_zip(tmp_path, frame))) as z:
        for name in z.namelist():
            members[name] = z.read(name)
    dbf = next(name for name in members if name.endswith(".dbf"))
    value = re.search(rb"1\.10+", members[dbf])
    assert value is not None
    members[dbf] = members[dbf][: value.end() - 1] + b"[" + members[dbf][value.end() :]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, body in members.items():
            z.writestr(name, body)
    found = read_candidate(out.getvalue(), "roads.zip")
    assert found.doc["features"][0]["properties"]["n"] == 1.1
    said = [note for note in found.notes if note.startswith("GDAL: ")]
    assert len(said) == 1 and "parsed incompletely" in said[0], found.notes


def test_a_corrupt_shapefile_ends_in_an_nkmap_error(tmp_path: Path) -> None:
    """Errors from the libraries that read a Shapefile are translated at the reader's door:
    only nkmap's errors (ValueErrors, with the file's name) come out."""
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[SQUARE], crs=4326)
    good = shapefile_zip(tmp_path, frame)
    members = {}
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        for name in z.namelist():
            members[name] = z.read(name)
    shx = next(name for name in members if name.endswith(".shx"))
    for broken in (b"\x00" * 100, members[shx][:50] + b"\xff" * 50, b""):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for name, body in members.items():
                z.writestr(name, broken if name == shx else body)
        with pytest.raises(LayerFileError) as exc:
            read_candidate(out.getvalue(), "roads.zip")
        assert isinstance(exc.value, ValueError)
        assert str(exc.value).startswith("roads.zip: ")


@pytest.mark.parametrize(
    "data",
    [
        # UTF-16 hides a document type declaration from a byte search.
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE k [<!ENTITY a "b">]>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&a;</name>'
        "<Point><coordinates>46.7,39.8</coordinates></Point></Placemark></kml>".encode("utf-16"),
        # UTF-8 bytes that declare another encoding.
        b'<?xml version="1.0" encoding="UTF-16"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        b"<Placemark><Point><coordinates>46.7,39.8</coordinates></Point></Placemark></kml>",
    ],
    ids=["utf-16", "declared-utf-16"],
)
def test_kml_that_is_not_utf8_is_refused(data: bytes) -> None:
    with pytest.raises(LayerFileError, match=r"x\.kml"):
        read_candidate(data, "x.kml")


@pytest.mark.parametrize(
    "definition",
    [
        'PROJCS["x",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257]],'
        'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],'
        'PARAMETERFILE["Geocentric translation file","{fifo}"]]',
        "+proj=longlat +ellps=WGS84 +nadgrids={fifo}",
        "+init=epsg:3857",
        "+proj=longlat +nadgrids=https://cdn.proj.org/x.tif",
    ],
    ids=["wkt-parameter-file", "proj-grid", "proj-init", "proj-url"],
)
def test_a_crs_that_names_a_file_or_an_address_is_refused_unopened(
    tmp_path: Path, definition: str
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opening it would block the reader for ever
    sql = definition.replace("{fifo}", str(fifo)).replace("'", "''")
    data = gpkg_with(
        tmp_path, f"UPDATE gpkg_spatial_ref_sys SET definition = '{sql}' WHERE srs_id = 3857"
    )
    with pytest.raises(LayerFileError, match=r"crafted\.gpkg: the CRS definition refers"):
        read_candidate(data, "crafted.gpkg")
    with pytest.raises(LayerFileError, match="--crs"):
        read_candidate(
            gpkg_bytes(tmp_path, gpd.GeoDataFrame(geometry=[SQUARE], crs=4326)),
            "x.gpkg",
            definition.replace("{fifo}", str(fifo)),
        )


def test_a_geopackage_that_computes_columns_when_read_is_refused(tmp_path: Path) -> None:
    data = gpkg_with(
        tmp_path,
        "ALTER TABLE layer ADD COLUMN huge TEXT "
        "GENERATED ALWAYS AS (printf('%.*c', 2000000000, 'x')) VIRTUAL",
    )
    with pytest.raises(
        LayerFileError, match=r"crafted\.gpkg: the table computes columns when read \(huge\)"
    ):
        read_candidate(data, "crafted.gpkg")


def test_a_zip_compressed_other_than_with_deflate_is_refused(tmp_path: Path) -> None:
    good = shapefile_zip(tmp_path, gpd.GeoDataFrame({"n": [1]}, geometry=[SQUARE], crs=4326))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for member in src.infolist():
            dst.writestr(member.filename, src.read(member), zipfile.ZIP_BZIP2)
    with pytest.raises(LayerFileError, match=r"layer\.zip: .* other than deflate"):
        read_candidate(out.getvalue(), "layer.zip")


def test_a_prj_that_names_a_grid_is_refused_before_gdal_reads_it(tmp_path: Path) -> None:
    good = shapefile_zip(tmp_path, gpd.GeoDataFrame({"n": [1]}, geometry=[SQUARE], crs=4326))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for member in src.infolist():
            body = src.read(member)
            if member.filename.endswith(".prj"):
                body = b"+proj=longlat +nadgrids=/etc/passwd"
            dst.writestr(member.filename, body, zipfile.ZIP_DEFLATED)
    with pytest.raises(LayerFileError, match=r"layer\.zip: the \.prj file refers"):
        read_candidate(out.getvalue(), "layer.zip")


def test_a_shx_that_does_not_match_its_shp_is_refused(tmp_path: Path) -> None:
    """GDAL reads a Shapefile through its .shx index: an index from another file would drop
    features without a word."""
    three = gpd.GeoDataFrame({"n": [1, 2, 3]}, geometry=[SQUARE] * 3, crs=4326)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    good = shapefile_zip(tmp_path / "a", three)
    two = shapefile_zip(tmp_path / "b", three.iloc[:2])
    with zipfile.ZipFile(io.BytesIO(two)) as z:
        short_index = next(z.read(m) for m in z.infolist() if m.filename.endswith(".shx"))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for member in src.infolist():
            body = short_index if member.filename.endswith(".shx") else src.read(member)
            dst.writestr(member.filename, body, zipfile.ZIP_DEFLATED)
    with pytest.raises(LayerFileError, match=r"layer\.zip: the \.shx index lists 2 features"):
        read_candidate(out.getvalue(), "layer.zip")
    assert len(read_candidate(good, "layer.zip").doc["features"]) == 3


def test_a_layer_in_a_local_crs_is_refused_with_a_message(tmp_path: Path) -> None:
    # GDAL writes a layer without a CRS with its "Undefined SRS", a local CRS that no
    # transformation leads from; found by tests/test_fuzz.py, which ended in PROJ's traceback.
    import warnings

    frame = gpd.GeoDataFrame(geometry=[Point(46.7, 39.8)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the warning that the layer has no CRS
        data = gpkg_bytes(tmp_path, frame)
    with pytest.raises(LayerFileError, match=r"layer\.gpkg: CRS GDAL:99999 \(Undefined SRS\) "):
        read_candidate(data, "layer.gpkg")
    assert read_candidate(data, "layer.gpkg", crs="EPSG:4326").doc["features"]
    local = (
        'ENGCRS["site grid",EDATUM["site"],CS[Cartesian,2],AXIS["x",east],AXIS["y",north],'
        'LENGTHUNIT["metre",1]]'
    )
    with pytest.raises(LayerFileError, match=r"--crs .*cannot be converted"):
        read_candidate(data, "layer.gpkg", crs=local)
