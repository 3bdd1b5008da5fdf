"""The Python interface (nkmap.load() and what it answers) and its guide, docs/python.md,
whose examples run here as written."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

import nkmap
from nkmap.atlas.catalog import Atlas as Catalog

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "python.md"


@pytest.fixture(scope="module")
def atlas() -> nkmap.Atlas:
    return nkmap.load()


@pytest.mark.slow  # builds both folium maps of the whole atlas
def test_the_guide_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.S)
    assert len(blocks) >= 5
    monkeypatch.chdir(tmp_path)
    scope: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(GUIDE), "exec"), scope)
    for name in ("karabakh-2020.html", "karabakh-timeline.html"):
        page = (tmp_path / name).read_text()
        assert "cdn.jsdelivr" not in page and "code.jquery" not in page  # offline
        assert "Natural Earth" in page


def test_state_is_a_table_of_the_map_with_sources(atlas: nkmap.Atlas) -> None:
    state = atlas.state("2020-12-01")
    assert state.crs.to_epsg() == 4326
    control = state[state["shows"] == "control"]
    assert set(control["controller"]) == {"armenian", "azerbaijani", "russian_peacekeepers"}
    assert (control["valid_from"] <= pd.Timestamp("2020-12-01")).all()
    assert (control["valid_to"] > pd.Timestamp("2020-12-01")).all()
    assert control["sources"].str.contains("https://").all()
    assert control["method"].str.len().gt(0).all() and control["uncertainty_km"].gt(0).all()
    # The figures agree with the command line's (nkmap stats) and with the table's areas.
    areas = atlas.areas("2020-12-01")
    by_side = control.groupby("controller")["area_km2"].sum()
    for side, km2 in areas.items():
        assert abs(by_side.get(side, 0.0) - km2) < 1.0
    # Events are those of that day and before; the base map is not part of the state.
    events = state[state["shows"] == "events"]
    assert len(events) and (events["valid_from"] <= pd.Timestamp("2020-12-01")).all()
    assert not set(state["shows"]) & {"countries", "rayons", "places"}


def test_where_history_and_changes_answer_with_sources(atlas: nkmap.Atlas) -> None:
    assert atlas.where("Shushi", "2020-11-01")["controller"] == "armenian"
    assert atlas.where("Shusha", "2020-11-09")["controller"] == "azerbaijani"
    point = atlas.where((39.8153, 46.7519), "1995-01-01")  # Stepanakert / Khankendi
    assert point["controller"] == "armenian" and point["in_nkao"]
    history = atlas.history("Hadrut")
    assert list(history["controller"]) == ["armenian", "azerbaijani"]
    assert history["sources"].str.contains(r"<https?://").all()
    changed = atlas.changes("2020-09-26", "2020-11-10")
    top = changed.iloc[0]
    assert (top["before"], top["after"]) == ("armenian", "azerbaijani")
    assert changed["area_km2"].is_monotonic_decreasing
    assert changed.crs.to_epsg() == 4326


def test_bad_questions_get_nkmap_errors(atlas: nkmap.Atlas) -> None:
    with pytest.raises(nkmap.NkmapError, match="date"):
        atlas.state("1 December 2020")
    with pytest.raises(nkmap.NkmapError):
        atlas.where("Atlantis", "2020-01-01")
    with pytest.raises(nkmap.NkmapError, match="outside"):
        atlas.where((10.0, 10.0), "2020-01-01")
    with pytest.raises(nkmap.NkmapError, match="names"):
        atlas.folium_map("2020-12-01", names="ru")


def test_load_takes_another_geodata_folder(geodata_copy: Path) -> None:
    other = nkmap.load(geodata_copy)
    assert isinstance(other.catalog, Catalog) and other.catalog.root == geodata_copy
    assert os.fspath(geodata_copy) in repr(other)
