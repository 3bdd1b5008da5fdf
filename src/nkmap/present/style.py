"""How the atlas looks, shared by the interactive map and the static renderer.

Colours are ColorBrewer PuOr, told apart in all common forms of colour blindness; lines are
told apart by their dash pattern as well as their colour, and the corridor is hatched.
"""

from __future__ import annotations

COLOURS = {
    "armenian": "#e66101",
    "azerbaijani": "#5e3c99",
    "russian_peacekeepers": "#fdb863",
}
LABELS = {
    "armenian": "Held by the Armenian side",
    "azerbaijani": "Held by Azerbaijan",
    "russian_peacekeepers": "Lachin corridor (Russian peacekeepers)",
    "unmapped": "Control not mapped",
}
# Layers of other things (as users add them): one colour of their own in the map and in print.
OTHER_COLOUR = "#c51b7d"
# The base map and the edges of fills, shared by the map in the browser (sent in its payload)
# and the print maps.
BASE_COLOURS = {
    "sea": "#dfe9f2",
    "land": "#f4f1ea",
    "rayon": "#b9b2a5",  # district boundaries
    "hatch_edge": "#8c510a",  # the corridor's hatching and outline
    "other_edge": "#8e0152",  # the outline of other layers' areas
    "warning": "#8c510a",  # notes on approximate lines and unavailable base maps
}
# How opaque fills are: the areas held (the base map shows through) and other layers' areas.
OPACITY = {"fill": 0.55, "other": 0.4}
SHORT_LABELS = {
    "armenian": "Armenian side",
    "azerbaijani": "Azerbaijan",
    "russian_peacekeepers": "Lachin corridor (Russian peacekeepers)",
    "unmapped": "not mapped",
}
# Lines and outlines: colour, width (px) and dash pattern ("" for solid).
LINES = {
    "line_of_contact": ("#000000", 2.0, ""),
    "oblast": ("#222222", 1.4, "6 4"),
    "peacekeeping": ("#0571b0", 2.0, "2 5"),
    "unmapped": ("#555555", 1.0, "1 3"),
    "changed": ("#000000", 2.5, "8 3 2 3"),
}
LINE_LABELS = {
    "line_of_contact": "Line of contact",
    "oblast": "Autonomous oblast, 1991 outline",
    "oblast_reference": "Former oblast, 1991 outline (reference)",
    "peacekeeping": "Russian peacekeeping zone",
    "unmapped": "Front not mapped",
    "changed": "Changed hands between the two dates",
}
NAME_FORMS = ("both", "hy", "az")
NAME_FORM_LABELS = {
    "both": "Both forms",
    "hy": "Armenian-derived",
    "az": "Azerbaijani",
}
# Which property of a place holds each name form.
NAME_KEYS = {"both": "name", "hy": "name_hy", "az": "name_az"}
# The international border in print: darker and heavier than the districts' boundaries and
# dash-dot-dot, a pattern no other line of the map uses; colour, width (px) and dash pattern.
BORDER = ("#3b3b3b", 1.6, "6 2 1.5 2 1.5 2")
BORDER_LABEL = "International border"
