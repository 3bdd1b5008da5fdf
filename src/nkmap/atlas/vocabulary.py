"""The atlas's vocabulary: the kinds of geometry a layer holds, what a layer shows, who can hold
land, and which layers are timeless. Every module that needs these words takes them from here,
so the model, the checks and the views agree without importing one another."""

from __future__ import annotations

import re

# A layer's kind, and the GeoJSON geometry types each kind accepts.
KINDS = {
    "area": ("Polygon", "MultiPolygon"),
    "line": ("LineString", "MultiLineString"),
    "point": ("Point", "MultiPoint"),
}
# What a layer shows.
SHOWS = frozenset(
    {
        "control",
        "oblast",
        "unmapped",
        "peacekeeping",
        "line_of_contact",
        "events",
        "countries",
        "rayons",
        "places",
        "other",
    }
)
# Who can hold land, in the order figures list them.
CONTROLLERS = ("armenian", "azerbaijani", "russian_peacekeepers")
# The base map: shown on every date, with no dates of its own, and never a change.
BASE_MAP = ("countries", "rayons", "places")
# A layer's id names its file, so it is kept to a safe pattern: lower-case letters, digits and
# '-', nothing after it (not even a newline, which '$' would let through), and none of the
# names Windows reserves for devices (con, nul, com1...), which no file there may have.
ID_PATTERN = re.compile(r"^(?!(?:con|prn|aux|nul|com[1-9]|lpt[1-9])\Z)[a-z0-9][a-z0-9-]{0,62}\Z")
# The region the atlas covers (lon/lat): the South Caucasus around Nagorno-Karabakh, from the
# Araks in the south to Ganja and Yevlakh in the north.
REGION_BBOX: tuple[float, float, float, float] = (44.8, 38.8, 47.7, 41.0)

# The region the built atlas maps (nkmap.derive.atlas.build_region): where every figure is measured.
REGION_NAME = "the mapped region (the former oblast, the seven districts, Goranboy and Tartar)"
