"""nkmap's dashboard against the naive Streamlit + folium dashboard (bench/naive_app.py), on the
real atlas and on synthetic atlases, side by side in one run. Prints a table.

    make bench-compare        (or: .venv/bin/python bench/compare.py [--steps N] [--quick]
                               [--budget SECONDS] [--atlases real,40,400,4000])

For each atlas and each implementation:
- cold start: from `streamlit run` until the first map is drawn in headless Chromium;
- page to map: with the server running, from opening the page until the map is drawn, and the
  bytes received over the WebSocket until then (medians of five openings);
- server time per step: one rerun after the date changes, in Streamlit's AppTest;
- bytes per step: what the server sends over the WebSocket after a step in Chromium;
- input to paint: from the key press on the time slider to the animation frame after the one
  in which the new date's map is found in the page, both timed in the page by a watcher armed
  before the key press (both implementations measured the same way); the naive slider has only
  the atlas's validity dates (8 on the real atlas, opening on the middle one), so at either end
  of it the steps turn back, as a visitor's would, since a key that moves nothing changes no map;
- memory: the Streamlit server's resident-set high-water mark (VmHWM) and the page's
  JavaScript heap (Chromium's JSHeapUsedSize) after the steps;
- PNG and animation exports: nkmap's print map and GIF from the command line (wall and CPU
  time of the whole process); for the naive version, what one does without an exporter: a
  headless-Chromium screenshot of the folium page (and one per frame);
- nkmap's command line: `--help`, `layers`, `where` and `export` of a PNG, process start to end.
Medians over the steps, and the 90th percentile of input to paint. The ratios nkmap / naive
come from the same run: this machine is shared and noisy, so ratios, not absolute times, are
what compare across runs.

Every measurement has a time budget (--budget, default 600 s): one that runs out, or fails, is
reported as such in its cell and the run goes on to the next. Each starts once the machine has
settled (its cores 80 % idle over a second, waiting at most a minute), so that it does not
share the cores with what the previous one left running.

The synthetic atlases are the real one plus N dated layers of one polygon of 2,000 vertices
each (generated here), each shown for ten days in turn, so every layer is a step of its own.
What nkmap caches on disk for them (see nkmap.atlas.cache) goes to a folder of the run's own,
removed with them; the real atlas uses the user's cache, as a user's dashboard would.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import io
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "devtools"))

from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

from harness import chromium, free_port, server_command  # noqa: E402

APPS = {"nkmap": ROOT / "app.py", "naive": ROOT / "bench" / "naive_app.py"}
NAIVE_FRAMES = 40  # frames the naive animation really makes; the rest are extrapolated
VERTICES = 2_000
CONFIGS = {
    "real": ("real atlas", 0),
    "40": ("+40 layers", 40),
    "400": ("+400 layers", 400),
    "4000": ("+4,000 layers", 4_000),
}
# Measured before the work of issue 14, on this 2-core machine: what nkmap sent over the
# WebSocket before the map appeared, at +400 layers of 2,000 vertices (the target is a quarter).
BYTES_ON_OPEN_BEFORE_400 = 7.3 * 2**20
# And `nkmap animate` of the real atlas's 85 frames, on one core: the CPU time (the target is a
# quarter) and the wall time (a third).
ANIMATION_CPU_BEFORE = 82.0
ANIMATION_WALL_BEFORE = 82.0
BUDGET = 600.0  # seconds for one measurement; set by --budget
PAGE_OPENS = 5  # page to map: the median of this many openings on the running server


class OutOfTimeError(Exception):
    """A measurement ran past its budget."""


def idle_share(seconds: float) -> float:
    """The share of the machine's CPU time that was idle over the next ``seconds``."""

    def counters() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return values[3] + values[4], sum(values)  # idle and waiting for I/O; all

    idle, total = counters()
    time.sleep(seconds)
    idle_after, total_after = counters()
    return (idle_after - idle) / max(1, total_after - total)


def settle(limit: float = 60.0, idle: float = 0.8) -> None:
    """Wait until the cores have been at least ``idle`` idle for a second (at most ``limit``
    seconds), so that a measurement does not start while what the previous one left (a
    browser or a server shutting down, forked workers) still runs."""
    deadline = time.monotonic() + limit
    share = idle_share(1.0)
    while share < idle and time.monotonic() < deadline:
        share = idle_share(1.0)
    if share < idle:
        print(f"  (the machine is still busy: {share:.0%} idle)", file=sys.stderr, flush=True)


def attempt(what: str, measure: Any, *args: Any) -> dict[str, Any]:
    """Run one measurement, once the machine has settled; a timeout or a failure becomes its
    result, reported in the table, and the run goes on."""
    settle()
    t0 = time.perf_counter()
    print(f"  {what} ...", file=sys.stderr, flush=True)
    try:
        result: dict[str, Any] = measure(*args)
        return result
    except (OutOfTimeError, subprocess.TimeoutExpired, TimeoutException):
        return {"error": f"timeout after {time.perf_counter() - t0:.0f} s"}
    except Exception as exc:  # reported, not raised: the table must print
        text = exc.stderr if isinstance(exc, subprocess.CalledProcessError) else str(exc)
        said = (str(text or "").strip().splitlines() or [""])[-1][:80]
        return {"error": f"failed: {type(exc).__name__} {said}".strip()}


# ---- synthetic atlases -------------------------------------------------------------------------


def make_atlas(folder: Path, layers: int, vertices: int = VERTICES) -> Path:
    """The real atlas plus ``layers`` dated layers of one ``vertices``-vertex polygon each."""
    from nkmap.atlas.geojson import collection_text

    root = folder / f"atlas-{layers}x{vertices}"
    shutil.copytree(ROOT / "geodata", root)
    catalog = json.loads((root / "catalog.json").read_text())
    start = dt.date(2005, 1, 1)
    days = max(1, min(10, 5_800 // max(layers, 1)))  # every layer within 2005-2020
    for i in range(layers):
        lon0 = 46.2 + (i % 20) * 0.05
        lat0 = 39.3 + (i // 20 % 20) * 0.05
        ring = []
        for k in range(vertices):
            a = 2 * math.pi * k / vertices
            r = 0.06 * (1 + 0.15 * math.sin(7 * a + i) + 0.05 * math.sin(97 * a))
            ring.append([round(lon0 + r * math.cos(a) / 0.77, 6), round(lat0 + r * math.sin(a), 6)])
        ring.append(ring[0])
        feature = {
            "type": "Feature",
            "properties": {"name": f"Synthetic {i}"},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
        layer_id = f"synthetic-{i:04d}"
        (root / "layers" / f"{layer_id}.geojson").write_text(collection_text([feature]))
        catalog["layers"].append(
            {
                "id": layer_id,
                "file": f"layers/{layer_id}.geojson",
                "title": f"Synthetic layer {i}",
                "kind": "area",
                "shows": "other",
                "description": "Generated for the benchmark.",
                "valid_from": (start + dt.timedelta(days=days * i)).isoformat(),
                "valid_to": (start + dt.timedelta(days=days * i + days)).isoformat(),
                "sources": [
                    {"title": "bench/compare.py", "url": "https://example.org/", "licence": "CC0"}
                ],
                "method": "Generated.",
                "uncertainty_km": 1,
                "approximate": True,
                "notes": [],
            }
        )
    (root / "catalog.json").write_text(json.dumps(catalog, indent=1))
    return root


# ---- server time per step (AppTest, in a fresh process) -----------------------------------------

APPTEST = r"""
import json, sys, time
from streamlit.testing.v1 import AppTest
app, kind, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
at = AppTest.from_file(app, default_timeout=600)
t = time.perf_counter(); at.run(); first = time.perf_counter() - t
assert not at.exception, at.exception
if kind == "nkmap":
    at.run()  # the run the map's first report starts: the controls and the panels
    from nkmap.atlas.catalog import load_atlas
    from nkmap.atlas.timeline import change_dates
    options = [c.date for c in change_dates(load_atlas())]
    widget = lambda: at.sidebar.selectbox(key="goto")
else:
    widget = lambda: at.select_slider[0]
    options = list(widget().options)
times = []
start = len(options) // 3
for day in options[start:start + steps]:
    w = widget().set_value(day)
    t = time.perf_counter(); w.run(); times.append(time.perf_counter() - t)
    assert not at.exception, at.exception
print(json.dumps({"first": first, "steps": times}))
"""


def run_json(geodata: Path, code: str, *args: str) -> dict[str, Any]:
    """Run ``code`` in a fresh Python on ``geodata``; return the JSON it prints last."""
    env = {**os.environ, "NKMAP_GEODATA": str(geodata)}
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=BUDGET,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def server_steps(kind: str, geodata: Path, steps: int) -> dict[str, Any]:
    return run_json(geodata, APPTEST, str(APPS[kind]), kind, str(steps))


# ---- the browser --------------------------------------------------------------------------------

FIND = """
function find(doc, previous) {
  const found = Array.from(doc.querySelectorAll('[data-date]'))
    .map(e => e.getAttribute('data-date')).filter(d => d !== previous);
  if (found.length) return found[0];
  for (const f of doc.querySelectorAll('iframe')) {
    try { const d = f.contentDocument && find(f.contentDocument, previous); if (d) return d; }
    catch (e) {}
  }
  return null;
}
"""
# Resolves with the first [data-date] other than ``previous`` in any frame of the page, once
# the frame that shows it is painted (the opening of the page).
WATCH = (
    FIND
    + """
const previous = arguments[0], budget = arguments[1], done = arguments[arguments.length - 1];
const t0 = performance.now();
(function check() {
  const day = find(document, previous);
  if (day) requestAnimationFrame(() => done({day: day}));
  else if (performance.now() - t0 > budget) done({day: null});
  else requestAnimationFrame(check);
})();
"""
)
# Armed before a key press: watches every animation frame, in the page, for a [data-date]
# other than ``previous``; the frame after the one in which it is found shows it, and its time
# is kept. Nothing between the key press and the paint waits for the benchmark's own
# round trips to the browser.
ARM = (
    FIND
    + """
const previous = arguments[0], budget = arguments[1];
window.top.__paint = null;
const t0 = performance.now();
(function check() {
  const day = find(document, previous);
  if (day) requestAnimationFrame(() => { window.top.__paint = {day: day, at: performance.now()}; });
  else if (performance.now() - t0 < budget) requestAnimationFrame(check);
})();
"""
)
# Resolves with the day painted and the milliseconds from the key press to that paint.
PAINTED = """
const budget = arguments[0], done = arguments[arguments.length - 1];
const t0 = performance.now();
(function wait() {
  const p = window.top.__paint;
  if (p) done({day: p.day, ms: p.at - window.top.__keyAt});
  else if (performance.now() - t0 > budget) done({day: null, ms: null});
  else setTimeout(wait, 5);
})();
"""
MARK_KEYS = """
const doc = arguments[0] ? arguments[0].contentDocument : document;
doc.addEventListener('keydown', () => { window.top.__keyAt = window.top.performance.now(); },
                     true);
"""


def websocket_bytes(driver: WebDriver) -> int:
    received = 0
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.webSocketFrameReceived":
            frame = message["params"]["response"]
            data = frame["payloadData"]
            received += len(base64.b64decode(data)) if frame.get("opcode") == 2 else len(data)
    return received


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def current_date(driver: WebDriver) -> str:
    found = driver.execute_async_script(WATCH, "", BUDGET * 1000)
    if found["day"] is None:
        raise OutOfTimeError
    day: str = found["day"]
    return day


def browser(kind: str, geodata: Path, steps: int) -> dict[str, Any]:
    port = free_port()
    env = {**os.environ, "NKMAP_GEODATA": str(geodata)}
    # nkmap starts as `make run` starts it; the naive app as tutorials start theirs, with
    # Streamlit's default file watcher (the repository's config, which it reads too, turns the
    # watcher off for nkmap's server).
    start = ["nkmap.web.serve"] if kind == "nkmap" else ["streamlit", "run", str(APPS[kind])]
    command = [*server_command(port, *start), "--server.maxMessageSize", "1000"]
    if kind == "naive":
        command += ["--server.fileWatcherType", "auto"]
    deadline = time.monotonic() + BUDGET
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    driver = chromium(performance_log=True)
    driver.set_script_timeout(BUDGET)
    driver.set_page_load_timeout(BUDGET)
    # Selenium gives up on any one command to chromedriver after 120 s, whatever the script
    # timeout: a longer wait in the page would end in a ReadTimeoutError, not in the budget's
    # TimeoutException.
    driver.command_executor.client_config.timeout = BUDGET + 30
    result: dict[str, Any] = {}
    try:
        url = f"http://127.0.0.1:{port}/" + ("?date=2005-01-01" if kind == "nkmap" else "")
        while True:
            try:
                driver.get(url)
                break
            except Exception:  # the server is not listening yet
                if time.monotonic() > deadline:
                    raise OutOfTimeError from None
                time.sleep(0.2)
        previous = current_date(driver)
        result["cold"] = time.perf_counter() - t0
        # The page opened again on the running server, PAGE_OPENS times: what a visitor waits
        # for, and the bytes received before the map appears (medians).
        opens, received = [], []
        for _ in range(PAGE_OPENS):
            if time.monotonic() > deadline:
                raise OutOfTimeError
            time.sleep(1.0)
            websocket_bytes(driver)
            t = time.perf_counter()
            driver.get(url)
            previous = current_date(driver)
            opens.append(time.perf_counter() - t)
            received.append(websocket_bytes(driver))
        result["page_to_map"] = statistics.median(opens)
        result["bytes_on_open"] = statistics.median(received)
        time.sleep(2.0)  # what follows the first paint (nkmap: the rest of the map's data)
        result["bytes_after_open"] = websocket_bytes(driver)
        paints, sizes = [], []
        key = Keys.ARROW_RIGHT  # the naive slider's direction, turned at either end
        for _ in range(steps):
            if time.monotonic() > deadline:
                raise OutOfTimeError
            frame = None
            if kind == "naive":
                # Streamlit's slider is a visually hidden range input (its value is the index of
                # the date). A key pressed at the end of it moves nothing and no new date ever
                # comes, so there the steps turn back.
                thumb = driver.find_element(By.CSS_SELECTOR, "[data-testid=stSlider] input")
                at, low, high = driver.execute_script(
                    "const e = arguments[0]; return [+e.value, +e.min, +e.max];", thumb
                )
                if high <= low:
                    raise RuntimeError("the naive slider has a single date")
                if at >= high:
                    key = Keys.ARROW_LEFT
                elif at <= low:
                    key = Keys.ARROW_RIGHT
            driver.execute_script(ARM, previous, BUDGET * 1000)
            if kind == "nkmap":
                frame = next(
                    f
                    for f in driver.find_elements(By.TAG_NAME, "iframe")
                    if "atlas_map" in (f.get_attribute("src") or "")
                )
                driver.execute_script(MARK_KEYS, frame)
                driver.switch_to.frame(frame)
                driver.find_element(By.ID, "slider").send_keys(Keys.ARROW_RIGHT)
                driver.switch_to.default_content()
            else:
                driver.execute_script(MARK_KEYS, None)
                # Focus the slider's input, then type.
                driver.execute_script("arguments[0].focus()", thumb)
                ActionChains(driver).send_keys(key).perform()
            found = driver.execute_async_script(PAINTED, BUDGET * 1000)
            if found["day"] is None:
                raise OutOfTimeError
            paints.append(found["ms"])
            previous = found["day"]
            if kind == "nkmap":  # wait for the rerun that updates the panels
                while f"date={previous}" not in driver.current_url:
                    if time.monotonic() > deadline:
                        raise OutOfTimeError
                    time.sleep(0.02)
            time.sleep(0.5)
            sizes.append(websocket_bytes(driver))
        result.update(paint=paints, bytes=sizes, peak_mib=peak_rss_mib(proc.pid))
        # What the page holds, not what it has yet to collect (of the pages opened before).
        driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
        driver.execute_cdp_cmd("Performance.enable", {})
        metrics = driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
        heap = {m["name"]: m["value"] for m in metrics}.get("JSHeapUsedSize", float("nan"))
        result["heap_mib"] = heap / 2**20
    finally:
        driver.quit()
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return result


# ---- exports ------------------------------------------------------------------------------------


def timed(argv: list[str], geodata: Path, cache: Path | None = None) -> dict[str, float]:
    """Run a command on ``geodata`` (with ``cache`` as nkmap's disk cache, if given); its wall
    time and CPU time (user + system, its children included), process start to end."""
    env = {**os.environ, "NKMAP_GEODATA": str(geodata)}
    if cache is not None:
        env["NKMAP_CACHE"] = str(cache)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + BUDGET
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise OutOfTimeError
        time.sleep(0.01)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        said = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise RuntimeError(said.strip().splitlines()[-1] if said.strip() else "failed")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime}


NKMAP = [str(Path(sys.executable).with_name("nkmap"))]


def nkmap_exports(geodata: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        png = timed([*NKMAP, "export", "--date", "2005-01-15", "-o", f"{tmp}/a.png"], geodata)
        try:
            gif = timed([*NKMAP, "animate", "-o", f"{tmp}/a.gif"], geodata)
        except OutOfTimeError:  # the PNG's time is still reported
            gif = {"wall": float("nan"), "cpu": float("nan")}
    frames = json.loads(
        subprocess.run(
            [sys.executable, "-c", FRAMES],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "NKMAP_GEODATA": str(geodata)},
            timeout=BUDGET,
        ).stdout
    )
    return {"png": png["wall"], "gif": gif["wall"], "gif_cpu": gif["cpu"], "frames": frames}


FRAMES = """
from nkmap.atlas.catalog import load_atlas
from nkmap.atlas.timeline import change_dates
print(len(change_dates(load_atlas())))
"""


RUNS = 5  # a quick command's time is the median of this many runs (one for a first run)


def command_line(geodata: Path) -> dict[str, Any]:
    """nkmap's quick commands, process start to end (wall seconds, the median of
    :data:`RUNS` runs), with a disk cache of their own. A first run on the atlas's files runs
    once: ``where``'s loads the atlas and makes the areas it answers from (keeping both in the
    cache), the next runs read the areas from there; the PNG export's first run reads the
    atlas from there and keeps the text it draws, the next runs take it from there too."""
    where = ["where", "39.8", "46.75", "--date", "2005-01-15"]
    with tempfile.TemporaryDirectory() as tmp:
        png = ["export", "--date", "2005-01-15", "-o", f"{tmp}/a.png"]
        commands = {
            "--help": (["--help"], RUNS),
            "layers": (["layers"], RUNS),
            "where, first run on these files": (where, 1),
            "where": (where, RUNS),
            "export png, first run on these files": (png, 1),
            "export png": (png, RUNS),
        }
        cache = Path(tmp) / "cache"
        return {
            name: statistics.median(
                timed([*NKMAP, *args], geodata, cache)["wall"] for _ in range(runs)
            )
            for name, (args, runs) in commands.items()
        }


def naive_page(geodata: Path, day: str) -> str:
    """The folium page the naive app would show on ``day``, as a standalone HTML file."""
    import folium

    leaflet = ROOT / "src" / "nkmap" / "webmap" / "frontend" / "vendor" / "leaflet"
    folium.Map.default_js = [
        (
            "leaflet",
            "data:text/javascript;base64,"
            + base64.b64encode((leaflet / "leaflet.js").read_bytes()).decode(),
        )
    ]
    folium.Map.default_css = [
        (
            "leaflet_css",
            "data:text/css;base64,"
            + base64.b64encode((leaflet / "leaflet.css").read_bytes()).decode(),
        )
    ]
    catalog = json.loads((geodata / "catalog.json").read_text())
    m = folium.Map(location=[39.8, 46.6], zoom_start=8, tiles=None)
    for layer in catalog["layers"]:
        data = json.loads((geodata / layer["file"]).read_text())
        if (layer.get("valid_from") or "0000") <= day < (layer.get("valid_to") or "9999"):
            folium.GeoJson(data, tooltip=layer["title"]).add_to(m)
    html: str = m.get_root().render()
    return html


def naive_exports(geodata: Path, frames: int) -> dict[str, float]:
    """A PNG by screenshot of the folium page in a fresh headless Chromium; an animation by one
    screenshot per date (as many dates as nkmap's animation has frames), joined into a GIF."""
    from PIL import Image

    catalog = json.loads((geodata / "catalog.json").read_text())
    days = sorted(
        {
            v
            for layer in catalog["layers"]
            for k in ("valid_from", "valid_to")
            if (v := layer.get(k))
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "map.html"
        t = time.perf_counter()
        page.write_text(naive_page(geodata, "2005-01-15"))
        driver = chromium()
        driver.get(page.as_uri())
        time.sleep(0.3)
        driver.get_screenshot_as_png()
        driver.quit()
        png = time.perf_counter() - t
        t = time.perf_counter()
        driver = chromium()
        images = []
        deadline = time.monotonic() + BUDGET
        for day in days[: min(frames, NAIVE_FRAMES)]:
            if images and time.monotonic() > deadline:
                break  # the rest is timed by the rate of the frames made
            page.write_text(naive_page(geodata, day))
            driver.get(page.as_uri())
            images.append(Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("P"))
        driver.quit()
        images[0].save(Path(tmp) / "a.gif", save_all=True, append_images=images[1:])
        gif = time.perf_counter() - t
    # Past NAIVE_FRAMES frames the time is extrapolated from the frames made.
    return {"png": png, "gif": gif * frames / len(images), "frames": frames, "made": len(images)}


# ---- the table ----------------------------------------------------------------------------------


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    global BUDGET
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=10, help="steps per measure (default 10)")
    parser.add_argument("--quick", action="store_true", help="only the real atlas and +40")
    parser.add_argument(
        "--budget", type=float, default=BUDGET, help="seconds for one measurement (600)"
    )
    parser.add_argument(
        "--atlases", default=",".join(CONFIGS), help="which atlases: real,40,400,4000"
    )
    parser.add_argument(
        "--command-line", action="store_true", help="only nkmap's command-line timings"
    )
    args = parser.parse_args()
    BUDGET = args.budget
    chosen = ["real", "40"] if args.quick else args.atlases.split(",")
    results: dict[str, dict[str, Any]] = {}
    users_cache = os.environ.get("NKMAP_CACHE")
    with tempfile.TemporaryDirectory(prefix="nkmap-bench-") as tmp:
        for key in chosen:
            name, layers = CONFIGS[key]
            print(f"{name}:", file=sys.stderr, flush=True)
            geodata = ROOT / "geodata" if not layers else make_atlas(Path(tmp), layers)
            # Every process the run starts inherits this environment.
            os.environ.pop("NKMAP_CACHE", None)
            if layers:
                os.environ["NKMAP_CACHE"] = str(Path(tmp) / "cache")
            elif users_cache is not None:
                os.environ["NKMAP_CACHE"] = users_cache
            row: dict[str, Any] = {}
            if args.command_line:
                row["nkmap"] = {"cli": attempt("nkmap: command line", command_line, geodata)}
                results[name] = row
                if layers:
                    shutil.rmtree(geodata, ignore_errors=True)
                continue
            for kind in APPS:
                row[kind] = {
                    "server": attempt(f"{kind}: server", server_steps, kind, geodata, args.steps),
                    "browser": attempt(f"{kind}: browser", browser, kind, geodata, args.steps),
                }
            row["nkmap"]["export"] = attempt("nkmap: exports", nkmap_exports, geodata)
            frames = row["nkmap"]["export"].get("frames") or NAIVE_FRAMES
            row["naive"]["export"] = attempt("naive: exports", naive_exports, geodata, frames)
            row["nkmap"]["cli"] = attempt("nkmap: command line", command_line, geodata)
            results[name] = row
            if layers:
                shutil.rmtree(geodata, ignore_errors=True)
    print(f"On {machine()}, {dt.date.today().isoformat()}; budget {BUDGET:.0f} s a measurement.")
    print()
    if args.command_line:
        print_commands(results)
    else:
        print_table(results)


def machine() -> str:
    """The machine the figures were measured on."""
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    cores = len(os.sched_getaffinity(0))
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cores} cores ({model}), {memory:.0f} GiB"


def p90(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]


# What each row of the table reads: (label, where, how, format).
MEASURES: list[tuple[str, str, Any, str]] = [
    ("cold start, to the map drawn (s)", "browser", lambda r: r["cold"], "{:.2f}"),
    ("page to map, server running (s)", "browser", lambda r: r["page_to_map"], "{:.2f}"),
    ("bytes before the map (KiB)", "browser", lambda r: r["bytes_on_open"] / 1024, "{:,.0f}"),
    (
        "bytes in the 2 s after it (KiB)",
        "browser",
        lambda r: r["bytes_after_open"] / 1024,
        "{:,.0f}",
    ),
    ("server time per step (ms)", "server", lambda r: med(r["steps"]) * 1000, "{:.0f}"),
    ("input to paint, median (ms)", "browser", lambda r: med(r["paint"]), "{:.0f}"),
    ("input to paint, p90 (ms)", "browser", lambda r: p90(r["paint"]), "{:.0f}"),
    ("bytes received per step (KiB)", "browser", lambda r: med(r["bytes"]) / 1024, "{:,.1f}"),
    ("peak server memory (MiB)", "browser", lambda r: r["peak_mib"], "{:,.0f}"),
    ("page's JavaScript heap (MiB)", "browser", lambda r: r["heap_mib"], "{:,.0f}"),
    ("PNG export (s)", "export", lambda r: r["png"], "{:.2f}"),
    ("animation export (s)", "export", lambda r: r["gif"], "{:.1f}"),
]


def cell(part: dict[str, Any], get: Any, fmt: str) -> tuple[str, float | None]:
    """A measurement as printed, and its value (None when it timed out or failed)."""
    if "error" in part:
        return part["error"], None
    try:
        value = float(get(part))
    except (KeyError, TypeError, ValueError):
        return "-", None
    if math.isnan(value):
        return f"over the budget of {BUDGET:.0f} s", None
    return fmt.format(value), value


def print_table(results: dict[str, dict[str, Any]]) -> None:
    print("| atlas | measure | nkmap | naive | nkmap / naive |")
    print("|---|---|---|---|---|")
    for name, row in results.items():
        for label, part, get, fmt in MEASURES:
            a, va = cell(row["nkmap"].get(part, {"error": "-"}), get, fmt)
            b, vb = cell(row["naive"].get(part, {"error": "-"}), get, fmt)
            ratio = f"{va / vb:.3f}" if va is not None and vb else "-"
            print(f"| {name} | {label} | {a} | {b} | {ratio} |")
        export = row["nkmap"]["export"]
        if "error" not in export and not math.isnan(export["gif_cpu"]):
            print(f"| {name} | animation CPU time (s) | {export['gif_cpu']:.1f} | | |")
        naive = row["naive"]["export"]
        if "error" not in naive and "error" not in export:
            made = "" if naive["made"] == naive["frames"] else f" ({naive['made']} made)"
            print(f"| {name} | animation frames | {export['frames']} | {naive['frames']}{made} | |")
    print()
    print_commands(results)
    print()
    print_targets(results)


def print_commands(results: dict[str, dict[str, Any]]) -> None:
    heading = f"seconds, process start to end (median of {RUNS} runs; a first run, once)"
    print(f"| atlas | nkmap command | {heading} |")
    print("|---|---|---|")
    for name, row in results.items():
        cli = row["nkmap"]["cli"]
        if "error" in cli:
            print(f"| {name} | (all) | {cli['error']} |")
            continue
        for command, seconds in cli.items():
            print(f"| {name} | nkmap {command} | {seconds:.2f} |")


def print_targets(results: dict[str, dict[str, Any]]) -> None:
    """Issue 14's targets, each met or missed (or not measured), from this run's figures."""

    def value(name: str, kind: str, part: str, get: Any) -> float | None:
        row = results.get(name)
        if row is None:
            return None
        return cell(row[kind].get(part, {"error": "-"}), get, "{}")[1]

    def verdict(found: float | None, limit: float, unit: str, lower: bool = True) -> str:
        if found is None:
            return "not measured (timed out, failed or not run)"
        ok = found <= limit if lower else found >= limit
        return f"{'met' if ok else 'missed'} ({found:,.2f} {unit}; target {limit:,.2f} {unit})"

    def ratio(name: str, get: Any) -> float | None:
        a = value(name, "nkmap", "browser", get)
        b = value(name, "naive", "browser", get)
        return a / b if a is not None and b else None

    page = lambda r: r["page_to_map"]  # noqa: E731
    paint = lambda r: med(r["paint"])  # noqa: E731
    rows = [
        ("page to map, +400 layers, nkmap / naive", ratio("+400 layers", page), 0.5, "x"),
        ("page to map, real atlas, nkmap / naive", ratio("real atlas", page), 0.7, "x"),
    ]
    sent = value("+400 layers", "nkmap", "browser", lambda r: r["bytes_on_open"])
    share = sent / BYTES_ON_OPEN_BEFORE_400 if sent is not None else None
    rows.append(("bytes before the map, +400 layers, share of before", share, 0.25, "x"))
    for name in ("+400 layers", "+4,000 layers"):
        rows.append((f"input to paint, {name}", value(name, "nkmap", "browser", paint), 50, "ms"))
    cli = results.get("real atlas", {}).get("nkmap", {}).get("cli", {})
    for command in ("--help", "layers", "where"):
        rows.append((f"nkmap {command}", cli.get(command), 0.5, "s"))
    rows.append(("nkmap export, PNG", cli.get("export png"), 1.5, "s"))
    export = results.get("real atlas", {}).get("nkmap", {}).get("export", {})
    cpu = export.get("gif_cpu")
    wall = export.get("gif")
    rows.append(
        ("animation CPU, share of before", cpu / ANIMATION_CPU_BEFORE if cpu else None, 0.25, "x")
    )
    rows.append(
        (
            "animation wall, share of before",
            wall / ANIMATION_WALL_BEFORE if wall else None,
            1 / 3,
            "x",
        )
    )
    print("| target | result |")
    print("|---|---|")
    for label, found, limit, unit in rows:
        print(f"| {label} | {verdict(found, limit, unit)} |")


if __name__ == "__main__":
    main()
