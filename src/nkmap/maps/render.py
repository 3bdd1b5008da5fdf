"""Static maps drawn server-side with matplotlib from the offline base map: no browser, no
network, the same picture every time.

:func:`print_layout` makes the print map: a title with the date, the map with towns and the
names of the countries, a scale bar, a north arrow and a locator of the South Caucasus, a
legend in the dashboard's colours, the area held by each side, an uncertainty note where the
lines are approximate, and the sources and attribution.

Labels never overlap: :func:`place_labels` sets them one by one in order of importance, each
where its measured box is clear of those already set, or not at all.

Text from layers is drawn literally: math parsing is off, and SVG text is written as escaped
XML text (see :data:`RC`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import pathlib
import re
import textwrap
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import matplotlib
import numpy as np
import shapely
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Patch, Rectangle
from matplotlib.path import Path
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox
from matplotlib.typing import LineStyleType, RcKeyType
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from nkmap.atlas import cache
from nkmap.atlas.catalog import Atlas
from nkmap.atlas.geometry import shared_borders
from nkmap.atlas.stats import areas_by_controller, region_km2
from nkmap.atlas.timeline import Change, State, Timeline, Transfer, state_at
from nkmap.atlas.vocabulary import BASE_MAP, REGION_BBOX, REGION_NAME
from nkmap.maps import canvas
from nkmap.maps.canvas import KeepingCanvas, Kept, new_figure
from nkmap.present.basemaps import print_attribution
from nkmap.present.layout import Layout
from nkmap.present.style import (
    BASE_COLOURS,
    BORDER,
    BORDER_LABEL,
    COLOURS,
    LABELS,
    LINE_LABELS,
    LINES,
    NAME_KEYS,
    OPACITY,
    OTHER_COLOUR,
    SHORT_LABELS,
)

if TYPE_CHECKING:
    from geopandas import GeoDataFrame

T = TypeVar("T")

# Drawn text is never parsed as math; SVG keeps text as text (searchable, escaped by the
# writer), its ids made from their content alone (else from a random salt, and no two files
# of the same map would be the same); PDF embeds TrueType fonts.
RC: dict[RcKeyType, Any] = {
    "text.parse_math": False,
    "svg.fonttype": "none",
    "svg.hashsalt": "nkmap",
    "pdf.fonttype": 42,
    "hatch.linewidth": 0.8,
}
SEA = BASE_COLOURS["sea"]
LAND = BASE_COLOURS["land"]
FILL_ALPHA = OPACITY["fill"]
HATCHES = {"russian_peacekeepers": "////", "unmapped": "...", "changed": "\\\\\\\\"}
# Labels: town names in small type on a white box; country names larger, in spaced capitals,
# in a grey that stays behind the towns.
PLACE_FONT = 5.5
PLACE_PAD = 0.1  # the white box's margin, in font sizes
COUNTRY_FONT = 7.5
COUNTRY_COLOUR = "#6e6e6e"
THIN_SPACE = "\u2009"
LABEL_GAP = 1.2  # points kept clear between a label and anything it must not cover
DOT_SIZE = 2.2  # a town's dot, points across
LABEL_OFFSET = 1.9  # points between a town's dot (or the widest mark on it) and its label
# Where a town's label may go, in order of preference: its direction from the dot (times the
# offset: the radius of the marks on the place plus LABEL_OFFSET) and its alignment there.
# Beside the dot, as maps set names, then on the diagonals, then above and below.
Spot = tuple[float, float, Literal["left", "center", "right"], Literal["bottom", "center", "top"]]
SPOTS: tuple[Spot, ...] = (
    (1.0, 0.0, "left", "center"),
    (0.72, 0.52, "left", "bottom"),
    (0.72, -0.52, "left", "top"),
    (-1.0, 0.0, "right", "center"),
    (-0.72, 0.52, "right", "bottom"),
    (-0.72, -0.52, "right", "top"),
    (0.0, 0.8, "center", "bottom"),
    (0.0, -0.8, "center", "top"),
)
Box = tuple[float, float, float, float]  # left, bottom, right, top, in display pixels
# Labels carry a gid (the id of their element in SVG): LABEL_GID-<place id> for towns,
# COUNTRY_GID-<n> for countries.
LABEL_GID = "nk-label"
COUNTRY_GID = "nk-country"
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
LABEL_BOXES = 16384  # towns' labels kept measured, by text, font and resolution
_LABEL_BOXES = Kept(LABEL_BOXES, on_disk="label boxes")


def _dashes(kind: str) -> tuple[str, float, LineStyleType]:
    colour, width, dash = BORDER if kind == "border" else LINES[kind]
    style: LineStyleType = "solid"
    if dash:
        style = (0.0, tuple(float(x) / max(width, 1.0) for x in dash.split()))
    return colour, width * 0.75, style  # CSS px to points


def draw_map(
    ax: Axes,
    atlas: Atlas,
    state: State,
    names: str = "both",
    bbox: tuple[float, float, float, float] = REGION_BBOX,
    changed: Sequence[Transfer] = (),
    previous: dt.date | None = None,
    keep_clear: Sequence[Artist] = (),
) -> set[str]:
    """Draw the map of ``state`` into ``ax``; return the legend keys drawn (as the dashboard's
    legend names them: ``control:<side>``, ``unmapped``, line kinds, ``events``,
    ``changed``; and ``border``, which only the print legend shows).

    Labels keep clear of the artists in ``keep_clear`` (a scale bar, an inset over the map):
    they are measured where they stand, so draw them before."""
    drawn: set[str] = set()
    _frame(ax, bbox)  # first: labels are measured in the frame's final coordinates
    ax.set_facecolor(SEA)
    countries = state.showing("countries")
    _fill(ax, countries.geometry, facecolor=LAND, edgecolor="#8a8a8a", linewidth=0.5)
    _lines(ax, state.showing("rayons").geometry, color=BASE_COLOURS["rayon"], linewidth=0.35)
    control = state.control
    held = _by(control, "controller")
    for controller, colour in COLOURS.items():
        part = held.get(controller, ())
        if not len(part):
            continue
        drawn.add(f"control:{controller}")
        if controller in HATCHES:
            _fill(
                ax,
                part,
                facecolor=colour,
                edgecolor=BASE_COLOURS["hatch_edge"],
                linewidth=0.5,
                hatch=HATCHES[controller],
            )
        else:
            _fill(ax, part, facecolor=colour, edgecolor="white", linewidth=0.4, alpha=FILL_ALPHA)
    unmapped = state.showing("unmapped").geometry
    if len(unmapped):
        drawn.add("unmapped")
        _fill(
            ax,
            unmapped,
            facecolor="none",
            edgecolor="#555555",
            linewidth=0.4,
            hatch=HATCHES["unmapped"],
        )
    frame = shapely.box(*bbox)
    borders = [b for b in shared_borders(countries.geometry) if b.intersects(frame)]
    if borders:
        # Over the fills, under the lines of control, which often run along the border.
        drawn.add("border")
        colour, width, style = _dashes("border")
        _lines(ax, borders, color=colour, linewidth=width, linestyle=style)
    for kind in ("peacekeeping", "line_of_contact"):
        lines = state.showing(kind).geometry
        if len(lines):
            drawn.add(kind)
            colour, width, style = _dashes(kind)
            _lines(ax, lines, color=colour, linewidth=width, linestyle=style)
    outline = atlas.showing("oblast")
    if len(outline):
        # In full while the oblast exists; faintly, for reference, before and after.
        day = state.date
        exists = any(
            start <= day < end
            for start, end in zip(outline["valid_from"], outline["valid_to"], strict=True)
        )
        drawn.add("oblast" if exists else "oblast_reference")
        colour, width, style = _dashes("oblast")
        _lines(
            ax,
            outline.geometry,
            color=colour,
            linewidth=width if exists else width * 0.6,
            linestyle=style,
            alpha=1.0 if exists else 0.4,
        )
    # Marks that labels keep clear of: x, y and radius in points.
    marks: list[tuple[float, float, float]] = []
    others = _by(state.showing("other"), "kind")
    other = others.get("area", ())
    _fill(
        ax,
        other,
        facecolor=OTHER_COLOUR,
        edgecolor=BASE_COLOURS["other_edge"],
        alpha=OPACITY["other"],
        linewidth=0.8,
    )
    # Lines of other things (roads, routes) in the same colour, drawn as lines.
    _lines(
        ax,
        others.get("line", ()),
        color=OTHER_COLOUR,
        linewidth=1.5,
        zorder=4,
    )
    points = others.get("point", ())
    if len(points):
        xy = [(p.x, p.y) for g in points for p in shapely.get_parts(g)]
        ax.scatter(
            [x for x, _ in xy],
            [y for _, y in xy],
            s=30,
            facecolor=OTHER_COLOUR,
            edgecolor="#ffffff",
            linewidth=0.8,
            zorder=6,
        )
        marks += [(x, y, _radius(30, 0.8)) for x, y in xy]
    for t in changed:
        drawn.add("changed")
        polygons = [p for p in shapely.get_parts(t.geometry) if p.geom_type == "Polygon"]
        colour, width, style = _dashes("changed")
        _fill(
            ax, polygons, facecolor="none", edgecolor=colour, linewidth=0, hatch=HATCHES["changed"]
        )
        _lines(ax, polygons, color=colour, linewidth=width, linestyle=style)
    dated = state.showing("events")
    since = previous or dt.date.min
    events = [
        geom
        for start, geom in zip(dated["valid_from"], dated.geometry, strict=True)
        if start > since
    ]
    if len(events):
        drawn.add("events")
        ax.scatter(
            [p.x for p in events],
            [p.y for p in events],
            s=40,
            facecolor="white",
            edgecolor="black",
            linewidth=1.4,
            zorder=5,
        )
        marks += [(p.x, p.y, _radius(40, 1.4)) for p in events]
    key = NAME_KEYS.get(names, "name")
    places = state.showing("places")
    oblast = shapely.union_all(list(outline.geometry)) if len(outline) else None
    towns: list[tuple[tuple[int, float, str], float, float, str, str]] = []
    dots: list[tuple[float, float]] = []
    for n, (props, geom) in enumerate(zip(places["properties"], places.geometry, strict=True)):
        if not frame.covers(geom):
            continue
        dots.append((geom.x, geom.y))
        marks.append((geom.x, geom.y, DOT_SIZE / 2))
        text = str(props.get(key) or props.get("name") or "")
        place_id = str(props.get("id") or "")
        gid = f"{LABEL_GID}-{place_id if _SAFE_ID.fullmatch(place_id) else n}"
        towns.append((label_priority(props, geom, oblast), geom.x, geom.y, text, gid))
    if dots:
        xs, ys = zip(*dots, strict=True)
        ax.plot(xs, ys, "o", linestyle="none", color="#111111", markersize=DOT_SIZE, zorder=6)
    towns.sort(key=lambda town: town[0])
    names_of_countries = [
        (
            shapely.intersection(geom, frame),
            _spaced(str(props.get("name") or "")),
            f"{COUNTRY_GID}-{n}",
        )
        for n, (props, geom) in enumerate(
            zip(countries["properties"], countries.geometry, strict=True)
        )
    ]
    place_labels(
        ax,
        [(x, y, text, gid) for _, x, y, text, gid in towns if text],
        [c for c in names_of_countries if c[1] and c[0].area > frame.area * 0.002],
        marks,
        keep_clear,
        [*control.geometry, *unmapped, *outline.geometry],
    )
    return drawn


def _by(features: GeoDataFrame, column: str) -> dict[Any, list[BaseGeometry]]:
    """The geometries of ``features`` by their value in ``column``, in the features' order: one
    pass over plain values, where a selection of the frame per value takes longer than
    drawing what it selects."""
    found: dict[Any, list[BaseGeometry]] = {}
    for value, geom in zip(features[column], features.geometry, strict=True):
        found.setdefault(value, []).append(geom)
    return found


def _frame(ax: Axes, bbox: tuple[float, float, float, float]) -> None:
    """Show exactly ``bbox``, with metres east and north alike, and no ticks."""
    west, south, east, north = bbox
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / _cos((south + north) / 2))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.apply_aspect()  # the axes' final box, which labels are measured in


def _radius(size: float, linewidth: float) -> float:
    """The radius, in points, of a scatter marker of ``size`` (points squared) and its edge."""
    return math.sqrt(size) / 2 + linewidth / 2


def _spaced(name: str) -> str:
    """A country's name as maps set it: in capitals, letter-spaced with thin spaces."""
    return f"{THIN_SPACE} {THIN_SPACE}".join(THIN_SPACE.join(word) for word in name.upper().split())


def label_priority(
    props: Mapping[str, Any], point: BaseGeometry, oblast: BaseGeometry | None
) -> tuple[int, float, str]:
    """The order in which places are labelled, lowest first: where labels do not all fit, the
    later ones give way (their dots stay).

    0. the capital (``kind`` "capital": Stepanakert / Khankendi), which every reader looks for;
    1. towns inside the oblast's 1991 outline: the centres of its districts (Martakert,
       Askeran, Khojaly, Shusha, Martuni, Hadrut), where control changed most often;
    2. the other towns (``kind`` "town"): the centres of the districts around the oblast and
       the cities at the map's edges, which place it;
    3. ghost towns, ruined in the war but still named on maps of the conflict;
    4. villages and anything else.

    Within a class, places nearer the oblast come first, since the map is about it; then by
    id, so the order never depends on the order of the features."""
    kind = str(props.get("kind") or "")
    distance = float(oblast.distance(point)) if oblast is not None else 0.0
    if kind == "capital":
        tier = 0
    elif kind == "town":
        tier = 1 if oblast is not None and distance == 0 else 2
    else:
        tier = 3 if kind == "ghost town" else 4
    return tier, round(distance, 6), str(props.get("id") or props.get("name") or "")


def place_labels(
    ax: Axes,
    towns: Sequence[tuple[float, float, str, str]],
    countries: Sequence[tuple[BaseGeometry, str, str]],
    marks: Sequence[tuple[float, float, float]] = (),
    keep_clear: Sequence[Artist] = (),
    subject: Sequence[BaseGeometry] = (),
) -> list[Text]:
    """Label ``towns`` (x, y, text, gid; in order of importance), then ``countries`` (the part
    of each in the frame, text, gid), so that no label overlaps another, covers a mark
    (x, y, radius in points: the dots of other towns, events) or an artist of
    ``keep_clear``, or leaves the axes; return the labels set, each with its gid.

    Each town's label tries the spots of :data:`SPOTS` in turn and takes the first where its
    box is clear; if none is, it is left out, and the dot stays. The first town (the capital)
    is always labelled if its dot is in the frame: with nothing set before it, only marks can
    be in its way, and then it takes its first spot inside the axes regardless.

    Countries come after the towns: their names can go in many places, a town's only beside
    its dot. A country's name goes at the point of its largest part in the frame farthest
    from its edges, or the next deepest point where it is clear, with its whole box inside
    the country and off the map's ``subject`` (the areas of control, the oblast): no
    country's name is written over the contested land, and grey type reads best on plain
    land. In a smaller part only if the largest has no room; nowhere if no part has.

    Each label is measured once, by the figure's renderer, in the figure's size and
    resolution: elsewhere, or aligned otherwise, the same line of text has the same box,
    moved. Text scales with the figure when it is saved at another resolution (SVG and PDF
    at 72 dpi), so the labels still fit."""
    fig = ax.get_figure(root=True)
    if fig is None:
        return []
    renderer = _renderer(fig)
    px = fig.dpi / 72  # pixels a point
    frame = _extents(ax.get_window_extent(renderer))
    gap = LABEL_GAP * px / 2  # each of two boxes keeps half the gap
    placed = [_grown(_extents(a.get_window_extent(renderer)), gap) for a in keep_clear]
    centres = ax.transData.transform([(x, y) for x, y, _ in marks]) if marks else np.zeros((0, 2))
    radii = [radius * px for _, _, radius in marks]
    dots = [
        _grown((cx, cy, cx, cy), radius + gap)
        for (cx, cy), radius in zip(centres, radii, strict=True)
    ]

    def clear(patch: Box, own: Sequence[int] = (), avoid_marks: bool = True) -> bool:
        """Whether a label whose (white) box is ``patch`` fits: inside the axes, and clear by
        the gap of the labels set, the artists to keep clear, and the marks but its ``own``
        (the indices of the marks on its place, which its offset clears)."""
        box = _grown(patch, gap)
        return (
            _overlap(patch, frame, within=True)
            and not any(_overlap(box, other) for other in placed)
            and not (
                avoid_marks
                and any(_overlap(box, dot) and i not in own for i, dot in enumerate(dots))
            )
        )

    pad = PLACE_PAD * PLACE_FONT * px
    shifts = {"left": 0.0, "bottom": 0.0, "center": 0.5, "right": 1.0, "top": 1.0}

    def patch_at(
        spot: Spot, offset: float, corner: tuple[float, float], size: tuple[float, float]
    ) -> Box:
        """The white box of a label set at ``spot``, ``offset`` pixels from its dot, whose
        text is ``size`` across and starts at ``corner`` when set left and bottom on the
        dot."""
        (dx, dy, ha, va), (left, bottom), (width, height) = spot, corner, size
        left += dx * offset - shifts[ha] * width
        bottom += dy * offset - shifts[va] * height
        return left - pad, bottom - pad, left + width + pad, bottom + height + pad

    def town_label(x: float, y: float, text: str, gid: str) -> Annotation:
        return ax.annotate(
            text,
            (x, y),
            xytext=(0, 0),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=PLACE_FONT,
            zorder=7,
            gid=gid,
            bbox={
                "boxstyle": f"square,pad={PLACE_PAD}",
                "facecolor": "white",
                "alpha": 0.7,
                "lw": 0,
            },
        )

    font = FontProperties(size=PLACE_FONT)  # the labels' font, as the rc settings make it
    labels: list[Text] = []
    for rank, (x, y, text, gid) in enumerate(towns):
        cx, cy = ax.transData.transform((x, y))
        # A label's box, set left and bottom on its dot: where from the dot, and how large. A
        # line of text measures the same wherever it is, so it is measured once; a label is
        # only made where it is set.
        label: Annotation | None = None
        box_key = (text, font, fig.dpi)
        box = _LABEL_BOXES.find(box_key)
        if box is None:
            label = town_label(x, y, text, gid)
            x0, y0, x1, y1 = _extents(label.get_window_extent(renderer))
            box = (x0 - cx, y0 - cy, x1 - x0, y1 - y0)
            _LABEL_BOXES.keep(box_key, box)
        corner, size = (cx + box[0], cy + box[1]), (box[2], box[3])
        # The marks on this place (its dot, an event there): the label clears the widest.
        reach = [math.hypot(mx - cx, my - cy) for mx, my in centres]
        own = [i for i, r in enumerate(radii) if reach[i] <= r]
        offset = max((reach[i] + radii[i] for i in own), default=0.0) + LABEL_OFFSET * px
        chosen = next((s for s in SPOTS if clear(patch_at(s, offset, corner, size), own)), None)
        if chosen is None and rank == 0:
            # The most important place is always named: over a mark, if nothing else will do.
            chosen = next(
                (s for s in SPOTS if clear(patch_at(s, offset, corner, size), own, False)),
                None,
            )
        if chosen is None:
            if label is not None:
                label.remove()
            continue
        if label is None:
            label = town_label(x, y, text, gid)
        dx, dy, ha, va = chosen
        label.xyann = (dx * offset / px, dy * offset / px)
        label.set_horizontalalignment(ha)
        label.set_verticalalignment(va)
        placed.append(_grown(patch_at(chosen, offset, corner, size), gap))
        labels.append(label)
    to_data = ax.transData.inverted()
    off = np.asarray([g for g in subject if g is not None and not g.is_empty], dtype=object)

    def fit(
        size: tuple[float, float], polygon: BaseGeometry, x: float, y: float, keep_off: bool
    ) -> Box | None:
        """The box of a name ``size`` across, centred on (x, y), if it fits there and inside
        ``polygon`` (and, with ``keep_off``, off the map's subject)."""
        (cx, cy), (width, height) = ax.transData.transform((x, y)), size
        patch = (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
        if not clear(patch):
            return None
        corners = to_data.transform([patch[:2], patch[2:]])
        rect = shapely.box(*corners.min(axis=0), *corners.max(axis=0))
        if not shapely.covers(polygon, rect):
            return None
        if keep_off and shapely.intersects(off, rect).any():
            return None
        return patch

    for part, text, gid in countries:
        name = ax.text(
            0,
            0,
            text,
            ha="center",
            va="center",
            fontsize=COUNTRY_FONT,
            color=COUNTRY_COLOUR,
            zorder=3,
            gid=gid,
        )
        extent = name.get_window_extent(renderer)
        size = (extent.width, extent.height)
        spot = next(
            (
                (x, y, patch)
                for polygon, points in _deep_points(part)
                for keep_off in (bool(len(off)),)
                for x, y in points
                for patch in [fit(size, polygon, x, y, keep_off)]
                if patch is not None
            ),
            None,
        )
        if spot is None:
            name.remove()
            continue
        name.set_position(spot[:2])
        placed.append(_grown(spot[2], gap))
        labels.append(name)
    return labels


def _renderer(fig: Figure) -> Any:
    """The renderer of the figure's canvas, which text is measured with (None if it has none)."""
    get_renderer = getattr(fig.canvas, "get_renderer", None)
    return get_renderer() if callable(get_renderer) else None


def _extents(bbox: Bbox) -> Box:
    x0, y0, x1, y1 = bbox.extents
    return float(x0), float(y0), float(x1), float(y1)


def _grown(box: Box, by: float) -> Box:
    return box[0] - by, box[1] - by, box[2] + by, box[3] + by


def _overlap(a: Box, b: Box, within: bool = False) -> bool:
    """Whether two boxes share more than an edge; with ``within``, whether ``a`` lies inside
    ``b``."""
    if within:
        return b[0] <= a[0] and a[2] <= b[2] and b[1] <= a[1] and a[3] <= b[3]
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@lru_cache(maxsize=32)
def _deep_points(
    area: BaseGeometry, steps: int = 16
) -> tuple[tuple[BaseGeometry, tuple[tuple[float, float], ...]], ...]:
    """The polygons of ``area``, largest first, each with the points inside it where a name
    can go, the best first: the point farthest from its edges (the pole of inaccessibility),
    then the points of a grid inside it from the deepest to the shallowest. Kept, since the
    frames of an animation show the same countries in the same frame."""
    out: list[tuple[BaseGeometry, tuple[tuple[float, float], ...]]] = []
    polygons = [p for p in shapely.get_parts(area) if p.geom_type == "Polygon" and p.area > 0]
    for polygon in sorted(polygons, key=lambda p: -p.area):
        west, south, east, north = polygon.bounds
        pole = polylabel(polygon, tolerance=max(east - west, north - south) / 200)
        grid_x, grid_y = np.meshgrid(
            np.linspace(west, east, steps + 2)[1:-1], np.linspace(south, north, steps + 2)[1:-1]
        )
        within = shapely.contains_xy(polygon, grid_x, grid_y)
        xs, ys = grid_x[within], grid_y[within]
        depth = shapely.distance(polygon.boundary, shapely.points(xs, ys))
        order = np.lexsort((ys, xs, -depth))
        points = [(float(pole.x), float(pole.y))]
        points += [(float(xs[i]), float(ys[i])) for i in order]
        out.append((polygon, tuple(points)))
    return tuple(out)


def _cos(lat: float) -> float:
    return math.cos(math.radians(lat))


MADE_VERTICES = 2_000_000  # vertices kept made into paths and segments (about 32 MB)
# What is made from geometries to draw them (paths, segments), kept for the rest of the
# process by the geometry's identity: the features of the atlas are the same objects on every
# date, so the frames of an animation, and the maps of a dashboard's exports, draw the
# countries, the districts and most areas of control from what was made for the first. Each
# item is (geometry, what was made, its vertices), weighed by its vertices; the geometry kept
# alive, so that its identity is never another's.
_MADE = Kept(MADE_VERTICES, weigh=lambda item: int(item[2]))


def _made(
    kind: str,
    geom: BaseGeometry,
    make: Callable[[BaseGeometry], tuple[Any, int]],
    kept: Kept = _MADE,
) -> Any:
    """What ``make`` makes of ``geom`` (with its count of vertices), from ``kept`` if made
    before."""
    key = (kind, id(geom))
    found = kept.find(key)
    if found is not None and found[0] is geom:
        return found[1]
    value, size = make(geom)
    kept.keep(key, (geom, value, size))
    return value


def _read_only(xy: np.ndarray) -> np.ndarray:
    xy.setflags(write=False)  # shared by every map that draws it
    return xy


def _make_path(geom: BaseGeometry) -> tuple[Path, int]:
    vertices, codes = [], []
    for polygon in shapely.get_parts(geom):
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)
            vertices.append(xy)
            codes.append([Path.MOVETO] + [Path.LINETO] * (len(xy) - 2) + [Path.CLOSEPOLY])
    xy = _read_only(np.concatenate(vertices))
    return Path(xy, _read_only(np.concatenate(codes))), len(xy)


def _path(geom: BaseGeometry) -> Path:
    """A matplotlib path of a polygon's rings (holes included)."""
    return _made("path", geom, _make_path)  # type: ignore[no-any-return]


def _make_segments(geom: BaseGeometry) -> tuple[list[np.ndarray], int]:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = geom.boundary
    segments = [_read_only(np.asarray(part.coords)) for part in shapely.get_parts(geom)]
    return segments, sum(len(xy) for xy in segments)


def _fill(ax: Axes, geoms: Iterable[BaseGeometry], **style: Any) -> None:
    """Polygons as patches: drawn straight with matplotlib, which is several times faster
    than geopandas' plotting (that redraws the whole figure after each call)."""
    polygons = [g for g in geoms if g is not None and not g.is_empty]
    if polygons:
        # No limits to update: every map sets its frame (measuring them took longer than
        # making the paths).
        ax.add_collection(PathCollection([_path(g) for g in polygons], **style), autolim=False)


def _lines(ax: Axes, geoms: Iterable[BaseGeometry], **style: Any) -> None:
    """Lines, and the outlines of polygons."""
    segments: list[np.ndarray] = []
    for geom in geoms:
        if geom is not None and not geom.is_empty:
            segments.extend(_made("segments", geom, _make_segments))
    if segments:
        ax.add_collection(LineCollection(segments, **style), autolim=False)


def _add(ax: Axes, patch: Patch) -> Patch:
    """Put ``patch`` on ``ax`` as ``add_patch`` does, but for the data limits, which every
    map's frame sets (measuring them took longer than making the patch)."""
    ax.add_artist(patch)
    return patch


def scale_bar(ax: Axes, bbox: tuple[float, float, float, float]) -> list[Artist]:
    """A bar of a round length, about a fifth of the map's width, in its lower left; return
    its parts (for labels to keep clear of)."""
    west, south, east, north = bbox
    km_per_degree = 111.32 * _cos((south + north) / 2)
    width_km = (east - west) * km_per_degree
    length = max((n for n in (1, 2, 5, 10, 20, 25, 50, 100, 200) if n <= width_km / 5), default=1)
    x0 = west + (east - west) * 0.04
    y0 = south + (north - south) * 0.04
    half = length / 2 / km_per_degree
    height = (north - south) * 0.008
    parts: list[Artist] = []
    for i, colour in enumerate(("black", "white")):
        bar = _add(
            ax,
            Rectangle(
                (x0 + i * half, y0),
                half,
                height,
                facecolor=colour,
                edgecolor="black",
                linewidth=0.6,
                zorder=8,
            ),
        )
        parts.append(bar)
    for x, text in ((x0, "0"), (x0 + 2 * half, f"{length} km")):
        parts.append(
            ax.text(x, y0 + height * 1.8, text, fontsize=6, ha="center", va="bottom", zorder=8)
        )
    return parts


def north_arrow(ax: Axes) -> list[Artist]:
    """An arrow and an N in the upper right; return them (for labels to keep clear of)."""
    arrow = _add(
        ax,
        FancyArrow(
            0.95,
            0.86,
            0,
            0.08,
            width=0.012,
            head_width=0.035,
            head_length=0.035,
            transform=ax.transAxes,
            color="black",
            zorder=8,
        ),
    )
    letter = ax.text(
        0.95,
        0.83,
        "N",
        transform=ax.transAxes,
        ha="center",
        va="top",
        fontsize=8,
        fontweight="bold",
        zorder=8,
    )
    return [arrow, letter]


LOCATOR_INCHES = 1.3  # the locator's width, at most
LOCATOR_MIN_INCHES = 0.8  # narrower than this, it is left out
SCALE_BAR_TOP = 0.1  # the scale bar and its figures end this far up the map (a fraction)


def locator(
    fig: Figure,
    ax: Axes,
    state: State,
    bbox: tuple[float, float, float, float],
    kept: Axes | None = None,
    legible: float = LOCATOR_MIN_INCHES,
) -> Axes | None:
    """A small map of the South Caucasus (the whole countries layer) over a corner of ``ax``,
    with the frame of ``bbox`` outlined, so that a reader knows where the map is; ``None``
    where the map is too small for it to be legible.

    It goes in the upper or the lower left corner (the north arrow is in the upper right, and
    the land east of Karabakh is full of towns), whichever covers or crowds fewer towns, then
    less land held by the Armenian side or the peacekeepers; the upper one on a tie. In the
    lower one it sits above the scale bar. ``ax`` must already show ``bbox`` (see
    :func:`_frame`).

    ``kept``: the locator of the same page's last map (a :class:`Sheet`'s), which shows the
    same countries: it is moved to this map's corner instead of drawn again. ``legible``: the
    narrowest locator worth drawing, in inches of this page (more on a page drawn at a lower
    dpi than asked for, see :class:`Layout`)."""
    countries = list(state.showing("countries").geometry)
    if not countries:
        return None
    west, south, east, north = (float(v) for v in shapely.total_bounds(countries))
    aspect = 1 / _cos((south + north) / 2)
    box = ax.get_position()  # the map's box after its aspect is applied, in figure fractions
    fig_width, fig_height = fig.get_size_inches()
    map_width, map_height = box.width * fig_width, box.height * fig_height
    width = min(LOCATOR_INCHES, map_width * 0.27)
    height = width * aspect * (north - south) / (east - west)
    if width < legible or height > map_height * 0.32:
        return None
    w, h = width / map_width, height / map_height  # in fractions of the map
    margin_x, margin_y = 0.06 / map_width, 0.06 / map_height
    corners = [(margin_x, 1 - margin_y - h), (margin_x, SCALE_BAR_TOP + margin_y)]
    b_west, b_south, b_east, b_north = bbox
    towns = np.asarray(list(state.showing("places").geometry), dtype=object)
    held = np.asarray(
        [
            geom
            for side, geoms in _by(state.control, "controller").items()
            if side != "azerbaijani"
            for geom in geoms
        ],
        dtype=object,
    )

    def covers(corner: tuple[float, float]) -> tuple[int, float]:
        """The towns under or near (their labels need room) the locator, and the area held
        by the Armenian side or the peacekeepers under it."""
        x, y = corner
        area = shapely.box(
            b_west + x * (b_east - b_west),
            b_south + y * (b_north - b_south),
            b_west + (x + w) * (b_east - b_west),
            b_south + (y + h) * (b_north - b_south),
        )
        near = area.buffer(0.05 * max(b_east - b_west, b_north - b_south), join_style="mitre")
        under = shapely.area(shapely.intersection(held, area)).sum()
        return int(near.intersects(towns).sum()), float(under)

    x, y = _corner(corners, covers)
    place = (box.x0 + x * box.width, box.y0 + y * box.height, w * box.width, h * box.height)
    if kept is not None:
        kept.set_position(place)
        kept.apply_aspect()
        return kept
    inset = fig.add_axes(place)
    inset.set_facecolor(SEA)
    _fill(inset, countries, facecolor=LAND, edgecolor="#8a8a8a", linewidth=0.3)
    inset.add_patch(
        Rectangle(
            (b_west, b_south),
            b_east - b_west,
            b_north - b_south,
            facecolor="none",
            edgecolor="black",
            linewidth=1.0,
            zorder=3,
        )
    )
    inset.set_xlim(west, east)
    inset.set_ylim(south, north)
    inset.set_aspect(aspect)
    inset.set_xticks([])
    inset.set_yticks([])
    for spine in inset.spines.values():
        spine.set_linewidth(0.6)
        spine.set_edgecolor("#555555")
    inset.apply_aspect()
    return inset


def _corner(
    corners: Sequence[tuple[float, float]], covers: Callable[[tuple[float, float]], Any]
) -> tuple[float, float]:
    """The corner for the locator: the one whose ``covers`` is least, the first of equals."""
    return min(corners, key=covers)


def _legend(ax: Axes, drawn: set[str], y: float, compare_label: str | None) -> float:
    """Draw the legend keys (in the dashboard's colours and patterns) from ``y`` down; return
    where it ends."""
    ax.text(0, y, "Legend", fontsize=8, fontweight="bold", va="top")
    y -= 0.05
    rows: list[tuple[str, str]] = [(f"control:{c}", LABELS[c]) for c in COLOURS]
    rows += [(k, LINE_LABELS[k]) for k in ("unmapped", "peacekeeping", "line_of_contact")]
    rows.append(("border", BORDER_LABEL))
    reference = "oblast_reference" in drawn
    rows.append(("oblast", LINE_LABELS["oblast_reference" if reference else "oblast"]))
    rows.append(("events", "Events of this step"))
    if compare_label:
        rows.append(("changed", compare_label))
    for key, label in rows:
        alpha = 1.0 if key in drawn else 0.35
        if key == "oblast" and reference:
            alpha = 0.6

        def swatch(top: float = y, **style: Any) -> None:
            _add(ax, Rectangle((0, top - 0.025), 0.1, 0.03, linewidth=0.5, **style))

        if key.startswith("control:"):
            side = key.split(":", 1)[1]
            if side in HATCHES:
                swatch(
                    facecolor=COLOURS[side],
                    hatch=HATCHES[side],
                    edgecolor=BASE_COLOURS["hatch_edge"],
                    alpha=alpha,
                )
            else:
                swatch(facecolor=COLOURS[side], edgecolor="#666666", alpha=alpha * 0.8)
        elif key == "unmapped":
            swatch(facecolor="none", hatch=HATCHES[key], edgecolor="#555555", alpha=alpha)
        elif key == "events":
            ax.scatter(
                [0.05],
                [y - 0.01],
                s=30,
                facecolor="white",
                edgecolor="black",
                linewidth=1.2,
                alpha=alpha,
            )
        else:
            colour, width, style = _dashes(key)
            ax.add_line(
                Line2D(
                    [0, 0.1],
                    [y - 0.01, y - 0.01],
                    color=colour,
                    linewidth=width,
                    linestyle=style,
                    alpha=alpha,
                )
            )
            if key == "changed":
                swatch(facecolor="none", hatch=HATCHES[key], edgecolor=colour)
        ax.text(0.13, y - 0.01, label, fontsize=6.5, va="center", alpha=alpha)
        y -= 0.042
    return y


SOURCES_PER_LAYER = 4  # a print footer names this many of each layer's sources


def source_lines(atlas: Atlas, state: State) -> list[str]:
    """The sources of the layers shown (each once), for the map's footer: every layer's first
    source before any layer's second, up to a few per layer, then how many more each cites
    (the control layers cite a source per settlement), so a shortened footer still names a
    source of every layer."""
    per_layer: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    for layer_id in state.layers:
        entry = atlas.entry(layer_id)
        if entry.shows in (*BASE_MAP, "events"):
            continue
        fresh = []
        for src in entry.sources:
            text = f"{src.title} ({src.licence})"
            if text not in seen:
                seen.add(text)
                fresh.append(text)
        per_layer.append((entry.title, fresh))
    lines = [
        fresh[rank]
        for rank in range(SOURCES_PER_LAYER)
        for _, fresh in per_layer
        if rank < len(fresh)
    ]
    for title, fresh in per_layer:
        if len(fresh) > SOURCES_PER_LAYER:
            more = len(fresh) - SOURCES_PER_LAYER
            lines.append(f"{more} more sources of '{title}' in the atlas's catalog")
    return lines


class Sheet:
    """A print map's page kept from one map to the next, as the frames of an animation are
    drawn: its figure, the map's and the panel's axes and the locator are made once (making
    axes is a good part of a map's time); each map removes the last one's artists and draws
    its own, the same pixels as on a new page. What a map draws as the last one did (the
    title, the scale bar and north arrow, a legend of the same keys) stays in place (see
    :meth:`kept`)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.fig = new_figure(layout.inches, layout.render_dpi)
        self.ax = self.fig.add_axes((0.02, 0.17, 0.64, 0.72))
        self._panel: Axes | None = None  # made after the locator: the axes are in page order
        self.inset: Axes | None = None
        self.inset_shows: tuple[BaseGeometry, ...] = ()  # the countries the locator shows
        # Parts kept from the last map, by name: what they were drawn for, their artists and
        # what drawing them returned.
        self._parts: dict[str, tuple[Hashable, list[Artist], Any]] = {}

    @property
    def panel(self) -> Axes:
        """The axes of the legend and the figures, right of the map."""
        if self._panel is None:
            self._panel = self.fig.add_axes((0.68, 0.17, 0.30, 0.72))
            self._panel.set_axis_off()
            self._panel.set_xlim(0, 1)
            self._panel.set_ylim(0, 1)
        return self._panel

    def _artists(self) -> list[Artist]:
        """What the maps drew on the page: all but the axes and the locator."""
        found: list[Artist] = list(self.fig.texts)
        for ax in (self.ax, self._panel):
            if ax is not None:
                found += [*ax.collections, *ax.lines, *ax.patches, *ax.texts, *ax.images]
        return found

    def clear(self) -> None:
        """Remove what the last map drew, but its kept parts (see :meth:`kept`) and the
        locator (moved to each map's corner)."""
        kept = {id(a) for _, artists, _ in self._parts.values() for a in artists}
        for artist in self._artists():
            if id(artist) not in kept:
                artist.remove()

    def kept(self, name: str, key: Hashable, draw: Callable[[], T]) -> T:
        """Draw the part ``name`` of this map with ``draw`` (returning what it returns),
        unless the last map drew it for the same ``key``: then it stays as it is. A kept part
        must be one the page draws before anything else of its kind (on a new page, too),
        so that it is drawn in the same order among the artists of its axes."""
        found = self._parts.get(name)
        if found is not None and found[0] == key:
            return found[2]  # type: ignore[no-any-return]
        if found is not None:
            for artist in found[1]:
                artist.remove()
        before = {id(a) for a in self._artists()}
        value = draw()
        made = [a for a in self._artists() if id(a) not in before]
        self._parts[name] = (key, made, value)
        return value

    def locator(self, state: State) -> Axes | None:
        """The locator of this map (see :func:`locator`): the last map's, moved to this map's
        corner, if it shows the same countries; else made anew."""
        countries = tuple(state.showing("countries").geometry)
        same = len(countries) == len(self.inset_shows) and all(
            a is b for a, b in zip(countries, self.inset_shows, strict=True)
        )
        if self.inset is not None and not same:
            self.inset.remove()
            self.inset = None
        kept = self.inset
        layout = self.layout
        legible = LOCATOR_MIN_INCHES * layout.dpi / layout.render_dpi
        self.inset = locator(self.fig, self.ax, state, layout.bbox, kept, legible)
        if self.inset is None and kept is not None:
            kept.remove()
        self.inset_shows = countries
        return self.inset


def print_layout(
    atlas: Atlas,
    day: dt.date,
    changes: Sequence[Change],
    layout: Layout | None = None,
    compare: dt.date | None = None,
    changed: Sequence[Transfer] = (),
    sheet: Sheet | None = None,
) -> Figure:
    """The print map of ``day``; with ``compare``, the land that changed hands between the two
    dates (``changed``) is outlined and listed. On ``sheet``, the page of earlier maps of the
    same layout (see :class:`Sheet`); else on a new page."""
    layout = sheet.layout if sheet is not None else (layout or Layout())
    state = state_at(atlas, day)
    change = Timeline(changes).in_force(day)
    earlier = [c.date for c in changes if c.date < (change.date if change else day)]
    with matplotlib.rc_context(RC):
        if sheet is None:
            sheet = Sheet(layout)
        sheet.clear()
        fig, ax = sheet.fig, sheet.ax
        sheet.kept(
            "title",
            None,
            lambda: fig.text(
                0.02,
                0.975,
                "Territorial control in Nagorno-Karabakh",
                fontsize=13,
                fontweight="bold",
                va="top",
            ),
        )
        subtitle = f"{day.day} {day:%B %Y}"
        if change is not None:
            subtitle += (
                f". {change.label}"
                if change.date == day
                else (f" (as on {change.date.day} {change.date:%B %Y}: {change.label})")
            )
        fig.text(0.02, 0.925, textwrap.shorten(subtitle, 150), fontsize=8.5, va="top")
        _frame(ax, layout.bbox)
        # Drawn before the map, so that its labels keep clear of them.
        keep_clear = [
            *sheet.kept(
                "scale and north",
                layout.bbox,
                lambda: (*scale_bar(ax, layout.bbox), *north_arrow(ax)),
            )
        ]
        inset = sheet.locator(state)
        if inset is not None:
            keep_clear.append(inset)
        drawn = draw_map(
            ax,
            atlas,
            state,
            layout.names,
            layout.bbox,
            changed,
            earlier[-1] if earlier else None,
            keep_clear,
        )
        panel = sheet.panel
        compare_label = None
        if compare is not None:
            first, second = sorted((day, compare))
            compare_label = (
                f"Changed hands, {first.day} {first:%b %Y} to {second.day} {second:%b %Y}"
            )
        y = sheet.kept(
            "legend",
            (frozenset(drawn), compare_label),
            lambda: _legend(panel, drawn, 1.0, compare_label),
        )
        _figures(panel, atlas, state, y - 0.02, compare_label, changed)
        _footer(fig, atlas, state, panel)
    return fig


TRANSFER_WIDTH = 46  # characters of a line of the changes in the print map's panel


def _figures(
    ax: Axes,
    atlas: Atlas,
    state: State,
    y: float,
    compare_label: str | None,
    changed: Sequence[Transfer],
) -> None:
    areas = areas_by_controller(state)
    ax.text(0, y, "Area held", fontsize=8, fontweight="bold", va="top")
    y -= 0.05
    if not any(areas.values()):
        ax.text(0, y, "No control is mapped on this date.", fontsize=6.5, va="top")
        y -= 0.04
    for side, km2 in areas.items():
        if km2:
            ax.text(0, y, f"{SHORT_LABELS[side]}: {km2:,.0f} km²", fontsize=6.5, va="top")
            y -= 0.035
    region = region_km2(state)
    if region:
        note = f"Measured over {REGION_NAME}: {region:,.0f} km²."
        ax.text(0, y - 0.005, textwrap.fill(note, 52), fontsize=5.8, va="top", color="#333333")
        y -= 0.075
    if compare_label:
        y -= 0.01
        ax.text(0, y, compare_label, fontsize=7, fontweight="bold", va="top")
        y -= 0.04
        for t in changed or ():
            # Wrapped, as the panel's other long lines: "Armenian side → Lachin corridor
            # (Russian peacekeepers): 49 km²" is wider than the panel.
            line = textwrap.fill(
                f"{SHORT_LABELS[t.before]} → {SHORT_LABELS[t.after]}: {t.area_km2:,.0f} km²",
                TRANSFER_WIDTH,
                subsequent_indent="    ",
            )
            ax.text(0, y, line, fontsize=6.5, va="top")
            y -= 0.035 + 0.026 * line.count("\n")
        if not changed:
            ax.text(0, y, "No land changed hands.", fontsize=6.5, va="top")
            y -= 0.035
    approximate = [
        atlas.entry(i)
        for i in state.layers
        if atlas.entry(i).approximate and atlas.entry(i).shows not in ("events", "places")
    ]
    if approximate:
        worst = max(e.uncertainty_km for e in approximate)
        note = (
            "Approximate: the lines on this date are derived from dated, sourced settlements "
            f"and sourced lines, with an uncertainty of up to {worst:g} km. Each layer's method "
            "is in the atlas's catalog."
        )
        ax.text(
            0,
            y - 0.01,
            textwrap.fill(note, 48),
            fontsize=5.8,
            va="top",
            color=BASE_COLOURS["warning"],
        )


FOOTER_TOP = 0.15  # where the sources start, in fractions of the page's height, at the highest


def _footer(fig: Figure, atlas: Atlas, state: State, panel: Axes) -> None:
    """The sources under the map and the panel, starting below the panel's lowest line (a long
    list of changes, then the uncertainty note, can reach below the panel's box)."""
    sources = "Sources: " + "; ".join(source_lines(atlas, state))
    text = textwrap.fill(textwrap.shorten(sources, 900, placeholder=" …"), 190)
    top = FOOTER_TOP
    renderer = _renderer(fig)
    if renderer is not None and panel.texts:
        lowest = min(t.get_window_extent(renderer).y0 for t in panel.texts)
        top = min(top, lowest / fig.bbox.height - LABEL_GAP * fig.dpi / 72 / fig.bbox.height)
    fig.text(0.02, top, text, fontsize=4.6, va="top", color="#333333")
    fig.text(
        0.02, 0.012, print_attribution(atlas.data_version), fontsize=5, va="bottom", color="#333333"
    )


# What each store keeps on disk at most, in bytes, the most recently used first: a run reads
# it all (about 1 ms per 250 KB) and unpickles what it draws. One map's text weighs about
# 300 KB.
DISK_BYTES = 4_000_000
# What the kept text depends on besides the code: how matplotlib finds and renders fonts.
_TEXT_SETTINGS: tuple[RcKeyType, ...] = (
    "font.family",
    "font.sans-serif",
    "font.serif",
    "font.monospace",
    "text.hinting",
    "text.hinting_factor",
    "text.kerning_factor",
    "text.antialiased",
)


def _text_key() -> str:
    """What the text kept on disk was drawn with: the code that draws and measures it, this
    module's and the canvas's, matplotlib and FreeType, the settings above and every font
    matplotlib knows (by file and size)."""
    digest = hashlib.sha256()
    for module in (__file__, canvas.__file__):
        digest.update(pathlib.Path(module).read_bytes())
    digest.update(matplotlib.__version__.encode())
    digest.update(str(matplotlib.ft2font.__freetype_version__).encode())
    for name in _TEXT_SETTINGS:
        digest.update(f"{name}={matplotlib.rcParams[name]!r}\0".encode())
    for font in sorted(fontManager.ttflist, key=lambda f: str(f.fname)):
        try:
            size = pathlib.Path(font.fname).stat().st_size
        except OSError:
            size = -1
        digest.update(f"{font.fname}:{size}\0".encode())
    return digest.hexdigest()


@contextmanager
def text_kept_on_disk(root: pathlib.Path) -> Iterator[None]:
    """Take the text kept on disk by earlier runs for the atlas in ``root``, then keep what
    was drawn meanwhile, when anything was added: the lines of text, the glyph images, the
    measures (see :mod:`nkmap.maps.canvas`) and the towns' label boxes. The next map drawn by
    a new process (another date, the same page) takes the legend, the town names and the
    glyphs from there instead of FreeType. For one process drawing maps one after the other
    (the command line), not for a dashboard's threads. Any failure to read or write it is no
    error (see :mod:`nkmap.atlas.cache`)."""
    key = _text_key()
    found = cache.read(root, key, "text")
    if isinstance(found, dict):
        try:
            for name, items in found.items():
                store = canvas.ON_DISK.get(name)
                if store is not None:
                    store.take(items)
        except (TypeError, ValueError):  # not what this code writes: drawn afresh
            pass
    for store in canvas.ON_DISK.values():
        store.added = 0
    yield
    if any(store.added for store in canvas.ON_DISK.values()):
        kept = {name: store.recent(DISK_BYTES) for name, store in canvas.ON_DISK.items()}
        cache.write(root, key, kept, "text")


# zlib's level for PNG: 3 makes files within 0.2 % of the default's (6), in about 60 % of
# the time.
PNG_COMPRESSION = 3


def encode(fig: Figure, fmt: str) -> bytes:
    """The figure, at its resolution, as PNG, SVG or PDF bytes. Fixed metadata keeps the
    files the same from one run to the next. A PNG is written in RGB: the page is opaque, and
    an alpha channel would add a quarter to the pixels to compress."""
    out = io.BytesIO()
    if fmt == "png":
        pixels(fig).save(out, format="png", dpi=(fig.dpi, fig.dpi), compress_level=PNG_COMPRESSION)
        return out.getvalue()
    metadata: dict[str, Any] = {
        "svg": {"Date": None},
        "pdf": {"CreationDate": None, "ModDate": None},
    }[fmt]
    with matplotlib.rc_context(RC):
        fig.savefig(out, format=fmt, metadata=metadata)
    return out.getvalue()


def pixels(fig: Figure) -> Any:
    """The figure as an RGB image (PIL), read from the drawn canvas: no file format between."""
    from PIL import Image

    canvas = fig.canvas
    if not isinstance(canvas, KeepingCanvas):
        canvas = KeepingCanvas(fig)
    with matplotlib.rc_context(RC):
        canvas.draw()  # type: ignore[no-untyped-call]
    rgba = np.asarray(canvas.buffer_rgba())  # type: ignore[no-untyped-call]
    return Image.fromarray(rgba).convert("RGB")
