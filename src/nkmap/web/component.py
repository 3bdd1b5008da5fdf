"""The interactive map as a Streamlit component.

The browser is sent the atlas's display payload once per session and switches dates itself;
each rerun after that sends only a few small arguments (the date to jump to when Python changed
it, the name form, a comparison). The component reports back the date, the view and the base
map the user chose, so Python can update figures, sources and the page's address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from nkmap.webmap.payload import FRONTEND
from nkmap.webmap.value import MapValue

_atlas_map = components.declare_component("atlas_map", path=str(FRONTEND))


def _sent(key: str) -> str:
    """Where the session remembers which payload version the page holds."""
    return f"{key}_sent"


def atlas_map(
    *,
    data: str,
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
) -> MapValue:
    """Mount the map and return what it last reported (empty before its first report).

    ``data`` is the payload's JSON: it is sent only when the page does not hold this
    ``version`` yet, and again after the page asked for it (see :func:`reported`). ``jump``
    moves the map to ``jump["date"]`` when ``jump["seq"]`` is new; ``place`` marks a
    settlement and draws its control along the time bar (the map flies to it when
    ``place["seq"]`` is new); ``focus`` zooms to the layer ``focus["layer"]`` when
    ``focus["seq"]`` is new (a layer just previewed)."""
    holds = st.session_state.get(_sent(key)) == version
    raw = _atlas_map(
        data=None if holds else data,
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
    st.session_state[_sent(key)] = version
    return MapValue.read(raw)


def reported(key: str) -> MapValue | None:
    """In the map's ``on_change`` callback: what the page reported, or None when it asked
    for the payload again (it lost it, as on a reload), which the next run then sends."""
    value = MapValue.read(st.session_state.get(key))
    if value.need is not None:
        st.session_state.pop(_sent(key), None)
        return None
    return value
