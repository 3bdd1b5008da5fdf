"""nkmap: an atlas of territorial control in Nagorno-Karabakh, 1923-2024.

    >>> import nkmap
    >>> atlas = nkmap.load()
    >>> atlas.state("2020-12-01")

See :mod:`nkmap.api` (and docs/python.md) for what the atlas answers.
"""

from __future__ import annotations

import importlib
from typing import Any

from nkmap.errors import (
    CatalogError,
    LayerFileError,
    NkmapError,
    ValidationError,
)

# The interface (and with it geopandas) is imported on first use, so that
# `python -m nkmap.web.serve` and `nkmap --help` start without waiting for it.
_LAZY = {"Atlas", "load"}

__all__ = [
    "Atlas",
    "CatalogError",
    "LayerFileError",
    "NkmapError",
    "ValidationError",
    "load",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module("nkmap.api"), name)
    raise AttributeError(f"module 'nkmap' has no attribute {name!r}")
