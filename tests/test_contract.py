"""The contract between Python and the page that draws the map (frontend/map.js): every field
of the payload the page reads is produced by Python, every argument it reads is one the
component passes, and both sides name the same payload schema."""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

import pytest

from nkmap.atlas.catalog import Atlas
from nkmap.atlas.timeline import change_dates
from nkmap.atlas.vocabulary import BASE_MAP
from nkmap.maps.export import standalone_html
from nkmap.present.style import BASE_COLOURS, COLOURS, OPACITY, OTHER_COLOUR
from nkmap.web import component as mapcomponent
from nkmap.webmap.payload import FRONTEND, PAYLOAD_SCHEMA, payload

SCRIPT = (FRONTEND / "map.js").read_text()


@pytest.fixture(scope="module")
def sent(atlas: Atlas) -> dict[str, Any]:
    """The payload of the atlas in geodata/, made once for these tests."""
    return payload(atlas, change_dates(atlas))


# Fields only the standalone HTML export adds (the dashboard's panel gives them instead).
STANDALONE_ONLY = {"areas"}


def reads(name: str) -> set[str]:
    """The properties the page reads of ``name`` (``data.x``, ``S.data.x``, ``args.x``)."""
    return set(re.findall(rf"(?<![\w.])(?:S\.)?{name}\.([a-z_]+)", SCRIPT))


def test_every_payload_field_the_page_reads_is_produced(sent: dict[str, Any], atlas: Atlas) -> None:
    from nkmap.webmap.payload import FIRST_PART_FIELDS, prepare

    first = json.loads(prepare(atlas).first(change_dates(atlas)[0].date)[0])
    assert set(FIRST_PART_FIELDS) <= set(first)
    produced = set(sent) | set(FIRST_PART_FIELDS)
    read = reads("data")
    assert {"dates", "features", "layers", "colours"} <= read  # the reading is found
    assert read - produced <= STANDALONE_ONLY, read - produced
    assert "schema" in produced


def test_the_standalone_export_adds_what_only_it_gives(atlas: Atlas) -> None:
    page = standalone_html(atlas, change_dates(atlas), change_dates(atlas)[-1].date)
    for field in STANDALONE_ONLY:
        assert f'"{field}":' in page


def test_every_argument_the_page_reads_is_passed_by_the_component() -> None:
    source = inspect.getsource(mapcomponent.atlas_map)
    call = re.search(r"_atlas_map\((.*?)\n    \)", source, re.S)
    assert call is not None
    passed = set(re.findall(r"^\s+(\w+)=", call.group(1), re.M)) - {"key", "on_change", "default"}
    assert {"data", "rest", "version", "jump"} <= passed  # the reading is found
    assert reads("args") == passed


def test_both_sides_name_the_same_schema() -> None:
    found = re.search(r"const SCHEMA = (\d+);", SCRIPT)
    assert found is not None
    assert int(found.group(1)) == PAYLOAD_SCHEMA


def test_the_shared_look_is_sent_not_copied_into_the_page(sent: dict[str, Any]) -> None:
    """The colours and opacities the print maps share with the page reach it in the payload:
    none is written again in the page's script, style sheet or markup."""
    look = sent["look"]
    assert look == {"colours": BASE_COLOURS, "opacity": OPACITY}
    page = "".join((FRONTEND / name).read_text() for name in ("map.js", "map.css", "index.html"))
    for value in [*BASE_COLOURS.values(), *COLOURS.values(), OTHER_COLOUR]:
        assert value.lower() not in page.lower(), value
    for value in OPACITY.values():
        assert f"Opacity: {value}" not in page, value
    # The timeless base map is named once (nkmap.atlas.vocabulary) and sent.
    assert sent["base_map"] == list(BASE_MAP)


def test_base_maps_and_their_attribution_are_sent_not_written_into_the_page(
    sent: dict[str, Any],
) -> None:
    from nkmap.present.basemaps import BASE_MAPS, TILE_LAYERS

    tiles = sent["tiles"]
    assert [t["key"] for t in tiles["tiles"]] == list(BASE_MAPS[1:])
    assert "Natural Earth" in tiles["offline"]["attribution"]
    assert 'rel="noopener noreferrer"' in tiles["library"]
    page = "".join((FRONTEND / name).read_text() for name in ("map.js", "map.css", "index.html"))
    for layer in TILE_LAYERS:
        assert layer.url not in page
        assert layer.url.split("/")[2].removeprefix("{s}.") not in page
    for name in ("naturalearthdata.com", "geonames.org", "leafletjs.com"):
        assert name not in page


def test_the_page_reads_days_by_the_sampling_policy_python_names(sent: dict[str, Any]) -> None:
    from nkmap.atlas.dates import SAMPLING

    found = re.search(r'const SAMPLING = "(\w+)";', SCRIPT)
    assert found is not None and found.group(1) == SAMPLING
    assert sent["sampling"] == SAMPLING


def test_the_page_sends_back_only_what_python_reads() -> None:
    """The parts of the value the page sends (currentValue and askForData in map.js) are the
    parts nkmap.webmap.value.MapValue declares."""
    from nkmap.webmap.value import PARTS

    current = re.search(r"function currentValue\(\) \{(.*?)\n  \}\n", SCRIPT, re.S)
    ask = re.search(r"function askForData\(version\) \{(.*?)\n  \}\n", SCRIPT, re.S)
    assert current is not None and ask is not None
    sent = set(re.findall(r"^\s+(\w+):", current.group(1), re.M))
    sent |= set(re.findall(r"(\w+): ", re.search(r"value: \{(.*?)\}", ask.group(1)).group(1)))
    assert sent == set(PARTS)
