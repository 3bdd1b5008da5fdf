"""nkmap's dashboard against the naive Streamlit + folium dashboard (bench/naive_app.py), on the
real atlas and on synthetic atlases, side by side in one run. Prints a table.

    make bench-compare        (or: .venv/bin/python bench/compare.py [--steps N] [--quick])

For each atlas and each implementation:
- cold start: from `streamlit run` until the first map is drawn in headless Chromium;
- server time per step: one rerun after the date changes, in Streamlit's AppTest;
- bytes per step: what the server sends over the WebSocket after a step in Chromium;
- input to paint: from the key press on the time slider to the animation frame after the one
  in which the new date's map is found in the page (both measured the same way, in the page);
- peak memory: the Streamlit server's resident-set high-water mark (VmHWM);
- PNG and animation exports: nkmap's print map and GIF; for the naive version, what one does
  without an exporter: a headless-Chromium screenshot of the folium page (and one per frame).
Medians over the steps. The ratios nkmap / naive come from the same run: this machine is
shared and noisy, so ratios, not absolute times, are what compare across runs.

The synthetic atlases are the real one plus N dated layers of one polygon of V vertices each
(generated here), each shown for ten days in turn, so every layer is a step of its own.
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

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

from harness import chromium, free_port, server_command  # noqa: E402

APPS = {"nkmap": ROOT / "app.py", "naive": ROOT / "bench" / "naive_app.py"}
NAIVE_FRAMES = 40  # frames the naive animation really makes; the rest are extrapolated
CONFIGS = [
    ("real atlas", 0, 0),
    ("+40 layers x 2,000 vertices", 40, 2_000),
    ("+400 layers x 2,000 vertices", 400, 2_000),
    ("+40 layers x 200,000 vertices", 40, 200_000),
]


# ---- synthetic atlases -------------------------------------------------------------------------


def make_atlas(folder: Path, layers: int, vertices: int) -> Path:
    """The real atlas plus ``layers`` dated layers of one ``vertices``-vertex polygon each."""
    from nkmap.atlas.geojson import collection_text

    root = folder / f"atlas-{layers}x{vertices}"
    shutil.copytree(ROOT / "geodata", root)
    catalog = json.loads((root / "catalog.json").read_text())
    start = dt.date(2005, 1, 1)
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
        layer_id = f"synthetic-{i:03d}"
        (root / "layers" / f"{layer_id}.geojson").write_text(collection_text([feature]))
        catalog["layers"].append(
            {
                "id": layer_id,
                "file": f"layers/{layer_id}.geojson",
                "title": f"Synthetic layer {i}",
                "kind": "area",
                "shows": "other",
                "description": "Generated for the benchmark.",
                "valid_from": (start + dt.timedelta(days=10 * i)).isoformat(),
                "valid_to": (start + dt.timedelta(days=10 * i + 10)).isoformat(),
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
        timeout=7200,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def server_steps(kind: str, geodata: Path, steps: int) -> dict[str, Any]:
    return run_json(geodata, APPTEST, str(APPS[kind]), kind, str(steps))


# ---- the browser --------------------------------------------------------------------------------

# Resolves with the milliseconds from the last key press (recorded in the top window) to the
# first animation frame after the one in which a [data-date] other than ``previous`` is found
# in any frame of the page (that is, once the frame showing it has been painted).
WATCH = """
const previous = arguments[0], done = arguments[arguments.length - 1];
function find(doc) {
  const found = Array.from(doc.querySelectorAll('[data-date]'))
    .map(e => e.getAttribute('data-date')).filter(d => d !== previous);
  if (found.length) return found[0];
  for (const f of doc.querySelectorAll('iframe')) {
    try { const d = f.contentDocument && find(f.contentDocument); if (d) return d; } catch (e) {}
  }
  return null;
}
const t0 = performance.now();
(function check() {
  const day = find(document);
  if (day) {
    // Found in this frame's callbacks, so the frame that shows it is painted by the next.
    requestAnimationFrame(() => done({day: day, ms: performance.now() - window.__keyAt}));
  } else if (performance.now() - t0 > 300000) {
    done({day: null, ms: null});
  } else {
    requestAnimationFrame(check);
  }
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


def current_date(driver: WebDriver) -> str | None:
    found = driver.execute_async_script(WATCH, "")
    return found["day"]


def browser(kind: str, geodata: Path, steps: int) -> dict[str, Any]:
    port = free_port()
    env = {**os.environ, "NKMAP_GEODATA": str(geodata)}
    # nkmap starts as `make run` starts it; the naive app as tutorials start theirs.
    start = ["nkmap.web.serve"] if kind == "nkmap" else ["streamlit", "run", str(APPS[kind])]
    command = [*server_command(port, *start), "--server.maxMessageSize", "1000"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    driver = chromium(performance_log=True)
    driver.set_script_timeout(600)
    try:
        url = f"http://127.0.0.1:{port}/" + ("?date=2005-01-01" if kind == "nkmap" else "")
        while True:
            try:
                driver.get(url)
                break
            except Exception:  # the server is not listening yet
                time.sleep(0.2)
        previous = current_date(driver)
        cold = time.perf_counter() - t0
        time.sleep(1.0)
        websocket_bytes(driver)
        paints, sizes = [], []
        for _ in range(steps):
            frame = None
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
                # Streamlit's slider is a visually hidden range input: focus it, then type.
                thumb = driver.find_element(By.CSS_SELECTOR, "[data-testid=stSlider] input")
                driver.execute_script("arguments[0].focus()", thumb)
                ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
            found = driver.execute_async_script(WATCH, previous)
            if found["day"] is None:
                raise RuntimeError(f"{kind}: the map did not change after a step")
            paints.append(found["ms"])
            previous = found["day"]
            if kind == "nkmap":  # wait for the rerun that updates the panels
                deadline = time.monotonic() + 60
                while f"date={previous}" not in driver.current_url:
                    if time.monotonic() > deadline:
                        raise RuntimeError("nkmap: the page did not follow the map")
                    time.sleep(0.02)
            time.sleep(0.5)
            sizes.append(websocket_bytes(driver))
        peak = peak_rss_mib(proc.pid)
    finally:
        driver.quit()
        proc.terminate()
        proc.wait(30)
    return {"cold": cold, "paint": paints, "bytes": sizes, "peak_mib": peak}


# ---- exports ------------------------------------------------------------------------------------

NKMAP_EXPORT = r"""
import json, sys, time, datetime as dt
from nkmap.atlas.catalog import load_atlas
from nkmap.maps.export import animation, export
from nkmap.atlas.timeline import change_dates
atlas = load_atlas(); changes = change_dates(atlas)
t = time.perf_counter()
export(atlas, changes, dt.date(2005, 1, 15), "png")
png = time.perf_counter() - t
t = time.perf_counter()
animation(atlas, changes)
gif = time.perf_counter() - t
print(json.dumps({"png": png, "gif": gif, "frames": len(changes)}))
"""


def nkmap_exports(geodata: Path) -> dict[str, Any]:
    return run_json(geodata, NKMAP_EXPORT)


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
        for day in days[: min(frames, NAIVE_FRAMES)]:
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=10, help="steps per measure (default 10)")
    parser.add_argument("--quick", action="store_true", help="only the first two atlases")
    args = parser.parse_args()
    configs = CONFIGS[:2] if args.quick else CONFIGS
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="nkmap-bench-") as tmp:
        for name, layers, vertices in configs:
            geodata = ROOT / "geodata" if not layers else make_atlas(Path(tmp), layers, vertices)
            row: dict[str, Any] = {}
            for kind in APPS:
                print(f"{name}: {kind} ...", file=sys.stderr, flush=True)
                row[kind] = {
                    "server": server_steps(kind, geodata, args.steps),
                    "browser": browser(kind, geodata, args.steps),
                }
            print(f"{name}: exports ...", file=sys.stderr, flush=True)
            row["nkmap"]["export"] = nkmap_exports(geodata)
            row["naive"]["export"] = naive_exports(geodata, row["nkmap"]["export"]["frames"])
            results[name] = row
    print_table(results)


def print_table(results: dict[str, dict[str, Any]]) -> None:
    measures = [
        ("cold start, to the map drawn (s)", lambda r: r["browser"]["cold"], "{:.2f}"),
        ("server time per step (ms)", lambda r: med(r["server"]["steps"]) * 1000, "{:.0f}"),
        ("input to paint per step (ms)", lambda r: med(r["browser"]["paint"]), "{:.0f}"),
        ("bytes received per step (KiB)", lambda r: med(r["browser"]["bytes"]) / 1024, "{:,.1f}"),
        ("peak server memory (MiB)", lambda r: r["browser"]["peak_mib"], "{:,.0f}"),
        ("PNG export (s)", lambda r: r["export"]["png"], "{:.2f}"),
        ("animation export (s)", lambda r: r["export"]["gif"], "{:.1f}"),
    ]
    print("| atlas | measure | nkmap | naive | nkmap / naive |")
    print("|---|---|---|---|---|")
    for name, row in results.items():
        for label, get, fmt in measures:
            a, b = get(row["nkmap"]), get(row["naive"])
            ratio = f"{a / b:.3f}" if b else "-"
            print(f"| {name} | {label} | {fmt.format(a)} | {fmt.format(b)} | {ratio} |")
        naive = row["naive"]["export"]
        made = (
            ""
            if naive["made"] == naive["frames"]
            else f" ({naive['made']} made, rest timed by rate)"
        )
        print(
            f"| {name} | animation frames | {row['nkmap']['export']['frames']} | "
            f"{naive['frames']}{made} | |"
        )
    print()
    print_targets(results)


def print_targets(results: dict[str, dict[str, Any]]) -> None:
    def verdict(value: float, limit: float, unit: str, lower: bool = True) -> str:
        ok = value < limit if lower else value >= limit
        if ok:
            return f"met ({value:,.1f} {unit})"
        return f"missed by {abs(value - limit):,.1f} {unit} ({value:,.1f} {unit})"

    real = results.get("real atlas")
    many = results.get("+400 layers x 2,000 vertices")
    print("| target | result |")
    print("|---|---|")
    if real:
        paint = med(real["nkmap"]["browser"]["paint"])
        print(f"| step under 50 ms, input to paint, real atlas | {verdict(paint, 50, 'ms')} |")
        speedup = med(real["naive"]["browser"]["paint"]) / paint
        print(
            f"| 10 times faster per step than naive, real atlas | "
            f"{verdict(speedup, 10, 'x', lower=False)} |"
        )
        print(f"| cold start under 3 s | {verdict(real['nkmap']['browser']['cold'], 3, 's')} |")
        print(f"| PNG export under 2 s | {verdict(real['nkmap']['export']['png'], 2, 's')} |")
    if many:
        paint = med(many["nkmap"]["browser"]["paint"])
        print(f"| step under 100 ms with 400 layers | {verdict(paint, 100, 'ms')} |")
    servers = {name: med(r["nkmap"]["server"]["steps"]) * 1000 for name, r in results.items()}
    spread = ", ".join(f"{name}: {ms:.0f} ms" for name, ms in servers.items())
    print(f"| server time per step independent of the layer count | {spread} |")


if __name__ == "__main__":
    main()
