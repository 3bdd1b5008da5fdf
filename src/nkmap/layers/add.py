"""Adding a layer: the one use case behind ``nkmap add`` / ``nkmap validate`` and the
dashboard's upload form. A layer file's bytes and its metadata (see :mod:`nkmap.layers.meta`)
are read, checked against the atlas and, when every check passes, saved all or nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nkmap.atlas.catalog import Atlas
from nkmap.layers.readers import read_candidate
from nkmap.layers.store import Checked, check, save


def check_layer(
    atlas: Atlas,
    data: bytes,
    name: str,
    meta: Mapping[str, Any],
    crs: str | None = None,
    replace: bool = False,
) -> Checked:
    """Read a layer file's bytes and check it, with its metadata, against the atlas: the
    preview the form shows and what ``nkmap validate`` reports. Writes nothing."""
    return check(atlas, read_candidate(data, name, crs), meta, replace=replace)


@dataclass(frozen=True)
class Added:
    checked: Checked
    path: Path


def add_layer(
    atlas: Atlas,
    data: bytes,
    name: str,
    meta: Mapping[str, Any],
    crs: str | None = None,
    replace: bool = False,
) -> Added:
    """Check a layer file and its metadata against the atlas and, if every check passes, save
    it into the atlas's folder (all or nothing)."""
    checked = check_layer(atlas, data, name, meta, crs, replace)
    return Added(checked, save(atlas.root, checked, replace=replace))
