"""Make the README's pictures: the dashboard in headless Chromium at a laptop's, a desktop's and a
phone's size on three dates, and the print map (PNG export) of each date.

    make screenshots      (or: .venv/bin/python docs/screenshots.py)

Writes docs/screenshots/. The images are reduced to a palette so that all of them stay small
enough to keep in the repository (the script prints their total size).
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "devtools"))

from harness import chromium, open_map, streamlit_app  # noqa: E402
from nkmap.atlas.catalog import load_atlas  # noqa: E402
from nkmap.atlas.timeline import change_dates  # noqa: E402
from nkmap.maps.export import export  # noqa: E402
from nkmap.present.layout import Layout  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
DATES = ("1992-05-18", "1994-05-12", "2020-12-01")
SIZES = {"laptop": (1366, 768, False), "desktop": (1920, 1080, False), "phone": (390, 844, True)}
PRINT = Layout(width_px=1200, height_px=900, dpi=150)


def small_png(data: bytes, path: Path, colours: int = 256) -> int:
    """Save ``data`` (any image) as a palette PNG; return its size in bytes."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image.quantize(colors=colours, dither=Image.Dither.NONE).save(path, optimize=True)
    return path.stat().st_size


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    total = 0
    atlas = load_atlas()
    changes = change_dates(atlas)
    for day in DATES:
        made = export(atlas, changes, dt.date.fromisoformat(day), "png", PRINT)
        total += small_png(made, OUT / f"print-{day}.png")
    with streamlit_app() as (url, _):
        driver = chromium()
        try:
            for name, (width, height, mobile) in SIZES.items():
                driver.execute_cdp_cmd(
                    "Emulation.setDeviceMetricsOverride",
                    {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
                )
                for day in DATES:
                    open_map(driver, f"{url}?date={day}")
                    time.sleep(1.5)  # the figures beside the map follow the map's first report
                    driver.switch_to.default_content()
                    shot = driver.get_screenshot_as_png()
                    total += small_png(shot, OUT / f"dashboard-{name}-{day}.png")
        finally:
            driver.quit()
    for path in sorted(OUT.glob("*.png")):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size / 1024:,.0f} KiB")
    print(f"total {total / 1024:,.0f} KiB")


if __name__ == "__main__":
    main()
