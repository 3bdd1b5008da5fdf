"""The dashboard in a real browser: Streamlit serves app.py, headless Chromium loads it, the
time bar moves, the map and the figures follow, and hostile layer text stays text.

A screenshot of each state is kept in test-artifacts/ (or $NKMAP_ARTIFACTS)."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from conftest import HOSTILE, HOSTILE_KEY, HOSTILE_TITLE
from harness import ROOT, chromium, map_frame, map_state, open_map, page_text, streamlit_app
from nkmap.atlas.catalog import Atlas, load_atlas
from nkmap.atlas.stats import areas_by_controller
from nkmap.atlas.timeline import change_dates, state_at
from nkmap.maps.export import standalone_html
from nkmap.present.style import COLOURS

ARTIFACTS = Path(os.environ.get("NKMAP_ARTIFACTS", ROOT / "test-artifacts"))


def test_dashboard_steps_in_chromium(hostile_geodata: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_app(hostile_geodata) as (url, _):
        driver = chromium()
        try:
            frame = open_map(driver, url + "?date=2020-11-10")
            before = map_state(driver)
            assert before["date"] == "2020-11-10"
            # The page opens on the map alone; once it has drawn, its report starts the run
            # that draws the figures and the controls, with nothing more to do.
            WebDriverWait(driver, 30).until(
                lambda d: (
                    "Area held" in page_text(d)
                    and d.find_elements(By.CSS_SELECTOR, 'input[aria-label="Find a place"]')
                )
            )
            driver.switch_to.frame(frame)
            assert COLOURS["armenian"] in before["fills"]
            driver.save_screenshot(str(ARTIFACTS / "dashboard-2020-11-10.png"))

            # Hostile text from a layer: the popup shows it as text and nothing runs.
            popup = driver.execute_script(
                """
                // Layers of other things are drawn in their own pane, above the towns.
                const path = document.querySelector('.leaflet-nkUser-pane path');
                const box = path.getBoundingClientRect();
                path.dispatchEvent(new MouseEvent('click', {bubbles: true,
                  clientX: box.x + box.width / 2, clientY: box.y + box.height / 2}));
                const content = document.querySelector('.leaflet-popup-content');
                return {text: content.textContent, html: content.innerHTML,
                        images: content.querySelectorAll('img, script').length,
                        links: Array.from(content.querySelectorAll('a')).map(a => a.href)};
                """
            )
            assert HOSTILE_TITLE in popup["text"]
            assert HOSTILE in popup["text"] and HOSTILE_KEY in popup["text"]
            assert popup["images"] == 0 and "<img" not in popup["html"]
            assert all(link.startswith("https://") for link in popup["links"])
            shown = driver.execute_script(
                "return Array.from(document.querySelectorAll('.nk-legend .row'))"
                ".filter(r => !r.classList.contains('absent')).map(r => r.textContent)"
            )
            assert any("Other layers" in row for row in shown)  # the legend names it
            time.sleep(0.5)  # an injected handler would have run by now
            assert driver.execute_script("return window.top.__pwned === undefined")

            # Step with the keyboard on the time bar: the map changes at once ...
            slider = driver.find_element(By.ID, "slider")
            slider.send_keys(Keys.END)
            after = map_state(driver)
            assert after["date"] > "2023-09-19"
            assert COLOURS["armenian"] not in after["fills"]
            assert after["fills"] != before["fills"]
            # The page times each step from the key press to the frame that shows it.
            timings = WebDriverWait(driver, 10).until(
                lambda d: d.execute_script("return window.nkmapTimings")
            )
            assert timings[-1]["date"] == after["date"]

            # ... and Python follows with the figures and the page's address.
            WebDriverWait(driver, 30).until(
                lambda d: (
                    "Armenian side\n" not in page_text(d)
                    and "2024" in d.current_url.split("date=")[1][:4]
                )
            )
            text = page_text(driver)
            assert "Azerbaijan" in text
            driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "iframe"))
            driver.save_screenshot(str(ARTIFACTS / "dashboard-last-date.png"))
            driver.switch_to.default_content()

            # Find a village by the other community's name: the map marks it and draws who
            # held it along the time bar, one cell per step.
            search = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Find a place"]')
            search.send_keys("Agdere", Keys.ENTER)
            driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "iframe"))
            strip = WebDriverWait(driver, 30).until(
                lambda d: d.execute_script(
                    """
                    const s = document.getElementById('placestrip');
                    if (!s || s.hidden) return null;
                    return {cells: s.children.length, label: s.getAttribute('aria-label'),
                            tips: Array.from(document.querySelectorAll('.leaflet-tooltip'))
                              .map(t => t.textContent)};
                    """
                )
            )
            assert strip["cells"] == len(change_dates(load_atlas(hostile_geodata)))
            assert "Martakert / Aghdara" in strip["label"]
            assert "Martakert / Aghdara" in strip["tips"]
            driver.save_screenshot(str(ARTIFACTS / "dashboard-place-search.png"))
            errors = [
                e["message"]
                for e in driver.get_log("browser")
                if e["level"] == "SEVERE" and "favicon" not in e["message"]
            ]
            assert errors == []
        finally:
            driver.quit()


def test_standalone_html_export_steps_offline(tmp_path: Path, atlas: Atlas) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = tmp_path / "atlas.html"
    page.write_text(standalone_html(atlas, change_dates(atlas), dt.date(2020, 11, 10)), "utf-8")
    driver = chromium()
    try:
        driver.get(page.as_uri())
        WebDriverWait(driver, 30).until(
            lambda d: d.execute_script("return document.getElementById('map').dataset.date")
        )
        before = map_state(driver)
        assert before["date"] == "2020-11-10"
        held = areas_by_controller(state_at(atlas, dt.date(2020, 11, 10)))["armenian"]
        figures = driver.find_element(By.ID, "figures").text
        assert f"Area held: Armenian side: {held:,.0f} km²" in figures
        following = next(c.date for c in change_dates(atlas) if c.date > dt.date(2020, 11, 10))
        driver.find_element(By.ID, "next").click()
        after = map_state(driver)
        assert after["date"] == following.isoformat() and after["shapes"] != before["shapes"]
        assert driver.current_url.endswith(f"#date={following}")  # a link to this date
        title = driver.find_element(By.ID, "pagetitle").text
        assert title == "Territorial control in Nagorno-Karabakh, 1923-2024"
        # A link to another date of the same page moves the open map there.
        driver.execute_script("location.hash = '#date=1994-05-12'")
        WebDriverWait(driver, 10).until(lambda d: map_state(d)["date"] == "1994-05-12")
        legend = driver.find_element(By.CSS_SELECTOR, ".nk-legend").text
        assert "Former oblast, 1991 outline (reference)" in legend
        driver.execute_script("location.hash = '#date=1923-07-07'")
        WebDriverWait(driver, 10).until(lambda d: map_state(d)["date"] == "1923-07-07")
        legend = driver.find_element(By.CSS_SELECTOR, ".nk-legend").text
        assert "Autonomous oblast, 1991 outline" in legend and "(reference)" not in legend
        driver.save_screenshot(str(ARTIFACTS / "standalone-2020-11-20.png"))
        errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
        # On a phone the legend starts folded, leaving the map to the reader.
        driver.set_window_size(390, 844)
        driver.refresh()
        WebDriverWait(driver, 30).until(
            lambda d: d.execute_script("return document.getElementById('map').dataset.date")
        )
        assert not driver.execute_script("return document.querySelector('.nk-legend').open")
        driver.save_screenshot(str(ARTIFACTS / "standalone-phone.png"))
    finally:
        driver.quit()


def test_comparison_puts_the_earlier_date_left_and_popups_read_as_words() -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_app() as (url, _):
        driver = chromium()
        try:
            open_map(driver, url + "?date=2020-11-10&compare=1994-05-12")
            sides = WebDriverWait(driver, 30).until(
                lambda d: d.execute_script(
                    """
                    const a = document.getElementById('side-a');
                    const b = document.getElementById('side-b');
                    if (!a || !b || !b.textContent) return null;
                    return [a.textContent, b.textContent];
                    """
                )
            )
            assert sides == ["12 May 1994", "10 Nov 2020"]  # left, right
            driver.save_screenshot(str(ARTIFACTS / "dashboard-compare.png"))

            # A control area's popup says who held it once, in words; a town's popup shows its
            # names in words and no internal identifiers.
            texts = driver.execute_script(
                """
                function popup(selector, fill) {
                  const path = Array.from(document.querySelectorAll(selector))
                    .find(p => !fill || p.getAttribute('fill') === fill);
                  const box = path.getBoundingClientRect();
                  path.dispatchEvent(new MouseEvent('click', {bubbles: true,
                    clientX: box.x + box.width / 2, clientY: box.y + box.height / 2}));
                  const all = document.querySelectorAll('.leaflet-popup-content');
                  return all[all.length - 1].textContent;
                }
                return [popup('.leaflet-nkA-pane path', arguments[0]),
                        popup('.leaflet-nkPlaces-pane path', null)];
                """,
                COLOURS["armenian"],
            )
            area, town = texts
            assert "Held by the Armenian side" in area and "Held by: Held by" not in area
            assert "Armenian-derived name" in town and "Azerbaijani name" in town
            assert "position_source" not in town and "Position from" in town
        finally:
            driver.quit()


# ---- the time bar, labels, country names and keys ------------------------------------------

SIZES = ((1366, 768), (390, 844))  # a laptop and a phone (window sizes)


@pytest.fixture(scope="module")
def dashboard() -> Iterator[str]:
    """One dashboard on the shipped atlas for the tests below."""
    with streamlit_app() as (url, _):
        yield url


def severe(driver: WebDriver) -> list[str]:
    return [
        e["message"]
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE" and "favicon" not in e["message"]
    ]


# Every label shown on the map (towns and countries) and the boxes of the time bar's years.
LABELS = """
const map = document.getElementById('map').getBoundingClientRect();
function box(n) { const r = n.getBoundingClientRect();
  return {text: n.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }
const labels = Array.from(document.querySelectorAll('.nk-label, .nk-country'))
  .filter(n => getComputedStyle(n).visibility !== 'hidden').map(box)
  .filter(b => b.right > map.left && b.left < map.right)
  .filter(b => b.bottom > map.top && b.top < map.bottom);
const legend = document.querySelector('.nk-legend').getBoundingClientRect();
const bar = document.getElementById('timebar').getBoundingClientRect();
// Country names written over an area held (the control panes): none should be.
const overHeld = Array.from(document.querySelectorAll('.nk-country'))
  .filter(n => getComputedStyle(n).visibility !== 'hidden' && !n.classList.contains('nk-off'))
  .filter(n => { const r = n.getBoundingClientRect();
    return [[r.left, r.top], [r.right, r.top], [r.left, r.bottom], [r.right, r.bottom],
            [(r.left + r.right) / 2, (r.top + r.bottom) / 2]]
      .some(([x, y]) => document.elementsFromPoint(x, y)
        .some(e => e.closest('.leaflet-nkA-pane'))); })
  .map(n => n.textContent);
return {
  overHeld: overHeld,
  labels: labels,
  towns: Array.from(document.querySelectorAll('.nk-label')).length,
  years: Array.from(document.querySelectorAll('#ticks .year')).map(box),
  map: {width: map.width, height: map.height},
  legend: {width: legend.width, height: legend.height},
  bar: {bottom: bar.bottom, height: bar.height},
  window: innerHeight,
  placed: document.getElementById('map').dataset.labelsPlaced,
};
"""


def overlapping(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if (
                a["left"] < b["right"]
                and b["left"] < a["right"]
                and a["top"] < b["bottom"]
                and b["top"] < a["bottom"]
            ):
                found.append((a["text"], b["text"]))
    return found


def stepanakert_shown(state: dict[str, Any]) -> bool:
    return any(b["text"].startswith("Stepanakert") for b in state["labels"])


def zoom(driver: WebDriver, way: str) -> bool:
    """Press the map's zoom button; wait until the labels were placed for the new view."""
    button = driver.find_element(By.CSS_SELECTOR, f".leaflet-control-zoom-{way}")
    if "leaflet-disabled" in (button.get_attribute("class") or ""):
        return False
    before = driver.execute_script("return document.getElementById('map').dataset.labelsPlaced")
    button.click()
    WebDriverWait(driver, 10).until(
        lambda d: (
            d.execute_script("return document.getElementById('map').dataset.labelsPlaced") != before
        )
    )
    return True


def test_labels_never_collide_at_any_zoom(dashboard: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver = chromium()
    try:
        for width, height in SIZES:
            driver.set_window_size(width, height)
            open_map(driver, dashboard + "?date=2020-11-10")
            WebDriverWait(driver, 10).until(
                lambda d: d.execute_script(
                    "return document.getElementById('map').dataset.labelsPlaced"
                )
            )
            state = driver.execute_script(LABELS)
            assert state["towns"] > 10
            assert overlapping(state["labels"]) == [], (width, "default view")
            assert stepanakert_shown(state), width
            # Countries are named (after the towns), among them the two sides' own.
            shown = {b["text"] for b in state["labels"]}
            assert {"Armenia", "Azerbaijan"} <= shown, shown
            # No country's name is written over the contested land.
            assert state["overHeld"] == [], state["overHeld"]
            # International borders are drawn by themselves, above the areas held.
            assert (
                driver.execute_script(
                    "return document.querySelectorAll('.leaflet-nkBorders-pane path').length"
                )
                == 2
            )
            # The legend keeps to a corner; the time bar is on screen, its years apart.
            assert state["legend"]["width"] <= state["map"]["width"] / 2 + 1
            assert state["legend"]["height"] <= state["map"]["height"] / 2 + 1
            assert state["bar"]["bottom"] <= state["window"] + 1
            years = [b["text"] for b in state["years"]]
            assert {"1923", "1991", "2020"} <= set(years), years
            assert overlapping(state["years"]) == []
            driver.save_screenshot(str(ARTIFACTS / f"dashboard-labels-{width}.png"))
            for step, way in enumerate(("in", "in", "out", "out", "out")):
                if not zoom(driver, way):
                    continue
                state = driver.execute_script(LABELS)
                assert overlapping(state["labels"]) == [], (width, step, way)
                if step in (0, 3):  # one step in, and back at the opening zoom
                    assert stepanakert_shown(state), (width, step)
            driver.save_screenshot(str(ARTIFACTS / f"dashboard-labels-{width}-zoomed-out.png"))
        assert severe(driver) == []
    finally:
        driver.quit()


# The values the map reports to Streamlit, recorded in the page as they are sent.
SPY = """
const page = window.parent;
if (!page.__sent) {
  page.__sent = [];
  const post = page.postMessage.bind(page);
  page.postMessage = function (m, origin) {
    if (m && m.type === 'streamlit:setComponentValue') page.__sent.push(m.value);
    return post(m, origin);
  };
}
"""


def last_sent(driver: WebDriver) -> dict[str, Any] | None:
    value: dict[str, Any] | None = driver.execute_script(
        "const s = window.parent.__sent; return s && s.length ? s[s.length - 1] : null"
    )
    return value


def test_arrow_keys_step_from_the_page_and_the_map_reports_its_bounds(dashboard: str) -> None:
    driver = chromium()
    try:
        driver.set_window_size(1366, 768)
        frame = open_map(driver, dashboard + "?date=2020-11-10")
        driver.execute_script(SPY)

        # The right arrow, pressed with the focus on the page itself, steps to the next change.
        driver.switch_to.default_content()
        driver.execute_script("document.activeElement && document.activeElement.blur()")
        assert driver.execute_script("return document.activeElement === document.body")
        ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
        driver.switch_to.frame(frame)
        WebDriverWait(driver, 10).until(lambda d: map_state(d)["date"] == "2020-11-20")
        WebDriverWait(driver, 10).until(lambda d: (last_sent(d) or {}).get("date") == "2020-11-20")

        # In a text field of the page the arrow keys are the field's.
        driver.switch_to.default_content()
        search = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Find a place"]')
        search.send_keys("Shu", Keys.ARROW_LEFT, Keys.ARROW_RIGHT)
        driver.switch_to.frame(map_frame(driver))
        time.sleep(0.3)
        assert map_state(driver)["date"] == "2020-11-20"

        # The value sent back carries the area on screen, and follows the view.
        value = last_sent(driver)
        assert value is not None
        west, south, east, north = value["bounds"]
        assert west < 46.75 < east and south < 39.8 < north  # Stepanakert is in view
        assert all(round(x, 4) == x for x in value["bounds"])
        driver.find_element(By.CSS_SELECTOR, ".leaflet-control-zoom-in").click()
        WebDriverWait(driver, 10).until(
            lambda d: (last_sent(d) or {}).get("bounds") != [west, south, east, north]
        )
        zoomed = last_sent(driver)
        assert zoomed is not None
        w2, s2, e2, n2 = zoomed["bounds"]
        assert west < w2 < e2 < east and south < s2 < n2 < north
        assert zoomed["view"][2] > value["view"][2]

        # A day picked between two changes is shown as that day; Python is told the change in
        # force on it, and nothing while the day moves within the same change.
        driver.execute_script(
            "const p = document.getElementById('day'); p.value = '2005-03-03';"
            "p.dispatchEvent(new Event('change', {bubbles: true}));"
        )
        assert driver.find_element(By.ID, "date").text == "3 Mar 2005"
        assert "12 May 1994" in driver.find_element(By.ID, "label").text
        assert map_state(driver)["date"] == "1994-05-12"
        WebDriverWait(driver, 10).until(lambda d: (last_sent(d) or {}).get("date") == "1994-05-12")
        assert severe(driver) == []
    finally:
        driver.quit()


def test_time_bar_is_proportional_to_time(tmp_path: Path, atlas: Atlas) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    changes = change_dates(atlas)
    page = tmp_path / "atlas.html"
    page.write_text(standalone_html(atlas, changes, dt.date(2020, 11, 10)), "utf-8")
    driver = chromium()
    try:
        for width, height in SIZES:
            driver.set_window_size(width, height)
            driver.get(page.as_uri() + f"?{width}#date=2020-11-10")
            WebDriverWait(driver, 30).until(
                lambda d: d.execute_script("return document.getElementById('map').dataset.date")
            )
            marks = driver.execute_script(
                "return Array.from(document.querySelectorAll('#marks span'))"
                ".map(m => m.getBoundingClientRect().left)"
            )
            assert len(marks) == len(changes)
            # Position is linear in time: 1991 lies where its share of the years puts it.
            days = [(c.date - changes[0].date).days for c in changes]
            share = (marks[1] - marks[0]) / (marks[-1] - marks[0])
            assert share == pytest.approx(days[1] / days[-1], abs=0.01)
            events = driver.execute_script(
                "return document.querySelectorAll('#eventmarks span').length"
            )
            assert 0 < events <= len(changes)
            state = driver.execute_script(LABELS)
            years = [b["text"] for b in state["years"]]
            assert {"1923", "1991", "2020"} <= set(years), years
            assert overlapping(state["years"]) == []
            assert overlapping(state["labels"]) == []
            driver.save_screenshot(str(ARTIFACTS / f"standalone-time-bar-{width}.png"))

            # A click on the track picks that day, and the map shows the state in force on it.
            slider = driver.find_element(By.ID, "slider")
            track = driver.execute_script(
                "const r = document.getElementById('axis').getBoundingClientRect();"
                "const s = document.getElementById('slider').getBoundingClientRect();"
                "return [r.left - s.left, r.width, s.width]"
            )
            inset, span, whole = track
            at = inset + span * 0.2  # a fifth of the way: in the 1940s
            ActionChains(driver).move_to_element_with_offset(
                slider, int(at - whole / 2), 0
            ).click().perform()
            state = map_state(driver)
            day = driver.execute_script("return document.getElementById('map').dataset.day")
            assert "1935" < day < "1960", day
            assert state["date"] == "1923-07-07"
            assert driver.find_element(By.ID, "date").text.endswith(day[:4])
            assert driver.find_element(By.ID, "label").text.startswith("Since 7 Jul 1923")
            # Arrow keys on the track step change by change.
            slider.send_keys(Keys.ARROW_RIGHT)
            assert map_state(driver)["date"] == changes[1].date.isoformat()
            slider.send_keys(Keys.ARROW_LEFT)
            assert map_state(driver)["date"] == changes[0].date.isoformat()

        # The playback speed: four times faster, about a change every 0.35 s.
        driver.get(page.as_uri() + "#date=1992-01-01")
        WebDriverWait(driver, 30).until(lambda d: map_state(d)["date"] == "1992-01-01")
        driver.execute_script(
            "const s = document.getElementById('speed'); s.value = '4';"
            "s.dispatchEvent(new Event('change'));"
        )
        driver.find_element(By.ID, "play").click()
        time.sleep(1.6)
        driver.find_element(By.ID, "play").click()
        moved = [c.date.isoformat() for c in changes].index(map_state(driver)["date"]) - 2
        assert 3 <= moved <= 6, moved
        assert severe(driver) == []
    finally:
        driver.quit()
