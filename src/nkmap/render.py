"""Static maps drawn server-side with matplotlib from the offline base map: no browser, no
network, the same picture every time.

:func:`print_layout` makes the print map: a title with the date, the map with towns, a scale
bar and a north arrow, a legend in the dashboard's colours, the area held by each side, an
uncertainty note where the lines are approximate, and the sources and attribution.

Text from layers is drawn literally: math parsing is off, and SVG text is written as escaped
XML text (see :data:`RC`).
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

import matplotlib
import numpy as np
import shapely

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Rectangle
from matplotlib.path import Path
from matplotlib.typing import LineStyleType, RcKeyType
from shapely.geometry.base import BaseGeometry

from nkmap.catalog import Atlas
from nkmap.geometry import REGION_BBOX
from nkmap.layout import Layout
from nkmap.stats import areas_by_controller
from nkmap.style import (
    COLOURS,
    LABELS,
    LINE_LABELS,
    LINES,
    NAME_KEYS,
    OTHER_COLOUR,
    SHORT_LABELS,
)
from nkmap.timeline import Change, State, Transfer, change_on_or_before, state_at

# Drawn text is never parsed as math; SVG keeps text as text (searchable, escaped by the
# writer); PDF embeds TrueType fonts.
RC: dict[RcKeyType, Any] = {
    "text.parse_math": False,
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
    "hatch.linewidth": 0.8,
}
SEA = "#dfe9f2"
LAND = "#f4f1ea"
FILL_ALPHA = 0.55
HATCHES = {"russian_peacekeepers": "////", "unmapped": "...", "changed": "\\\\\\\\"}
ATTRIBUTION = (
    "Made with Natural Earth (public domain). Places from GeoNames (CC BY 4.0). "
    "Map: nkmap, an open atlas of territorial control in Nagorno-Karabakh."
)


def _dashes(kind: str) -> tuple[str, float, LineStyleType]:
    colour, width, dash = LINES[kind]
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
) -> set[str]:
    """Draw the map of ``state`` into ``ax``; return the legend keys drawn (as the dashboard's
    legend names them: ``control:<side>``, ``unmapped``, line kinds, ``events``,
    ``changed``)."""
    drawn: set[str] = set()
    f = state.features
    ax.set_facecolor(SEA)
    _fill(
        ax,
        f[f["shows"] == "countries"].geometry,
        facecolor=LAND,
        edgecolor="#8a8a8a",
        linewidth=0.5,
    )
    _lines(ax, f[f["shows"] == "rayons"].geometry, color="#b9b2a5", linewidth=0.35)
    control = state.control
    for controller, colour in COLOURS.items():
        part = control[control["controller"] == controller].geometry
        if not len(part):
            continue
        drawn.add(f"control:{controller}")
        if controller in HATCHES:
            _fill(
                ax,
                part,
                facecolor=colour,
                edgecolor="#8c510a",
                linewidth=0.5,
                hatch=HATCHES[controller],
            )
        else:
            _fill(ax, part, facecolor=colour, edgecolor="white", linewidth=0.4, alpha=FILL_ALPHA)
    unmapped = f[f["shows"] == "unmapped"].geometry
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
    for kind in ("peacekeeping", "line_of_contact"):
        lines = f[f["shows"] == kind].geometry
        if len(lines):
            drawn.add(kind)
            colour, width, style = _dashes(kind)
            _lines(ax, lines, color=colour, linewidth=width, linestyle=style)
    outline = atlas.features[atlas.features["shows"] == "oblast"]
    if len(outline):
        # In full while the oblast exists; faintly, for reference, before and after.
        day = state.date
        exists = bool(((outline["valid_from"] <= day) & (day < outline["valid_to"])).any())
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
    other = f[(f["shows"] == "other") & (f["kind"] != "point")].geometry
    _fill(ax, other, facecolor=OTHER_COLOUR, edgecolor="#8e0152", alpha=0.45, linewidth=0.8)
    points = f[(f["shows"] == "other") & (f["kind"] == "point")].geometry
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
    for t in changed:
        drawn.add("changed")
        polygons = [p for p in shapely.get_parts(t.geometry) if p.geom_type == "Polygon"]
        colour, width, style = _dashes("changed")
        _fill(
            ax, polygons, facecolor="none", edgecolor=colour, linewidth=0, hatch=HATCHES["changed"]
        )
        _lines(ax, polygons, color=colour, linewidth=width, linestyle=style)
    events = f[(f["shows"] == "events") & (f["valid_from"] > (previous or dt.date.min))]
    if len(events):
        drawn.add("events")
        ax.scatter(
            events.geometry.x,
            events.geometry.y,
            s=40,
            facecolor="white",
            edgecolor="black",
            linewidth=1.4,
            zorder=5,
        )
    key = NAME_KEYS.get(names, "name")
    places = f[f["shows"] == "places"]
    west, south, east, north = bbox
    for props, geom in zip(places["properties"], places.geometry, strict=True):
        if not (west <= geom.x <= east and south <= geom.y <= north):
            continue
        ax.plot(geom.x, geom.y, "o", color="#111111", markersize=2.2, zorder=6)
        ax.annotate(
            str(props.get(key) or props.get("name") or ""),
            (geom.x, geom.y),
            xytext=(3, 2),
            textcoords="offset points",
            fontsize=5.5,
            zorder=7,
            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "alpha": 0.7, "lw": 0},
        )
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / _cos((south + north) / 2))  # metres east and north look alike
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    return drawn


def _cos(lat: float) -> float:
    return math.cos(math.radians(lat))


def _path(geom: BaseGeometry) -> Path:
    """A matplotlib path of a polygon's rings (holes included)."""
    vertices, codes = [], []
    for polygon in shapely.get_parts(geom):
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)
            vertices.append(xy)
            codes.append([Path.MOVETO] + [Path.LINETO] * (len(xy) - 2) + [Path.CLOSEPOLY])
    return Path(np.concatenate(vertices), np.concatenate(codes))


def _fill(ax: Axes, geoms: Iterable[BaseGeometry], **style: Any) -> None:
    """Polygons as patches: drawn straight with matplotlib, which is several times faster
    than geopandas' plotting (that redraws the whole figure after each call)."""
    polygons = [g for g in geoms if g is not None and not g.is_empty]
    if polygons:
        ax.add_collection(PathCollection([_path(g) for g in polygons], **style))


def _lines(ax: Axes, geoms: Iterable[BaseGeometry], **style: Any) -> None:
    """Lines, and the outlines of polygons."""
    segments: list[np.ndarray] = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            geom = geom.boundary
        segments.extend(np.asarray(part.coords) for part in shapely.get_parts(geom))
    if segments:
        ax.add_collection(LineCollection(segments, **style))


def scale_bar(ax: Axes, bbox: tuple[float, float, float, float]) -> None:
    """A bar of a round length, about a fifth of the map's width, in its lower left."""
    west, south, east, north = bbox
    km_per_degree = 111.32 * _cos((south + north) / 2)
    width_km = (east - west) * km_per_degree
    length = max((n for n in (1, 2, 5, 10, 20, 25, 50, 100, 200) if n <= width_km / 5), default=1)
    x0 = west + (east - west) * 0.04
    y0 = south + (north - south) * 0.04
    half = length / 2 / km_per_degree
    height = (north - south) * 0.008
    for i, colour in enumerate(("black", "white")):
        ax.add_patch(
            Rectangle(
                (x0 + i * half, y0),
                half,
                height,
                facecolor=colour,
                edgecolor="black",
                linewidth=0.6,
                zorder=8,
            )
        )
    for x, text in ((x0, "0"), (x0 + 2 * half, f"{length} km")):
        ax.text(x, y0 + height * 1.8, text, fontsize=6, ha="center", va="bottom", zorder=8)


def north_arrow(ax: Axes) -> None:
    ax.add_patch(
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
        )
    )
    ax.text(
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


def _legend(ax: Axes, drawn: set[str], y: float, compare_label: str | None) -> float:
    """Draw the legend keys (in the dashboard's colours and patterns) from ``y`` down; return
    where it ends."""
    ax.text(0, y, "Legend", fontsize=8, fontweight="bold", va="top")
    y -= 0.05
    rows: list[tuple[str, str]] = [(f"control:{c}", LABELS[c]) for c in COLOURS]
    rows += [(k, LINE_LABELS[k]) for k in ("unmapped", "peacekeeping", "line_of_contact")]
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
            ax.add_patch(Rectangle((0, top - 0.025), 0.1, 0.03, linewidth=0.5, **style))

        if key.startswith("control:"):
            side = key.split(":", 1)[1]
            if side in HATCHES:
                swatch(
                    facecolor=COLOURS[side], hatch=HATCHES[side], edgecolor="#8c510a", alpha=alpha
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
        if entry.shows in ("countries", "rayons", "places", "events"):
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


def print_layout(
    atlas: Atlas,
    day: dt.date,
    changes: Sequence[Change],
    layout: Layout | None = None,
    compare: dt.date | None = None,
    changed: Sequence[Transfer] = (),
) -> Figure:
    """The print map of ``day``; with ``compare``, the land that changed hands between the two
    dates (``changed``) is outlined and listed."""
    layout = layout or Layout()
    state = state_at(atlas, day)
    change = change_on_or_before(list(changes), day)
    earlier = [c.date for c in changes if c.date < (change.date if change else day)]
    with plt.rc_context(RC):
        fig = plt.figure(figsize=layout.inches, dpi=layout.dpi)
        fig.text(
            0.02,
            0.975,
            "Territorial control in Nagorno-Karabakh",
            fontsize=13,
            fontweight="bold",
            va="top",
        )
        subtitle = f"{day.day} {day:%B %Y}"
        if change is not None:
            subtitle += (
                f". {change.label}"
                if change.date == day
                else (f" (as on {change.date.day} {change.date:%B %Y}: {change.label})")
            )
        fig.text(0.02, 0.925, textwrap.shorten(subtitle, 150), fontsize=8.5, va="top")
        ax = fig.add_axes((0.02, 0.17, 0.64, 0.72))
        drawn = draw_map(
            ax, atlas, state, layout.names, layout.bbox, changed, earlier[-1] if earlier else None
        )
        scale_bar(ax, layout.bbox)
        north_arrow(ax)
        panel = fig.add_axes((0.68, 0.17, 0.30, 0.72))
        panel.set_axis_off()
        panel.set_xlim(0, 1)
        panel.set_ylim(0, 1)
        compare_label = None
        if compare is not None:
            first, second = sorted((day, compare))
            compare_label = (
                f"Changed hands, {first.day} {first:%b %Y} to {second.day} {second:%b %Y}"
            )
        y = _legend(panel, drawn, 1.0, compare_label)
        _figures(panel, atlas, state, y - 0.02, compare_label, changed)
        _footer(fig, atlas, state)
    return fig


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
            note = " (within the map's frame)" if side == "azerbaijani" else ""
            ax.text(0, y, f"{SHORT_LABELS[side]}: {km2:,.0f} km²{note}", fontsize=6.5, va="top")
            y -= 0.035
    if compare_label:
        y -= 0.01
        ax.text(0, y, compare_label, fontsize=7, fontweight="bold", va="top")
        y -= 0.04
        for t in changed or ():
            ax.text(
                0,
                y,
                f"{SHORT_LABELS[t.before]} → {SHORT_LABELS[t.after]}: {t.area_km2:,.0f} km²",
                fontsize=6.5,
                va="top",
            )
            y -= 0.035
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
        ax.text(0, y - 0.01, textwrap.fill(note, 48), fontsize=5.8, va="top", color="#8c510a")


def _footer(fig: Figure, atlas: Atlas, state: State) -> None:
    sources = "Sources: " + "; ".join(source_lines(atlas, state))
    text = textwrap.fill(textwrap.shorten(sources, 900, placeholder=" …"), 190)
    fig.text(0.02, 0.15, text, fontsize=4.6, va="top", color="#333333")
    fig.text(0.02, 0.012, ATTRIBUTION, fontsize=5, va="bottom", color="#333333")


def close(fig: Figure) -> None:
    plt.close(fig)
