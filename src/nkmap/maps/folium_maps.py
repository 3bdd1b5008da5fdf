"""folium maps of the atlas for notebooks: the state on a date (optionally compared with
another date) and a map that steps through every change date in the browser.

They use the atlas's own symbology (nkmap.present.style), carry a legend, and give every
feature a tooltip and a popup with its dates, method, uncertainty and sources. Every text that
comes from a layer is escaped here, once, before folium sees it: folium's tooltips and popups
insert their values as HTML. Leaflet is inlined from the copy nkmap ships, so the maps work
offline and the saved HTML stands alone.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import folium
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template
from shapely.geometry.base import BaseGeometry

from nkmap.atlas.catalog import Atlas
from nkmap.atlas.entries import Source
from nkmap.atlas.tables import feature_sources, feature_table
from nkmap.atlas.timeline import Timeline, state_at, transfers
from nkmap.atlas.vocabulary import BASE_MAP, REGION_BBOX
from nkmap.present.basemaps import LEAFLET as LEAFLET_CREDIT
from nkmap.present.basemaps import OFFLINE_CREDITS, attribution_html, data_credit
from nkmap.present.style import (
    BASE_COLOURS,
    COLOURS,
    LABELS,
    LINE_LABELS,
    LINES,
    NAME_FORMS,
    NAME_KEYS,
    OPACITY,
    OTHER_COLOUR,
    SHORT_LABELS,
)
from nkmap.present.text import escape_html, html_link
from nkmap.webmap.payload import FRONTEND, display_geometry

LEAFLET = FRONTEND / "vendor" / "leaflet"
UNMAPPED_FILL = "#bdbdbd"


def _data_uri(path: str, media: str) -> str:
    return f"data:{media};base64," + base64.b64encode((LEAFLET / path).read_bytes()).decode()


def _offline(m: folium.Map) -> None:
    """Leaflet from the copy nkmap ships, inlined; none of folium's other libraries (jQuery,
    Bootstrap, icon fonts) is needed by these maps."""
    m.default_js = [("leaflet", _data_uri("leaflet.js", "text/javascript"))]
    m.default_css = [("leaflet_css", _data_uri("leaflet.css", "text/css"))]


def _page(m: folium.Map) -> Figure:
    root = m.get_root()
    assert isinstance(root, Figure)
    return root


def _date(value: Any) -> str:
    return "open" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%-d %B %Y}"


# A popup lists a feature's sources up to this many; a layer built from many (the control
# layers cite every settlement's sources) lists them once, in the map's "Sources" panel.
POPUP_SOURCES = 4


def _sources_html(sources: list[Source]) -> str:
    return "<br>".join(f"{html_link(s.title, s.url)} ({escape_html(s.licence)})" for s in sources)


def _texts(row: pd.Series, sources: list[Source]) -> tuple[str, str]:
    """A feature's tooltip and popup, as escaped HTML."""
    tip = escape_html(row["name"])
    if row["held_by"]:
        tip += f" &middot; {escape_html(row['held_by'])}"
    approx = "approximate, " if row["approximate"] else ""
    if len(sources) > POPUP_SOURCES:
        cited = (
            f"{len(sources)} sources, listed under <i>Sources</i> (top right); the first "
            f"{POPUP_SOURCES}:<br>{_sources_html(sources[:POPUP_SOURCES])}"
        )
    else:
        cited = _sources_html(sources)
    popup = (
        f"<b>{escape_html(row['name'])}</b><br>"
        + (f"{escape_html(row['description'])}<br>" if row["description"] else "")
        + f"Layer: {escape_html(row['layer_title'])}<br>"
        + f"Shown {_date(row['valid_from'])} &ndash; {_date(row['valid_to'])}<br>"
        + f"Method: {escape_html(row['method'])}<br>"
        + f"Uncertainty: {approx}&plusmn;{escape_html(row['uncertainty_km'])} km<br>"
        + f"Sources: {cited}"
    )
    return tip, f'<div style="max-width:340px;max-height:260px;overflow:auto">{popup}</div>'


def _sources_panel(atlas: Atlas, layers: list[str]) -> Element:
    """Every source of the layers on the map, once per layer, in a panel that opens."""
    parts = []
    for layer_id in dict.fromkeys(layers):
        entry = atlas.entry(layer_id)
        parts.append(
            f"<p><b>{escape_html(entry.title)}</b> ({len(entry.sources)})<br>"
            f"{_sources_html(list(entry.sources))}</p>"
        )
    return Element(
        '<details class="nk-sources" style="position:fixed;top:10px;right:10px;z-index:1000;'
        "background:rgba(255,255,255,.95);padding:6px 9px;border-radius:4px;max-width:360px;"
        'font:12px/1.45 system-ui,sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)">'
        '<summary style="cursor:pointer;font-weight:600">Sources</summary>'
        '<div style="max-height:60vh;overflow:auto">' + "".join(parts) + "</div></details>"
    )


def _style(shows: str, controller: str | None) -> dict[str, Any]:
    if shows == "control" and controller in COLOURS:
        return {
            "fillColor": COLOURS[controller],
            "fillOpacity": OPACITY["fill"],
            "color": BASE_COLOURS["hatch_edge"]
            if controller == "russian_peacekeepers"
            else COLOURS[controller],
            "weight": 0.6,
        }
    if shows == "unmapped":
        colour, width, dash = LINES["unmapped"]
        return {
            "fillColor": UNMAPPED_FILL,
            "fillOpacity": 0.5,
            "color": colour,
            "weight": width,
            "dashArray": dash,
        }
    if shows == "events":  # as in print: a white dot ringed in black
        return {"color": "#000000", "weight": 2, "fillColor": "#ffffff", "fillOpacity": 1}
    if shows in LINES:
        colour, width, dash = LINES[shows]
        return {"color": colour, "weight": width, "dashArray": dash, "fill": False}
    return {
        "fillColor": OTHER_COLOUR,
        "fillOpacity": OPACITY["other"],
        "color": BASE_COLOURS["other_edge"],
        "weight": 1.2,
    }


def _features(atlas: Atlas, features: pd.DataFrame, table: pd.DataFrame) -> list[dict[str, Any]]:
    """Display features (simplified below each layer's uncertainty) carrying only their style,
    escaped texts and dates: nothing else of a layer reaches the page. ``table`` is the
    features' :func:`feature_table`, row for row."""
    out = []
    for (_, row), props in zip(table.iterrows(), features["properties"], strict=True):
        tip, popup = _texts(row, feature_sources(atlas.entry(row["layer"]), props or {}))
        geometry = _drawable(row.geometry)
        if geometry is None:
            continue
        out.append(
            {
                "type": "Feature",
                "geometry": display_geometry(geometry, float(row["uncertainty_km"])),
                "properties": {
                    "tip": tip,
                    "popup": popup,
                    "style": _style(row["shows"], row["controller"]),
                    "from": None if pd.isna(row["valid_from"]) else f"{row['valid_from']:%Y-%m-%d}",
                    "to": None if pd.isna(row["valid_to"]) else f"{row['valid_to']:%Y-%m-%d}",
                    "point": row["kind"] == "point",
                },
            }
        )
    return out


def _drawable(geom: BaseGeometry) -> BaseGeometry | None:
    """The geometry as Leaflet's GeoJSON layer draws it: a collection is split into its
    polygons, lines or points (whichever it holds most of); None when nothing is left."""
    if geom.is_empty:
        return None
    if geom.geom_type != "GeometryCollection":
        return geom
    parts = [g for g in shapely.get_parts(geom) if not g.is_empty]
    for kinds, make in (
        (("Polygon", "MultiPolygon"), shapely.MultiPolygon),
        (("LineString", "MultiLineString"), shapely.MultiLineString),
        (("Point", "MultiPoint"), shapely.MultiPoint),
    ):
        found = [p for g in parts if g.geom_type in kinds for p in shapely.get_parts(g)]
        if found:
            return make(found)
    return None


def _layer(features: list[dict[str, Any]], name: str) -> folium.GeoJson:
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        style_function=lambda f: f["properties"]["style"],
        marker=folium.CircleMarker(radius=4, fill=True, fill_opacity=0.9, weight=1),
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False),
    )


def _base_map(atlas: Atlas, names: str) -> folium.Map:
    """A map framed on the region, with the offline base map (countries, districts, places
    named in the chosen form) and its attribution."""
    if names not in NAME_FORMS:
        from nkmap.errors import OptionError

        raise OptionError(f"names: expected one of {', '.join(NAME_FORMS)}, got {names!r}")
    west, south, east, north = REGION_BBOX
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=8,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
    )
    _offline(m)
    _page(m).header.add_child(
        Element(f"<style>.leaflet-container {{ background: {BASE_COLOURS['sea']}; }}</style>")
    )
    m.fit_bounds([[south, west], [north, east]])
    base = atlas.features[atlas.features["shows"].isin(BASE_MAP)]
    countries = base[base["shows"] == "countries"]
    if len(countries):
        folium.GeoJson(
            json.loads(countries[["geometry"]].to_json()),
            name="Countries",
            style_function=lambda f: {
                "fillColor": BASE_COLOURS["land"],
                "fillOpacity": 1,
                "color": "#8c8c8c",
                "weight": 1,
            },
            interactive=False,
        ).add_to(m)
    rayons = base[base["shows"] == "rayons"]
    if len(rayons):
        folium.GeoJson(
            json.loads(rayons[["geometry"]].to_json()),
            name="Districts",
            style_function=lambda f: {"color": BASE_COLOURS["rayon"], "weight": 0.7, "fill": False},
            interactive=False,
        ).add_to(m)
    places = base[base["shows"] == "places"]
    if len(places):
        # Named in a tooltip that reads from the layer's data (made safe by folium's tojson),
        # never from text pasted into the page's script.
        features = [
            {
                "type": "Feature",
                "geometry": display_geometry(place.geometry, 0.0),
                "properties": {
                    "tip": escape_html(
                        (place["properties"] or {}).get(NAME_KEYS[names])
                        or (place["properties"] or {}).get("name")
                        or ""
                    )
                },
            }
            for _, place in places.iterrows()
        ]
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name="Places",
            marker=folium.CircleMarker(
                radius=2.5,
                color="#333333",
                weight=1,
                fill=True,
                fill_color="#ffffff",
                fill_opacity=1,
            ),
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        ).add_to(m)
    credits = tuple(part for c in OFFLINE_CREDITS for part in (c, f" ({c.licence}) "))
    m.add_child(
        _Attribution(
            attribution_html(("Base map: ", *credits, "| ", data_credit(atlas.data_version)))
        )
    )
    return m


def _legend(entries: list[tuple[str, dict[str, Any]]], title: str) -> Element:
    rows = []
    for label, style in entries:
        if style.get("fill", True) is False:
            swatch = (
                f'<svg width="22" height="10"><line x1="0" y1="5" x2="22" y2="5" '
                f'stroke="{style["color"]}" stroke-width="{style["weight"]}" '
                f'stroke-dasharray="{style.get("dashArray", "")}"/></svg>'
            )
        else:
            swatch = (
                f'<span style="display:inline-block;width:18px;height:11px;'
                f"background:{style['fillColor']};opacity:{max(style['fillOpacity'], 0.6)};"
                f'border:1px solid {style["color"]}"></span>'
            )
        rows.append(f"<div>{swatch} {escape_html(label)}</div>")
    return Element(
        '<details class="nk-legend" open style="position:absolute;top:84px;left:10px;'
        "z-index:1000;background:rgba(255,255,255,.92);padding:6px 9px;border-radius:4px;"
        "max-width:min(300px,70vw);font:12px/1.5 system-ui,sans-serif;"
        'box-shadow:0 1px 4px rgba(0,0,0,.3)">'
        f'<summary style="cursor:pointer;font-weight:600">{escape_html(title)}</summary>'
        + "".join(rows)
        + "</details>"
        # Folded on a phone-sized window, where it would cover much of the map.
        + "<script>if (innerWidth < 600) document.querySelectorAll('.nk-legend')"
        ".forEach(function (d) { d.open = false; });</script>"
    )


def _legend_entries(table: pd.DataFrame) -> list[tuple[str, dict[str, Any]]]:
    entries: list[tuple[str, dict[str, Any]]] = []
    control = table[table["shows"] == "control"]
    for controller in COLOURS:
        if (control["controller"] == controller).any():
            entries.append((LABELS[controller], _style("control", controller)))
    if (table["shows"] == "unmapped").any():
        entries.append((LABELS["unmapped"], _style("unmapped", None)))
    for shows in ("line_of_contact", "peacekeeping", "oblast"):
        if (table["shows"] == shows).any():
            entries.append((LINE_LABELS[shows], _style(shows, None)))
    if (table["shows"] == "events").any():
        entries.append(("Events of this date", _style("events", None)))
    for title in dict.fromkeys(table[table["shows"] == "other"]["layer_title"]):
        entries.append((str(title), _style("other", None)))
    return entries


def state_map(
    atlas: Atlas, day: dt.date, compare: dt.date | None = None, names: str = "both"
) -> folium.Map:
    """The map of ``day``: areas held, lines and the day's events (events of earlier days are
    left to the timeline); with ``compare``, the land that changed hands is outlined."""
    m = _base_map(atlas, names)
    state = state_at(atlas, day).features
    state = state[~state["shows"].isin(BASE_MAP)]
    events = state["shows"] == "events"
    state = state[~events | (state["valid_from"] == day)]
    table = feature_table(atlas, state)
    _layer(_features(atlas, state, table), "State").add_to(m)
    title = f"{day:%-d %B %Y}"
    entries = _legend_entries(table)
    if compare is not None:
        early, late = sorted((day, compare))
        moved = transfers(atlas, early, late)
        style = _style("changed", None)
        features = []
        for t in moved:
            shape = _drawable(t.geometry)
            if shape is None:
                continue
            before, after = SHORT_LABELS[t.before], SHORT_LABELS[t.after]
            features.append(
                {
                    "type": "Feature",
                    "geometry": display_geometry(shape, 0.5),
                    "properties": {
                        "tip": escape_html(f"{before} → {after}: {t.area_km2:,.0f} km²"),
                        "popup": escape_html(
                            f"Held by: {before} on {early:%-d %B %Y}; {after} on "
                            f"{late:%-d %B %Y}. {t.area_km2:,.0f} km²."
                        ),
                        "style": style,
                    },
                }
            )
        if features:
            _layer(features, "Changed hands").add_to(m)
            entries.append((LINE_LABELS["changed"], style))
        title = f"{title}, compared with {compare:%-d %B %Y}"
    _page(m).html.add_child(_legend(entries, title))
    _page(m).html.add_child(_sources_panel(atlas, list(table["layer"])))
    return m


def _script_json(value: Any) -> str:
    """JSON that is safe to sit inside a script element."""
    return (
        json.dumps(value, ensure_ascii=True)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


class _Attribution(MacroElement):
    """A credit in the map's attribution box (HTML made by nkmap.present.basemaps)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.setPrefix({{ this.prefix_json }});
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text_json }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "NkAttribution"
        self.text_json = _script_json(text)
        self.prefix_json = _script_json(attribution_html((LEAFLET_CREDIT,)))


class _TimeBar(MacroElement):
    """A time bar under the map: a slider over the change dates, with the date and what
    happened then; each step shows the features valid on that date and hides the rest."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div id="nk-timebar" style="position:fixed;left:50%;transform:translateX(-50%);
             bottom:24px;z-index:1000;background:rgba(255,255,255,.95);padding:6px 10px;
             border-radius:4px;font:13px/1.4 system-ui,sans-serif;width:min(640px,90vw);
             box-shadow:0 1px 4px rgba(0,0,0,.3)">
          <button type="button" id="nk-prev" aria-label="Previous change">&#9664;</button>
          <input type="range" id="nk-slider" min="0" max="{{ this.count - 1 }}"
                 value="{{ this.count - 1 }}" style="width:60%;vertical-align:middle"
                 aria-label="Change date">
          <button type="button" id="nk-next" aria-label="Next change">&#9654;</button>
          <div id="nk-when" style="font-weight:600"></div>
          <div id="nk-what" style="font-size:12px;color:#333"></div>
        </div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
          const dates = {{ this.dates_json }};
          const layer = {{ this.layer.get_name() }};
          const all = [];
          layer.eachLayer(function (l) { all.push(l); });
          const slider = document.getElementById("nk-slider");
          const when = document.getElementById("nk-when");
          const what = document.getElementById("nk-what");
          function show(i) {
            const day = dates[i].date;
            all.forEach(function (l) {
              const p = l.feature.properties;
              const on = (p.from === null || p.from <= day) && (p.to === null || day < p.to)
                && (!p.point || p.from === day);
              if (on && !layer.hasLayer(l)) layer.addLayer(l);
              if (!on && layer.hasLayer(l)) layer.removeLayer(l);
            });
            when.textContent = dates[i].long;
            what.textContent = dates[i].label;
            slider.value = String(i);
          }
          slider.addEventListener("input", function () { show(Number(slider.value)); });
          document.getElementById("nk-prev").addEventListener("click", function () {
            show(Math.max(0, Number(slider.value) - 1));
          });
          document.getElementById("nk-next").addEventListener("click", function () {
            show(Math.min(dates.length - 1, Number(slider.value) + 1));
          });
          show(dates.length - 1);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, layer: folium.GeoJson, dates: list[dict[str, str]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "NkTimeBar"
        self.layer = layer
        self.count = len(dates)
        # The labels are set as text by the script (textContent), never parsed as HTML; the
        # JSON is made safe to sit inside a script element.
        self.dates_json = _script_json(dates)


def timeline_map(atlas: Atlas, names: str = "both") -> folium.Map:
    """A map that steps through every change date in the browser: each dated feature is sent
    once with its dates, and the time bar shows those valid on the chosen date."""
    m = _base_map(atlas, names)
    timeline = Timeline.of(atlas)
    dated = atlas.features[~atlas.features["shows"].isin(BASE_MAP)]
    table = feature_table(atlas, dated)
    layer = _layer(_features(atlas, dated, table), "Control through time")
    layer.add_to(m)
    dates = [
        {"date": c.date.isoformat(), "long": f"{c.date:%-d %B %Y}", "label": c.label}
        for c in timeline.changes
    ]
    m.add_child(_TimeBar(layer, dates))
    _page(m).html.add_child(_legend(_legend_entries(table), "Territorial control"))
    _page(m).html.add_child(_sources_panel(atlas, list(table["layer"])))
    return m
