"""nkmap publish: a static site that a plain web server serves, checked in headless Chromium
as a reader meets it."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sys
import threading
import urllib.request
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness import chromium, map_state
from nkmap.atlas.catalog import Atlas
from nkmap.cli import main


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A browser that drops a connection it no longer needs (a cancelled image) is not
        an error of the site; anything else is reported as usual."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("publish") / "site"
    assert main(["publish", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    server = Server(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def local_links(page: str) -> list[str]:
    return [h for h in re.findall(r'(?:href|src)="([^"#]+)"', page) if not h.startswith("http")]


def test_every_link_of_the_site_answers(site: Path, served: str) -> None:
    checked = set()
    for page in ("index.html", "sources.html", "dates/index.html"):
        base = served + page
        for link in local_links((site / page).read_text()):
            url = urllib.request.urljoin(base, link)
            if url in checked:
                continue
            with urllib.request.urlopen(url) as answer:
                assert answer.status == 200, url
            checked.add(url)
    assert len(checked) >= 10


def test_the_index_lists_every_file_with_its_checksum(site: Path, atlas: Atlas) -> None:
    index = json.loads((site / "index.json").read_text())
    assert index["data_version"] == atlas.data_version
    listed = {f["path"]: f for f in index["files"]}
    on_disk = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert on_disk - listed.keys() == {"index.json"}
    for path, f in listed.items():
        data = (site / path).read_bytes()
        assert f["bytes"] == len(data) and f["sha256"] == hashlib.sha256(data).hexdigest()
    assert len(index["dates"]) == len(list((site / "dates").glob("*.geojson")))
    assert {"downloads/atlas.gpkg", "downloads/atlas.kml", "downloads/atlas.csv"} <= set(listed)


def test_the_site_opens_and_steps_in_chromium(served: str) -> None:
    driver = chromium()
    try:
        driver.set_window_size(1366, 768)
        driver.get(served + "index.html")
        driver.find_element(By.LINK_TEXT, "Open the interactive atlas").click()
        WebDriverWait(driver, 30).until(
            lambda d: d.execute_script("return document.getElementById('map').dataset.date")
        )
        before = map_state(driver)
        driver.find_element(By.ID, "prev").click()
        after = map_state(driver)
        assert after["date"] < before["date"] and after["shapes"] != before["shapes"]
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not severe, severe
    finally:
        driver.quit()


def test_publish_replaces_its_own_site_and_refuses_any_other_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    assert main(["publish", str(other)]) == 1
    assert "not a site nkmap published" in capsys.readouterr().err
    assert [p.name for p in other.iterdir()] == ["mine.txt"]
