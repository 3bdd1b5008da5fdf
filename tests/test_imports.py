"""What may import what, read from the source (every import, also those inside functions):

- the model (the vocabulary, dates, geometry, the catalog and its checks, the timeline, figures,
  the gazetteer, the display payload, the print layout's options) imports neither Streamlit, nor
  matplotlib, nor GDAL or SQLite, nor any module that does;
- matplotlib is imported only by the print renderer; pyogrio and sqlite3 only by the readers;
  Streamlit only by the dashboard (webapp), its map component and the server's starter;
- the data-building code (nkmap.derive) is imported by nothing outside it;
- the package's modules import one another without cycles.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "nkmap"

MODEL = (
    "vocabulary",
    "errors",
    "dates",
    "geometry",
    "geojson",
    "text",
    "style",
    "validate",
    "catalog",
    "timeline",
    "stats",
    "gazetteer",
    "dashboard",
    "display",
    "layout",
)
# Third-party packages only one module of the package may import.
ONLY = {
    "matplotlib": {"render"},
    "pyogrio": {"readers"},
    "sqlite3": {"readers"},
    "streamlit": {"mapcomponent", "serve", "webapp"},
}
# What the model may not import of the package: the modules that draw, read files or serve.
NOT_FOR_THE_MODEL = {"render", "export", "readers", "store", "cli", "serve", "mapcomponent"}


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


def own(names: set[str]) -> set[str]:
    """The package's modules among ``names``, by their top-level name below nkmap."""
    return {n.split(".")[1] for n in names if n.startswith("nkmap.")}


def test_every_module_is_read() -> None:
    assert {"catalog", "render", "readers", "derive.atlas"} <= set(MODULES)
    assert "shapely" in MODULES["geometry"] or "shapely" in MODULES["validate"]


@pytest.mark.parametrize("name", MODEL)
def test_the_model_imports_no_drawing_serving_or_file_reading(name: str) -> None:
    found = MODULES[name]
    for package in ONLY:
        assert package not in found, f"nkmap.{name} imports {package}"
    assert not own(found) & NOT_FOR_THE_MODEL, f"nkmap.{name}: {own(found) & NOT_FOR_THE_MODEL}"


@pytest.mark.parametrize("package", list(ONLY))
def test_heavy_or_risky_libraries_have_one_home(package: str) -> None:
    users = {name for name, found in MODULES.items() if package in found}
    assert users <= ONLY[package], f"{package} imported by {sorted(users - ONLY[package])}"


def test_app_py_uses_the_package_not_the_libraries_behind_it() -> None:
    found = imports(ROOT / "app.py")
    assert not {"matplotlib", "pyogrio", "sqlite3", "geopandas", "shapely"} & found
    assert not any(n.startswith("nkmap.derive") for n in found)


def test_the_derivation_code_is_imported_by_nothing_outside_it() -> None:
    for name, found in MODULES.items():
        if not name.startswith("derive"):
            assert not any(n.startswith("nkmap.derive") for n in found), name


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
