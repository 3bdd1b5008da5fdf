"""The interactive map as a Streamlit component.

The browser is sent the atlas's display payload once per session, in two parts: what the
opening date needs, so that the map is drawn as soon as that arrives, then (when the page asks,
once it has drawn) the rest. It then switches dates itself; each rerun sends only a few small
arguments (the date to jump to when Python changed it, the name form, a comparison). The
component reports back the date, the view and the base map the user chose, so Python can
update figures, sources and the page's address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from nkmap.webmap.payload import FRONTEND, Prepared
from nkmap.webmap.value import MapValue

_atlas_map = components.declare_component("atlas_map", path=str(FRONTEND))


def _sent(key: str) -> str:
    """Where the session remembers which payload version the page holds."""
    return f"{key}_sent"


def _head(key: str) -> str:
    """Where the session remembers the change the first part was made for."""
    return f"{key}_head_for"


def _rest(key: str) -> str:
    """Where the session remembers that the page asked for the rest ("asked") or got it."""
    return f"{key}_rest"


# What the page sends as ``need`` to ask for the rest of the payload.
NEED_REST = "rest"


def atlas_map(
    *,
    data: Prepared,
    day: dt.date,
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

    The payload of ``data`` is sent only when the page does not hold its version yet (or
    asked for it again, see :func:`reported`): first the part that ``day`` needs, then the rest
    in the run after the page asked for it. ``jump`` moves the map to ``jump["date"]`` when
    ``jump["seq"]`` is new; ``place`` marks a settlement and draws its control along the time
    bar (the map flies to it when ``place["seq"]`` is new); ``focus`` zooms to the layer
    ``focus["layer"]`` when ``focus["seq"]`` is new (a layer just previewed)."""
    first = rest = None
    if st.session_state.get(_sent(key)) != data.version:
        first, st.session_state[_head(key)] = data.first(day)
        st.session_state.pop(_rest(key), None)
    elif st.session_state.get(_rest(key)) == "asked":
        rest = data.rest(st.session_state[_head(key)])
    raw = _atlas_map(
        data=first,
        rest=rest,
        version=data.version,
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
    # Marked as sent once the element carrying it is on its way: a run stopped before (by a
    # newer report from the page, which may come while a large rest is being made) leaves
    # it to the next run.
    st.session_state[_sent(key)] = data.version
    if rest is not None:
        st.session_state[_rest(key)] = "sent"
    return MapValue.read(raw)


def reported(key: str) -> MapValue | None:
    """In the map's ``on_change`` callback: what the page reported, or None when it asked
    for the payload again (it lost it, as on a reload), which the next run then sends. A page
    that asks for the rest of the payload gets it in the next run."""
    value = MapValue.read(st.session_state.get(key))
    if value.need == NEED_REST:
        st.session_state[_rest(key)] = "asked"
        return value
    if value.need is not None:
        st.session_state.pop(_sent(key), None)
        return None
    return value
