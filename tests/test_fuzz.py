"""Fuzzing the doors a layer comes in by: malformed and adversarial files for every reader,
and metadata for the checks. Two invariants hold for every input Hypothesis makes:

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
