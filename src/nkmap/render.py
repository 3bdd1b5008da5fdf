"""A static map of the state on a date, drawn server-side with matplotlib (works offline)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from nkmap.catalog import Atlas
from nkmap.geometry import REGION_BBOX
from nkmap.style import COLOURS, LABELS, NAME_KEYS
from nkmap.timeline import State


def draw_state(atlas: Atlas, state: State, names: str = "both") -> Figure:
    """Draw the map of ``state``: control areas, the unmapped front, lines of contact, the
    oblast outline and towns."""
    day = state.date
    f = state.features
    fig, ax = plt.subplots(figsize=(8, 7), dpi=100)
    ax.set_facecolor("#dfe9f2")
    for shows, face, edge in (("countries", "#f4f1ea", "#8a8a8a"), ("rayons", "none", "#c8c2b6")):
        layer = f[f["shows"] == shows]
        if len(layer):
            layer.plot(ax=ax, facecolor=face, edgecolor=edge, linewidth=0.5)
    control = state.control
    for controller, colour in COLOURS.items():
        part = control[control["controller"] == controller]
        if len(part):
            hatch = "////" if controller == "russian_peacekeepers" else None
            part.plot(
                ax=ax, facecolor=colour, edgecolor="white", linewidth=0.3, alpha=0.75, hatch=hatch
            )
    unmapped = f[f["shows"] == "unmapped"]
    if len(unmapped):
        unmapped.plot(ax=ax, facecolor="none", edgecolor="#555555", hatch="..", linewidth=0.5)
    oblast = atlas.features[atlas.features["shows"] == "oblast"]
    if len(oblast):
        oblast.boundary.plot(ax=ax, color="#222222", linewidth=0.8, linestyle="--")
    lines = f[f["shows"] == "line_of_contact"]
    if len(lines):
        lines.plot(ax=ax, color="#b2182b", linewidth=1.4)
    key = NAME_KEYS[names]
    for props, geom in zip(
        f[f["shows"] == "places"]["properties"], f[f["shows"] == "places"].geometry, strict=True
    ):
        ax.plot(geom.x, geom.y, "o", color="#222222", markersize=2.5)
        ax.annotate(
            str(props.get(key, "")).replace("$", r"\$"),  # "$" starts mathtext
            (geom.x, geom.y),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize=6.5,
            annotation_clip=True,
        )
    west, south, east, north = REGION_BBOX
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / 0.77)  # about 1/cos(39.7 deg): metres east and north look alike
    ax.set_xticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_yticks([])
    handles = [
        Patch(facecolor=COLOURS[c], label=LABELS[c])
        for c in COLOURS
        if (control["controller"] == c).any()
    ]
    if len(unmapped):
        handles.append(
            Patch(facecolor="none", hatch="..", edgecolor="#555555", label="Front not mapped")
        )
    if len(oblast):
        handles.append(
            Patch(
                facecolor="none", edgecolor="#222222", linestyle="--", label="Oblast outline (1991)"
            )
        )
    ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)
    ax.set_title(f"Territorial control on {day:%d %B %Y}", fontsize=11)
    fig.text(0.01, 0.01, "Made with Natural Earth; places from GeoNames (CC BY 4.0)", fontsize=6)
    fig.tight_layout()
    return fig


def close(fig: Figure) -> None:
    plt.close(fig)
