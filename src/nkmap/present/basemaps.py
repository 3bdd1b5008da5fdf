"""The base maps and who is credited for them, in one place: the offline vector base map every
map draws, the optional tile layers of the map in the browser, and the attribution each
needs. The page is sent these in its payload, the print maps write the plain-text form and the
dashboard's sources tab lists them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from nkmap.present.text import escape_markdown, markdown_link


@dataclass(frozen=True)
class Credit:
    """A piece of an attribution: text, linked when ``url`` is given, under ``licence``."""

    text: str
    url: str = ""
    licence: str = ""


@dataclass(frozen=True)
class TileLayer:
    """An optional tile base map, off by default (the offline base map is always drawn)."""

    key: str
    label: str
    url: str
    max_zoom: int
    # The attribution its provider asks for, as pieces in order.
    attribution: tuple[Credit | str, ...]
    subdomains: str = ""


NATURAL_EARTH = Credit("Natural Earth", "https://www.naturalearthdata.com/", "public domain")
GEONAMES = Credit("GeoNames", "https://www.geonames.org/", "CC BY 4.0")
OSM = Credit("OpenStreetMap", "https://www.openstreetmap.org/copyright", "ODbL")
OPENTOPOMAP = Credit("OpenTopoMap", "https://opentopomap.org/", "CC-BY-SA")
LEAFLET = Credit("Leaflet", "https://leafletjs.com/", "BSD-2-Clause")

# The offline base map: countries and districts from Natural Earth, places from GeoNames.
OFFLINE_LABEL = "Offline base map only"
OFFLINE_CREDITS = (NATURAL_EARTH, GEONAMES)

TILE_LAYERS = (
    TileLayer(
        "osm",
        "OpenStreetMap",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        19,
        ("© ", OSM, " contributors"),
    ),
    TileLayer(
        "topo",
        "OpenTopoMap (terrain)",
        "https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png",
        17,
        ("Map data: © ", OSM, " contributors, SRTM | Map style: © ", OPENTOPOMAP, " (CC-BY-SA)"),
        subdomains="abc",
    ),
    TileLayer(
        "satellite",
        "Esri World Imagery (satellite)",
        "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
        18,
        (
            "Tiles © Esri — Source: Esri, i-cubed, USDA, USGS, AEX, GeoEye, Getmapping, "
            "Aerogrid, IGN, IGP, UPR-EGP, and the GIS User Community",
        ),
    ),
)
# The base maps a reader can choose, by key; "none" is the offline base map alone.
BASE_MAPS = ("none", *(t.key for t in TILE_LAYERS))


def attribution_html(pieces: tuple[Credit | str, ...]) -> str:
    """An attribution as HTML for the map's attribution box: text escaped, credits linked and
    opened in a new tab."""
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(html.escape(piece))
        elif piece.url:
            out.append(
                f'<a href="{html.escape(piece.url)}" target="_blank" '
                f'rel="noopener noreferrer">{html.escape(piece.text)}</a>'
            )
        else:
            out.append(html.escape(piece.text))
    return "".join(out)


def offline_attribution_pieces() -> tuple[Credit | str, ...]:
    """The offline base map's attribution: 'Base map: Natural Earth (public domain); places:
    GeoNames (CC BY 4.0)'."""
    return (
        "Base map: ",
        NATURAL_EARTH,
        f" ({NATURAL_EARTH.licence}); places: ",
        GEONAMES,
        f" ({GEONAMES.licence})",
    )


def data_credit(data_version: str) -> str:
    """How every map and file names the atlas and the release of its data."""
    return f"nkmap atlas, data version {data_version}"


def print_attribution(data_version: str) -> str:
    """The line at the foot of every print map."""
    return (
        f"Made with {NATURAL_EARTH.text} ({NATURAL_EARTH.licence}). Places from "
        f"{GEONAMES.text} ({GEONAMES.licence}). "
        f"Map: {data_credit(data_version)}, an open atlas of territorial control in "
        "Nagorno-Karabakh."
    )


def attribution_markdown(pieces: tuple[Credit | str, ...]) -> str:
    """An attribution as Markdown: text escaped, credits linked."""
    return "".join(
        escape_markdown(p) if isinstance(p, str) else markdown_link(p.text, p.url) for p in pieces
    )


def sources_markdown() -> str:
    """The base maps and the map library, credited with their licences, as Markdown lines."""

    def credit(c: Credit) -> str:
        return f"{markdown_link(c.text, c.url)} ({escape_markdown(c.licence)})"

    lines = [
        f"The base map is drawn from {credit(NATURAL_EARTH)} and place positions from "
        f"{credit(GEONAMES)}, and works offline. The map uses {credit(LEAFLET)}. "
        "Optional tile layers, off by default:",
        *(
            f"- {escape_markdown(t.label)}: {attribution_markdown(t.attribution)}"
            for t in TILE_LAYERS
        ),
    ]
    return "\n".join(lines)


def payload_part() -> dict[str, object]:
    """What the page is sent about base maps: the offline base map's attribution and each
    tile layer with its own."""
    return {
        "offline": {
            "label": OFFLINE_LABEL,
            "attribution": attribution_html(offline_attribution_pieces()),
        },
        "tiles": [
            {
                "key": t.key,
                "label": t.label,
                "url": t.url,
                "max_zoom": t.max_zoom,
                "subdomains": t.subdomains,
                "attribution": attribution_html(t.attribution),
            }
            for t in TILE_LAYERS
        ],
        "library": attribution_html((LEAFLET,)),
    }
