"""The naive dashboard, kept only for comparison: the way most Streamlit + folium tutorials build
a time-slider map. On every rerun it reads the catalog and every GeoJSON file, builds a new
folium map of the layers valid on the chosen date, and hands it to st_folium with its default
settings. It is deliberately not optimised; nkmap's dashboard is app.py.

    NKMAP_GEODATA=geodata streamlit run bench/naive_app.py
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import folium
import streamlit as st
from streamlit_folium import st_folium

ROOT = Path(os.environ.get("NKMAP_GEODATA", Path(__file__).resolve().parents[1] / "geodata"))
LEAFLET = (
    Path(__file__).resolve().parents[1]
    / "src"
    / "nkmap"
    / "webmap"
    / "frontend"
    / "vendor"
    / "leaflet"
)


def _inline(path: Path, media: str) -> str:
    return f"data:{media};base64," + base64.b64encode(path.read_bytes()).decode()


# folium fetches Leaflet from a CDN, which this offline machine cannot reach: the same Leaflet
# is given inline instead (and the CDN-only extras it would not use here are left out).
folium.Map.default_js = [("leaflet", _inline(LEAFLET / "leaflet.js", "text/javascript"))]
folium.Map.default_css = [("leaflet_css", _inline(LEAFLET / "leaflet.css", "text/css"))]
COLOURS = {"armenian": "#e66101", "azerbaijani": "#5e3c99", "russian_peacekeepers": "#fdb863"}

st.set_page_config(page_title="naive map", layout="wide")
catalog = json.loads((ROOT / "catalog.json").read_text(encoding="utf-8"))
layers = catalog["layers"]
dates = sorted({layer[k] for layer in layers for k in ("valid_from", "valid_to") if layer.get(k)})
day = st.select_slider("Date", options=dates, value=dates[len(dates) // 2])

m = folium.Map(location=[39.8, 46.6], zoom_start=8, tiles=None)
for layer in layers:
    data = json.loads((ROOT / layer["file"]).read_text(encoding="utf-8"))
    start, end = layer.get("valid_from") or "0000", layer.get("valid_to") or "9999"
    if not start <= day < end:
        continue
    folium.GeoJson(
        data,
        name=layer["title"],
        style_function=lambda f: {
            "fillColor": COLOURS.get(f["properties"].get("controller"), "#999999"),
            "color": "#333333",
            "weight": 1,
            "fillOpacity": 0.5,
        },
        tooltip=layer["title"],
    ).add_to(m)
# The date as a label on the map, which the benchmark watches for.
folium.Marker([40.5, 45.0], icon=folium.DivIcon(html=f'<div data-date="{day}">{day}</div>')).add_to(
    m
)
st_folium(m, width=900, height=600)
