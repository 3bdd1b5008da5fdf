"""The whole atlas for other tools: the GeoPackage (QGIS's temporal controller), KML (Google
Earth's time slider) and CSV, read back as those tools would read them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pyogrio
import pytest

from conftest import HOSTILE, HOSTILE_TITLE
from nkmap.atlas.catalog import Atlas, load_atlas
from nkmap.atlas.gazetteer import load_gazetteer
from nkmap.atlas.tables import COLUMNS
from nkmap.cli import main
from nkmap.maps.gis import SETTLEMENT_COLUMNS, csv_bytes, kml

KML = "{http://www.opengis.net/kml/2.2}"
# Each writes the whole atlas: `make check` leaves them to `make test`, as it does the exports.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gis") / "atlas.gpkg"
    assert main(["export", "-o", str(path)]) == 0
    return path


def test_the_geopackage_holds_every_feature_with_date_fields(gpkg: Path, atlas: Atlas) -> None:
    layers = {name: kind for name, kind in pyogrio.list_layers(gpkg)}
    assert layers == {
        "areas": "MultiPolygon",
        "lines": "MultiLineString",
        "points": "Point",
        "settlements": "Point",
    }
    total = 0
    for layer in ("areas", "lines", "points"):
        info = pyogrio.read_info(gpkg, layer=layer)
        fields = dict(zip(info["fields"], info["dtypes"], strict=True))
        assert list(fields) == list(COLUMNS)
        # Real date fields, as QGIS's temporal controller needs them.
        assert fields["valid_from"] == fields["valid_to"] == "datetime64[D]"
        assert info["crs"] == "EPSG:4326"
        assert info["layer_metadata"]["DATA_VERSION"] == atlas.data_version
        total += info["features"]
    assert total == len(atlas.features)
    areas = pyogrio.read_dataframe(gpkg, layer="areas")
    stage = areas[(areas["layer"] == "control-1994-2020") & (areas["controller"] == "armenian")]
    assert len(stage) and (stage["valid_from"] >= "1994-05-12").all()
    assert (stage["valid_to"] <= "2020-09-27").all()
    assert stage["sources"].str.contains("https://").all()
    # Open ends are empty (null), not a far-off date.
    base = areas[areas["shows"] == "countries"]
    assert base["valid_from"].isna().all() and base["valid_to"].isna().all()


def test_each_settlement_entry_is_valid_until_the_next(gpkg: Path) -> None:
    info = pyogrio.read_info(gpkg, layer="settlements")
    assert list(info["fields"]) == list(SETTLEMENT_COLUMNS)
    places = pyogrio.read_dataframe(gpkg, layer="settlements")
    shusha = places[places["place_id"] == "shusha"].sort_values("valid_from")
    assert list(shusha["controller"])[-2:] == ["armenian", "azerbaijani"]
    assert shusha["valid_to"].iloc[-2] == shusha["valid_from"].iloc[-1]
    assert shusha["valid_to"].isna().iloc[-1]


def kml_of(root: Path) -> ET.Element:
    atlas = load_atlas(root)
    return ET.fromstring(kml(atlas, load_gazetteer(root)))


def test_kml_gives_every_feature_a_time_span_and_escapes_layer_text(
    hostile_geodata: Path,
) -> None:
    doc = kml_of(hostile_geodata)
    marks = doc.iter(f"{KML}Placemark")
    spans = 0
    for mark in marks:
        span = mark.find(f"{KML}TimeSpan")
        if span is not None:
            begin = span.find(f"{KML}begin")
            assert begin is not None and begin.text is not None
            dt.date.fromisoformat(begin.text)
            spans += 1
    assert spans > 500
    names = [f.findtext(f"{KML}name") for f in doc.iter(f"{KML}Folder")]
    assert HOSTILE_TITLE in names  # as text: the XML writer escaped it
    descriptions = [d.text or "" for d in doc.iter(f"{KML}description")]
    hostile = [d for d in descriptions if "onerror" in d]
    # Google Earth reads a description as HTML: after the XML is read it is still escaped.
    assert hostile and all("<img" not in d and "&lt;img" in d for d in hostile)
    assert "data version" in (doc.findtext(f"{KML}Document/{KML}description") or "")
    styles = {s.get("id") for s in doc.iter(f"{KML}Style")}
    assert {"armenian", "azerbaijani", "russian_peacekeepers", "line_of_contact"} <= styles


def test_csv_has_one_row_per_dated_entry_and_no_formulas(
    hostile_geodata: Path, atlas: Atlas
) -> None:
    gaz = load_gazetteer()
    rows = list(csv.DictReader(io.StringIO(csv_bytes(atlas, gaz).decode("utf-8"))))
    events = [r for r in rows if r["record"] == "event"]
    entries = [r for r in rows if r["record"] == "settlement"]
    assert len(events) == (atlas.features["shows"] == "events").sum()
    assert len(entries) == sum(len(p.history) for p in gaz.settlements)
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert {r["data_version"] for r in rows} == {atlas.data_version}
    hadrut = [r for r in entries if r["place_id"] == "hadrut"]
    assert hadrut[-1]["controller"] == "azerbaijani" and hadrut[-1]["until"] == ""
    # A cell a spreadsheet would run as a formula is shown as text.
    rows = list(
        csv.DictReader(
            io.StringIO(
                csv_bytes(load_atlas(hostile_geodata), load_gazetteer(hostile_geodata)).decode()
            )
        )
    )
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values())
    assert HOSTILE not in "".join(r["title"] for r in rows)  # no event carries it


def test_atlas_formats_need_no_date_and_dated_ones_ask_for_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "-o", str(tmp_path / "a.csv"), "--date", "2020-01-01"]) == 0
    assert "--date is not used" in capsys.readouterr().out
    assert main(["export", "-o", str(tmp_path / "a.png")]) == 1
    assert "give --date" in capsys.readouterr().err
    assert not (tmp_path / "a.png").exists()


def test_the_kml_reads_back_through_gdal_with_its_dates(tmp_path: Path, atlas: Atlas) -> None:
    path = tmp_path / "atlas.kml"
    assert main(["export", "-o", str(path)]) == 0
    layers = [name for name, _ in pyogrio.list_layers(path)]
    title = atlas.entry("control-1994-2020").title
    assert title in layers and "Settlements: who held each, by date" in layers
    stage = pyogrio.read_dataframe(path, layer=title)
    expected = atlas.features[atlas.features["layer"] == "control-1994-2020"]
    assert len(stage) == len(expected)
    assert {str(d.date()) for d in stage["begin"]} == {str(d) for d in expected["valid_from"]}
    assert {str(d.date()) for d in stage["end"]} == {str(d) for d in expected["valid_to"]}
    assert stage.geometry.is_valid.all()
