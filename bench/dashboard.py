"""Benchmark of the dashboard on the atlas in geodata/ (or $NKMAP_GEODATA). Prints a table.

    make bench            (or: .venv/bin/python bench/dashboard.py [--steps N])

What it measures (medians over the steps, with the 90th percentile where it matters):
- cold start: the first run of app.py in a fresh process (AppTest: loading and checking the
  atlas, building the map's data), and from `streamlit run` to the map drawn in Chromium;
- server time per step: one rerun of app.py after the date changes (AppTest);
- bytes per step: what the server sends over the WebSocket after a step in Chromium, and the
  one-time map data sent when the page opens: the part for its opening date, then the rest;
- input to paint: from the key press on the time bar to the second animation frame after the
  map switched features (the frame that shows the change), measured inside the page.

Times depend on the machine; this one is shared, so compare runs made together.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OPENING = dt.date(1923, 7, 7)  # the date the page is opened on
sys.path.insert(0, str(ROOT / "devtools"))

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from harness import chromium, map_frame, map_state, open_map, streamlit_app  # noqa: E402
from nkmap.atlas.catalog import load_atlas  # noqa: E402
from nkmap.atlas.timeline import change_dates  # noqa: E402
from nkmap.webmap.payload import prepare  # noqa: E402

APP = ROOT / "app.py"

COLD_APPTEST = """
import json, sys, time
t = time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=120).run()
assert not at.exception, at.exception
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def cold_apptest() -> float:
    out = subprocess.run(
        [sys.executable, "-c", COLD_APPTEST, str(APP)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    seconds: float = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
    return seconds


def server_steps(steps: int) -> tuple[list[float], float]:
    """Seconds per rerun after a date change, and the first run's seconds in this process."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["date"] = "1923-07-07"
    t = time.perf_counter()
    at.run()
    first = time.perf_counter() - t
    at.run()  # the run the map's first report starts: the controls and the panels
    atlas = load_atlas()
    options = [c.date for c in change_dates(atlas)]
    times = []
    for day in (options * 3)[1 : steps + 1]:
        goto = at.sidebar.selectbox(key="goto").set_value(day)
        t = time.perf_counter()
        goto.run()
        times.append(time.perf_counter() - t)
        assert not at.exception, at.exception
    return times, first


def websocket_bytes(driver: WebDriver) -> tuple[int, int]:
    """Bytes received and sent over WebSockets since the last call."""
    received = sent = 0
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        method = message.get("method")
        if method not in ("Network.webSocketFrameReceived", "Network.webSocketFrameSent"):
            continue
        frame = message["params"]["response"]
        data = frame["payloadData"]
        size = len(base64.b64decode(data)) if frame.get("opcode") == 2 else len(data.encode())
        if method == "Network.webSocketFrameReceived":
            received += size
        else:
            sent += size
    return received, sent


def wait_for_python(driver: WebDriver, day: str, timeout: float = 30) -> None:
    """Wait until the page's address carries ``day``: Python has rerun for the step."""
    WebDriverWait(driver, timeout).until(lambda d: f"date={day}" in d.current_url)


def browser(steps: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    with streamlit_app() as (url, _):
        started = time.perf_counter() - t0
        driver = chromium(performance_log=True)
        try:
            t = time.perf_counter()
            open_map(driver, f"{url}?date={OPENING}")
            drawn = time.perf_counter() - t
            first = map_state(driver)["date"]
            driver.switch_to.default_content()
            wait_for_python(driver, first)
            time.sleep(1.0)
            opening_bytes, _ = websocket_bytes(driver)
            driver.switch_to.frame(map_frame(driver))
            slider = driver.find_element(By.ID, "slider")
            count = int(slider.get_attribute("max") or 0) + 1
            bytes_in, bytes_out = [], []
            done = 0
            while done < steps:
                key = Keys.ARROW_RIGHT if (done // (count - 1)) % 2 == 0 else Keys.ARROW_LEFT
                slider.send_keys(key)
                day = map_state(driver)["date"]
                driver.switch_to.default_content()
                wait_for_python(driver, day)
                time.sleep(0.3)  # let the rerun's last messages arrive
                received, sent = websocket_bytes(driver)
                bytes_in.append(received)
                bytes_out.append(sent)
                driver.switch_to.frame(map_frame(driver))
                slider = driver.find_element(By.ID, "slider")
                done += 1
            timings = driver.execute_script("return window.nkmapTimings")
        finally:
            driver.quit()
    return {
        "server_start": started,
        "page_to_map": drawn,
        "opening_bytes": opening_bytes,
        "bytes_in": bytes_in,
        "bytes_out": bytes_out,
        "paint": [t["input_to_paint_ms"] for t in timings],
        "script": [t["script_ms"] for t in timings],
    }


def p90(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.9) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=40, help="steps to time (default 40)")
    args = parser.parse_args()
    cold = cold_apptest()
    server, first = server_steps(args.steps)
    seen = browser(args.steps)
    parts = prepare(load_atlas())
    opening, head_for = parts.first(OPENING)
    first_size, rest_size = len(opening.encode()), len(parts.rest(head_for).encode())
    rows = [
        ("cold start: first run of app.py (AppTest, fresh process)", f"{cold:.2f} s"),
        (
            "cold start: `make run` (nkmap.web.serve) until it answers",
            f"{seen['server_start']:.2f} s",
        ),
        (
            "cold start: page opened until the map is drawn (Chromium)",
            f"{seen['page_to_map']:.2f} s",
        ),
        ("map data sent before the map is drawn (JSON)", f"{first_size / 1024:,.0f} KiB"),
        ("map data sent after it, in the background (JSON)", f"{rest_size / 1024:,.0f} KiB"),
        (
            "all WebSocket bytes received while the page opens",
            f"{seen['opening_bytes'] / 1024:,.0f} KiB",
        ),
        (
            f"server time per step (AppTest rerun, median / p90 of {len(server)})",
            f"{statistics.median(server) * 1000:.0f} / {p90(server) * 1000:.0f} ms",
        ),
        (
            f"bytes received per step (WebSocket, median / max of {len(seen['bytes_in'])})",
            f"{statistics.median(seen['bytes_in']) / 1024:.1f} / "
            f"{max(seen['bytes_in']) / 1024:.1f} KiB",
        ),
        (
            "bytes sent per step (WebSocket, median)",
            f"{statistics.median(seen['bytes_out']):,.0f} B",
        ),
        (
            f"input to paint per step (Chromium, median / p90 of {len(seen['paint'])})",
            f"{statistics.median(seen['paint']):.1f} / {p90(seen['paint']):.1f} ms",
        ),
        (
            "script time per step in the page (median)",
            f"{statistics.median(seen['script']):.1f} ms",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"nkmap dashboard benchmark ({first:.2f} s first run in the benchmark's process)")
    print(f"| {'measure'.ljust(width)} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")


if __name__ == "__main__":
    main()
