"""Fuzzing the doors a layer comes in by: malformed and adversarial files for every reader (any
bytes behind each format's first bytes, and structured files: GeoJSON documents, GeoPackages
and Shapefiles written by GDAL and then changed where their formats keep their meaning, KML
documents), and metadata for the checks. Two invariants hold for every input Hypothesis makes:

- only nkmap errors escape (a one-line message naming the file), never another exception;
- an add the checks accept leaves an atlas that loads and lists the layer; an add they refuse
  leaves geodata/ byte for byte as it was.

CI runs a fixed, derandomised set (`make test`); `make fuzz` runs many more, at random. Inputs
that once got through are kept below as explicit examples.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import string
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import layer_meta
from nkmap.atlas.catalog import load_atlas
from nkmap.atlas.timeline import Change
from nkmap.atlas.validate import check_collection
from nkmap.errors import NkmapError
from nkmap.layers.meta import META_FIELDS
from nkmap.layers.readers import Candidate, read_candidate
from nkmap.layers.store import check, save
from nkmap.present.basemaps import BASE_MAPS
from nkmap.present.style import NAME_FORMS
from nkmap.web.view import View, parse_view, view_params, with_map_value
from nkmap.webmap.value import MapValue

# Each run makes many inputs: `make check` leaves them to `make test`.
pytestmark = pytest.mark.slow

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "fuzz",
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("NKMAP_FUZZ_PROFILE", "ci"))

# Any JSON value, with the texts an attacker favours (controls, surrogates, markup).
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(string.printable)),
        st.sampled_from(["\x00", "\x07", "\u202e", "\ud800", "<", ">", "&", "$", "`", "é", "ə"]),
    ),
    max_size=20,
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=44.0, max_value=48.0),
    st.floats(min_value=38.0, max_value=42.0),
)
JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), NUMBERS, TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=25,
)
GEOMETRY_TYPES = [
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
    "Feature",
    "Circle",
]
POSITION = st.lists(NUMBERS, min_size=0, max_size=4)
COORDINATES = st.recursive(POSITION, lambda inner: st.lists(inner, max_size=6), max_leaves=40)
GEOMETRY = st.one_of(
    JSON,
    st.fixed_dictionaries({"type": st.sampled_from(GEOMETRY_TYPES), "coordinates": COORDINATES}),
)
FEATURE = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["Feature", "feature", "FeatureCollection"]),
            "properties": st.one_of(st.none(), JSON, st.dictionaries(TEXT, JSON, max_size=4)),
            "geometry": GEOMETRY,
        }
    ),
)
COLLECTION = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["FeatureCollection", "Feature", "Topology"]),
            "features": st.one_of(JSON, st.lists(FEATURE, max_size=5)),
        },
        optional={"crs": JSON, "bbox": JSON},
    ),
)
# The first bytes each reader is chosen by, followed by anything.
HEADS = {
    "x.geojson": b'{"type": "FeatureCollection", "features": [',
    "x.gpkg": b"SQLite format 3\x00",
    "x.zip": b"PK\x03\x04",
    "x.kml": b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2">',
}


def only_nkmap_errors(action: Any) -> None:
    try:
        action()
    except NkmapError as exc:
        message = str(exc)
        assert message and "Traceback" not in message
    # Anything else fails the test, with the input that caused it.


@given(doc=COLLECTION)
@example(doc={"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None}]})
@example(doc={"type": "FeatureCollection", "features": [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]})
def test_any_geojson_reads_and_checks_or_is_refused_with_a_message(doc: Any) -> None:
    try:
        data = json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")
    except (ValueError, UnicodeEncodeError):
        return

    def read_and_check() -> None:
        found = read_candidate(data, "layer.geojson")
        check_collection(found.doc, found.name, None)

    only_nkmap_errors(read_and_check)


@given(name=st.sampled_from(sorted(HEADS)), tail=st.binary(max_size=400))
@example(name="x.kml", tail=b"<!DOCTYPE x>")
@example(name="x.geojson", tail=b"[" * 5000)
@example(name="x.zip", tail=b"\x00" * 26)
def test_any_bytes_in_any_format_are_read_or_refused_with_a_message(name: str, tail: bytes) -> None:
    only_nkmap_errors(lambda: read_candidate(HEADS[name] + tail, name))


# ---- structured GeoPackages and Shapefiles: real files, changed where their formats keep
# their meaning (headers, counts, offsets, types, CRS definitions, member names) ----

CRS_TEXTS = [
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
    'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]',
    "+proj=utm +zone=38 +datum=WGS84 +units=m +no_defs",
    "+proj=longlat +nadgrids=/etc/passwd",
    "+init=epsg:4326",
    "EPSG:3857",
    "/dev/zero",
    "https://example.org/crs.wkt",
    'PROJCS["x",GEOGCS["y"]]',
    "undefined",
    "",
]
POSITIONS = st.tuples(
    st.one_of(st.floats(44.0, 48.0), NUMBERS), st.one_of(st.floats(38.0, 42.0), NUMBERS)
)


@st.composite
def frames(draw: st.DrawFn) -> Any:
    """A small layer of points, lines or polygons, with columns of any type and text."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point, Polygon

    kind = draw(st.sampled_from(["point", "line", "polygon"]))
    n = draw(st.integers(1, 3))
    geoms: list[Any] = []
    for _ in range(n):
        pts = draw(st.lists(POSITIONS, min_size=4, max_size=6))
        if kind == "point":
            geoms.append(Point(pts[0]))
        elif kind == "line":
            geoms.append(LineString(pts))
        else:
            geoms.append(Polygon(pts))
    columns = draw(
        st.dictionaries(
            st.text(string.ascii_lowercase, min_size=1, max_size=8),
            st.sampled_from(["int", "float", "text"]),
            max_size=3,
        )
    )
    data: dict[str, list[Any]] = {}
    for column, kind_of in columns.items():
        # Text that a file can hold (a lone surrogate cannot even be put in a table).
        text = TEXT.filter(lambda t: "\ud800" not in t)
        values = {"int": st.integers(-(2**31), 2**31 - 1), "float": NUMBERS, "text": text}
        data[column] = draw(st.lists(values[kind_of], min_size=n, max_size=n))
    crs = draw(st.sampled_from([4326, 3857, 32638, None]))
    return gpd.GeoDataFrame(data, geometry=geoms, crs=crs)


def written(frame: Any, path: Path, **options: Any) -> bool:
    """Write the frame with GDAL; False when GDAL itself cannot (the input is then skipped)."""
    from pyogrio.errors import DataSourceError, FieldError, GeometryError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a layer without a CRS is written all the same
            frame.to_file(path, **options)
    except (DataSourceError, FieldError, GeometryError, ValueError, UnicodeError, OverflowError):
        return False  # such as a whole number too large for any field type
    return True


GPKG_CHANGES = st.lists(
    st.one_of(
        st.tuples(st.just("srs_id"), st.integers(-5, 100_000)),
        st.tuples(st.just("definition"), st.sampled_from(CRS_TEXTS)),
        st.tuples(
            st.just("geometry_type_name"),
            st.sampled_from(["POINT", "LINESTRING", "GEOMETRY", "CURVEPOLYGON", "TIN", "x"]),
        ),
        st.tuples(st.just("data_type"), st.sampled_from(["features", "attributes", "tiles", ""])),
        st.tuples(st.just("blob_byte"), st.tuples(st.integers(0, 120), st.integers(0, 255))),
        st.tuples(st.just("blob"), st.binary(max_size=80)),
        st.tuples(st.just("value"), st.one_of(st.binary(max_size=40), TEXT, NUMBERS)),
        st.tuples(st.just("column"), st.sampled_from(["BLOB", "DATETIME", "TEXT(2)", "BOOLEAN"])),
        st.tuples(st.just("drop"), st.sampled_from(["gpkg_geometry_columns", "gpkg_contents"])),
        st.tuples(st.just("second_table"), st.none()),
    ),
    max_size=3,
)


def change_gpkg(path: Path, changes: list[tuple[str, Any]]) -> None:
    import sqlite3

    con = sqlite3.connect(path)
    with con:
        for what, value in changes:
            if what == "srs_id":
                con.execute("UPDATE gpkg_geometry_columns SET srs_id = ?", (value,))
            elif what == "definition":
                con.execute("UPDATE gpkg_spatial_ref_sys SET definition = ?", (value,))
            elif what == "geometry_type_name":
                con.execute("UPDATE gpkg_geometry_columns SET geometry_type_name = ?", (value,))
            elif what == "data_type":
                con.execute("UPDATE gpkg_contents SET data_type = ?", (value,))
            elif what == "blob_byte":
                offset, byte = value
                for fid, blob in con.execute("SELECT fid, geom FROM layer").fetchall():
                    if blob is not None and offset < len(blob):
                        blob = blob[:offset] + bytes([byte]) + blob[offset + 1 :]
                        con.execute("UPDATE layer SET geom = ? WHERE fid = ?", (blob, fid))
            elif what == "blob":
                con.execute("UPDATE layer SET geom = ? WHERE fid = 1", (value,))
            elif what == "value":
                names = [r[1] for r in con.execute("PRAGMA table_info(layer)")]
                for name in names:
                    if name not in ("fid", "geom"):
                        con.execute(f'UPDATE layer SET "{name}" = ?', (value,))
            elif what == "column":
                con.execute(f"ALTER TABLE layer ADD COLUMN extra {value}")
                con.execute("UPDATE layer SET extra = ?", (b"\x00\xff",))
            elif what == "drop":
                con.execute(f"DROP TABLE IF EXISTS {value}")
            elif what == "second_table":
                con.execute("CREATE TABLE IF NOT EXISTS other AS SELECT * FROM layer")
                con.execute(
                    "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                    "SELECT 'other', data_type, 'other', srs_id FROM gpkg_contents "
                    "WHERE table_name = 'layer'"
                )
    con.close()


@given(frame=frames(), changes=GPKG_CHANGES)
def test_any_geopackage_is_read_or_refused_with_a_message(
    tmp_path_factory: pytest.TempPathFactory, frame: Any, changes: list[tuple[str, Any]]
) -> None:
    path = tmp_path_factory.mktemp("gpkg") / "layer.gpkg"
    if not written(frame, path, driver="GPKG", layer="layer"):
        return
    try:
        change_gpkg(path, changes)
    except Exception:  # a change SQLite itself refuses: the input is skipped
        return
    data = path.read_bytes()

    def read_and_check() -> None:
        found = read_candidate(data, "layer.gpkg")
        check_collection(found.doc, found.name, None)

    only_nkmap_errors(read_and_check)


# Where the Shapefile formats keep their meaning: .shp/.shx header (file code, length, version,
# shape type, bounding box), the first record's header and shape type, the .shx's first entry,
# the .dbf's version, counts, lengths and first field descriptor.
SHAPEFILE_OFFSETS = {
    ".shp": [0, 3, 24, 27, 28, 32, 36, 60, 100, 104, 107, 108, 112, 140, 144],
    ".shx": [24, 27, 32, 100, 103, 104, 107],
    ".dbf": [0, 4, 7, 8, 9, 10, 11, 32, 43, 48, 49],
}
SHAPEFILE_CHANGES = st.lists(
    st.one_of(
        st.tuples(
            st.just("byte"),
            st.sampled_from(sorted(SHAPEFILE_OFFSETS)).flatmap(
                lambda ext: st.tuples(
                    st.just(ext), st.sampled_from(SHAPEFILE_OFFSETS[ext]), st.integers(0, 255)
                )
            ),
        ),
        st.tuples(
            st.just("truncate"),
            st.tuples(st.sampled_from([".shp", ".shx", ".dbf"]), st.integers(0, 200)),
        ),
        st.tuples(st.just("prj"), st.sampled_from(CRS_TEXTS)),
        st.tuples(st.just("cpg"), st.sampled_from(["UTF-8", "LATIN1", "UTF-16", "CP1252", "x"])),
        st.tuples(st.just("drop"), st.sampled_from([".shp", ".shx", ".dbf", ".prj"])),
        st.tuples(
            st.just("name"),
            st.sampled_from(["../../x", "/abs/x", "dir/x", "X", "x.SHP/y", "con", "x\\y"]),
        ),
        st.tuples(st.just("duplicate"), st.sampled_from([".shp", ".dbf"])),
    ),
    max_size=3,
)


def shapefile_zip(folder: Path, changes: list[tuple[str, Any]]) -> bytes:
    import io
    import zipfile

    parts = {p.suffix.lower(): p.read_bytes() for p in folder.iterdir()}
    names = {ext: f"layer{ext}" for ext in parts}
    extra: list[tuple[str, bytes]] = []
    for what, value in changes:
        if what == "byte":
            ext, offset, byte = value
            body = parts.get(ext, b"")
            if offset < len(body):
                parts[ext] = body[:offset] + bytes([byte]) + body[offset + 1 :]
        elif what == "truncate":
            ext, size = value
            parts[ext] = parts.get(ext, b"")[:size]
        elif what in ("prj", "cpg"):
            parts["." + what] = value.encode()
            names["." + what] = f"layer.{what}"
        elif what == "drop":
            parts.pop(value, None)
        elif what == "name":
            names = {ext: f"{value}{ext}" for ext in names}
        elif what == "duplicate" and value in parts:
            extra.append((f"copy{len(extra)}{value}", parts[value]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for ext, body in parts.items():
            z.writestr(names[ext], body)
        for name, body in extra:
            z.writestr(name, body)
    return out.getvalue()


@given(frame=frames(), changes=SHAPEFILE_CHANGES)
@example(frame=None, changes=[("byte", (".dbf", 32, 128))])  # a field name not in UTF-8
@example(frame=None, changes=[("cpg", "UTF-16")])  # two field names read as one
def test_any_zipped_shapefile_is_read_or_refused_with_a_message(
    tmp_path_factory: pytest.TempPathFactory, frame: Any, changes: list[tuple[str, Any]]
) -> None:
    folder = tmp_path_factory.mktemp("shp")
    if frame is None:  # the kept examples' layer: one point, two fields
        import geopandas as gpd
        from shapely.geometry import Point

        frame = gpd.GeoDataFrame({"a": ["a"], "b": [0]}, geometry=[Point(44, 38)], crs=4326)
    if not written(frame, folder / "layer.shp", driver="ESRI Shapefile"):
        return
    data = shapefile_zip(folder, changes)

    def read_and_check() -> None:
        found = read_candidate(data, "layer.zip")
        check_collection(found.doc, found.name, None)

    only_nkmap_errors(read_and_check)


# KML: documents of nested folders and placemarks, with any text, data and geometry.
COORDINATE_TOKENS = st.one_of(
    st.builds(lambda x, y: f"{x},{y}", st.floats(44.0, 48.0), st.floats(38.0, 42.0)),
    st.builds(lambda x, y, z: f"{x},{y},{z}", NUMBERS, NUMBERS, NUMBERS),
    st.sampled_from(["nan,nan", "1e999,0", "1,2,3,4", "a,b", ",", "46.7;39.8", "0x1,2"]),
)
COORDINATES_TEXT = st.lists(COORDINATE_TOKENS, max_size=6).map(" ".join)


def _kml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


KML_GEOMETRY = st.recursive(
    st.one_of(
        COORDINATES_TEXT.map(lambda c: f"<Point><coordinates>{c}</coordinates></Point>"),
        COORDINATES_TEXT.map(lambda c: f"<LineString><coordinates>{c}</coordinates></LineString>"),
        st.lists(COORDINATES_TEXT, min_size=0, max_size=3).map(
            lambda rings: (
                "<Polygon>"
                + "".join(
                    f"<{'outer' if i == 0 else 'inner'}BoundaryIs><LinearRing><coordinates>{c}"
                    f"</coordinates></LinearRing></{'outer' if i == 0 else 'inner'}BoundaryIs>"
                    for i, c in enumerate(rings)
                )
                + "</Polygon>"
            )
        ),
    ),
    lambda inner: st.lists(inner, max_size=3).map(
        lambda parts: "<MultiGeometry>" + "".join(parts) + "</MultiGeometry>"
    ),
    max_leaves=6,
)
PLACEMARK = st.builds(
    lambda name, data, geometry: (
        "<Placemark>"
        + (f"<name>{_kml_escape(name)}</name>" if name is not None else "")
        + "<ExtendedData>"
        + "".join(
            f'<Data name="{_kml_escape(k)}"><value>{_kml_escape(v)}</value></Data>'
            for k, v in data.items()
        )
        + "</ExtendedData>"
        + (geometry or "")
        + "</Placemark>"
    ),
    st.one_of(st.none(), TEXT),
    st.dictionaries(TEXT, TEXT, max_size=3),
    st.one_of(st.none(), KML_GEOMETRY),
)
KML_DOCUMENT = st.recursive(
    st.lists(PLACEMARK, max_size=3).map("".join),
    lambda inner: st.tuples(inner, st.integers(1, 40)).map(
        lambda body_depth: "<Folder>" * body_depth[1] + body_depth[0] + "</Folder>" * body_depth[1]
    ),
    max_leaves=4,
)


@given(body=KML_DOCUMENT)
def test_any_kml_is_read_or_refused_with_a_message(body: str) -> None:
    text = f'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>{body}</Document></kml>'
    data = text.encode("utf-8", "surrogatepass")

    def read_and_check() -> None:
        found = read_candidate(data, "layer.kml")
        check_collection(found.doc, found.name, None)

    only_nkmap_errors(read_and_check)


def snapshot(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()


SMALL_AREA = {
    "type": "Polygon",
    "coordinates": [[[45.0, 40.9], [45.05, 40.9], [45.05, 40.95], [45.0, 40.9]]],
}
METADATA = st.dictionaries(
    st.one_of(st.sampled_from(list(META_FIELDS)), TEXT),
    st.one_of(JSON, st.just("2021-01-01"), st.just("other"), st.just("area")),
    max_size=len(META_FIELDS) + 2,
)


LOADED: dict[str, Any] = {}


@pytest.fixture(scope="module")
def fuzz_geodata(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    root = tmp_path_factory.mktemp("fuzz") / "geodata"
    shutil.copytree(load_atlas().root, root)
    return root


@settings(max_examples=int(os.environ.get("NKMAP_FUZZ_ADDS", "20")))
@given(meta=METADATA, props=st.dictionaries(TEXT, JSON, max_size=3))
@example(
    meta=layer_meta(id="ok-layer", title="T"),
    props={},
)
@example(
    meta=layer_meta(id="nan", title="T", uncertainty_km=1e999),
    props={},
)
# Found by fuzzing: a list where a word was expected was hashed (TypeError).
@example(meta={"kind": [None]}, props={})
@example(meta={"shows": [None]}, props={})
def test_an_accepted_add_loads_and_a_refused_one_changes_nothing(
    fuzz_geodata: Path, meta: dict[str, Any], props: dict[str, Any]
) -> None:
    root = fuzz_geodata
    doc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": props, "geometry": SMALL_AREA}],
    }
    before = snapshot(root)
    if before not in LOADED:  # loaded again only after an add landed
        LOADED.clear()
        LOADED[before] = load_atlas(root)
    try:
        checked = check(LOADED[before], Candidate("fuzz.geojson", "geojson", doc), meta)
        path = save(root, checked, replace=True)
    except NkmapError:
        assert snapshot(root) == before
        return
    atlas = load_atlas(root)  # the atlas still loads, with the layer in it
    assert checked.entry.id in {e.id for e in atlas.entries}
    assert path.is_file()


# ---- the dashboard's address and the page's reports --------------------------------------

CHANGES = [
    Change(dt.date(1923, 7, 7), "Oblast created"),
    Change(dt.date(1994, 5, 12), "Ceasefire"),
    Change(dt.date(2020, 11, 10), "Ceasefire statement"),
]
PARAMS = st.dictionaries(
    st.one_of(st.sampled_from(["date", "compare", "names", "base", "view", "place"]), TEXT),
    st.one_of(
        TEXT,
        st.sampled_from(["2020-11-10", "1900-01-01", "9999-12-31", "46.7,39.8,9", "nan,nan,9"]),
    ),
    max_size=6,
)


@given(params=PARAMS)
@example(params={"date": "2020-02-30", "view": "1e999,1e999,1e999", "base": "<script>"})
def test_any_page_address_opens_a_view_with_notes_never_an_error(params: dict[str, str]) -> None:
    view = parse_view(params, CHANGES)
    assert view.date in {c.date for c in CHANGES}
    assert view.base in BASE_MAPS and view.names in NAME_FORMS
    assert view_params(view)["date"] == view.date.isoformat()


@given(raw=JSON)
@example(raw={"date": "2020-11-10", "view": [1e308, 1e308, 99], "bounds": [0, 0, 1e308, 1e308]})
def test_anything_the_page_reports_changes_the_view_or_nothing(raw: Any) -> None:
    before = View(dt.date(2020, 11, 10))
    after = with_map_value(before, MapValue.read(raw), CHANGES)
    assert after.date in {c.date for c in CHANGES} and after.base in BASE_MAPS
