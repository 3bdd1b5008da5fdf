"""nkmap dashboard: pick a date, see who held what, and where the lines come from.

Widgets only: every answer comes from the nkmap library.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from nkmap.catalog import Atlas, load_atlas
from nkmap.errors import NkmapError
from nkmap.render import NAME_FORMS, close, draw_state
from nkmap.stats import areas_by_controller, share_text
from nkmap.text import escape_markdown, markdown_link
from nkmap.timeline import Change, change_dates, state_at

st.set_page_config(page_title="nkmap: Nagorno-Karabakh 1923-2024", layout="wide")


@st.cache_resource
def atlas() -> tuple[Atlas, list[Change]]:
    loaded = load_atlas()
    return loaded, change_dates(loaded)


def main() -> None:
    try:
        data, changes = atlas()
    except NkmapError as exc:
        st.error(f"The atlas could not be loaded: {exc}")
        return
    st.title("Territorial control in Nagorno-Karabakh, 1923-2024")
    labels = {c.date: f"{c.date:%d %b %Y}: {c.label}" for c in changes}
    default = dt.date(2020, 12, 1) if dt.date(2020, 12, 1) in labels else changes[-1].date
    day = st.select_slider(
        "Date", options=list(labels), value=default, format_func=lambda d: f"{d:%d %b %Y}"
    )
    names = st.radio(
        "Place names",
        NAME_FORMS,
        format_func={
            "both": "Both forms",
            "hy": "Armenian-derived",
            "az": "Azerbaijani",
        }.__getitem__,
        horizontal=True,
    )
    st.caption(escape_markdown(labels[day]))
    col_map, col_info = st.columns([3, 2])
    state = state_at(data, day)
    with col_map:
        fig = draw_state(data, state, names)
        st.pyplot(fig)
        close(fig)
    with col_info:
        areas = areas_by_controller(state)
        st.subheader("Area held")
        if not any(areas.values()):
            st.info("No control areas are mapped for this date; see the events and the oblast.")
        for side, km2 in areas.items():
            if km2:
                st.metric(side.replace("_", " ").capitalize(), f"{km2:,.0f} km2")
                st.caption(share_text(side, km2))
        st.subheader("Layers shown, with their sources")
        for layer_id in state.layers:
            entry = data.entry(layer_id)
            title = entry.title + (" (approximate)" if entry.approximate else "")
            with st.expander(escape_markdown(title)):
                st.text(entry.description)
                st.text(f"Method: {entry.method}")
                st.text(f"Uncertainty: about {entry.uncertainty_km:g} km")
                for note in entry.notes:
                    st.text(f"Note: {note}")
                for src in entry.sources:
                    st.markdown(
                        f"- {markdown_link(src.title, src.url)} ({escape_markdown(src.licence)})"
                    )


main()
