"""What the interactive map is sent: the right features for every date, colours told apart
by colour-blind readers, display geometry within its tolerance, and JSON that cannot break
out of a page."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from nkmap.atlas.catalog import Atlas
from nkmap.atlas.geometry import to_metres
from nkmap.atlas.timeline import change_dates, transfers
from nkmap.present.style import COLOURS
from nkmap.webmap.payload import (
    MAX_TOLERANCE_M,
    TOLERANCE_SHARE,
    payload,
    to_json,
    transfers_payload,
    version,
)


@pytest.fixture(scope="module")
def sent(atlas: Atlas) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(to_json(payload(atlas, change_dates(atlas))))
    return data


def shown_on(feature: dict[str, Any], day: str) -> bool:
    """The map's rule (map.js visibleAt): from <= day < to, null meaning open."""
    return (feature["from"] is None or feature["from"] <= day) and (
        feature["to"] is None or day < feature["to"]
    )


def test_features_shown_on_each_date_are_those_valid_then(
    atlas: Atlas, sent: dict[str, Any]
) -> None:
    assert len(sent["features"]) == len(atlas.features)
    assert [d["date"] for d in sent["dates"]] == [c.date.isoformat() for c in change_dates(atlas)]
    for change in change_dates(atlas):
        day = change.date.isoformat()
        shown = [i for i, f in enumerate(sent["features"]) if shown_on(f, day)]
        valid = [atlas.features.index.get_loc(i) for i in atlas.valid_on(change.date).index]
        assert shown == valid, day
        layers = {sent["layers"][sent["features"][i]["layer"]]["id"] for i in shown}
        assert layers == set(atlas.valid_on(change.date)["layer"])


def test_each_control_feature_carries_a_known_controller_and_its_layer_sources(
    sent: dict[str, Any],
) -> None:
    assert sent["colours"] == COLOURS
    on = [f for f in sent["features"] if shown_on(f, "2020-12-01")]
    control = [f for f in on if sent["layers"][f["layer"]]["shows"] == "control"]
    assert {f["controller"] for f in control} == set(COLOURS)
    for f in control:
        layer = sent["layers"][f["layer"]]
        assert layer["sources"] and layer["method"] and layer["uncertainty_km"] > 0


def _lab(hex_colour: str, matrix: np.ndarray) -> np.ndarray:
    rgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(matrix @ linear, 0, 1)
    xyz = (
        np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
        @ linear
        / np.array([0.95047, 1.0, 1.08883])
    )
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


# Machado, Oliveira and Fernandes (2009), full severity, applied to linear RGB.
VISION = {
    "normal": np.eye(3),
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
    "tritanopia": np.array(
        [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ]
    ),
}


@pytest.mark.parametrize("vision", VISION)
def test_control_colours_stay_apart_for_colour_blind_readers(vision: str) -> None:
    for a, b in itertools.combinations(COLOURS, 2):
        distance = float(
            np.linalg.norm(_lab(COLOURS[a], VISION[vision]) - _lab(COLOURS[b], VISION[vision]))
        )
        assert distance > 20, (vision, a, b, distance)


def test_display_geometry_stays_within_its_tolerance(atlas: Atlas, sent: dict[str, Any]) -> None:
    for (_, row), f in zip(atlas.features.iterrows(), sent["features"], strict=True):
        uncertainty_m = atlas.entry(row["layer"]).uncertainty_km * 1000
        allowed_m = min(uncertainty_m * TOLERANCE_SHARE, MAX_TOLERANCE_M) + 2  # + rounding
        shown = shape(f["geometry"])
        moved_m = shapely.hausdorff_distance(to_metres(shown), to_metres(row.geometry))
        assert moved_m <= allowed_m, (row["layer"], moved_m)
        assert moved_m < max(uncertainty_m, 1) / 10


def test_json_cannot_close_a_script_element() -> None:
    hostile = {"title": "</script><script>alert(1)</script>", "x": "a\u2028b & c"}
    text = to_json(hostile)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == hostile


def test_version_follows_the_data() -> None:
    assert version(to_json({"a": 1})) == version(to_json({"a": 1}))
    assert version(to_json({"a": 1})) != version(to_json({"a": 2}))


def test_transfers_are_sent_with_their_areas(atlas: Atlas) -> None:
    moved = transfers(atlas, dt.date(2020, 9, 27), dt.date(2020, 12, 1))
    sent = transfers_payload(moved)
    assert [(t["before"], t["after"]) for t in sent] == [(t.before, t.after) for t in moved]
    for t, s in zip(moved, sent, strict=True):
        assert s["area_km2"] == round(t.area_km2, 1)
        assert shape(s["geometry"]).area == pytest.approx(t.geometry.area, rel=1e-3)
