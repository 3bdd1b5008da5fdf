"""The nkmap command, run as users run it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nkmap.atlas.catalog import load_atlas
from nkmap.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nkmap.cli", *args], capture_output=True, text=True, check=False
    )


def test_layers_lists_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layers"]) == 0
    out = capsys.readouterr().out
    assert "control-1994-2020" in out and "1994-05-12 .. 2020-09-27" in out
    assert "nkao" in out and "(approximate)" in out


def test_where_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["where", "39.758", "46.748", "--date", "2005-06-01", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["controller"] == "armenian"
    assert result["in_nkao"] is True
    assert "control-1994-2020" in result["layers"]
    assert main(["where", "39.641", "46.547", "--date", "2021-03-01", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["controller"] == "russian_peacekeepers"
    assert "peacekeeping-zone" in result["layers"]
    assert result["in_nkao"] is False


def test_snapshot_holds_the_state_with_sources(tmp_path: Path) -> None:
    out = tmp_path / "snap.geojson"
    assert main(["snapshot", "--date", "2021-01-01", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    control = [f for f in doc["features"] if f["properties"]["layer"] == "control-2020-2023"]
    assert {f["properties"]["controller"] for f in control} == {
        "armenian",
        "azerbaijani",
        "russian_peacekeepers",
    }
    for f in control:
        assert f["properties"]["sources"][0]["licence"]
    assert not any(f["properties"]["layer"] == "control-1994-2020" for f in doc["features"])
    assert doc["data_version"] == load_atlas().data_version


@pytest.mark.slow
def test_stats_says_when_control_is_not_mapped_or_the_date_is_past_the_atlas(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["stats", "--date", "1980-01-01"]) == 0
    assert "note: control is not mapped on 1980-01-01; it is mapped from 1992-01-01" in (
        capsys.readouterr().out
    )
    assert main(["stats", "--date", "2030-01-01", "--json"]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert notes and "is after the atlas's last change" in notes[0]


@pytest.mark.slow
def test_stats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--date", "2021-01-01", "--json"]) == 0
    areas = json.loads(capsys.readouterr().out)["area_km2"]
    assert 2800 <= areas["armenian"] <= 3300
    assert main(["stats", "--date", "2005-01-01"]) == 0
    out = capsys.readouterr().out
    assert "of Azerbaijan's 86,600 km2" in out
    assert re.search(r"of the mapped region's 1[45],\d{3} km2", out)
    assert "the former oblast, the seven districts" in out
    assert main(["stats", "--date", "2024-06-12", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    # After 2023 the Azerbaijani side holds the whole mapped region, and nothing outside it.
    assert doc["area_km2"]["azerbaijani"] == pytest.approx(doc["region_km2"])


def test_validate_catalog_and_candidates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate"]) == 0
    assert "OK" in capsys.readouterr().out
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {}, "geometry": None}],
            }
        )
    )
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "feature 0: geometry: found null" in err


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["where", "39.8", "46.7", "--date", "yesterday"], "expected a date as YYYY-MM-DD"),
        (["where", "39.8", "--date", "2005-01-01"], "give lat and lon (two numbers)"),
        (["where", "1.0", "46.7", "--date", "2005-01-01"], "outside the atlas's region"),
        (
            ["snapshot", "--date", "2005-01-01", "-o", "/nonexistent/dir/x.geojson"],
            "/nonexistent/dir/x.geojson: the folder /nonexistent/dir does not exist",
        ),
        (["where", "46.7", "39.8", "--date", "2005-01-01"], "did you mean 39.8 46.7 (lat lon)?"),
        (["validate", "/etc/hostname"], "not a geodata folder, and not a layer file"),
        (["validate", "/nonexistent/data.csv"], "not a geodata folder, and not a layer file"),
        (
            ["export", "--date", "2005-01-01", "--format", "pdf", "-o", "x.png"],
            "x.png: the name ends in .png but the format is pdf",
        ),
        (["animate", "-o", "x.mp4"], "x.mp4: .mp4 is not a format this command writes"),
        (
            ["export", "--date", "2005-01-01", "-o", "/dev/null"],
            "/dev/null: .(none) is not a format",
        ),
        (
            ["export", "--date", "2005-01-01", "--format", "png", "-o", "/dev/null"],
            "/dev/null: exists and is not a regular file",
        ),
        (["validate", "/nonexistent"], "catalog.json: cannot read the file"),
        (["validate", "/nonexistent/layer.geojson"], "layer.geojson: cannot read the file"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_get_one_line_and_no_traceback(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_exports_are_readable_by_others_as_the_umask_says(tmp_path: Path) -> None:
    out = tmp_path / "map.geojson"
    old = os.umask(0o022)
    try:
        assert main(["export", "--date", "2005-01-01", "-o", str(out)]) == 0
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644


HEAVY = ("pandas", "geopandas", "matplotlib", "pyogrio", "pyarrow", "folium")


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["layers"],
        ["where", "39.758", "46.748", "--date", "2005-06-01"],
        ["where", "Shusha", "--date", "2020-11-01", "--json"],
    ],
)
def test_the_quick_commands_import_nothing_heavy(args: list[str]) -> None:
    run(*args)  # `where` reads the atlas's areas from the disk cache, which this run fills
    program = (
        "import sys\n"
        "from nkmap.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("call", "collecting", "frozen"),
    [
        ("cli.entry()", False, True),  # one map, one file: paused, then frozen before exit
        ("cli.entry()", True, True),  # a frame or a page for each date: collecting
        ("sys.exit(cli.main(sys.argv[1:]))", True, False),  # main() leaves it alone
    ],
)
def test_the_command_keeps_the_garbage_collector_out_of_its_way(
    call: str, collecting: bool, frozen: bool, tmp_path: Path
) -> None:
    command = ["animate", "-o", "a.gif"] if collecting and frozen else ["layers"]
    program = (
        "import atexit, gc, sys\n"
        "import nkmap.cli as cli\n"
        "seen = []\n"
        "cli.run = lambda args: seen.append((args.command, gc.isenabled())) or 0\n"
        "atexit.register(lambda: print(seen, gc.get_freeze_count() > 0))\n"
        f"{call}\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, *command], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"[({command[0]!r}, {collecting})] {frozen}"


def test_a_print_map_is_drawn_without_pandas_geopandas_or_pyproj(tmp_path: Path) -> None:
    # First on an empty cache (the atlas is read from its files and kept, and so is the
    # text drawn), then from the cache, the same file. Measuring areas while reading the
    # files needs pyproj; nothing else does. Nor are the animation's processes started.
    out = tmp_path / "map.png"
    program = (
        "import sys\n"
        "from nkmap.cli import main\n"
        f"assert main(['export', '--date', '2020-11-10', '-o', {str(out)!r}]) == 0\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'geopandas', "
        "'pyarrow', 'pyproj', 'multiprocessing', 'concurrent'}))\n"
    )
    env = {**os.environ, "NKMAP_CACHE": str(tmp_path / "cache")}
    found, made, kept = [], [], []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, done.stderr
        found.append(done.stdout.strip().splitlines()[-1])
        made.append(out.read_bytes())
        kept.append(
            {p.name.split("-")[0]: p.stat().st_mtime_ns for p in (tmp_path / "cache").iterdir()}
        )
    assert found == ["['pyproj']", "[]"]
    assert made[0].startswith(b"\x89PNG") and made[1] == made[0]
    assert sorted(kept[0]) == ["atlas", "text"]
    assert kept[1] == kept[0]  # the second run found everything it drew: nothing written
