"""nkmap: an atlas of territorial control in Nagorno-Karabakh, 1923-2024."""

from __future__ import annotations

import importlib
from typing import Any

from nkmap.errors import (
    CatalogError,
    LayerFileError,
    NkmapError,
    ValidationError,
)

# The catalog (and with it geopandas) is imported on first use, so that `python -m nkmap.web.serve`
# starts the server without waiting for it.
_LAZY = {"Atlas", "LayerEntry", "Source", "load_atlas"}

__all__ = [
    "Atlas",
    "CatalogError",
    "LayerEntry",
    "LayerFileError",
    "NkmapError",
    "Source",
    "ValidationError",
    "load_atlas",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module("nkmap.atlas.catalog"), name)
    raise AttributeError(f"module 'nkmap' has no attribute {name!r}")
