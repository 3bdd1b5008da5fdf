"""Running the dashboard for real: a Streamlit server on a free loopback port and headless
Chromium (Debian's chromium and chromium-driver) driven by Selenium. Used by the browser tests,
the benchmarks (bench/) and the README's screenshots (docs/screenshots.py); not shipped."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Without the networking flags Chromium keeps trying hosts this machine cannot reach.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1500,1100",
    # A page opened again replaces the one before, which the back-forward cache would keep
    # alive (and count in the page's memory).
    "--disable-features=BackForwardCache",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_command(port: int, *start: str) -> list[str]:
    """A Streamlit server on 127.0.0.1:``port``, started by ``python -m`` ``start``."""
    return [
        sys.executable,
        "-m",
        *start,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


@contextlib.contextmanager
def streamlit_app(
    geodata: Path | None = None,
    timeout: float = 60.0,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start the dashboard (``python -m nkmap.web.serve``) on a free port, in ``cwd`` with ``env``
    (this process's by default); yield its address and process."""
    port = free_port()
    env = dict(os.environ if env is None else env)
    if geodata is not None:
        env["NKMAP_GEODATA"] = str(geodata)
    # What `make run` starts: streamlit run on the dashboard, with the atlas prepared early.
    command = server_command(port, "nkmap.web.serve")
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(url + "_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    said = log.read().decode(errors="replace")
                    raise RuntimeError(f"streamlit did not start on {url}: {said[-2000:]}")
                time.sleep(0.2)
            yield url, proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def chromium(performance_log: bool = False) -> WebDriver:
    """Headless Chromium, with the browser's console (and optionally its network events)
    recorded."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            raise RuntimeError(
                f"{path} is missing: install Debian's chromium and chromium-driver "
                "(make test does it)"
            )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    logs = {"browser": "ALL"}
    if performance_log:
        logs["performance"] = "ALL"
    options.set_capability("goog:loggingPrefs", logs)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def open_map(driver: WebDriver, url: str, timeout: float = 60.0) -> WebElement:
    """Load the dashboard and wait until the map has drawn a date; leave the driver inside the
    map's frame and return that frame's element."""
    driver.switch_to.default_content()
    driver.get(url)
    wait = WebDriverWait(driver, timeout)
    frame: WebElement = wait.until(lambda d: map_frame(d))
    driver.switch_to.frame(frame)
    wait.until(lambda d: d.execute_script("return document.getElementById('map').dataset.date"))
    return frame


def map_frame(driver: WebDriver) -> WebElement | None:
    for frame in driver.find_elements("tag name", "iframe"):
        if "atlas_map" in (frame.get_attribute("src") or ""):
            return frame
    return None


def map_state(driver: WebDriver) -> dict[str, Any]:
    """What the map shows now: its date, the label, the fill colour of each drawn path and a
    fingerprint of each path's shape."""
    state: dict[str, Any] = driver.execute_script(
        """
        const paths = Array.from(document.querySelectorAll('.leaflet-nkA-pane path'));
        return {
          date: document.getElementById('map').dataset.date,
          label: document.getElementById('label').textContent,
          fills: paths.map(p => p.getAttribute('fill')),
          shapes: paths.map(p => p.getAttribute('fill') + ':' + p.getAttribute('d').length),
          paths: paths.length,
        };
        """
    )
    return state


def page_text(driver: WebDriver) -> str:
    """The text of the Streamlit page around the map."""
    driver.switch_to.default_content()
    text: str = driver.find_element("tag name", "body").text
    return text
