"""The whole atlas for the tools its users already work in: one GeoPackage for QGIS (and any
GDAL tool), KML for Google Earth, and CSV of every dated entry (events and settlement
histories) for spreadsheets.

Every feature carries ``valid_from`` / ``valid_to`` (the first day shown and the first day no
longer shown; empty for an open end), so that QGIS's temporal controller ("separate fields for
start and end date/time") and Google Earth's time slider (a ``<TimeSpan>`` per feature) step
through the atlas as the dashboard does.
"""

from __future__ import annotations

import csv
import html
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyogrio.errors import DataSourceError
from pyogrio.raw import write as write_raw
from shapely.geometry.base import BaseGeometry

from nkmap.atlas.catalog import Atlas
from nkmap.atlas.gazetteer import LABELS as HELD_BY
from nkmap.atlas.gazetteer import UNMAPPED, Gazetteer
from nkmap.atlas.tables import COLUMNS, feature_table, sources_text
from nkmap.errors import OutputError
from nkmap.files import replaced, write_atomic
from nkmap.present.basemaps import data_credit
from nkmap.present.style import COLOURS, LINES, OTHER_COLOUR

# The GeoPackage's layers: the atlas's features by geometry (a GeoPackage layer holds one
# geometry type) and the settlements, one row per entry of their history.
GPKG_LAYERS = {"areas": "MultiPolygon", "lines": "MultiLineString", "points": "Point"}
SETTLEMENT_LAYER = "settlements"
DATE_FIELDS = ("valid_from", "valid_to")


def _multi(geom: BaseGeometry, kind: str) -> BaseGeometry:
    if kind == "areas" and geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    if kind == "lines" and geom.geom_type == "LineString":
        return shapely.MultiLineString([geom])
    return geom


def _dates(values: pd.Series) -> np.ndarray[Any, Any]:
    return np.array(values.dt.strftime("%Y-%m-%d").fillna("NaT"), dtype="datetime64[D]")


def _columns(table: pd.DataFrame, names: tuple[str, ...]) -> list[np.ndarray[Any, Any]]:
    out: list[np.ndarray[Any, Any]] = []
    for name in names:
        column = table[name]
        if name in DATE_FIELDS:
            out.append(_dates(column))
        elif name in ("uncertainty_km", "area_km2"):
            out.append(column.astype(float).to_numpy())
        elif name == "approximate":
            out.append(column.astype(bool).to_numpy())
        else:
            out.append(np.array([None if pd.isna(v) else str(v) for v in column], dtype=object))
    return out


def settlement_table(gazetteer: Gazetteer) -> pd.DataFrame:
    """One row per dated entry of every settlement's history, valid until the next entry."""
    rows = []
    for place in gazetteer.settlements:
        for i, entry in enumerate(place.history):
            until = place.history[i + 1].date if i + 1 < len(place.history) else None
            rows.append(
                {
                    "place_id": place.id,
                    "name": place.label,
                    "name_hy": place.name_hy,
                    "name_az": place.name_az,
                    "kind": place.kind,
                    "controller": None if entry.controller == UNMAPPED else entry.controller,
                    "held_by": HELD_BY[entry.controller],
                    "valid_from": pd.Timestamp(entry.date),
                    "valid_to": pd.Timestamp(until) if until else pd.NaT,
                    "precision": entry.precision,
                    "note": entry.note,
                    "sources": sources_text(
                        {"title": s.title, "url": s.url, "licence": s.licence}
                        for s in gazetteer.cite(entry.sources)
                    ),
                    "lat": place.lat,
                    "lon": place.lon,
                }
            )
    table = pd.DataFrame(rows)
    for name in DATE_FIELDS:
        table[name] = pd.to_datetime(table[name])
    return table


SETTLEMENT_COLUMNS = (
    "place_id",
    "name",
    "name_hy",
    "name_az",
    "kind",
    "controller",
    "held_by",
    "valid_from",
    "valid_to",
    "precision",
    "note",
    "sources",
)


def _kind(geom_type: str) -> str:
    if "Polygon" in geom_type:
        return "areas"
    if "Line" in geom_type:
        return "lines"
    return "points"


def _write(
    path: Path,
    layer: str,
    geometry_type: str,
    geoms: list[BaseGeometry],
    columns: list[np.ndarray[Any, Any]],
    names: tuple[str, ...],
    data_version: str,
) -> None:
    """One layer of the GeoPackage (the file is created with the first), its metadata naming
    the atlas and the release of its data."""
    write_raw(
        str(path),
        shapely.to_wkb(np.array(geoms, dtype=object)),
        columns,
        list(names),
        layer=layer,
        driver="GPKG",
        geometry_type=geometry_type,
        crs="EPSG:4326",
        append=path.exists(),
        layer_metadata={"DESCRIPTION": data_credit(data_version), "DATA_VERSION": data_version},
    )


def geopackage(atlas: Atlas, gazetteer: Gazetteer, path: Path) -> dict[str, int]:
    """Write the whole atlas as a GeoPackage at ``path`` (replaced whole, never half written);
    return the number of features in each of its layers."""
    table = feature_table(atlas, atlas.features)
    table["geom_kind"] = [_kind(g.geom_type) for g in table.geometry]
    counts: dict[str, int] = {}
    version = atlas.data_version
    try:
        with replaced(path, ".gpkg") as tmp:
            for kind, geometry_type in GPKG_LAYERS.items():
                part = table[table["geom_kind"] == kind]
                if len(part):
                    geoms = [_multi(g, kind) for g in part.geometry]
                    _write(
                        tmp, kind, geometry_type, geoms, _columns(part, COLUMNS), COLUMNS, version
                    )
                    counts[kind] = len(part)
            places = settlement_table(gazetteer)
            points = [shapely.Point(x, y) for y, x in zip(places.lat, places.lon, strict=True)]
            columns = _columns(places, SETTLEMENT_COLUMNS)
            _write(tmp, SETTLEMENT_LAYER, "Point", points, columns, SETTLEMENT_COLUMNS, version)
            counts[SETTLEMENT_LAYER] = len(places)
    except DataSourceError as exc:
        raise OutputError(f"{path}: the GeoPackage could not be written ({exc})") from None
    return counts


# ---- KML ------------------------------------------------------------------------------------


def _kml_colour(hex_colour: str, opacity: float) -> str:
    """A CSS colour (#rrggbb) as KML's aabbggrr."""
    r, g, b = hex_colour[1:3], hex_colour[3:5], hex_colour[5:7]
    return f"{round(opacity * 255):02x}{b}{g}{r}"


def _kml_styles(doc: ET.Element) -> None:
    def style(sid: str, line: str, width: float, fill: str | None, opacity: float) -> None:
        s = ET.SubElement(doc, "Style", id=sid)
        ls = ET.SubElement(s, "LineStyle")
        ET.SubElement(ls, "color").text = _kml_colour(line, 1.0)
        ET.SubElement(ls, "width").text = f"{width:g}"
        ps = ET.SubElement(s, "PolyStyle")
        ET.SubElement(ps, "color").text = _kml_colour(fill or line, opacity)
        ET.SubElement(ps, "fill").text = "1" if fill else "0"

    for controller, colour in COLOURS.items():
        style(controller, colour, 1, colour, 0.55)
    style("unmapped", "#555555", 1, "#bdbdbd", 0.5)
    for kind, (colour, width, _) in LINES.items():
        style(kind, colour, width, None, 0)
    style("other", OTHER_COLOUR, 1.5, OTHER_COLOUR, 0.4)


def _coords(ring: Any) -> str:
    return " ".join(f"{x:.5f},{y:.5f}" for x, y in ring.coords)


def _kml_geometry(parent: ET.Element, geom: BaseGeometry) -> None:
    kind = geom.geom_type
    if kind.startswith("Multi") or kind == "GeometryCollection":
        multi = ET.SubElement(parent, "MultiGeometry")
        for part in shapely.get_parts(geom):
            _kml_geometry(multi, part)
    elif kind == "Polygon":
        poly = ET.SubElement(parent, "Polygon")
        outer = ET.SubElement(ET.SubElement(poly, "outerBoundaryIs"), "LinearRing")
        ET.SubElement(outer, "coordinates").text = _coords(geom.exterior)
        for hole in geom.interiors:
            inner = ET.SubElement(ET.SubElement(poly, "innerBoundaryIs"), "LinearRing")
            ET.SubElement(inner, "coordinates").text = _coords(hole)
    elif kind == "LineString":
        ET.SubElement(ET.SubElement(parent, "LineString"), "coordinates").text = _coords(geom)
    elif kind == "Point":
        ET.SubElement(
            ET.SubElement(parent, "Point"), "coordinates"
        ).text = f"{geom.x:.5f},{geom.y:.5f}"


def _time_span(parent: ET.Element, start: Any, end: Any) -> None:
    if pd.isna(start) and pd.isna(end):
        return
    span = ET.SubElement(parent, "TimeSpan")
    if not pd.isna(start):
        ET.SubElement(span, "begin").text = f"{start:%Y-%m-%d}"
    if not pd.isna(end):
        ET.SubElement(span, "end").text = f"{end:%Y-%m-%d}"


def _description(lines: list[str]) -> str:
    """Google Earth reads a description as HTML: every line is escaped for HTML here (and
    for XML by the writer), so that layer text is shown as typed, never as markup."""
    return "<br>".join(html.escape(line) for line in lines if line)


def _style_id(row: pd.Series) -> str:
    if row["shows"] == "control" and row["controller"] in COLOURS:
        return str(row["controller"])
    if row["shows"] in LINES or row["shows"] == "unmapped":
        return str(row["shows"])
    return "other"


def kml(atlas: Atlas, gazetteer: Gazetteer) -> bytes:
    """The atlas's dated features and the settlements' histories as KML, each with its
    ``<TimeSpan>``, in the atlas's colours."""
    root = ET.Element("kml", xmlns="http://www.opengis.net/kml/2.2")
    doc = ET.SubElement(root, "Document")
    ET.SubElement(doc, "name").text = "nkmap: territorial control in Nagorno-Karabakh"
    ET.SubElement(doc, "description").text = html.escape(data_credit(atlas.data_version))
    _kml_styles(doc)
    dated = atlas.features[~atlas.features["shows"].isin(("countries", "rayons", "places"))]
    table = feature_table(atlas, dated)
    folders: dict[str, ET.Element] = {}
    for _, row in table.iterrows():
        title = str(row["layer_title"])
        if title not in folders:
            folders[title] = ET.SubElement(doc, "Folder")
            ET.SubElement(folders[title], "name").text = title
        mark = ET.SubElement(folders[title], "Placemark")
        ET.SubElement(mark, "name").text = str(row["name"])
        _time_span(mark, row["valid_from"], row["valid_to"])
        ET.SubElement(mark, "styleUrl").text = f"#{_style_id(row)}"
        ET.SubElement(mark, "description").text = _description(
            [
                str(row["held_by"]),
                str(row["description"]),
                f"Method: {row['method']}",
                f"Uncertainty: {row['uncertainty_km']:g} km"
                + (" (approximate)" if row["approximate"] else ""),
                f"Sources: {row['sources']}",
            ]
        )
        _kml_geometry(mark, row.geometry)
    places = ET.SubElement(doc, "Folder")
    ET.SubElement(places, "name").text = "Settlements: who held each, by date"
    for _, row in settlement_table(gazetteer).iterrows():
        mark = ET.SubElement(places, "Placemark")
        ET.SubElement(mark, "name").text = str(row["name"])
        _time_span(mark, row["valid_from"], row["valid_to"])
        ET.SubElement(mark, "description").text = _description(
            [str(row["held_by"]), str(row["note"]), f"Sources: {row['sources']}"]
        )
        ET.SubElement(
            ET.SubElement(mark, "Point"), "coordinates"
        ).text = f"{row['lon']:.5f},{row['lat']:.5f}"
    ET.indent(root, space=" ")
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


# ---- CSV ------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "data_version",
    "record",
    "date",
    "until",
    "precision",
    "place_id",
    "place",
    "lat",
    "lon",
    "controller",
    "held_by",
    "title",
    "note",
    "sources",
)


def _csv_rows(atlas: Atlas, gazetteer: Gazetteer) -> Iterator[dict[str, Any]]:
    events = atlas.features[atlas.features["shows"] == "events"]
    for _, row in feature_table(atlas, events).iterrows():
        geom = row.geometry
        yield {
            "data_version": atlas.data_version,
            "record": "event",
            "date": f"{row['valid_from']:%Y-%m-%d}",
            "until": "",
            "precision": "day",
            "place_id": "",
            "place": "",
            "lat": f"{geom.y:.5f}" if geom.geom_type == "Point" else "",
            "lon": f"{geom.x:.5f}" if geom.geom_type == "Point" else "",
            "controller": "",
            "held_by": "",
            "title": row["name"],
            "note": row["description"],
            "sources": row["sources"],
        }
    for _, row in settlement_table(gazetteer).iterrows():
        yield {
            "data_version": atlas.data_version,
            "record": "settlement",
            "date": f"{row['valid_from']:%Y-%m-%d}",
            "until": "" if pd.isna(row["valid_to"]) else f"{row['valid_to']:%Y-%m-%d}",
            "precision": row["precision"],
            "place_id": row["place_id"],
            "place": row["name"],
            "lat": f"{row['lat']:.5f}",
            "lon": f"{row['lon']:.5f}",
            "controller": row["controller"] or "",
            "held_by": row["held_by"],
            "title": "",
            "note": row["note"],
            "sources": row["sources"],
        }


def _csv_safe(value: Any) -> str:
    """A cell as text; one that a spreadsheet would run as a formula is prefixed with an
    apostrophe, so that it is shown as typed."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_bytes(atlas: Atlas, gazetteer: Gazetteer) -> bytes:
    """Every dated entry, one row each: the events and each settlement's history, by date."""
    rows = sorted(_csv_rows(atlas, gazetteer), key=lambda r: (r["date"], r["record"]))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_safe(v) for k, v in row.items()})
    return out.getvalue().encode("utf-8")


def atlas_file(atlas: Atlas, gazetteer: Gazetteer, fmt: str, path: Path) -> str:
    """Write the whole atlas in ``fmt`` (gpkg, kml or csv) to ``path``; return a summary."""
    if fmt == "gpkg":
        counts = geopackage(atlas, gazetteer, path)
        return ", ".join(f"{layer} {n}" for layer, n in counts.items())
    data = kml(atlas, gazetteer) if fmt == "kml" else csv_bytes(atlas, gazetteer)
    write_atomic(path, data)
    return f"{len(data):,} bytes"
