"""What may import what, read from the source (every import, also those inside functions).

nkmap is made of parts, each a folder with one job, layered so that a part imports only the
parts listed for it (and itself):

- the foundation (errors, settings, files) imports no other part;
- atlas/ (the model) imports the foundation;
- layers/ (reading and saving layers) and present/ (look and wording) import the atlas;
- webmap/ (the map's payload and page) imports present/;
- maps/ (print maps and exports) imports webmap/ (the HTML export is the page);
- web/ (the Streamlit dashboard) and the cli may import every part but each other;
- api (the Python interface for notebooks) imports the model and the maps, not web/ or the cli;
- the data-deriving code (derive/) is imported by nothing outside it.

Third-party libraries with a cost or a risk have few homes: matplotlib maps.render and
maps.canvas, GDAL (pyogrio) layers.readers (reading) and maps.gis (writing GeoPackages),
SQLite layers.readers, folium maps.folium_maps, Streamlit web.app, web.component and
web.serve. No two modules import each other in a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "nkmap"

FOUNDATION = {"errors", "settings", "files", "__init__"}
# The parts each part may import, besides itself and the foundation.
MAY_IMPORT: dict[str, set[str]] = {
    "foundation": set(),
    "atlas": set(),
    "layers": {"atlas"},
    "present": {"atlas"},
    "webmap": {"atlas", "present"},
    "maps": {"atlas", "present", "webmap"},
    "web": {"atlas", "layers", "present", "webmap", "maps"},
    "cli": {"atlas", "layers", "present", "webmap", "maps"},
    "api": {"atlas", "present", "webmap", "maps"},
    "derive": {"atlas", "layers", "present"},
}
# Third-party packages only these modules may import.
ONLY = {
    "matplotlib": {"maps.render", "maps.canvas"},
    "pyogrio": {"layers.readers", "maps.gis"},
    "folium": {"maps.folium_maps", "api"},  # api: in type hints only
    "sqlite3": {"layers.readers"},
    "streamlit": {"web.app", "web.component", "web.serve"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__") or "__init__"


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it: 'nkmap.x' as 'nkmap.x', others by their
    top-level name."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            found.add(name if name.startswith("nkmap.") else name.split(".")[0])
    return found


MODULES = {module_name(p): imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def part(module: str) -> str:
    """The part a module belongs to: its folder, or the foundation, or the cli."""
    first = module.split(".")[0]
    return "foundation" if first in FOUNDATION else first


def own_parts(names: set[str]) -> set[str]:
    return {part(n.removeprefix("nkmap.")) for n in names if n.startswith("nkmap.")}


def test_every_module_is_read_and_belongs_to_a_part() -> None:
    assert {"atlas.catalog", "maps.render", "layers.readers", "derive.atlas", "cli"} <= set(MODULES)
    assert "shapely" in MODULES["atlas.geometry"]
    for name in MODULES:
        assert part(name) in MAY_IMPORT, f"nkmap.{name} is in no part"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_module_imports_only_the_parts_below_its_own(name: str) -> None:
    mine = part(name)
    allowed = MAY_IMPORT[mine] | {mine, "foundation"}
    assert own_parts(MODULES[name]) <= allowed, (
        f"nkmap.{name} ({mine}) imports {sorted(own_parts(MODULES[name]) - allowed)}"
    )


@pytest.mark.parametrize("package", list(ONLY))
def test_heavy_or_risky_libraries_have_one_home(package: str) -> None:
    users = {name for name, found in MODULES.items() if package in found}
    assert users <= ONLY[package], f"{package} imported by {sorted(users - ONLY[package])}"


def test_the_model_imports_no_drawing_serving_or_file_format_library() -> None:
    for name, found in MODULES.items():
        if part(name) in {"atlas", "present", "webmap", "foundation"}:
            assert not set(ONLY) & found, f"nkmap.{name} imports {sorted(set(ONLY) & found)}"


def test_app_py_uses_the_package_not_the_libraries_behind_it() -> None:
    found = imports(ROOT / "app.py")
    assert not {"matplotlib", "pyogrio", "sqlite3", "geopandas", "shapely"} & found
    assert found & {"nkmap.web.app"}


def test_the_derivation_code_is_imported_by_nothing_outside_it() -> None:
    for name, found in MODULES.items():
        if part(name) != "derive":
            assert "derive" not in own_parts(found), name


def test_no_import_cycles_between_modules() -> None:
    graph = {
        name: {n.removeprefix("nkmap.") for n in found if n.startswith("nkmap.")}
        for name, found in MODULES.items()
    }
    graph = {name: {n for n in deps if n in graph and n != name} for name, deps in graph.items()}
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in sorted(graph[name]):
            if state.get(dep) == 1:
                raise AssertionError(" -> ".join([*path, name, dep]))
            if dep not in state:
                visit(dep, [*path, name])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
