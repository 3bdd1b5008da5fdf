"""nkmap dashboard: step through who held what in Nagorno-Karabakh, compare two dates, and see
the sources behind every line.

Widgets only: every answer comes from the nkmap library. The map steps through dates in the
browser; Python updates the figures, changes, events and sources for the date it reports.
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import streamlit as st

from nkmap.atlas.catalog import Atlas
from nkmap.atlas.gazetteer import Gazetteer, Settlement, load_gazetteer
from nkmap.atlas.stats import AZERBAIJAN_AREA_KM2
from nkmap.atlas.timeline import Transfer, mapped_on, state_at, transfers
from nkmap.atlas.vocabulary import REGION_BBOX, REGION_NAME
from nkmap.errors import NkmapError, ValidationError
from nkmap.maps.export import export, file_name
from nkmap.maps.formats import DESCRIPTIONS, FORMATS, MEDIA_TYPES
from nkmap.present.basemaps import sources_markdown
from nkmap.present.layout import Layout
from nkmap.present.style import NAME_FORM_LABELS, NAME_FORMS, SHORT_LABELS
from nkmap.present.text import escape_markdown, markdown_link
from nkmap.settings import MAX_FILE_BYTES, default_geodata, saving_allowed
from nkmap.web.component import atlas_map, reported
from nkmap.web.view import (
    Figures,
    View,
    all_sources,
    events_until,
    figures,
    history_rows,
    parse_view,
    place_payload,
    previous_change,
    view_params,
    with_map_value,
)
from nkmap.webmap.payload import Prepared, forget, prepare, prepared, transfers_payload

if TYPE_CHECKING:
    from nkmap.layers.store import Checked


LOG = logging.getLogger("nkmap.web")

# Drawing exports (matplotlib) and reading uploads (GDAL, SQLite) are imported where they are
# used, so that opening the dashboard does not wait for them.


MAP_HEIGHT = 640  # before the page's style sizes the map to the window
# Map first: the map and its time bar fill the window under a one-line title, on a laptop and a
# phone alike, so the time bar never needs scrolling to. The numbers are the title's and
# Streamlit's header's heights; the map's frame keeps a floor for very short windows.
PAGE_STYLE = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.9rem; padding-bottom: 2rem; }
[data-testid="stMain"] h1 { font-size: 1.3rem; line-height: 1.3; padding: 0; margin: 0; }
iframe[src*="atlas_map"] { height: max(340px, calc(100dvh - 7.1rem)) !important; }
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-left: .6rem; padding-right: .6rem; }
  [data-testid="stMain"] h1 { font-size: 1rem; }
  iframe[src*="atlas_map"] { height: max(340px, calc(100dvh - 6.9rem)) !important; }
}
</style>"""
TABS = (
    "Events so far",
    "Layers on the map and their sources",
    "All sources and attribution",
    "Add a layer",
)
NO_COMPARISON = "none"  # a selectbox shows None as "nothing chosen", so it gets a name


@st.cache_resource(show_spinner="Loading the atlas…")
def load(root: str) -> Prepared:
    # Shared with `python -m nkmap.web.serve`, which starts preparing it as the server starts.
    return prepared(root)


@st.cache_resource(show_spinner=False)
def _gazetteer(root: str) -> Gazetteer | None:
    try:
        return load_gazetteer(root)
    except NkmapError:
        return None  # an atlas without a gazetteer: no place search


def gazetteer() -> Gazetteer | None:
    return _gazetteer(str(default_geodata()))


def loaded() -> Prepared:
    """This session's atlas: the one in $NKMAP_GEODATA or the repository's geodata/ (loaded
    once per process), plus a layer being previewed in this session."""
    own: Prepared | None = st.session_state.get("session_atlas")
    return own if own is not None else load(str(default_geodata()))


@st.cache_resource(show_spinner=False, max_entries=1000)
def _changed(key: str, first: dt.date, second: dt.date, _atlas: Atlas) -> list[Transfer]:
    return transfers(_atlas, first, second)


def changed_between(first: dt.date, second: dt.date) -> list[Transfer]:
    data = loaded()
    return _changed(data.version, first, second, data.atlas)


@st.cache_resource(show_spinner=False, max_entries=1000)
def _changed_display(
    key: str, first: dt.date, second: dt.date, _atlas: Atlas
) -> list[dict[str, Any]]:
    return transfers_payload(_changed(key, first, second, _atlas))


def changed_display(first: dt.date, second: dt.date) -> list[dict[str, Any]]:
    data = loaded()
    return _changed_display(data.version, first, second, data.atlas)


@st.cache_resource(show_spinner=False, max_entries=5000)
def _figures(key: str, day: dt.date, _atlas: Atlas) -> Figures:
    return figures(_atlas, day)


def figures_on(day: dt.date) -> Figures:
    """The areas held on ``day``, measured once per atlas and date."""
    data = loaded()
    return _figures(data.version, day, data.atlas)


def view() -> View:
    value: View = st.session_state["view"]
    return value


def set_view(new: View) -> None:
    st.session_state["view"] = new


def on_map() -> None:
    value = reported("map")
    if value is not None:
        set_view(with_map_value(view(), value, loaded().changes))


def dismiss_notes() -> None:
    st.session_state["notes"] = ()


def on_goto() -> None:
    set_view(replace(view(), date=st.session_state["goto"]))
    st.session_state["jump"] = st.session_state.get("jump", 0) + 1


def on_compare() -> None:
    picked = st.session_state["compare_pick"]
    set_view(replace(view(), compare=None if picked == NO_COMPARISON else picked))


def on_names() -> None:
    set_view(replace(view(), names=st.session_state["names"]))


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def km2(value: float) -> str:
    return f"{value:,.0f} km²"


def transfer_lines(found: list[Transfer]) -> str:
    return "\n".join(
        f"- {SHORT_LABELS[t.before]} → {SHORT_LABELS[t.after]}: **{km2(t.area_km2)}**"
        for t in found
    )


def sidebar(data: Prepared, controls: bool = True) -> None:
    """The sidebar: what the atlas is, then (unless ``controls`` is false, as on the page's
    opening) the date, comparison, name form, place search and exports."""
    with st.sidebar:
        st.header("nkmap")
        st.caption(
            "Who held what in Nagorno-Karabakh, 1923-2024. Step through the changes with the "
            "time bar under the map (or the arrow keys); click any area, line or place for "
            "its sources."
        )
        st.caption(
            f"Data version {escape_markdown(data.atlas.data_version)}: what changed in each "
            "release is in geodata/CHANGES.md; to cite the atlas, see CITATION.cff."
        )
        if controls:
            sidebar_controls(data)


def sidebar_controls(data: Prepared) -> None:
    days = [c.date for c in data.changes]
    st.session_state["goto"] = view().date
    st.selectbox(
        "Go to a change",
        days,
        key="goto",
        on_change=on_goto,
        format_func=lambda d: f"{long_date(d)}: {data.labels[d]}",
    )
    compare = view().compare
    st.session_state["compare_pick"] = NO_COMPARISON if compare is None else compare
    st.selectbox(
        "Compare with",
        [NO_COMPARISON, *days],
        key="compare_pick",
        on_change=on_compare,
        format_func=lambda d: "No comparison" if d == NO_COMPARISON else long_date(d),
        help="Swipe between the two dates on the map; the land that changed hands is "
        "outlined and measured.",
    )
    st.session_state["names"] = view().names
    st.radio(
        "Place names",
        NAME_FORMS,
        key="names",
        on_change=on_names,
        format_func=NAME_FORM_LABELS.__getitem__,
    )
    place_search()
    st.caption(
        "The page's address keeps the date, the comparison and the view: copy it to share this map."
    )
    export_panel(data)


def place_search() -> None:
    """Find a settlement by either community's name, forgiving of spelling; the map shows it
    and its control along the time bar, the panel its dated history with sources."""
    gaz = gazetteer()
    if gaz is None:
        return
    query = st.text_input(
        "Find a place",
        key="place_query",
        placeholder="Martakert, Aghdara, Agdere…",
        help=f"{len(gaz)} settlements and heights, by either community's name; the spelling "
        "need not be exact.",
    ).strip()
    chosen: str | None = None
    if query:
        found = gaz.find(query)
        if not found:
            st.caption(f"No settlement named “{escape_markdown(query)}” in the gazetteer.")
        elif len(found) == 1:
            chosen = found[0].id
        else:
            chosen = st.selectbox(
                "Which one?",
                [s.id for s in found],
                key="place_pick",
                format_func=lambda i: f"{gaz.get(i).label} ({gaz.get(i).district_az})",
            )
    if chosen != st.session_state.get("place"):
        st.session_state["place"] = chosen
        st.session_state["place_seq"] = st.session_state.get("place_seq", 0) + 1


def previewed() -> dict[str, Any] | None:
    """The layer being previewed in this session, for the map to zoom to it once."""
    checked = st.session_state.get("preview")
    if checked is None or st.session_state.get("session_atlas") is None:
        return None
    return {"layer": checked.entry.id, "seq": st.session_state.get("preview_seq", 0)}


def chosen_place() -> Settlement | None:
    gaz = gazetteer()
    key = st.session_state.get("place")
    return gaz.by_id.get(key) if gaz is not None and key else None


def place_panel(place: Settlement, day: dt.date) -> None:
    gaz = gazetteer()
    if gaz is None:
        return
    st.subheader(escape_markdown(place.label))
    held = place.controller_on(day)
    when = long_date(day)
    held_text = SHORT_LABELS[held] if held else "control not mapped"
    st.markdown(f"On {when}: **{escape_markdown(held_text)}**")
    names = ", ".join(escape_markdown(n) for n in place.names)
    coord = gaz.sources[place.coord_source]
    st.caption(
        f"{escape_markdown(place.kind)} · {escape_markdown(place.district_az)} · also {names} · "
        f"{place.lat:.4f} N, {place.lon:.4f} E from {markdown_link(coord.title, coord.url)}"
    )
    lines = []
    for row in history_rows(gaz, place):
        approx = "" if row.precision == "day" else f" ({escape_markdown(row.precision)} date)"
        links = "; ".join(markdown_link(s.title, s.url) for s in row.sources)
        lines.append(
            f"- **{long_date(row.date)}**{approx}: {escape_markdown(row.held_by)}. "
            f"{escape_markdown(row.note)} Sources: {links}"
        )
    st.markdown("\n".join(lines))
    if place.disagreement:
        st.warning(f"Sources disagree: {escape_markdown(place.disagreement)}")


@dataclass
class GifJob:
    """An animation being drawn in the background, so that the page stays usable meanwhile."""

    future: Future[bytes] | None = None
    done: int = 0
    total: int = 0
    day: dt.date | None = None

    def progress(self, done: int, total: int, day: dt.date) -> None:
        self.done, self.total, self.day = done, total, day


@st.cache_resource(show_spinner=False)
def gif_worker() -> ThreadPoolExecutor:
    # One animation at a time per server: each takes a core for a minute or so.
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="nkmap-gif")


def start_gif(data: Prepared) -> None:
    from nkmap.maps.export import animation  # looked up when used: a test may stand in for it

    job = GifJob()
    # One process: a server's other visitors keep the other cores.
    job.future = gif_worker().submit(
        animation, data.atlas, data.changes, progress=job.progress, workers=1
    )
    st.session_state["gif_job"] = job


def gif_finished() -> bool:
    """Collect a finished animation for download; say so if it failed."""
    job: GifJob | None = st.session_state.get("gif_job")
    if job is None or job.future is None or not job.future.done():
        return False
    del st.session_state["gif_job"]
    try:
        st.session_state["export"] = (("gif",), job.future.result())
    except NkmapError as exc:
        st.session_state["gif_error"] = str(exc)
    return True


@st.fragment(run_every=1.0)
def gif_progress() -> None:
    """Progress of the animation, refreshed every second without rerunning the page."""
    if gif_finished():
        st.rerun(scope="app")
    job: GifJob | None = st.session_state.get("gif_job")
    if job is None:
        return
    if job.total:
        text = f"Frame {job.done} of {job.total}: {long_date(job.day or dt.date.min)}"
    else:
        text = "Drawing the frames…"
    st.progress(job.done / job.total if job.total else 0.0, text=text)
    st.caption("The map stays usable while the frames are drawn.")


def export_panel(data: Prepared) -> None:
    """Make a file of the current map on request, with feedback while it is made, then offer
    it for download (until the map changes). The animation is drawn in the background."""
    current = view()
    st.subheader("Export this map")
    fmt = st.selectbox(
        "Format", [*FORMATS, "gif"], format_func=DESCRIPTIONS.__getitem__, key="export_format"
    )
    # The animation covers every date, so it does not depend on the view.
    wanted = (
        ("gif",)
        if fmt == "gif"
        else (fmt, current.date, current.compare, current.names, current.bounds)
    )
    gif_finished()
    busy = "gif_job" in st.session_state
    if st.button("Make the file", key="export_make", disabled=busy and fmt == "gif"):
        layout = Layout(names=current.names, bbox=current.bounds or REGION_BBOX)
        if fmt == "gif":
            st.session_state.pop("gif_error", None)
            start_gif(data)
            busy = True
        else:
            with st.spinner(f"Making the {fmt.upper()} file…"):
                made = export(data.atlas, data.changes, current.date, fmt, layout, current.compare)
            st.session_state["export"] = (wanted, made)
    if busy:
        gif_progress()
    if fmt == "gif" and "gif_error" in st.session_state:
        st.error(f"The animation failed: {escape_markdown(st.session_state['gif_error'])}")
    ready = st.session_state.get("export")
    if ready and ready[0] == wanted:
        st.download_button(
            f"Download {file_name(fmt, current.date, current.compare)}",
            ready[1],
            file_name=file_name(fmt, current.date, current.compare),
            mime=MEDIA_TYPES[fmt],
            key="export_download",
            on_click="ignore",
        )
    elif fmt in ("png", "svg", "pdf"):
        shown = "the area on screen" if current.bounds else "the whole region"
        st.caption(
            f"A print map of {shown}: title, legend, scale, areas held, sources. Works offline; "
            "online base maps are not printed."
        )


def date_heading(data: Prepared, day: dt.date) -> None:
    st.subheader(long_date(day))
    st.caption(escape_markdown(data.labels.get(day, "")))


def figures_panel(data: Prepared, day: dt.date) -> None:
    fig = figures_on(day)
    date_heading(data, day)
    if not fig.mapped:
        first = next((c.date for c in data.changes if mapped_on(data.atlas, c.date)), None)
        since = f" Control is mapped from {long_date(first)}." if first else ""
        st.info(f"No control is mapped on this date.{since} The map shows the oblast and events.")
        return
    st.markdown("**Area held**")
    for side, held in fig.held.items():
        if not held:
            continue
        st.metric(SHORT_LABELS[side], km2(held))
        inside = fig.in_oblast[side]
        parts = [
            f"{fig.region_share(side):.0%} of the mapped region",
            f"{km2(inside)} inside the former oblast ({fig.oblast_share(side):.0%} of it)",
        ]
        if side != "azerbaijani":
            parts.append(
                f"{fig.azerbaijan_share(side):.1%} of Azerbaijan's {AZERBAIJAN_AREA_KM2:,.0f} km²"
            )
        st.caption("; ".join(parts))
    st.caption(
        f"Measured over {REGION_NAME}: {km2(fig.region_km2)}. Azerbaijan beyond it is not "
        "filled on the map."
    )
    before = previous_change(data.changes, day)
    if before is not None:
        st.markdown(f"**Since the previous step ({long_date(before.date)})**")
        moved = changed_between(before.date, day)
        if moved:
            st.markdown(transfer_lines(moved))
        else:
            st.caption("No land changed hands at the atlas's precision on this step.")


def compare_panel(data: Prepared, day: dt.date, other: dt.date) -> None:
    first, second = sorted((day, other))
    st.markdown(f"**Between {long_date(first)} and {long_date(second)}**")
    moved = changed_between(first, second)
    if first == second:
        st.caption("Pick a different date to compare.")
    elif moved:
        st.markdown(transfer_lines(moved))
        st.caption(f"In all {km2(sum(t.area_km2 for t in moved))} changed hands.")
    else:
        st.caption("No land changed hands between these dates at the atlas's precision.")
    a, b = figures_on(first), figures_on(second)
    rows = [
        {
            "Side": SHORT_LABELS[s],
            long_date(first): km2(a.held[s]),
            long_date(second): km2(b.held[s]),
        }
        for s in a.held
        if a.held[s] or b.held[s]
    ]
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")


def tabs(data: Prepared, day: dt.date) -> None:
    # Only the open tab is drawn, so a step sends only what the reader is looking at.
    events, layers, sources, add = st.tabs(list(TABS), key="panel", on_change="rerun")
    if events.open:
        with events:
            events_tab(data, day)
    if layers.open:
        with layers:
            layers_tab(data, day)
    if sources.open:
        with sources:
            sources_tab(data)
    if add.open:
        with add:
            add_tab()


def events_tab(data: Prepared, day: dt.date) -> None:
    events = events_until(data.atlas, day)
    if not events:
        st.caption("No events in the atlas before this date.")
        return
    with st.container(height=420):
        for event in events:
            lines = [
                f"**{escape_markdown(long_date(event.date))}: {escape_markdown(event.title)}**",
                escape_markdown(event.description),
                f"*{escape_markdown(event.place)}*",
            ]
            if event.note:
                lines.append(f":small[Sources disagree: {escape_markdown(event.note)}]")
            links = "; ".join(markdown_link(s.title, s.url) for s in event.sources)
            if links:
                lines.append(f":small[Sources: {links}]")
            st.markdown("  \n".join(lines))


def layers_tab(data: Prepared, day: dt.date) -> None:
    for layer_id in state_at(data.atlas, day).layers:
        entry = data.atlas.entry(layer_id)
        title = entry.title + (" (approximate)" if entry.approximate else "")
        with st.expander(escape_markdown(title)):
            st.markdown(escape_markdown(entry.description))
            st.markdown(f"**Method:** {escape_markdown(entry.method)}")
            st.markdown(f"**Uncertainty:** about {entry.uncertainty_km:g} km")
            for note in entry.notes:
                st.markdown(f"**Note:** {escape_markdown(note)}")
            for src in entry.sources:
                st.markdown(
                    f"- {markdown_link(src.title, src.url)} ({escape_markdown(src.licence)})"
                )


def sources_tab(data: Prepared) -> None:
    st.markdown(sources_markdown())
    st.markdown(
        "\n".join(
            f"- {markdown_link(src.title, src.url)} ({escape_markdown(src.licence)}); "
            f"used by: {escape_markdown(', '.join(users))}"
            for src, users in all_sources(data.atlas)
        )
    )


def meta_inputs() -> tuple[dict[str, Any], dict[str, str], str]:
    """The form's inputs for a layer's metadata, one for each field of LAYER_META (the same
    fields the command line's options are made from). Returns what was entered: the fields
    but the sources, the first source's parts, and the further sources' lines (read once the
    form is sent, so that a wrong line is reported with the rest)."""
    from nkmap.layers.meta import LAYER_META, SOURCE_PARTS

    given: dict[str, Any] = {}
    first: dict[str, str] = {}
    more = ""
    columns = st.columns(2)
    short = [f for f in LAYER_META if f.type not in ("sources", "lines")]
    for n, field in enumerate(short):
        col, key = columns[n % 2], f"add_{field.key}"
        if field.type == "choice":
            given[field.key] = col.selectbox(
                field.label,
                field.choices,
                index=field.choices.index(field.default),
                help=field.help,
                key=key,
            )
        elif field.type == "number":
            low, high = field.bounds
            given[field.key] = col.number_input(
                field.label, low, high, field.default, help=field.help, key=key
            )
        elif field.type == "flag":
            given[field.key] = col.checkbox(
                field.label, value=field.default, help=field.help, key=key
            )
        else:
            given[field.key] = col.text_input(
                field.label, placeholder=field.placeholder, help=field.help or None, key=key
            )
    for field in LAYER_META:
        if field.type == "sources":
            parts = st.columns(len(SOURCE_PARTS))
            first = {
                name: parts[i].text_input(
                    label, placeholder=hint, help=text, key=f"add_source_{name}"
                )
                for i, (name, _, label, hint, text) in enumerate(SOURCE_PARTS)
            }
            more = st.text_area(
                "More sources, one a line",
                placeholder="title | https://address | licence",
                key="add_more_sources",
            )
        elif field.type == "lines":
            text = st.text_area(field.label, help=field.help, key=f"add_{field.key}")
            given[field.key] = [line.strip() for line in text.splitlines() if line.strip()]
    return given, first, more


def add_tab() -> None:
    """Check an uploaded layer and preview it on the map; save it only where the operator
    allows it."""
    from nkmap.layers.meta import (
        form_defaults,
        metadata,
        one_source,
        sidecar_metadata,
        source_lines,
    )
    from nkmap.layers.store import save

    saving = saving_allowed()
    st.markdown(
        "Upload a layer (GeoJSON, GeoPackage, zipped Shapefile or KML, up to "
        f"{MAX_FILE_BYTES // 2**20} MB) with its dates and sources. It is checked and shown "
        "on the map in your session only"
        + (", and can then be saved to the atlas." if saving else "; saving is off on this server.")
        + " The guide *Adding a layer* (docs/adding-a-layer.md) walks through an example."
    )
    with st.form("add_layer"):
        upload = st.file_uploader(
            "Layer file", type=["geojson", "json", "gpkg", "zip", "kml"], key="add_file"
        )
        meta_file = st.file_uploader(
            "Metadata file (optional)",
            type=["json"],
            key="add_meta",
            help="The layer's NAME.meta.json, as `nkmap add` reads beside the file: it fills "
            "the form; the fields you fill in below take precedence.",
        )
        given, first, more = meta_inputs()
        submitted = st.form_submit_button("Check and preview", key="add_check")
    if submitted:
        try:
            given["sources"] = one_source(first) + source_lines(more)
            sidecar = None
            if meta_file is not None:
                sidecar = sidecar_metadata(meta_file.getvalue(), meta_file.name)
        except NkmapError as exc:
            st.error(f"Nothing was added: {escape_markdown(str(exc))}")
        else:
            preview_upload(upload, metadata(given, sidecar, form_defaults()))
    checked: Checked | None = st.session_state.get("preview")
    if checked is None:
        return
    entry = checked.entry
    st.success(
        f"Previewing {escape_markdown(entry.title)} ({len(checked.features)} features) from "
        f"{long_date(entry.valid_from or dt.date.min)}: not saved."
    )
    for note in checked.notes:
        st.caption(escape_markdown(note))
    keep, drop = st.columns(2)
    if saving and keep.button("Save to the atlas", type="primary", key="add_save"):
        base = load(str(default_geodata())).atlas
        try:
            path = save(base.root, checked)
        except NkmapError as exc:
            st.error(escape_markdown(str(exc)))
        else:
            load.clear()
            forget(base.root)
            st.session_state.pop("preview", None)
            st.session_state.pop("session_atlas", None)
            st.success(f"Saved to {escape_markdown(str(path))}.")
    if drop.button("Remove the preview", key="add_drop"):
        st.session_state.pop("preview", None)
        st.session_state.pop("session_atlas", None)
        st.rerun()


def preview_upload(upload: Any, meta: dict[str, Any]) -> None:
    from nkmap.layers.add import check_layer
    from nkmap.layers.store import preview

    if upload is None:
        st.error("Choose a file to upload.")
        return
    base = load(str(default_geodata())).atlas
    try:
        checked = check_layer(base, upload.getvalue(), upload.name, meta)
    except ValidationError as exc:
        st.error(f"{len(exc.problems)} problem(s); nothing was added:")
        st.markdown("\n".join(f"- {escape_markdown(str(p))}" for p in exc.problems))
        return
    except NkmapError as exc:
        st.error(f"Nothing was added: {escape_markdown(str(exc))}")
        return
    except Exception as exc:
        # A failure no check foresaw: the server's log gets the traceback; the visitor gets
        # the file's name and the kind of failure, never the server's paths.
        LOG.exception("reading the upload %r failed", upload.name)
        st.error(
            f"Nothing was added: {escape_markdown(upload.name)} could not be read "
            f"({escape_markdown(type(exc).__name__)})."
        )
        return
    st.session_state["preview"] = checked
    st.session_state["preview_seq"] = st.session_state.get("preview_seq", 0) + 1
    st.session_state["session_atlas"] = prepare(preview(base, checked))
    if checked.entry.valid_from is not None:
        set_view(replace(view(), date=checked.entry.valid_from))
        st.session_state["jump"] = st.session_state.get("jump", 0) + 1
    st.rerun()


def main() -> None:
    st.set_page_config(page_title="nkmap: Nagorno-Karabakh 1923-2024", layout="wide")
    try:
        data = loaded()
    except NkmapError as exc:
        st.error(f"The atlas could not be loaded: {escape_markdown(str(exc))}")
        return
    if not data.changes:
        st.warning("The atlas has no dated layers yet: add one with `nkmap add`.")
    # The map first: the run that opens the page sends the map, the title and the sidebar's
    # heading, and nothing else, so that the browser loads and draws the map undisturbed. The
    # map reports once it has drawn (asking for the rest of its data), and the run that report
    # starts draws the controls, the figures and the tabs.
    opening = "view" not in st.session_state
    if opening:
        first = parse_view(st.query_params.to_dict(), data.changes)
        set_view(first)
        st.session_state["notes"] = first.notes
    st.html(PAGE_STYLE)
    sidebar(data, controls=not opening)
    st.title("Territorial control in Nagorno-Karabakh, 1923-2024", anchor=False)
    notes = st.container()
    pending = st.session_state.get("notes", ())
    if pending:  # notes about the page's address stay until the reader dismisses them
        for note in pending:
            notes.warning(escape_markdown(note))
        notes.button("Dismiss", key="dismiss_notes", on_click=dismiss_notes)
    current = view()
    col_map, col_info = st.columns([7, 3], gap="small")
    with col_map:
        compare = None
        if current.compare is not None:
            early, late = sorted((current.date, current.compare))
            compare = {
                "date": current.compare.isoformat(),
                "for_date": current.date.isoformat(),
                "transfers": changed_display(early, late),
            }
        place = chosen_place()
        atlas_map(
            data=data,
            day=current.date,
            place=None
            if place is None
            else place_payload(place, data.changes, st.session_state.get("place_seq", 0)),
            focus=previewed(),
            names=current.names,
            jump={"date": current.date.isoformat(), "seq": st.session_state.get("jump", 0)},
            compare=compare,
            view=list(current.centre) if current.centre else None,
            base=current.base,
            height=MAP_HEIGHT,
            key="map",
            on_change=on_map,
        )
    with col_info:
        if opening:
            date_heading(data, current.date)
            st.caption("The figures follow as soon as the map is drawn…")
        else:
            if place is not None:
                place_panel(place, current.date)
            figures_panel(data, current.date)
            if current.compare is not None:
                compare_panel(data, current.date, current.compare)
    if not opening:
        tabs(data, current.date)
    wanted = view_params(current)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


if __name__ == "__main__":  # run by `streamlit run` (nkmap.web.serve); app.py calls main()
    main()
