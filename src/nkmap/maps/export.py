"""Map snapshots for articles and reports: PNG, SVG and PDF print maps, a standalone HTML atlas,
the state on a date as GeoJSON, and an animated GIF through every change.

All of it is made server-side from the data in geodata/: no browser and no network.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from shapely.geometry import mapping

from nkmap.atlas.catalog import Atlas
from nkmap.atlas.dates import iso_or_open
from nkmap.atlas.stats import areas_by_controller
from nkmap.atlas.timeline import Change, state_at, transfers
from nkmap.atlas.vocabulary import REGION_BBOX
from nkmap.errors import CatalogError, OptionError
from nkmap.maps.formats import FORMATS, PRINT_FORMATS
from nkmap.present.layout import ANIMATION, Layout
from nkmap.settings import MAX_PIXELS

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

# What only the standalone page (the dashboard's map code and payload) and the animation (its
# processes) need is imported where they are made: a print map from the command line does not
# wait for it.


def file_name(fmt: str, day: dt.date, compare: dt.date | None = None) -> str:
    """A descriptive file name for an export."""
    if fmt == "gif":
        return "nkmap-all-dates.gif"
    versus = f"-compared-with-{compare.isoformat()}" if compare is not None else ""
    return f"nkmap-{day.isoformat()}{versus}.{fmt}"


def check_layout(layout: Layout) -> None:
    """Refuse sizes that are not drawable or would exhaust memory."""
    for name, value in (("width", layout.width_px), ("height", layout.height_px)):
        if not 100 <= value <= MAX_PIXELS:
            raise OptionError(f"{name} {value} px: expected 100 to {MAX_PIXELS} px")
    if not 50 <= layout.dpi <= 600:
        raise OptionError(f"resolution {layout.dpi} dpi: expected 50 to 600 dpi")
    west, south, east, north = layout.bbox
    rw, rs, re_, rn = REGION_BBOX
    if not (rw <= west < east <= re_ and rs <= south < north <= rn):
        raise OptionError(
            f"area {west},{south},{east},{north}: expected west,south,east,north within "
            f"{rw},{rs},{re_},{rn}"
        )


def image(
    atlas: Atlas,
    day: dt.date,
    changes: Sequence[Change],
    fmt: str,
    layout: Layout | None = None,
    compare: dt.date | None = None,
) -> bytes:
    """The print map of ``day`` as PNG, SVG or PDF bytes."""
    layout = layout or Layout()
    check_layout(layout)
    changed = transfers(atlas, *sorted((day, compare))) if compare is not None else []
    from nkmap.maps.render import encode, print_layout  # only now: matplotlib is slow to load

    return encode(print_layout(atlas, day, changes, layout, compare, changed), fmt)


def snapshot(atlas: Atlas, day: dt.date) -> dict[str, Any]:
    """The state on ``day`` as one GeoJSON FeatureCollection; each feature carries its layer,
    controller, dates, sources, method and uncertainty."""
    features = []
    for row in state_at(atlas, day).features.itertuples():
        entry = atlas.entry(row.layer)
        props = {
            **row.properties,
            "layer": row.layer,
            "layer_title": entry.title,
            "controller": row.controller if isinstance(row.controller, str) else None,
            "valid_from": iso_or_open(row.valid_from),
            "valid_to": iso_or_open(row.valid_to),
            "sources": row.properties.get("sources")
            or [{"title": s.title, "url": s.url, "licence": s.licence} for s in entry.sources],
            "method": entry.method,
            "uncertainty_km": entry.uncertainty_km,
            "approximate": entry.approximate,
        }
        features.append({"type": "Feature", "properties": props, "geometry": mapping(row.geometry)})
    return {
        "type": "FeatureCollection",
        "date": day.isoformat(),
        "data_version": atlas.data_version,
        "features": features,
    }


def standalone_html(atlas: Atlas, changes: Sequence[Change], day: dt.date | None = None) -> str:
    """One HTML file holding the whole atlas, Leaflet and the map's code, with its own time
    control: it opens from disk or any static web server, offline, and steps through every
    date."""
    from nkmap.webmap.payload import FRONTEND, payload, to_json

    data = payload(atlas, changes)
    data["areas"] = {
        c.date.isoformat(): areas_by_controller(state_at(atlas, c.date)) for c in changes
    }
    page = (FRONTEND / "index.html").read_text(encoding="utf-8")

    def inline_css(match: re.Match[str]) -> str:
        return "<style>\n" + (FRONTEND / match.group(1)).read_text(encoding="utf-8") + "\n</style>"

    def inline_js(match: re.Match[str]) -> str:
        code = (FRONTEND / match.group(1)).read_text(encoding="utf-8")
        return "<script>\n" + code.replace("</script", "<\\/script") + "\n</script>"

    page = re.sub(r'<link rel="stylesheet" href="([\w/.-]+\.css)">', inline_css, page)
    opens_on = (day or dt.date.max).isoformat()
    data_tag = (
        f'<script id="nkmap-data" type="application/json" data-date="{opens_on}">'
        f"{to_json(data)}</script>\n"
    )
    page = page.replace(
        '<script src="map.js"></script>', data_tag + '<script src="map.js"></script>'
    )
    page = re.sub(r'<script src="([\w/.-]+\.js)"></script>', inline_js, page)
    title = '<header id="pagetitle">Territorial control in Nagorno-Karabakh, 1923-2024</header>'
    return page.replace('<div id="app">', '<div id="app">\n  ' + title, 1)


def export(
    atlas: Atlas,
    changes: Sequence[Change],
    day: dt.date,
    fmt: str,
    layout: Layout | None = None,
    compare: dt.date | None = None,
) -> bytes:
    """The map of ``day`` in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt in PRINT_FORMATS:
        return image(atlas, day, changes, fmt, layout, compare)
    if fmt == "html":
        return standalone_html(atlas, changes, day).encode("utf-8")
    if fmt == "geojson":
        return (json.dumps(snapshot(atlas, day), ensure_ascii=False) + "\n").encode("utf-8")
    raise OptionError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")


# What a process drawing frames holds: set once when it starts, then read for every frame.
_FRAMES: dict[str, Any] = {}


# Blocks of image memory that PIL keeps once freed, in a process that only draws frames: each
# frame's images (the canvas's pixels, their RGB copy, the palette image: a few megabytes
# each) then reuse the last one's memory, where PIL keeps none by default and each frame's
# pages were mapped afresh. Not in the process that asked for the animation (the command
# line's, the dashboard's): kept there, the blocks raised its peak memory by 110 MiB.
IMAGE_BLOCKS = 4


def _start_frames(atlas: Atlas, changes: Sequence[Change], layout: Layout) -> None:
    _FRAMES.update(atlas=atlas, changes=list(changes), layout=layout)


def _start_frame_process(atlas: Atlas, changes: Sequence[Change], layout: Layout) -> None:
    """Where a spawned process starts: it only draws frames."""
    _keep_image_blocks()
    _start_frames(atlas, changes, layout)


def _keep_image_blocks() -> None:
    """PIL keeps :data:`IMAGE_BLOCKS` freed blocks (Pillow's block allocator, which
    PILLOW_BLOCKS_MAX sets), or the more it was set to keep."""
    from PIL import Image

    core: Any = Image.core  # type: ignore[attr-defined]
    core.set_blocks_max(max(core.get_blocks_max(), IMAGE_BLOCKS))


def _frame(index: int) -> Any:
    """Frame ``index`` of the animation, as a palette image: drawn on the page of the frames
    this process drew before, then read from the canvas (no PNG is encoded and decoded on the
    way)."""
    from PIL import Image

    from nkmap.maps.render import Sheet, pixels, print_layout

    atlas, changes, layout = _FRAMES["atlas"], _FRAMES["changes"], _FRAMES["layout"]
    if "sheet" not in _FRAMES:
        _FRAMES["sheet"] = Sheet(layout)
    rgb = pixels(print_layout(atlas, changes[index].date, changes, sheet=_FRAMES["sheet"]))
    return rgb.quantize(colors=128, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


def frame_workers(requested: int | None = None) -> int:
    """How many processes draw frames: the cores this process may use (at most 8)."""
    if requested is not None:
        return max(1, requested)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def frame_processes() -> BaseContext:
    """How the processes that draw frames start: forked from this one where that is safe (on
    Linux, from a process running no other thread, as the command line), so that they start
    with its libraries loaded, its atlas and the text it has drawn; else spawned, as from the
    dashboard, whose other threads may hold locks that a fork would copy held."""
    import multiprocessing

    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def animation(
    atlas: Atlas,
    changes: Sequence[Change],
    layout: Layout | None = None,
    frame_ms: int = 1200,
    progress: Callable[[int, int, dt.date], None] | None = None,
    workers: int | None = None,
) -> bytes:
    """An animated GIF with one frame per change date, each showing its date. The frames are
    drawn by ``workers`` processes (by default one per core); with one, in this process."""
    layout = layout or ANIMATION
    check_layout(layout)
    if not changes:
        raise CatalogError("the atlas has no dated layers to animate")
    changes = list(changes)
    count = frame_workers(workers)
    frames: list[Any] = [None] * len(changes)
    done = 0

    def finished(i: int, frame: Any) -> None:
        nonlocal done
        frames[i] = frame
        done += 1
        if progress is not None:
            progress(done, len(changes), changes[i].date)

    context = frame_processes()
    forked = count > 1 and context.get_start_method() == "fork"
    here = count == 1 or forked  # this process draws frames: all of them, or the first
    if here:
        _start_frames(atlas, changes, layout)
    try:
        # Forked, the processes start from this one's state: it draws the first frame before,
        # so that they start with its page and the text it has drawn.
        for i in range(len(changes) if count == 1 else 1 if forked else 0):
            finished(i, _frame(i))
        if count > 1:
            from concurrent.futures import ProcessPoolExecutor, as_completed

            if forked:  # each starts with this one's atlas and page, and only draws frames
                pool = ProcessPoolExecutor(
                    count, mp_context=context, initializer=_keep_image_blocks
                )
            else:  # spawned: each process gets the atlas once, then draws what it is handed
                pool = ProcessPoolExecutor(
                    count,
                    mp_context=context,
                    initializer=_start_frame_process,
                    initargs=(atlas, changes, layout),
                )
            with pool:
                pending = {
                    pool.submit(_frame, i): i for i in range(len(changes)) if frames[i] is None
                }
                for future in as_completed(pending):
                    finished(pending[future], future.result())
    finally:
        if here:
            _FRAMES.clear()
    out = io.BytesIO()
    frames[0].save(
        out, format="GIF", save_all=True, append_images=frames[1:], duration=frame_ms, loop=0
    )
    return out.getvalue()
