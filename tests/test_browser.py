"""The dashboard in a real browser: Streamlit serves app.py, headless Chromium loads it, the
time bar moves, the map and the figures follow, and hostile layer text stays text.

A screenshot of each state is kept in test-artifacts/ (or $NKMAP_ARTIFACTS)."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import HOSTILE, HOSTILE_KEY, HOSTILE_TITLE
from harness import ROOT, chromium, map_state, open_map, page_text, streamlit_app
from nkmap.catalog import Atlas, load_atlas
from nkmap.export import standalone_html
from nkmap.stats import areas_by_controller
from nkmap.style import COLOURS
from nkmap.timeline import change_dates, state_at

ARTIFACTS = Path(os.environ.get("NKMAP_ARTIFACTS", ROOT / "test-artifacts"))


def test_dashboard_steps_in_chromium(hostile_geodata: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_app(hostile_geodata) as (url, _):
        driver = chromium()
        try:
            open_map(driver, url + "?date=2020-11-10")
            before = map_state(driver)
            assert before["date"] == "2020-11-10"
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
