"""Exports: each format is what it says, of the requested size, not blank, holds exactly the
date's features, and shows hostile layer text as text."""

from __future__ import annotations

import datetime as dt
import io
import json
import multiprocessing
import os
import re
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from conftest import HOSTILE, HOSTILE_KEY
from nkmap.atlas.catalog import Atlas, load_atlas, load_plain_atlas
from nkmap.atlas.timeline import change_dates
from nkmap.cli import main
from nkmap.maps import export as export_module
from nkmap.maps.export import animation, export, snapshot, standalone_html
from nkmap.maps.render import Layout

# Every test draws and encodes a whole export, a second or more each: `make check` leaves
# them to `make test`.
pytestmark = pytest.mark.slow

DAY = dt.date(2020, 11, 10)
SMALL = Layout(800, 600, 100)


def run(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "out"
    assert main(["export", "--date", DAY.isoformat(), "-o", str(out), *args]) == 0
    return out


def test_png_is_an_image_of_the_requested_size_and_not_blank(tmp_path: Path) -> None:
    out = run(tmp_path, "--format", "png", "--width", "900", "--height", "700", "--dpi", "100")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(out)
    assert img.size == (900, 700)
    pixels = np.asarray(img.convert("RGB")).astype(float)
    assert pixels.std() > 20
    # The map's area (left two thirds, between title and footer) holds many colours.
    map_area = pixels[120:520, 20:580].reshape(-1, 3)
    assert len(np.unique(map_area, axis=0)) > 50


def test_svg_is_parseable_with_the_legend_as_text(tmp_path: Path) -> None:
    out = run(tmp_path, "--format", "svg", "--width", "1600", "--height", "1200", "--dpi", "200")
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    assert root.get("width") == "576pt" and root.get("height") == "432pt"  # 8 x 6 in
    text = " ".join("".join(t.itertext()) for t in root.iter() if t.tag.endswith("text"))
    for label in ("Held by the Armenian side", "Held by Azerbaijan", "Line of contact"):
        assert label in text


def test_pdf_has_the_requested_page_size(tmp_path: Path) -> None:
    out = run(tmp_path, "--format", "pdf", "--width", "1000", "--height", "800", "--dpi", "100")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert box and (float(box[1]), float(box[2])) == (720.0, 576.0)  # 10 x 8 in


def test_geojson_holds_exactly_the_features_of_the_date(tmp_path: Path, atlas: Atlas) -> None:
    out = run(tmp_path, "--format", "geojson")
    doc = json.loads(out.read_text(encoding="utf-8"))
    valid = atlas.valid_on(DAY)
    assert doc["type"] == "FeatureCollection" and doc["date"] == "2020-11-10"
    assert [f["properties"]["layer"] for f in doc["features"]] == list(valid["layer"])
    for f in doc["features"]:
        p = f["properties"]
        assert p["sources"] and p["method"] and "uncertainty_km" in p
        assert p["valid_from"] is None or p["valid_from"] <= "2020-11-10"
        assert p["valid_to"] is None or p["valid_to"] > "2020-11-10"
    controllers = {f["properties"]["controller"] for f in doc["features"]}
    assert {"armenian", "azerbaijani", "russian_peacekeepers"} <= controllers


def test_html_is_one_offline_file_with_the_whole_atlas(tmp_path: Path, atlas: Atlas) -> None:
    out = run(tmp_path, "--format", "html")
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert not re.search(r'<(script|link)[^>]+(src|href)="', page)  # nothing to fetch
    data = re.search(
        r'<script id="nkmap-data" type="application/json" data-date="([\d-]+)">'
        r"(.*?)</script>",
        page,
        re.S,
    )
    assert data and data[1] == "2020-11-10"
    payload = json.loads(data[2])
    assert len(payload["features"]) == len(atlas.features)
    assert [d["date"] for d in payload["dates"]] == [
        c.date.isoformat() for c in change_dates(atlas)
    ]
    assert payload["areas"]["2020-11-10"]["armenian"] > 0


def test_format_comes_from_the_file_name_and_bad_options_fail_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "map.svg"
    assert main(["export", "--date", "2005-01-01", "-o", str(out)]) == 0
    assert out.read_bytes().lstrip().startswith(b"<?xml")
    for args, message in (
        (["-o", str(tmp_path / "map.txt")], "give --format"),
        (["-o", str(tmp_path / "a.png"), "--width", "20"], "width 20 px: expected 100 to 8000"),
        (["-o", str(tmp_path / "a.png"), "--area", "40,30,50,45"], "area 40.0,30.0,50.0,45.0"),
        (["-o", str(tmp_path / "no" / "a.png")], "a.png: the folder"),
    ):
        assert main(["export", "--date", "2005-01-01", *args]) == 1
        assert message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.svg"]  # nothing half-written


def test_compare_outlines_what_changed_hands(tmp_path: Path) -> None:
    out = run(tmp_path, "--format", "svg", "--compare", "2020-09-27")
    text = out.read_text(encoding="utf-8")
    assert "Changed hands, 27 Sep 2020 to 10 Nov 2020" in text
    assert "Armenian side → Azerbaijan" in text


def test_area_option_zooms_the_map(tmp_path: Path, atlas: Atlas) -> None:
    whole = export(atlas, change_dates(atlas), DAY, "svg", SMALL).decode()
    zoomed = export(
        atlas, change_dates(atlas), DAY, "svg", Layout(800, 600, 100, bbox=(46.5, 39.6, 47.0, 40.0))
    ).decode()
    assert "Goris" in whole and "Goris" not in zoomed  # Goris lies west of the zoomed area
    assert "Khankendi" in zoomed


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_animation_has_one_frame_per_change_date(
    atlas: Atlas, start: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every 15th change: the mechanism, not every date (make bench-exports times them all).
    # Processes forked from this one (as from the command line) or spawned (as from the
    # dashboard, which runs threads).
    monkeypatch.setattr(
        export_module, "frame_processes", lambda: multiprocessing.get_context(start)
    )
    changes = change_dates(atlas)[::15]
    seen: list[tuple[int, dt.date]] = []
    data = animation(
        atlas,
        changes,
        Layout(400, 300, 50),
        500,
        lambda done, total, day: seen.append((done, day)),
        workers=2,
    )
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF" and gif.size == (400, 300)
    assert gif.n_frames == len(changes) > 3
    # Progress counts up once per frame, whichever process finished it.
    assert [done for done, _ in seen] == list(range(1, len(seen) + 1))
    assert sorted(day for _, day in seen) == [c.date for c in changes]
    first = np.asarray(gif.convert("RGB"))
    gif.seek(gif.n_frames - 1)
    assert not np.array_equal(first, np.asarray(gif.convert("RGB")))
    # Drawn in two processes or in this one, the animation is the same.
    assert animation(atlas, changes, Layout(400, 300, 50), 500, workers=1) == data


# The process a test runs in, and the blocks PIL kept as each frame drawn in it began.
_DRAWING: dict[str, Any] = {}


def _frame_noting_kept_blocks(index: int) -> Any:
    """An animation's frame (handed to the frame processes by name, so at module level), the
    blocks PIL keeps checked as it begins."""
    blocks = Image.core.get_blocks_max()  # type: ignore[attr-defined]
    if os.getpid() == _DRAWING["here"]:
        _DRAWING["kept"].append(blocks)
    else:  # in a forked process, where a failed assertion fails its frame, and the run
        assert blocks >= export_module.IMAGE_BLOCKS
    return _DRAWING["frame"](index)


def test_only_a_process_that_only_draws_frames_keeps_freed_image_memory(
    atlas: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A forked process keeps PIL's freed blocks for its next frame; the process that asked
    # for the animation (the command line's, the dashboard's) keeps what it kept before.
    core: Any = Image.core  # type: ignore[attr-defined]
    before = core.get_blocks_max()
    _DRAWING.update(here=os.getpid(), kept=[], frame=export_module._frame)
    fork = multiprocessing.get_context("fork")
    monkeypatch.setattr(export_module, "frame_processes", lambda: fork)
    monkeypatch.setattr(export_module, "_frame", _frame_noting_kept_blocks)
    try:
        core.set_blocks_max(0)
        animation(atlas, change_dates(atlas)[::30], Layout(400, 300, 50), 500, workers=2)
        assert _DRAWING["kept"] == [0]  # the first frame, drawn here before the fork
        assert core.get_blocks_max() == 0
    finally:
        core.set_blocks_max(before)
        _DRAWING.clear()


def test_frames_are_drawn_in_forked_processes_only_where_no_other_thread_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert export_module.frame_processes().get_start_method() == "fork"
    monkeypatch.setattr(threading, "active_count", lambda: 2)  # a dashboard's threads
    assert export_module.frame_processes().get_start_method() == "spawn"
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(sys, "platform", "darwin")  # where a fork may crash in system libraries
    assert export_module.frame_processes().get_start_method() == "spawn"


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_the_same_map_makes_the_same_file(atlas: Atlas, fmt: str) -> None:
    # A newsroom's build, or a checksum in a published site, sees no change where none was.
    changes = change_dates(atlas)
    first, second = (
        export(atlas, changes, DAY, fmt, SMALL, dt.date(2020, 9, 27)) for _ in range(2)
    )
    assert first == second


def test_hostile_text_is_text_in_the_html_and_svg_exports(hostile_geodata: Path) -> None:
    atlas = load_atlas(hostile_geodata)
    changes = change_dates(atlas)
    page = standalone_html(atlas, changes, DAY)
    assert HOSTILE not in page and HOSTILE_KEY not in page and "<img" not in page
    data = re.search(r'type="application/json" data-date="[\d-]+">(.*?)</script>', page, re.S)
    assert data
    payload = json.loads(data[1])
    props = [f["properties"] for f in payload["features"] if HOSTILE_KEY in f["properties"]]
    assert props == [{"name": HOSTILE, HOSTILE_KEY: HOSTILE}]

    svg = export(atlas, changes, DAY, "svg", SMALL)
    root = ET.fromstring(svg)
    assert not [e for e in root.iter() if e.tag.endswith(("script", "img", "foreignObject"))]
    assert not [k for e in root.iter() for k in e.attrib if k.lower().startswith("on")]
    footer = " ".join("".join(t.itertext()) for t in root.iter() if t.tag.endswith("text"))
    assert HOSTILE in footer.replace("\n", " ")  # the hostile source title, as typed


def test_snapshot_dates_are_iso_or_null(atlas: Atlas) -> None:
    doc = snapshot(atlas, dt.date(2024, 7, 1))
    assert doc["features"]
    assert all(
        f["properties"]["valid_to"] is None
        or re.fullmatch(r"\d{4}-\d\d-\d\d", f["properties"]["valid_to"])
        for f in doc["features"]
    )


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_a_print_map_from_the_atlas_read_without_pandas_is_the_same_file(
    atlas: Atlas, fmt: str
) -> None:
    plain = load_plain_atlas(atlas.root)
    changes = change_dates(atlas)
    assert change_dates(plain) == changes
    for day, compare in (
        (dt.date(1994, 5, 12), None),
        (dt.date(2020, 11, 10), dt.date(2020, 9, 27)),
    ):
        made = export(plain, changes, day, fmt, SMALL, compare)
        assert made == export(atlas, changes, day, fmt, SMALL, compare), (day, compare)


def test_an_animation_from_the_atlas_read_without_pandas_is_the_same_file(atlas: Atlas) -> None:
    changes = change_dates(atlas)[::20]
    tiny = Layout(400, 300, 50)
    made = animation(load_plain_atlas(atlas.root), changes, tiny, 500, workers=1)
    assert made == animation(atlas, changes, tiny, 500, workers=1)
