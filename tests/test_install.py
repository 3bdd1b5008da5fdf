"""nkmap installed from its wheel, used from a folder far from the checkout: the command line
finds the atlas shipped inside the package, exports a map, and the dashboard starts and draws.

The wheel is built from a copy of the checkout without build isolation (offline), and installed
into a folder put first on the path, so that the checkout's own (editable) nkmap is not used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness import ROOT, chromium, open_map, streamlit_app

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# What a copy of the checkout leaves out: at its top, what is not source; anywhere, caches.
TOP_LEFT_OUT = {".git", ".venv", "build-cache", "test-artifacts", "build", ".mypy_cache"}


def left_out(folder: str, names: list[str]) -> list[str]:
    top = Path(folder) == ROOT
    return [
        n
        for n in names
        if (top and n in TOP_LEFT_OUT) or n == "__pycache__" or n.endswith(".egg-info")
    ]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The folder nkmap is installed in, and the environment that uses it."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=left_out)
    wheels = base / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)]
    subprocess.run(build, check=True, capture_output=True)
    (wheel,) = wheels.glob("nkmap-*.whl")
    site = base / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "NKMAP_GEODATA"}
    env["PYTHONPATH"] = str(site)
    return site, env


def nkmap(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "nkmap.cli", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_the_installed_command_line_works_from_any_folder(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    site, env = installed
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import nkmap.settings as s; print(s.__file__, s.default_geodata())",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert where == [str(site / "nkmap" / "settings.py"), str(site / "nkmap" / "geodata")]
    layers = nkmap(env, tmp_path, "layers")
    assert layers.returncode == 0, layers.stderr
    assert "control-2020-2023" in layers.stdout
    made = nkmap(env, tmp_path, "export", "--date", "2020-11-10", "-o", "map.png")
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "map.png").read_bytes().startswith(b"\x89PNG")


def test_the_installed_dashboard_starts_and_draws(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    _, env = installed
    with streamlit_app(cwd=tmp_path, env=env) as (url, _):
        driver = chromium()
        try:
            open_map(driver, url + "?date=2020-11-10")
            date = driver.execute_script("return document.getElementById('map').dataset.date")
            assert date == "2020-11-10"
        finally:
            driver.quit()
