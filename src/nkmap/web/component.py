"""The interactive map as a Streamlit component.

The browser is sent the atlas's display payload once per session and switches dates itself;
each rerun after that sends only a few small arguments (the date to jump to when Python changed
it, the name form, a comparison). The component reports back the date, the view and the base
map the user chose, so Python can update figures, sources and the page's address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit.components.v1 as components

from nkmap.webmap.payload import FRONTEND

_atlas_map = components.declare_component("atlas_map", path=str(FRONTEND))


def atlas_map(
    *,
    data: str | None,
    version: str,
    names: str,
    jump: dict[str, Any],
    compare: dict[str, Any] | None,
    view: list[float] | None,
    base: str,
    height: int,
    key: str,
    place: dict[str, Any] | None = None,
    focus: dict[str, Any] | None = None,
    on_change: Callable[[], None] | None = None,
) -> Any:
    """Mount the map. ``data`` is the payload's JSON, sent only when the browser lacks it
    (``None`` otherwise); ``jump`` moves the map to ``jump["date"]`` when ``jump["seq"]`` is
    new; ``place`` marks a settlement and draws its control along the time bar (the map flies
    to it when ``place["seq"]`` is new); ``focus`` zooms to the layer ``focus["layer"]`` when
    ``focus["seq"]`` is new (a layer just previewed)."""
    return _atlas_map(
        data=data,
        version=version,
        names=names,
        jump=jump,
        compare=compare,
        view=view,
        base=base,
        height=height,
        place=place,
        focus=focus,
        key=key,
        on_change=on_change,
        default=None,
    )
