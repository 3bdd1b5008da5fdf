"""The dashboard's layout in a real browser at a laptop's and a phone's size: the map comes first
and its time bar is on screen without scrolling; the legend keeps to a corner."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from harness import chromium, map_frame, open_map, streamlit_app

# The viewport (the page's visible area), not the browser window: what a reader sees.
SIZES = {"laptop": (1366, 768, False), "phone": (390, 844, True)}


def set_viewport(driver: WebDriver, width: int, height: int, mobile: bool) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def boxes(driver: WebDriver) -> dict[str, Any]:
    """Where the map's frame, its map, time bar and legend sit in the page's viewport."""
    driver.switch_to.default_content()
    frame = map_frame(driver)
    assert frame is not None
    outer: dict[str, Any] = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return {top: r.top, left: r.left, height: r.height, width: r.width,"
        " viewport: [window.innerWidth, window.innerHeight], scrolled: window.scrollY};",
        frame,
    )
    driver.switch_to.frame(frame)
    inner: dict[str, Any] = driver.execute_script(
        """
        const box = (sel) => {
          const e = document.querySelector(sel);
          if (!e) return null;
          const r = e.getBoundingClientRect();
          return {top: r.top, left: r.left, bottom: r.bottom, right: r.right,
                  width: r.width, height: r.height};
        };
        return {map: box('#map'), timebar: box('#timebar'), legend: box('.nk-legend')};
        """
    )
    driver.switch_to.default_content()
    return {"frame": outer, **inner}


@pytest.mark.parametrize("size", list(SIZES))
def test_the_map_and_its_time_bar_fill_the_first_screen(size: str) -> None:
    width, height, mobile = SIZES[size]
    with streamlit_app() as (url, _):
        driver = chromium()
        try:
            set_viewport(driver, width, height, mobile)
            open_map(driver, url)
            found = boxes(driver)
            frame, timebar, legend, shown = (
                found["frame"],
                found["timebar"],
                found["legend"],
                found["map"],
            )
            assert frame["viewport"] == [width, height]
            assert frame["scrolled"] == 0
            # The whole time bar is on the first screen, inside the map's frame.
            assert timebar is not None
            assert frame["top"] + timebar["bottom"] <= height, found
            assert timebar["bottom"] <= frame["height"] + 1, found
            # The map takes most of the screen's height.
            assert shown["height"] >= 0.55 * height, found
            # The legend keeps to a corner: under a quarter of the map (folded on a phone).
            assert legend is not None
            share = legend["width"] * legend["height"] / (shown["width"] * shown["height"])
            assert share <= 0.25, found
        finally:
            driver.quit()
