"""Adding a layer: a good add reaches the catalog, the timeline and `nkmap validate`; every
refused add names the problem and leaves geodata/ exactly as it was."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import shapely

from conftest import WriteAtlas, collection, entry, feat, layer_meta, square, zigzag
from nkmap.atlas import validate
from nkmap.atlas.catalog import Atlas, load_atlas
from nkmap.atlas.timeline import change_dates, state_at
from nkmap.cli import main
from nkmap.errors import CatalogError, ValidationError
from nkmap.layers.add import check_layer
from nkmap.layers.readers import Candidate
from nkmap.layers.store import check, save
from nkmap.settings import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "oblast-centre.geojson"
EXAMPLE_META = ROOT / "docs" / "examples" / "oblast-centre.meta.json"


@pytest.fixture
def geodata(geodata_copy: Path) -> Path:
    return geodata_copy


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() or p.is_symlink()
    }


def layer_file(tmp_path: Path, *features: dict[str, Any], **extra: Any) -> Path:
    path = tmp_path / "candidate.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features), **extra}))
    return path


SQUARE = square(46.60, 39.70, 0.05)


def area(geometry: dict[str, Any] | None = SQUARE, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


META = [
    "--id",
    "field-sites",
    "--title",
    "Field sites",
    "--kind",
    "area",
    "--valid-from",
    "2021-03-01",
    "--valid-to",
    "2022-01-01",
    "--source-title",
    "An NGO's site list",
    "--source-url",
    "https://example.org/sites",
    "--licence",
    "CC BY 4.0",
    "--method",
    "Surveyed on the ground.",
    "--uncertainty-km",
    "0.5",
]


def add(geodata: Path, path: Path, *args: str) -> int:
    return main(["--geodata", str(geodata), "add", str(path), *args])


@pytest.mark.slow
def test_the_guides_example_is_added_and_shown_at_its_dates(
    geodata: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(geodata, EXAMPLE, "--meta", str(EXAMPLE_META)) == 0
    assert "added 'oblast-centre': 1 features, shown 1923-07-07 .. 1991-11-26" in (
        capsys.readouterr().out
    )
    assert main(["validate", str(geodata)]) == 0
    atlas = load_atlas(geodata)
    assert "oblast-centre" in state_at(atlas, dt.date(1950, 1, 1)).layers
    assert "oblast-centre" not in state_at(atlas, dt.date(1992, 1, 1)).layers
    written = json.loads((geodata / "layers" / "oblast-centre.geojson").read_text())
    assert "crs" not in written and written["features"][0]["geometry"]["type"] == "Point"
    assert main(["--geodata", str(geodata), "layers"]) == 0
    assert "oblast-centre" in capsys.readouterr().out


def test_options_override_the_sidecar_and_replace_needs_asking(geodata: Path) -> None:
    assert add(geodata, EXAMPLE, "--meta", str(EXAMPLE_META)) == 0
    before = snapshot(geodata)
    assert add(geodata, EXAMPLE, "--meta", str(EXAMPLE_META), "--title", "Renamed") == 1
    assert snapshot(geodata) == before
    assert (
        add(geodata, EXAMPLE, "--meta", str(EXAMPLE_META), "--title", "Renamed", "--replace") == 0
    )
    atlas = load_atlas(geodata)
    assert atlas.entry("oblast-centre").title == "Renamed"
    assert [e.id for e in atlas.entries].count("oblast-centre") == 1


def test_a_new_dated_area_changes_the_timeline(geodata: Path) -> None:
    path = layer_file(geodata.parent, area(name="Site"))
    assert add(geodata, path, *META) == 0
    dates = [c.date for c in change_dates(load_atlas(geodata))]
    assert dt.date(2021, 3, 1) in dates and dt.date(2022, 1, 1) in dates


BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[46.6, 39.7], [46.7, 39.8], [46.7, 39.7], [46.6, 39.8], [46.6, 39.7]]],
}
UNCLOSED = {
    "type": "Polygon",
    "coordinates": [[[46.6, 39.7], [46.7, 39.7], [46.7, 39.8], [46.6, 39.8]]],
}
SHORT_RING = {"type": "Polygon", "coordinates": [[[46.6, 39.7], [46.7, 39.7], [46.6, 39.7]]]}
HOLE_OUTSIDE = {
    "type": "Polygon",
    "coordinates": [
        square(46.6, 39.7, 0.05)["coordinates"][0],
        square(46.8, 39.9, 0.02)["coordinates"][0],
    ],
}


@pytest.mark.parametrize(
    ("features", "extra", "options", "message"),
    [
        ([area()], {}, ["--id", "../escape"], "id: found '../escape'; accepted: 1-63 lower-case"),
        ([area()], {}, ["--id", "Field-Sites"], "id: found 'Field-Sites'"),
        ([area()], {}, ["--id", "x" * 64], "accepted: 1-63 lower-case"),
        ([area()], {}, ["--id", "nkao"], "id: found 'nkao' already exists; accepted: a new id"),
        (
            [area()],
            {"crs": {"type": "name"}},
            [],
            'crs: found {"type": "name"}; accepted: no \'crs\'',
        ),
        ([area(square(4_660_000, 3_970_000, 5000))], {}, [], "metres given as degrees?"),
        ([area(square(39.7, 46.6, 0.05))], {}, [], "(lon and lat look swapped)"),
        ([area(None)], {}, [], "feature 0: geometry: found null"),
        ([area(BOWTIE)], {}, [], "geometry: found invalid (Self-intersection"),
        ([area(UNCLOSED)], {}, [], "ring 0 is not closed"),
        ([area(SHORT_RING)], {}, [], "ring 0 has 3 positions"),
        ([area(HOLE_OUTSIDE)], {}, [], "geometry: found invalid (Hole lies outside shell"),
        (
            [area({"type": "Point", "coordinates": [46.7, 39.8]})],
            {},
            [],
            "geometry.type: found Point; accepted: Polygon or MultiPolygon for an area layer",
        ),
        ([], {}, [], "features: found list; accepted: at least one feature"),
        ([area()], {}, ["--valid-from", "2021-02-30"], "valid_from: found '2021-02-30'"),
        (
            [area()],
            {},
            ["--valid-to", "2020-01-01"],
            "valid_to: found 2020-01-01; accepted: a date after 2021-03-01",
        ),
        ([area()], {}, ["--licence", ""], "sources[0]: found"),
        (
            [area()],
            {},
            ["--source-url", "javascript:alert(1)"],
            "sources[0].url: found 'javascript:alert(1)'",
        ),
        ([area()], {}, ["--uncertainty-km", "-2"], "uncertainty_km: found -2.0"),
        ([area()], {}, ["--shows", "control"], "properties.controller: found None"),
        (
            [area(controller="armenian")],
            {},
            ["--shows", "control"],
            "overlaps control already mapped on 2021-03-01",
        ),
    ],
)
def test_refused_adds_name_the_problem_and_change_nothing(
    geodata: Path,
    capsys: pytest.CaptureFixture[str],
    features: list[dict[str, Any]],
    extra: dict[str, Any],
    options: list[str],
    message: str,
) -> None:
    path = layer_file(geodata.parent, *features, **extra)
    before = snapshot(geodata)
    assert add(geodata, path, *META, *options) == 1
    err = capsys.readouterr().err
    assert message in err, err
    assert err.startswith("nkmap: error: candidate.geojson:")
    assert snapshot(geodata) == before


def test_nan_in_a_file_is_refused(geodata: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = geodata.parent / "nan.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {}, "geometry": {"type": "Point", "coordinates": [NaN, 39]}}]}'
    )
    before = snapshot(geodata)
    assert add(geodata, path, *META, "--kind", "point") == 1
    assert "NaN is not allowed in JSON" in capsys.readouterr().err
    assert snapshot(geodata) == before


@pytest.mark.parametrize(
    ("limit", "value", "message"),
    [
        ("MAX_FEATURES", 2, "features: found 3; accepted: at most 2"),
        ("MAX_VERTICES", 10, "features: found 15 vertices; accepted: at most 10"),
    ],
)
def test_count_limits_carry_the_limit(
    geodata: Path, monkeypatch: pytest.MonkeyPatch, limit: str, value: int, message: str
) -> None:
    atlas = load_atlas(geodata)  # loaded under the real limits
    monkeypatch.setattr(validate, limit, value)
    doc = {"type": "FeatureCollection", "features": [area(), area(), area()]}
    candidate = Candidate("candidate.geojson", "geojson", doc)
    meta = layer_meta(
        valid_from="2021-03-01", sources=[{"title": "t", "url": "https://e.org/", "licence": "CC0"}]
    )
    with pytest.raises(ValidationError, match=re.escape(message)):
        check(atlas, candidate, meta)


def test_a_planted_symlink_is_not_followed(
    geodata: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "outside.txt"
    target.write_text("keep me")
    (geodata / "layers" / "field-sites.geojson").symlink_to(target)
    assert add(geodata, layer_file(geodata.parent, area()), *META) == 1
    assert "field-sites.geojson is a symbolic link: refusing to follow" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_validate_checks_a_candidate_with_its_metadata_without_writing(
    geodata: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(geodata)
    path = layer_file(geodata.parent, area())
    assert main(["--geodata", str(geodata), "validate", str(path), *META]) == 0
    assert "OK as layer 'field-sites'" in capsys.readouterr().out
    assert main(["--geodata", str(geodata), "validate", str(path), *META, "--id", "nkao"]) == 1
    assert snapshot(geodata) == before


@pytest.mark.slow
def test_concurrent_adds_all_land_in_a_valid_catalog(geodata: Path) -> None:
    path = layer_file(geodata.parent, area())
    base = [sys.executable, "-m", "nkmap.cli", "--geodata", str(geodata), "add", str(path)]
    procs = [
        subprocess.Popen(
            [*base, *META, "--id", f"site-{i}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for i in range(6)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    atlas = load_atlas(geodata)
    assert {f"site-{i}" for i in range(6)} <= {e.id for e in atlas.entries}
    assert not list(geodata.rglob("*.tmp"))


def test_streamlits_upload_limit_matches_the_layer_size_limit() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 == MAX_FILE_BYTES


def guide_commands() -> list[list[str]]:
    """The `nkmap` commands of docs/adding-a-layer.md, continuation lines joined."""
    text = (ROOT / "docs" / "adding-a-layer.md").read_text().replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        line = line.strip().split(" | ")[0]
        if line.startswith(".venv/bin/nkmap"):
            commands.append(shlex.split(line)[1:])
    return commands


@pytest.mark.slow
def test_the_guide_works_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commands = guide_commands()
    adds = [c for c in commands if "add" in c]
    assert len(adds) == 2  # with options, and with the sidecar file
    for variant in adds:
        copy = tmp_path / variant[-1].replace("/", "_")
        shutil.copytree(ROOT / "geodata", copy)
        for command in commands:
            if command in adds and command is not variant:
                continue
            args = [str(copy) if a == "/tmp/my-geodata" else a for a in command]
            if "export" in args:
                args[args.index("-o") + 1] = str(tmp_path / "m.png")
            assert main(args) == 0, args
        assert "oblast-centre" in capsys.readouterr().out
        atlas = load_atlas(copy)
        assert "oblast-centre" in state_at(atlas, dt.date(1923, 7, 7)).layers


def test_add_without_metadata_refuses_and_changes_nothing(
    geodata: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lone = tmp_path / "lone.geojson"
    lone.write_bytes(EXAMPLE.read_bytes())
    before = {p: p.read_bytes() for p in geodata.rglob("*") if p.is_file()}
    assert add(geodata, lone) == 1
    err = capsys.readouterr().err
    assert "lone.geojson: nothing was added: a layer needs its metadata" in err
    assert "lone.meta.json" in err
    assert {p: p.read_bytes() for p in geodata.rglob("*") if p.is_file()} == before


def test_add_reads_the_metadata_kept_beside_the_file(
    geodata: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layer = tmp_path / "centre.geojson"
    layer.write_bytes(EXAMPLE.read_bytes())
    (tmp_path / "centre.meta.json").write_bytes(EXAMPLE_META.read_bytes())
    assert add(geodata, layer) == 0
    out = capsys.readouterr().out
    assert f"note: metadata from {tmp_path / 'centre.meta.json'}" in out
    assert "added 'oblast-centre'" in out
    assert load_atlas(geodata).entry("oblast-centre").title == "Centre of the autonomous oblast"


@pytest.mark.parametrize("replace", [False, True])
def test_a_write_that_fails_at_any_step_leaves_the_old_atlas_or_the_new_one(
    write_atlas: WriteAtlas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replace: bool
) -> None:
    import os

    geodata = write_atlas(
        [(entry("held"), collection(feat(square(46.0, 40.0), controller="armenian")))]
    )
    candidate = layer_file(tmp_path, area(name="site"))
    if replace:
        (tmp_path / "first").mkdir()
        assert add(geodata, layer_file(tmp_path / "first", area(name="old site")), *META) == 0
    more = ["--replace"] if replace else []
    template = tmp_path / "template"
    shutil.copytree(geodata, template)
    before = snapshot(template)
    real = {name: getattr(os, name) for name in ("replace", "fsync", "unlink")}
    outcomes = []
    for fail_at in range(1, 40):
        root = tmp_path / f"try-{fail_at}"
        shutil.copytree(template, root)
        calls = 0

        def disk_full(name: str, *args: Any, at: int = fail_at, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == at:
                raise OSError(28, "No space left on device")
            return real[name](*args, **kwargs)

        for name in real:
            monkeypatch.setattr(os, name, lambda *a, _n=name, **k: disk_full(_n, *a, **k))
        code = add(root, candidate, *META, "--title", "Field sites, again", *more)
        monkeypatch.undo()
        if calls < fail_at:  # every step was taken without a failure: all steps are covered
            assert code == 0
            break
        if code == 1:  # refused: nothing changed, and trying again works
            outcomes.append("old")
            assert snapshot(root) == before
            assert add(root, candidate, *META, "--title", "Field sites, again", *more) == 0
        else:  # it landed: the atlas is the new one and loads
            outcomes.append("new")
        assert load_atlas(root).entry("field-sites").title == "Field sites, again"
        # The next save tidies whatever the failed step left behind.
        assert add(root, candidate, *META, "--id", "more-sites", "--title", "More") == 0
        assert not [p for p in root.rglob(".*") if p.is_file()]
        assert "old site" not in (root / "layers" / "field-sites.geojson").read_text()
    else:
        raise AssertionError("the add took more steps than tried")
    # Failures before the commit and after it were both met.
    assert "old" in outcomes and "new" in outcomes, outcomes


def test_metadata_puts_what_was_given_over_the_metadata_file() -> None:
    from nkmap.layers.meta import form_defaults, metadata

    sidecar = {"id": "a", "kind": "point", "approximate": False, "notes": ["from the file"]}
    # The form holds a value in every defaulted field; one nobody changed leaves the file's.
    form = {"id": "", "kind": "area", "approximate": True, "title": "T", "notes": ["typed"]}
    meta = metadata(form, sidecar, form_defaults())
    assert meta == {
        "id": "a",
        "kind": "point",
        "approximate": False,
        "title": "T",
        "notes": ["from the file", "typed"],
    }
    # A value chosen in the form (not its default) wins; options have no defaults at all.
    assert metadata({"kind": "line"}, sidecar, form_defaults())["kind"] == "line"
    assert metadata({"kind": "area"}, sidecar)["kind"] == "area"


def test_a_layer_without_an_id_learns_every_other_problem_at_once(geodata: Path) -> None:
    candidate = Candidate("c.geojson", "geojson", json.loads(layer_file_text(area())))
    meta = {"title": "T", "valid_from": "2020-13-01", "uncertainty_km": -1, "sources": [{}]}
    with pytest.raises(ValidationError) as caught:
        check(load_atlas(geodata), candidate, meta)
    fields = {p.field for p in caught.value.problems}
    assert {"id", "valid_from", "uncertainty_km", "sources[0]", "method"} <= fields


def layer_file_text(*features: dict[str, Any]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def with_option(option: str, value: str) -> list[str]:
    """META with one option's value replaced."""
    args = list(META)
    args[args.index(option) + 1] = value
    return args


@pytest.mark.slow  # each case loads the atlas through the command line
@pytest.mark.parametrize(
    ("option", "value", "problem"),
    [
        ("--uncertainty-km", "nan", ": uncertainty_km: found nan"),
        ("--uncertainty-km", "inf", ": uncertainty_km: found inf"),
        ("--uncertainty-km", "1e999", ": uncertainty_km: found inf"),
        ("--id", "field-sites\n", ": id: found 'field-sites\\n'"),
        ("--id", "con", ": id: found 'con'"),
        ("--id", "lpt1", ": id: found 'lpt1'"),
        # Derived from the atlas's sources: an add never replaces them, even when asked.
        ("--id", "events", ": id: found 'events' is derived"),
        ("--id", "control-1994-2020", ": id: found 'control-1994-2020' is derived"),
    ],
)
def test_an_add_that_would_leave_the_atlas_unloadable_is_refused(
    geodata: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: str,
    value: str,
    problem: str,
) -> None:
    before = snapshot(geodata)
    path = layer_file(tmp_path, area())
    assert add(geodata, path, *with_option(option, value), "--replace") == 1
    assert problem in capsys.readouterr().err
    assert snapshot(geodata) == before
    assert main(["--geodata", str(geodata), "layers"]) == 0


def test_a_layer_that_would_outgrow_the_limit_once_stored_is_refused(
    geodata: Path, atlas: Atlas
) -> None:
    # Read from 6.8 MB of "1E9", each number is stored as "1000000000.0": 23.8 MB, over the
    # limit the loader enforces, and the atlas would never load again.
    text = '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
    text += '{"type": "Point", "coordinates": [46.7, 39.8]}, "properties": {"v": ['
    text += ",".join(["1E9"] * 1_700_000) + "]}}]}"
    assert len(text) < MAX_FILE_BYTES
    before = snapshot(geodata)
    meta = layer_meta(id="numbers", title="T", kind="point")
    with pytest.raises(ValidationError) as caught:
        check_layer(atlas, text.encode(), "numbers.geojson", meta)
    [problem] = caught.value.problems
    assert problem.field == "file"
    assert "23,800,1" in problem.found and "once stored" in problem.found
    assert snapshot(geodata) == before


def test_an_add_is_loaded_as_stored_before_it_lands(
    write_atlas: WriteAtlas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nkmap.atlas.jsonfile

    root = write_atlas(
        [(entry("held"), collection(feat(square(46.0, 40.0), controller="armenian")))]
    )
    checked = check_layer(
        load_atlas(root), layer_file_text(area()).encode(), "c.geojson", layer_meta()
    )
    # The layer is small, but the catalog it makes would be over the loader's limit: only
    # loading what the add would store finds it.
    size = (root / "catalog.json").stat().st_size + 100
    monkeypatch.setattr(nkmap.atlas.jsonfile, "MAX_FILE_BYTES", size)
    before = snapshot(root)
    with pytest.raises(CatalogError) as caught:
        save(root, checked)
    assert "as the atlas would store it" in str(caught.value)
    assert f"the limit is {size:,} bytes" in str(caught.value)
    assert snapshot(root) == before
    monkeypatch.undo()
    assert save(root, checked) == root / "layers" / "sites.geojson"
    assert "sites" in load_atlas(root).by_id


@pytest.mark.parametrize(
    "props",
    [
        {"height": float("nan")},
        {"height": float("inf")},
        {"deep": json.loads("[" * 40 + "]" * 40)},
    ],
    ids=["nan", "infinity", "nested-40-deep"],
)
def test_properties_the_atlas_cannot_store_or_read_back_are_refused(
    geodata: Path, atlas: Atlas, props: dict[str, Any]
) -> None:
    before = snapshot(geodata)
    doc = {"type": "FeatureCollection", "features": [area(**props)]}
    meta = layer_meta(id="odd-props", title="T")
    with pytest.raises(ValidationError) as caught:
        check(atlas, Candidate("c.gpkg", "gpkg", doc), meta)
    assert [p.field for p in caught.value.problems] == ["properties"]
    assert snapshot(geodata) == before


@pytest.mark.parametrize(
    ("title", "props"),
    [
        ("Sites\x07", {}),  # a control character: SVG and KML would be ill-formed
        ("Sites \u202egnp.exe", {}),  # a direction override: reads as something else
        ("Sites", {"name": "\ud800"}),  # a lone surrogate: no file can store it
        ("Sites", {"name\x00": "x"}),  # in a key too
    ],
    ids=["control", "bidi-override", "lone-surrogate", "control-in-key"],
)
def test_unsafe_text_is_refused_at_the_door(
    geodata: Path, atlas: Atlas, title: str, props: dict[str, Any]
) -> None:
    before = snapshot(geodata)
    doc = {"type": "FeatureCollection", "features": [area(**props)]}
    meta = layer_meta(id="texts", title=title)
    with pytest.raises(ValidationError) as caught:
        check(atlas, Candidate("c.geojson", "geojson", doc), meta)
    assert any("U+" in p.found for p in caught.value.problems)
    assert snapshot(geodata) == before


def test_two_adds_of_the_same_control_checked_at_once_cannot_both_land(geodata: Path) -> None:
    """Both are checked against the atlas before either is saved (as two visitors' adds
    would be); the second save finds the first's control and is refused."""
    from nkmap.layers.store import save

    atlas = load_atlas(geodata)
    doc = {
        "type": "FeatureCollection",
        "features": [area(square(47.5, 40.8, 0.05), controller="armenian")],
    }
    meta = {
        "id": "first",
        "title": "T",
        "kind": "area",
        "shows": "control",
        "valid_from": "2030-01-01",
        "sources": [{"title": "S", "url": "https://example.org", "licence": "CC0"}],
        "method": "m",
        "uncertainty_km": 1,
    }
    first = check(atlas, Candidate("a.geojson", "geojson", doc), meta)
    second = check(atlas, Candidate("b.geojson", "geojson", doc), {**meta, "id": "second"})
    save(geodata, first)
    before = snapshot(geodata)
    with pytest.raises(ValidationError, match="overlaps control"):
        save(geodata, second)
    assert snapshot(geodata) == before
    assert main(["validate", str(geodata)]) == 0


def test_a_geometry_too_complex_for_geos_is_refused_before_geos_sees_it(tmp_path: Path) -> None:
    """60,000 teeth used to overflow GEOS's stack (the process died with a segmentation
    fault); now the ring's size is refused while the file is read, in well under a second."""
    path = layer_file(tmp_path, area(zigzag(60_000)))
    done = subprocess.run(
        [sys.executable, "-m", "nkmap.cli", "validate", str(path), "--kind", "area"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "ring 0 has 60,003 positions" in done.stderr and "at most 20,000" in done.stderr


def test_a_polygon_that_would_cross_itself_once_stored_is_refused(atlas: Atlas) -> None:
    """Valid at full precision: the spike's tip lies 0.4 m above the bottom edge. Rounded to
    5 decimals, as stored, the tip touches the edge, the ring crosses itself, and the atlas
    would no longer load."""
    ring = [
        [46.0, 39.0],
        [46.1, 39.0],
        [46.1, 39.1],
        [46.05, 39.000004],
        [46.0, 39.1],
        [46.0, 39.0],
    ]
    assert shapely.Polygon(ring).is_valid
    doc = {
        "type": "FeatureCollection",
        "features": [area({"type": "Polygon", "coordinates": [ring]})],
    }
    meta = layer_meta(id="spike", title="T")
    with pytest.raises(ValidationError, match="once stored at about 1 m precision"):
        check(atlas, Candidate("c.geojson", "geojson", doc), meta)


def test_an_add_keeps_the_atlas_readable_by_others_as_the_umask_says(
    geodata: Path, tmp_path: Path
) -> None:
    """A service account reading geodata/ can still read the catalog and the new layer."""
    import os

    path = layer_file(tmp_path, area())
    old = os.umask(0o022)
    try:
        assert add(geodata, path, *META) == 0
    finally:
        os.umask(old)
    for written in (geodata / "catalog.json", geodata / "layers" / "field-sites.geojson"):
        assert written.stat().st_mode & 0o777 == 0o644, written


def test_finishing_an_interrupted_add_never_writes_outside_geodata(tmp_path: Path) -> None:
    from nkmap.layers.store import settle, staged_file

    root = tmp_path / "deep" / "geodata"
    (root / "layers").mkdir(parents=True)
    hostile = "../../escaped"
    (root / "layers" / ".x.staged.geojson").write_text("{}")
    staged = root / staged_file(hostile)
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_text("{}")
    catalog = {"layers": [{"id": hostile, "file": staged_file(hostile)}]}
    (root / "catalog.json").write_text(json.dumps(catalog))
    settle(root)
    assert not list(tmp_path.rglob("escaped.geojson"))
    assert json.loads((root / "catalog.json").read_text()) == catalog
    assert not (root / "layers" / ".x.staged.geojson").exists()  # an unnamed leftover goes
