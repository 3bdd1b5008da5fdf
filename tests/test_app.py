"""The dashboard, driven through Streamlit's AppTest: every date, the comparison, the page's
address, what the map component is sent, and hostile layer text."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import threading
import time
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import HOSTILE, HOSTILE_TITLE, SQUARE, gpkg_with, shapefile_zip, zigzag
from nkmap.atlas.catalog import Atlas, load_atlas
from nkmap.atlas.timeline import change_dates, transfers
from nkmap.maps.export import export
from nkmap.present.layout import Layout
from nkmap.present.text import escape_markdown
from nkmap.web.view import figures

# Every test runs app.py in Streamlit's AppTest, a second or more each: `make check`
# leaves them to `make test`.
pytestmark = pytest.mark.slow

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_page(**params: str) -> AppTest:
    """The run that opens the page at an address with ``params``."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def start(**params: str) -> AppTest:
    """The page as a reader has it once the map has drawn. In the browser the map's first
    report starts the run that draws the controls, the figures and the tabs; AppTest has no
    browser, and a second run stands for that one."""
    at = open_page(**params)
    at.run()
    assert not at.exception, at.exception
    return at


def map_args(at: AppTest) -> dict[str, Any]:
    (component,) = at.get("component_instance")
    args: dict[str, Any] = json.loads(component.proto.json_args)
    return args


def km2(value: float) -> str:
    return f"{value:,.0f} km²"


def test_every_date_shows_its_own_figures(atlas: Atlas) -> None:
    at = start()
    goto = at.sidebar.selectbox(key="goto")
    shown = []
    for change in change_dates(atlas):
        goto.set_value(change.date).run()
        assert not at.exception, change.date
        assert at.subheader[0].value == f"{change.date.day} {change.date:%B %Y}"
        expected = figures(atlas, change.date)
        metrics = {m.label: m.value for m in at.metric}
        held = {
            label: km2(expected.held[side])
            for side, label in (
                ("armenian", "Armenian side"),
                ("azerbaijani", "Azerbaijan"),
                ("russian_peacekeepers", "Lachin corridor (Russian peacekeepers)"),
            )
            if expected.held[side]
        }
        assert metrics == held, change.date
        shown.append(tuple(sorted(metrics.items())))
        assert map_args(at)["jump"]["date"] == change.date.isoformat()
    # Control is mapped from May 1992 and changes many times: the figures follow.
    assert len(set(shown)) >= 15
    assert shown[0] == ()  # 1923: the oblast is created, no control is mapped
    assert [label for label, _ in shown[-1]] == ["Azerbaijan"]


def test_a_step_says_what_changed_since_the_previous_one(atlas: Atlas) -> None:
    at = start(date="2020-12-01")
    text = "\n".join(m.value for m in at.markdown)
    moved = transfers(atlas, dt.date(2020, 11, 25), dt.date(2020, 12, 1))
    assert moved
    assert "Since the previous step (25 November 2020)" in text
    for t in moved:
        assert km2(t.area_km2) in text


def test_comparison_measures_what_changed_hands(atlas: Atlas) -> None:
    at = start(date="2020-09-27")
    at.sidebar.selectbox(key="compare_pick").set_value(dt.date(2020, 12, 1)).run()
    assert not at.exception
    text = "\n".join(m.value for m in at.markdown)
    assert "Between 27 September 2020 and 1 December 2020" in text
    moved = transfers(atlas, dt.date(2020, 9, 27), dt.date(2020, 12, 1))
    assert moved[0].before == "armenian" and moved[0].after == "azerbaijani"
    assert f"Armenian side → Azerbaijan: **{km2(moved[0].area_km2)}**" in text
    sent = map_args(at)["compare"]
    assert sent["date"] == "2020-12-01" and sent["for_date"] == "2020-09-27"
    assert [t["area_km2"] for t in sent["transfers"]] == [round(t.area_km2, 1) for t in moved]
    assert at.dataframe  # both dates' figures side by side
    assert at.query_params["compare"] == "2020-12-01"
    at.sidebar.selectbox(key="compare_pick").set_value("none").run()
    assert map_args(at)["compare"] is None
    assert "compare" not in at.query_params


def test_query_parameters_round_trip(atlas: Atlas) -> None:
    before = max(c.date for c in change_dates(atlas) if c.date <= dt.date(2021, 1, 1))
    at = start(date="2020-10-09", compare="2021-01-01", names="az", view="39.8,46.7,9")
    assert at.subheader[0].value == "9 October 2020"
    assert at.sidebar.selectbox(key="goto").value == dt.date(2020, 10, 9)
    # 1 January 2021 is shown as the map of the last change before it.
    assert at.sidebar.selectbox(key="compare_pick").value == before
    assert at.sidebar.radio(key="names").value == "az"
    args = map_args(at)
    assert args["names"] == "az" and args["view"] == [39.8, 46.7, 9.0]
    assert at.query_params["date"] == "2020-10-09"
    assert at.query_params["compare"] == before.isoformat()
    assert at.query_params["view"] == "39.8000,46.7000,9"
    at.sidebar.selectbox(key="goto").set_value(dt.date(1994, 5, 12)).run()
    assert at.query_params["date"] == "1994-05-12"
    at.sidebar.radio(key="names").set_value("hy").run()
    assert at.query_params["names"] == "hy"
    assert map_args(at)["names"] == "hy"
    # A link made from these parameters opens the same map.
    again = start(**dict(at.query_params))
    assert again.subheader[0].value == "12 May 1994"
    assert map_args(again)["names"] == "hy"


def test_bad_query_parameters_are_ignored_with_a_note() -> None:
    at = start(date="<script>alert(1)</script>", names="klingon", view="1,2,3")
    texts = [w.value for w in at.warning]
    assert any("Ignored date" in t for t in texts)
    assert any("Ignored names" in t for t in texts)
    assert any("Ignored view" in t for t in texts)
    assert all("<script>" not in t for t in texts)  # escaped for Markdown
    last = change_dates(load_atlas())[-1].date
    assert at.subheader[0].value == f"{last.day} {last:%B %Y}"  # the latest state
    # The notes stay while the reader works (the map reports back, a step, a new name form)
    # until dismissed.
    at.sidebar.radio(key="names").set_value("hy").run()
    at.run()
    assert sum("Ignored" in w.value for w in at.warning) == 3
    at.button(key="dismiss_notes").click().run()
    assert not any("Ignored" in w.value for w in at.warning)


def test_the_page_opens_on_the_map_alone(atlas: Atlas) -> None:
    at = open_page(date="2020-12-01")
    # The run that opens the page sends the map with the data its date needs, the title, the
    # date and the sidebar's heading: nothing else competes with the map for the browser.
    sent = map_args(at)
    assert sent["data"] and sent["jump"]["date"] == "2020-12-01"
    assert at.title[0].value.startswith("Territorial control in Nagorno-Karabakh")
    assert at.subheader[0].value == "1 December 2020"
    assert any("follow as soon as the map is drawn" in c.value for c in at.caption)
    version = escape_markdown(atlas.data_version)
    assert any(f"Data version {version}:" in c.value for c in at.sidebar.caption)
    assert not at.metric and not at.tabs and not at.sidebar.selectbox
    assert at.query_params["date"] == "2020-12-01"
    # The next run (the one the map's report starts) draws the rest and sends no map data.
    at.run()
    assert not at.exception
    assert map_args(at)["data"] is None
    assert at.metric and at.tabs
    assert at.sidebar.selectbox(key="goto").value == dt.date(2020, 12, 1)


def test_the_atlas_is_sent_once_and_each_step_is_small() -> None:
    at = open_page()
    first = map_args(at)
    assert first["data"] and json.loads(first["data"])["features"]
    at.run()
    assert map_args(at)["data"] is None
    goto = at.sidebar.selectbox(key="goto")
    goto.set_value(dt.date(2020, 10, 9)).run()
    step = map_args(at)
    assert step["data"] is None and step["version"] == first["version"]
    assert step["jump"] == {"date": "2020-10-09", "seq": 1}
    assert len(json.dumps(step)) < 500


def test_the_rest_of_the_map_data_waits_for_a_run_that_sends_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import nkmap.web.component as component

    at = start()
    at.session_state["map_rest"] = "asked"  # as the map's report after its first draw does
    sends = component._atlas_map

    def stopped(**kwargs: Any) -> Any:
        # A run stopped at the map, as by a newer report from the page while a large rest
        # was being made.
        raise RuntimeError("stopped before the map's element was sent")

    monkeypatch.setattr(component, "_atlas_map", stopped)
    at.run()
    assert at.exception
    assert at.session_state["map_rest"] == "asked"  # not sent: still owed to the page
    monkeypatch.setattr(component, "_atlas_map", sends)
    at.run()
    assert not at.exception
    rest = map_args(at)["rest"]
    assert rest and json.loads(rest)["features"]
    assert at.session_state["map_rest"] == "sent"
    at.run()
    assert map_args(at)["rest"] is None  # sent once


def test_hostile_layer_text_is_escaped(
    hostile_geodata: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NKMAP_GEODATA", str(hostile_geodata))
    at = open_page(date="2020-12-01")
    data = map_args(at)["data"]
    at.session_state["panel"] = "Layers on the map and their sources"
    at.run()
    markdown = [m.value for m in at.markdown] + [e.label for e in at.expander]
    joined = "\n".join(markdown)
    # Every markup character of the hostile text arrives backslash-escaped, so Markdown shows
    # it as typed (links the app makes itself are the only unescaped brackets).
    hostile = [line for line in joined.splitlines() if "pwned" in line or "Hostile" in line]
    assert len(hostile) >= 4  # title, description, method, note, source
    for line in hostile:
        assert re.search(r"(?<!\\)[<>`$]", line) is None, line
    assert "](javascript" not in joined
    assert r"\<b\>Hostile\</b\> layer" in joined
    assert r"\<img src=x onerror=" in joined
    # The map receives the raw text as JSON data, and the JSON cannot close a <script>.
    assert "<" not in data and ">" not in data
    # The layers of the features drawn first (the hostile one, on its date) come with them.
    layers = [layer for layer in json.loads(data)["layers"] if layer]
    assert any(layer["title"] == HOSTILE_TITLE for layer in layers)
    assert any(layer["description"] == HOSTILE for layer in layers)


@pytest.mark.parametrize(("fmt", "start_bytes"), [("png", b"\x89PNG"), ("geojson", b'{"type"')])
def test_export_makes_the_current_map_for_download(fmt: str, start_bytes: bytes) -> None:
    at = start(date="2020-11-10", compare="2020-09-27")
    at.sidebar.selectbox(key="export_format").set_value(fmt).run()
    assert not at.get("download_button")  # nothing made yet
    at.sidebar.button(key="export_make").click().run()
    assert not at.exception
    ((wanted, made),) = [at.session_state["export"]]
    assert wanted[:3] == (fmt, dt.date(2020, 11, 10), dt.date(2020, 9, 27))
    assert made.startswith(start_bytes)
    (button,) = at.get("download_button")
    assert button.proto.label == f"Download nkmap-2020-11-10-compared-with-2020-09-27.{fmt}"
    # Another date: the file no longer matches the map, so it is not offered.
    at.sidebar.selectbox(key="goto").set_value(dt.date(1994, 5, 12)).run()
    assert not at.get("download_button")


def test_export_prints_exactly_the_area_on_screen(atlas: Atlas) -> None:
    at = start(date="2020-11-10")
    bounds = (46.55, 39.65, 46.95, 39.95)  # around Stepanakert and Shusha
    at.session_state["view"] = replace(at.session_state["view"], bounds=bounds)
    at.sidebar.selectbox(key="export_format").set_value("png").run()
    at.sidebar.button(key="export_make").click().run()
    assert not at.exception
    ((wanted, made),) = [at.session_state["export"]]
    assert wanted[-1] == bounds
    day = dt.date(2020, 11, 10)
    changes = change_dates(atlas)
    assert made == export(atlas, changes, day, "png", Layout(bbox=bounds))
    assert made != export(atlas, changes, day, "png", Layout())


def test_the_animation_is_drawn_in_the_background_with_progress(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import nkmap.maps.export

    release = threading.Event()

    def slow_animation(
        atlas: Atlas, changes: Any, progress: Any = None, workers: int | None = None
    ) -> bytes:
        progress(1, 3, changes[0].date)
        assert release.wait(30)
        return b"GIF89a-made"

    monkeypatch.setattr(nkmap.maps.export, "animation", slow_animation)
    at = start(date="2020-11-10")
    at.sidebar.selectbox(key="export_format").set_value("gif").run()
    at.sidebar.button(key="export_make").click().run()
    assert not at.exception
    # The run ends while the frames are drawn: the page is usable and shows the progress.
    (bar,) = at.get("progress")
    assert "Frame 1 of 3" in bar.proto.text
    at.sidebar.selectbox(key="goto").set_value(dt.date(1994, 5, 12)).run()
    assert at.session_state["view"].date == dt.date(1994, 5, 12)
    assert not at.get("download_button")
    release.set()
    for _ in range(100):
        at.run()
        if at.get("download_button"):
            break
        time.sleep(0.1)
    (button,) = at.get("download_button")
    assert button.proto.label == "Download nkmap-all-dates.gif"
    assert at.session_state["export"][1] == b"GIF89a-made"


EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


def fill_add_form(
    at: AppTest, data: bytes, name: str, kind: str = "point", **fields: str
) -> AppTest:
    meta = json.loads((EXAMPLES / "oblast-centre.meta.json").read_text())
    values = {
        "add_id": meta["id"],
        "add_title": meta["title"],
        "add_valid_from": meta["valid_from"],
        "add_valid_to": meta["valid_to"],
        "add_method": meta["method"],
        "add_source_title": meta["sources"][0]["title"],
        "add_source_url": meta["sources"][0]["url"],
        "add_source_licence": meta["sources"][0]["licence"],
        **fields,
    }
    at.file_uploader(key="add_file").set_value((name, data, "application/geo+json"))
    for key, value in values.items():
        at.text_input(key=key).input(value)
    at.selectbox(key="add_kind").set_value(kind)
    at.button(key="add_check").click().run()
    assert not at.exception, at.exception
    return at


def open_add_tab() -> AppTest:
    at = start()
    at.session_state["panel"] = "Add a layer"
    at.run()
    return at


def test_upload_form_previews_a_good_layer_in_the_session_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NKMAP_ALLOW_SAVE", raising=False)
    at = open_add_tab()
    before = map_args(at)["version"]
    fill_add_form(at, (EXAMPLES / "oblast-centre.geojson").read_bytes(), "oblast-centre.geojson")
    assert next(s.value for s in at.success).startswith("Previewing Centre of the autonomous")
    args = map_args(at)
    assert args["version"] != before and args["data"]  # the map gets the previewed atlas
    titles = [layer["title"] for layer in json.loads(args["data"])["layers"] if layer]
    assert "Centre of the autonomous oblast" in titles
    assert args["jump"]["date"] == "1923-07-07"  # the map moves to the layer's first date
    assert args["focus"]["layer"] == "oblast-centre"  # ... and zooms to the layer
    assert not [b for b in at.button if b.key == "add_save"]  # saving is off
    # Another session does not see it.
    assert open_add_tab().session_state["map_sent"] == before


def test_upload_form_reads_the_metadata_file_and_several_sources() -> None:
    at = open_add_tab()
    layer = (EXAMPLES / "oblast-centre.geojson").read_bytes()
    sidecar = (EXAMPLES / "oblast-centre.meta.json").read_bytes()
    at.file_uploader(key="add_file").set_value(("oblast-centre.geojson", layer, "application/json"))
    at.file_uploader(key="add_meta").set_value(
        ("oblast-centre.meta.json", sidecar, "application/json")
    )
    # Nothing typed but a title of one's own and a third source: the file gives the rest,
    # including the kind and whether it is approximate, which the form holds by default.
    at.text_input(key="add_title").input("Centre of the oblast (my title)")
    at.text_area(key="add_more_sources").input(
        "A third source | https://example.org/third | CC BY 4.0\n"
    )
    at.button(key="add_check").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    entry = at.session_state["preview"].entry
    assert entry.title == "Centre of the oblast (my title)"
    assert entry.kind == "point" and entry.approximate is False
    assert [s.url for s in entry.sources] == ["https://example.org/third"]


def test_upload_form_refuses_a_bad_metadata_file_or_source_line() -> None:
    at = open_add_tab()
    layer = (EXAMPLES / "oblast-centre.geojson").read_bytes()
    at.file_uploader(key="add_file").set_value(("oblast-centre.geojson", layer, "application/json"))
    at.file_uploader(key="add_meta").set_value(("broken.meta.json", b"{not json", "text/plain"))
    at.button(key="add_check").click().run()
    said = at.error[0].value.replace("\\", "")  # shown escaped; compare the text
    assert said.startswith("Nothing was added: broken.meta.json: not valid JSON"), said
    at.file_uploader(key="add_meta").set_value(None)
    at.text_area(key="add_more_sources").input("only a title\n")
    at.button(key="add_check").click().run()
    assert "sources, line 1: expected" in at.error[0].value.replace("\\", "")
    assert "preview" not in at.session_state


def test_upload_form_refuses_a_bad_layer_with_every_problem() -> None:
    at = open_add_tab()
    bad = (
        b'{"type": "FeatureCollection", "crs": {}, "features": [{"type": "Feature", '
        b'"properties": {}, "geometry": {"type": "Point", "coordinates": [39.8, 46.75]}}]}'
    )
    fill_add_form(at, bad, "bad.geojson", add_id="Bad Id", add_source_url="ftp://x")
    errors = [e.value for e in at.error]
    assert errors == ["4 problem(s); nothing was added:"]
    listed = at.markdown[-1].value.replace("\\", "")  # shown escaped; compare the text
    for part in (
        "id: found 'Bad Id'",
        "sources[0].url: found 'ftp://x'",
        "crs: found",
        "lon and lat look swapped",
    ):
        assert part in listed, listed
    assert "preview" not in at.session_state


def test_upload_form_saves_where_the_operator_allows_it(
    geodata_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NKMAP_GEODATA", str(geodata_copy))
    monkeypatch.setenv("NKMAP_ALLOW_SAVE", "1")
    at = open_add_tab()
    fill_add_form(at, (EXAMPLES / "oblast-centre.geojson").read_bytes(), "any-name.geojson")
    at.button(key="add_save").click().run()
    assert not at.exception
    assert (geodata_copy / "layers" / "oblast-centre.geojson").exists()
    assert any("Saved to" in s.value for s in at.success)
    assert load_atlas(geodata_copy).entry("oblast-centre").valid_from == dt.date(1923, 7, 7)


def test_place_search_finds_a_village_by_either_name_and_shows_its_history(atlas: Atlas) -> None:
    at = start(date="2020-10-04")
    at.sidebar.text_input(key="place_query").input("Agdere").run()  # Aghdara, Ağdərə, Martakert
    assert not at.exception
    assert at.subheader[0].value == "Martakert / Aghdara"
    args = map_args(at)
    place = args["place"]
    assert place["id"] == "martakert" and place["label"] == "Martakert / Aghdara"
    changes = change_dates(atlas)
    assert len(place["strip"]) == len(changes)
    july_1992 = next(i for i, c in enumerate(changes) if c.date == dt.date(1992, 7, 4))
    assert place["strip"][july_1992] == "azerbaijani"
    assert place["strip"][july_1992 - 1] == "armenian"
    text = "\n".join(m.value for m in at.markdown)
    assert "4 July 1992" in text and "27 June 1993" in text and "https://" in text
    assert "Armenian forces" in text
    # Two villages share a name: the reader chooses, and the map follows.
    at.sidebar.text_input(key="place_query").input("Mets Shen").run()
    pick = at.sidebar.selectbox(key="place_pick")
    assert set(pick.options) >= {"Mets Shen / Boyuk Galadarasi (Shusha)"}
    pick.set_value("mets-shen").run()
    assert map_args(at)["place"]["id"] == "mets-shen"


def test_place_search_with_no_match_says_so_and_escapes_the_query() -> None:
    at = start()
    at.sidebar.text_input(key="place_query").input("<b>Xyzzy</b> [x](javascript:1)").run()
    assert not at.exception
    captions = [c.value for c in at.sidebar.caption]
    assert any("No settlement named" in c and "\\<b\\>" in c for c in captions)
    assert "place" not in map_args(at) or map_args(at)["place"] is None


def test_the_form_and_the_command_line_ask_for_the_same_metadata() -> None:
    """Both are made from nkmap.layers.meta.LAYER_META: every field has an input in the form
    and an option in `nkmap add`, with the same choices and the same help."""
    import argparse

    from nkmap.cli import _parser
    from nkmap.layers.meta import LAYER_META, SOURCE_PARTS

    at = open_add_tab()
    inputs = {
        w.key: w
        for kind in ("text_input", "selectbox", "number_input", "checkbox", "text_area")
        for w in getattr(at, kind)
    }
    (add,) = [
        action.choices["add"]
        for action in _parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    ]
    options = {o: a for a in add._actions for o in a.option_strings}
    for field in LAYER_META:
        if field.type == "sources":
            for key, option, label, _, text in SOURCE_PARTS:
                assert inputs[f"add_source_{key}"].label == label
                assert options[option].help == text
            continue
        widget = inputs[f"add_{field.key}"]
        assert widget.label == field.label
        assert options[field.flag].dest == field.key
        if field.type == "choice":
            assert list(widget.options) == list(field.choices)
            assert list(options[field.flag].choices) == list(field.choices)
            assert widget.value == field.default


def test_the_sidebar_names_the_data_version(atlas: Atlas) -> None:
    captions = [c.value for c in start().sidebar.caption]
    assert any(f"Data version {escape_markdown(atlas.data_version)}:" in c for c in captions)


def test_an_unforeseen_failure_reading_an_upload_shows_no_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import nkmap.layers.add

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("/srv/secret/path/in/a/traceback")

    monkeypatch.setattr(nkmap.layers.add, "check_layer", broken)
    at = open_add_tab()
    fill_add_form(at, (EXAMPLES / "oblast-centre.geojson").read_bytes(), "oblast-centre.geojson")
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("could not be read" in e and "RuntimeError" in e for e in errors), errors
    assert not any("/srv/secret" in e for e in errors)


def test_the_server_shows_visitors_no_tracebacks() -> None:
    import tomllib

    from nkmap.web import serve

    config = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "type"
    argv = serve.streamlit_argv(["--server.port", "9999"])
    assert argv[:3] == ["streamlit", "run", str(serve.APP)]
    assert "--client.showErrorDetails=type" in argv and argv[-2:] == ["--server.port", "9999"]
    # Started from any folder, the server keeps every setting of the checkout's config file.
    given = dict(arg[2:].split("=", 1) for arg in argv if "=" in arg)
    in_file = {
        f"{section}.{key}": str(value).lower() if isinstance(value, bool) else str(value)
        for section, table in config.items()
        for key, value in table.items()
    }
    assert given == in_file


def feature_collection(geometry: Any = None, **props: Any) -> bytes:
    polygon = geometry or {
        "type": "Polygon",
        "coordinates": [[list(p) for p in SQUARE.exterior.coords]],
    }
    feature = {"type": "Feature", "properties": props, "geometry": polygon}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def rezipped(data: bytes, compression: int = zipfile.ZIP_DEFLATED, **bodies: bytes) -> bytes:
    """A zip's members again, with some bodies replaced (by file ending) and another method."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for member in src.infolist():
            ending = member.filename.rsplit(".", 1)[-1]
            dst.writestr(member.filename, bodies.get(ending, src.read(member)), compression)
    return out.getvalue()


def hostile_uploads(tmp: Path) -> dict[str, tuple[bytes, str]]:
    """Files a hostile visitor posts, each with what the refusal says."""
    tip = [46.05, 39.000004]
    spike = [[46.0, 39.0], [46.1, 39.0], [46.1, 39.1], tip, [46.0, 39.1], [46.0, 39.0]]
    frame = gpd.GeoDataFrame({"n": [1]}, geometry=[SQUARE], crs=4326)
    (tmp / "shp").mkdir()
    shp = shapefile_zip(tmp / "shp", frame)
    kml = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE k [<!ENTITY a "b">]>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&a;</name>'
        "<Polygon><outerBoundaryIs><LinearRing><coordinates>46.6,39.7 46.7,39.7 46.7,39.8 "
        "46.6,39.7</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>"
    )
    return {
        "zigzag.geojson": (feature_collection(zigzag(60_000)), "60,003 positions"),
        "spike.geojson": (
            feature_collection({"type": "Polygon", "coordinates": [spike]}),
            "about 1 m precision",
        ),
        "nan.geojson": (feature_collection().replace(b"{}", b'{"h": NaN}'), "NaN"),
        "deep.geojson": (feature_collection(deep=json.loads("[" * 40 + "]" * 40)), "nested"),
        "bell.geojson": (feature_collection(name="a\u0007b"), "U+0007"),
        "surrogate.geojson": (
            feature_collection().replace(b"{}", b'{"name": "\\ud800"}'),
            "U+D800",
        ),
        "computed.gpkg": (
            gpkg_with(
                tmp,
                "ALTER TABLE layer ADD COLUMN huge TEXT "
                "GENERATED ALWAYS AS (printf('%.*c', 2000000000, 'x')) VIRTUAL",
            ),
            "computes columns",
        ),
        "grid.gpkg": (
            gpkg_with(
                tmp,
                "UPDATE gpkg_spatial_ref_sys SET definition = "
                "'+proj=longlat +nadgrids=/dev/zero' WHERE srs_id = 3857",
            ),
            "refers to a file",
        ),
        "bzip2.zip": (rezipped(shp, zipfile.ZIP_BZIP2), "other than deflate"),
        "grid.zip": (rezipped(shp, prj=b"+proj=longlat +nadgrids=/etc/passwd"), "refers to a file"),
        "utf16.kml": (kml.encode("utf-16"), "not a known format"),
    }


def test_the_dashboard_refuses_every_hostile_upload_and_stays_up(tmp_path: Path) -> None:
    at = open_add_tab()
    for name, (data, said) in hostile_uploads(tmp_path).items():
        fill_add_form(at, data, name, kind="area", add_id="hostile")
        assert not at.exception, name
        shown = " ".join([e.value for e in at.error] + [m.value for m in at.markdown]).replace(
            "\\", ""
        )
        assert said in shown, (name, shown[:300])
        assert not at.success or not at.success[0].value.startswith("Previewing"), name
    at.run()  # the page keeps working
    assert not at.exception
