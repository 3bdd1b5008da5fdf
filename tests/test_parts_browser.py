"""The map's page opens on the first part of the payload and takes the rest later: driven in
headless Chromium by a stand-in for Streamlit (a parent page that posts the component's
messages), so that each moment of the exchange is chosen, not raced."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from harness import chromium, map_state
from nkmap.atlas.catalog import Atlas
from nkmap.webmap.payload import FRONTEND, Prepared, prepare

OPEN_ON = dt.date(2020, 11, 10)
LATER = dt.date(2023, 10, 1)

# The parent page: the component's page in a frame, and every message it sends kept.
PARENT = """<!doctype html><meta charset="utf-8">
<iframe id="map" src="{src}" width="1000" height="700"></iframe>
<script>
window.got = [];
window.addEventListener("message", function (e) {{ window.got.push(e.data); }});
function render(args) {{
  document.getElementById("map").contentWindow.postMessage(
    {{ type: "streamlit:render", args: args }}, "*");
}}
</script>"""


@pytest.fixture(scope="module")
def prepared(atlas: Atlas) -> Prepared:
    return prepare(atlas)


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[WebDriver]:
    parent = tmp_path / "parent.html"
    parent.write_text(PARENT.format(src=(FRONTEND / "index.html").as_uri()), "utf-8")
    browser = chromium()
    browser.get(parent.as_uri())
    WebDriverWait(browser, 30).until(
        lambda d: any(m.get("type") == "streamlit:componentReady" for m in got(d))
    )
    try:
        yield browser
    finally:
        browser.quit()


def got(driver: WebDriver) -> list[dict[str, Any]]:
    driver.switch_to.default_content()
    messages: list[dict[str, Any]] = driver.execute_script("return window.got")
    return messages


def render(driver: WebDriver, version: str, day: dt.date, seq: int, **parts: str) -> None:
    driver.switch_to.default_content()
    args = {
        "version": version,
        "names": "both",
        "jump": {"date": day.isoformat(), "seq": seq},
        "compare": None,
        "base": "none",
        "height": 700,
        **parts,
    }
    driver.execute_script("render(arguments[0])", args)


def shown(driver: WebDriver) -> dict[str, Any]:
    driver.switch_to.default_content()
    driver.switch_to.frame(driver.find_element("id", "map"))
    return map_state(driver)


def status(driver: WebDriver) -> str:
    driver.switch_to.default_content()
    driver.switch_to.frame(driver.find_element("id", "map"))
    text: str = driver.execute_script("return document.getElementById('status').textContent")
    return text


def asked_for_rest(driver: WebDriver) -> bool:
    return any(
        m.get("type") == "streamlit:setComponentValue" and m["value"].get("need") == "rest"
        for m in got(driver)
    )


def test_the_first_part_holds_one_date_and_the_rest_completes_the_payload(
    prepared: Prepared,
) -> None:
    first, head_for = prepared.first(OPEN_ON)
    part = json.loads(first)
    rest = json.loads(prepared.rest(head_for))
    assert head_for == part["head_for"] == OPEN_ON.isoformat()
    assert sorted(part["keys"] + rest["keys"]) == list(range(part["total"]))
    layers = [part["layers"][i] or rest["layers"].get(str(i)) for i in range(len(part["layers"]))]
    shows = [layer["shows"] for layer in layers]
    for f in part["features"]:  # each is drawn on the opening date, or on every date
        dated = shows[f["layer"]] not in ("countries", "rayons", "places", "oblast", "events")
        assert not dated or (f["from"] or "") <= head_for < (f["to"] or "9999")
    for f in rest["features"]:
        assert not (f["from"] or "") <= head_for < (f["to"] or "9999")
    # Each layer comes once: with the first part when one of its features does.
    used = {f["layer"] for f in part["features"]}
    assert {i for i, layer in enumerate(part["layers"]) if layer} == used
    assert {int(i) for i in rest["layers"]} == set(range(len(layers))) - used
    # The first part is a fraction of the whole.
    assert len(first) < 0.5 * (len(first) + len(prepared.rest(head_for)))


def test_a_date_asked_for_before_the_rest_comes_is_drawn_when_it_does(
    driver: WebDriver, prepared: Prepared
) -> None:
    first, head_for = prepared.first(OPEN_ON)
    render(driver, prepared.version, OPEN_ON, 1, data=first)
    WebDriverWait(driver, 30).until(lambda d: shown(d)["date"] == head_for)
    WebDriverWait(driver, 10).until(asked_for_rest)
    opened = shown(driver)
    # Python moves the map to a later date before the rest has come: the map waits, and says so.
    render(driver, prepared.version, LATER, 2)
    WebDriverWait(driver, 10).until(lambda d: "Loading the map of 1 Oct 2023" in status(d))
    assert shown(driver) == opened
    render(driver, prepared.version, LATER, 2, rest=prepared.rest(head_for))
    WebDriverWait(driver, 10).until(lambda d: shown(d)["date"] != head_for)
    later = shown(driver)
    assert status(driver) == ""
    # The same map as a page that opened on that date.
    driver.refresh()
    WebDriverWait(driver, 30).until(
        lambda d: any(m.get("type") == "streamlit:componentReady" for m in got(d))
    )
    direct, _ = prepared.first(LATER)
    render(driver, prepared.version, LATER, 1, data=direct)
    WebDriverWait(driver, 30).until(lambda d: shown(d)["date"] == later["date"])
    assert sorted(shown(driver)["shapes"]) == sorted(later["shapes"])
    assert later["paths"] > 0
    # Python heard of the date the map moved to.
    values = [m["value"] for m in got(driver) if m.get("type") == "streamlit:setComponentValue"]
    assert values and values[-1]["date"] == later["date"]
    driver.switch_to.default_content()
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
