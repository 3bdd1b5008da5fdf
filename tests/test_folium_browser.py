"""The folium maps of the Python interface, opened in headless Chromium from a file with no
network: they draw, step through time, and show hostile layer text as text."""

from __future__ import annotations

import time
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import nkmap
from conftest import HOSTILE, HOSTILE_TITLE
from harness import chromium

# Every layer of the map whose feature's tooltip names the hostile layer: open its popup and
# tooltip, and report what they show.
OPEN_HOSTILE = """
const name = Object.keys(window).find(function (k) { return /^map_[0-9a-f]+$/.test(k); });
const map = window[name];
const found = [];
map.eachLayer(function (l) {
  const p = l.feature && l.feature.properties;
  if (p && p.popup && p.popup.indexOf("Hostile") >= 0) {
    // As a reader's click and hover would: the events reach the layer's group, which holds
    // the popup and the tooltip.
    const at = l.getBounds ? l.getBounds().getCenter() : l.getLatLng();
    l.fire("click", { latlng: at }, true);
    l.fire("mouseover", { latlng: at }, true);
    found.push(l);
  }
});
const popup = document.querySelector(".leaflet-popup-content");
const tip = document.querySelector(".leaflet-tooltip");
return {
  found: found.length,
  popup: popup ? popup.textContent : null,
  tip: tip ? tip.textContent : null,
  images: document.querySelectorAll(".leaflet-popup-content img, .leaflet-tooltip img").length,
  pwned: window.__pwned || null,
};
"""


def test_folium_maps_draw_offline_step_and_keep_hostile_text_as_text(
    hostile_geodata: Path, tmp_path: Path
) -> None:
    atlas = nkmap.load(hostile_geodata)
    still = tmp_path / "map.html"
    atlas.folium_map("2020-11-10", compare="2020-09-26").save(str(still))
    moving = tmp_path / "timeline.html"
    atlas.folium_timeline().save(str(moving))
    driver = chromium()
    try:
        driver.set_window_size(1366, 768)
        driver.get(still.as_uri())
        WebDriverWait(driver, 20).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-interactive")
        )
        seen = driver.execute_script(OPEN_HOSTILE)
        assert seen["found"] >= 1
        assert HOSTILE in seen["popup"] and HOSTILE_TITLE in seen["popup"]
        assert seen["tip"] is not None and HOSTILE in seen["tip"]
        assert seen["images"] == 0 and seen["pwned"] is None
        assert (
            "Held by the Armenian side" in driver.find_element(By.CSS_SELECTOR, ".nk-legend").text
        )
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not severe, severe

        driver.get(moving.as_uri())
        WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "nk-when").text)
        last = driver.find_element(By.ID, "nk-when").text
        drawn = len(driver.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive"))
        for _ in range(40):  # back to the 1994 ceasefire's years
            driver.find_element(By.ID, "nk-prev").click()
        time.sleep(0.3)
        assert driver.find_element(By.ID, "nk-when").text != last
        assert len(driver.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive")) != drawn
        assert driver.execute_script("return window.__pwned || null") is None
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not severe, severe
    finally:
        driver.quit()
