"""Derive every layer of geodata/ from Natural Earth, GeoNames and the settlement gazetteer.

The construction, in short (each step is a function below or in :mod:`nkmap.derive.cells` and
:mod:`nkmap.derive.control`):

1. The oblast: Natural Earth's ``Former USSR oblast in 1991`` pieces, ends snapped, polygonised.
2. The 1994 line: Natural Earth's ``Ceasefire Line 1994`` pieces merged into one line, prolonged
   straight on at both ends until it crosses the (generalised) country border.
3. Cells: the oblast and the rayons around it are cut along the oblast boundary, the 1994 line
   and the seven districts' boundaries, and each piece is divided among the gazetteer's
   settlements by nearest distance. One cell per settlement; cells never change.
4. Stages: every date on which any settlement changes hands starts a stage. On it each cell is
   held by whoever held its settlement; the Lachin corridor is a 5 km band along the road then
   in use. The Azerbaijani-held area is the rest of the mapped region; nothing outside the
   region is filled, so the map's fills follow borders, never the map's frame.
5. Layers: one control layer per period (first war, 1994-2020, second war, 2020-2023, after
   2023) holding one feature per side and stage; the not-mapped cells; the lines of contact;
   the peacekeeping zone; events; the base map.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points, unary_union

from nkmap.atlas.gazetteer import LABELS, Gazetteer, load_gazetteer
from nkmap.atlas.geojson import collection_text, feature
from nkmap.atlas.geometry import to_lonlat, to_metres
from nkmap.atlas.vocabulary import REGION_BBOX
from nkmap.derive.cells import polygonal, tessellate
from nkmap.derive.construct import (
    extend_ends,
    merge_line,
    part_containing,
    polygonise,
    snap_endpoints,
    split_by_line,
)
from nkmap.derive.control import Route, context, derive_stages, describe_changes, stage_dates
from nkmap.derive.events import EVENTS, Event
from nkmap.derive.places import DISAGREEMENT_KM, PLACES, Place
from nkmap.derive.sources import CITED, GEONAMES, NATURAL_EARTH

# The data release this code derives (geodata/CHANGES.md lists every release).
DATA_VERSION = "2026.11.30"

GRID = 1e-5  # output coordinates are snapped to this grid (about 1 m)
SLIVER_M2 = 2e5  # pieces under 0.2 km2 left by overlaying generalised data are dropped
FRAME_BBOX = REGION_BBOX
BASEMAP_BBOX = (43.8, 38.3, 48.6, 41.4)  # rayons and towns
COUNTRIES_BBOX = (41.0, 36.5, 51.5, 43.0)  # countries, provinces: enough for a wide window

# Natural Earth names for the rayons used below (its ``name`` column). Two entries are
# mislabelled there: the Lachin rayon is stored as "Lankaran" (gn_name "Lacin Rayonu"); the
# rayon named "Xocalı" has gn_name "Xankandi Sahari" and the city named "Stepanakert" has
# gn_name "Xocali Rayonu".
RAYON_NAMES = {
    "Kəlbəcər": "Kalbajar",
    "Lankaran": "Lachin",
    "Qubadli": "Qubadli",
    "Zəngilan": "Zangilan",
    "Cəbrayıl": "Jabrayil",
    "Füzuli": "Fuzuli",
    "Ağdam": "Aghdam",
    "Tərtər": "Tartar",
    "Goranboy": "Goranboy",
    "Xocavənd": "Khojavend",
    "Xocalı": "Khojaly",
    "Stepanakert": "Khankendi (city)",
}
SEVEN_DISTRICT_NAMES = ("Kalbajar", "Lachin", "Qubadli", "Zangilan", "Jabrayil", "Fuzuli", "Aghdam")


@dataclass
class Sources:
    nkao_pieces: list[LineString]
    line_pieces: list[LineString]
    countries: gpd.GeoDataFrame
    provinces: gpd.GeoDataFrame
    provinces_wide: gpd.GeoDataFrame
    geonames: dict[str, tuple[float, float]]


def read_sources(natural_earth: Path, geonames: Path) -> Sources:
    """Read the Natural Earth GeoPackage (its three layers, by name) and GeoNames' cities."""
    read = {"engine": "pyogrio", "bbox": BASEMAP_BBOX}
    borders = gpd.read_file(natural_earth, layer="disputed_borders", **read)
    countries = gpd.read_file(
        natural_earth, layer="countries", engine="pyogrio", bbox=COUNTRIES_BBOX
    )
    provinces = gpd.read_file(natural_earth, layer="states_provinces", **read)
    # The base map reaches further (a wide window); the construction uses the rayons above.
    wide = gpd.read_file(
        natural_earth, layer="states_provinces", engine="pyogrio", bbox=COUNTRIES_BBOX
    )

    def pieces(name: str) -> list[LineString]:
        out: list[LineString] = []
        for geom in borders[borders["name"] == name].geometry:
            parts = geom.geoms if isinstance(geom, MultiLineString) else [geom]
            out.extend(to_metres(p) for p in parts)
        return out

    names = {p.geonames for p in PLACES}
    found: dict[str, tuple[float, float]] = {}
    with open(geonames, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["name"] in names and row["cc"] in ("AZ", "AM"):
                found.setdefault(row["name"], (float(row["lat"]), float(row["lon"])))
    return Sources(
        pieces("Former USSR oblast in 1991"),
        pieces("Ceasefire Line 1994"),
        countries,
        provinces,
        wide,
        found,
    )


# --------------------------------------------------------------------------------------------
# Places


@dataclass
class PlacedTown:
    place: Place
    lat: float
    lon: float
    source: str
    note: str
    gazetteer_names: tuple[str, str] | None = None  # (Armenian-derived, Azerbaijani)

    @property
    def names(self) -> tuple[str, str]:
        """Both forms: the gazetteer's, for a town it holds (one home for each place's names)."""
        return self.gazetteer_names or (self.place.name_hy, self.place.name_az)

    @property
    def label(self) -> str:
        hy, az = self.names
        return hy if hy.casefold() == az.casefold() else f"{hy} / {az}"

    @property
    def point_m(self) -> Point:
        return to_metres(Point(self.lon, self.lat))


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points, in km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def place_towns(
    geonames: dict[str, tuple[float, float]], gaz: Gazetteer | None = None
) -> dict[str, PlacedTown]:
    """Each town's label position: the gazetteer's cited coordinate of the town itself where
    the gazetteer has it, else GeoNames (or the fact sheet's position where it differs from
    GeoNames by more than DISAGREEMENT_KM; the note then gives both)."""
    towns: dict[str, PlacedTown] = {}
    for place in PLACES:
        gn = geonames.get(place.geonames)
        if gn is None:
            raise ValueError(f"GeoNames has no place named {place.geonames!r}")
        settlement = gaz.by_id.get(place.gazetteer) if gaz is not None and place.gazetteer else None
        if settlement is not None:
            source = gaz.sources[settlement.coord_source].title if gaz is not None else ""
            km = distance_km(gn, (settlement.lat, settlement.lon))
            note = ""
            if km > DISAGREEMENT_KM:
                note = (
                    f"Sources disagree by {km:.1f} km: GeoNames places {place.geonames} at "
                    f"{gn[0]:.4f} N, {gn[1]:.4f} E; the label uses the position of the town "
                    f"itself from {source}."
                )
            towns[place.key] = PlacedTown(
                place,
                settlement.lat,
                settlement.lon,
                source,
                note,
                (settlement.name_hy, settlement.name_az),
            )
        elif place.cited and distance_km(gn, place.cited) > DISAGREEMENT_KM:
            km = distance_km(gn, place.cited)
            note = (
                f"Sources disagree by {km:.1f} km: GeoNames places {place.geonames} at "
                f"{gn[0]:.4f} N, {gn[1]:.4f} E; the label uses the {place.cited_by} position "
                f"{place.cited[0]:.3f} N, {place.cited[1]:.3f} E."
            )
            towns[place.key] = PlacedTown(place, *place.cited, place.cited_by, note)
        else:
            towns[place.key] = PlacedTown(place, gn[0], gn[1], "GeoNames", "")
    return towns


# --------------------------------------------------------------------------------------------
# Geometry of the oblast, the 1994 line and the zones


@dataclass
class Frame:
    nkao: Polygon
    line_1994: LineString
    mainland: Polygon  # Azerbaijan's mainland within the atlas frame
    armenia: BaseGeometry
    held_1994: Polygon
    rayons: dict[str, BaseGeometry]
    shusha_town: BaseGeometry


def build_frame(src: Sources, towns: dict[str, PlacedTown]) -> Frame:
    nkao = polygonise(snap_endpoints(src.nkao_pieces, tolerance=1000.0))
    # The 1994 line shares pieces with the oblast border; merge duplicates away.
    line = merge_line(snap_endpoints(src.line_pieces, tolerance=1000.0))
    by_name = {row["NAME"]: to_metres(row.geometry) for _, row in src.countries.iterrows()}
    stepanakert = towns["stepanakert"].point_m
    mainland = part_containing(by_name["Azerbaijan"], stepanakert).intersection(
        to_metres(box(*FRAME_BBOX))
    )
    # The line ends a few km short of the generalised border; 30 km straight on crosses it.
    held, _ = split_by_line(mainland, extend_ends(line, 30000.0), stepanakert)
    rayons: dict[str, BaseGeometry] = {}
    for _, row in src.provinces.iterrows():
        if row["admin"] == "Azerbaijan" and row["name"] in RAYON_NAMES:
            rayons[RAYON_NAMES[row["name"]]] = to_metres(row.geometry)
    shusha = [
        to_metres(row.geometry)
        for _, row in src.provinces.iterrows()
        if row["name"] == "Şuşa" and row["gn_name"] == "Susa Sahari"
    ]
    shusha_rayon = [
        to_metres(row.geometry)
        for _, row in src.provinces.iterrows()
        if row["name"] == "Şuşa" and row["gn_name"] == "Susa Rayonu"
    ]
    rayons["Shusha"] = unary_union(shusha_rayon + shusha)
    return Frame(
        nkao=nkao,
        line_1994=line,
        mainland=mainland,
        armenia=by_name["Armenia"],
        held_1994=held,
        rayons=rayons,
        shusha_town=unary_union(shusha),
    )


# --------------------------------------------------------------------------------------------
# Periods: the control layers, each with its method and an honest uncertainty


@dataclass(frozen=True)
class Period:
    id: str
    title: str
    start: str
    end: str | None
    description: str
    uncertainty_km: float
    notes: tuple[str, ...]
    sources: tuple[str, ...] = ()


CELL_METHOD = (
    "Derived by code from the settlement gazetteer (geodata/gazetteer.json): the region is cut "
    "along the sourced lines (the oblast's 1991 boundary, Natural Earth's 1994 line of contact "
    "and the boundaries of the seven districts around the oblast), each piece is divided among "
    "its settlements by nearest distance (Voronoi cells), and on each date a cell is held by "
    "whoever held its settlement then, according to its dated, sourced history. The Lachin "
    "corridor is a 5 km band along the road in use, through named places. Control is mapped "
    "over that region only (the former oblast, the seven districts, and the Goranboy rayon, "
    "which holds the former Shahumyan district, and the Tartar rayon); the rest of Azerbaijan "
    "is not filled."
)
PERIODS: tuple[Period, ...] = (
    Period(
        "control-1992-1994",
        "First war, 1992-1994: control by settlement",
        "1992-01-01",
        "1994-05-12",
        "Who held each settlement from January 1992 to the ceasefire of 12 May 1994. In early "
        "1992 control followed the communities: Armenian-populated villages were held by "
        "Armenian forces, Azerbaijani-populated ones by Azerbaijani forces.",
        8.0,
        (
            "Many villages' own dates are not published; they carry the date their district or "
            "area was taken (marked 'district' in the gazetteer), so the front between two dated "
            "changes is drawn in steps.",
            "Each cell boundary lies half-way between neighbouring settlements; the real front "
            "ran along heights and rivers that the cells do not know.",
        ),
        ("seven_districts",),
    ),
    Period(
        "control-1994-2020",
        "Line of contact, May 1994 to September 2020",
        "1994-05-12",
        "2020-09-27",
        "The Armenian side holds the oblast except eastern strips of the Martakert and Martuni "
        "districts, and all or part of the seven surrounding districts (Aghdam and Fuzuli only in "
        "part). Azerbaijan holds the rest.",
        3.0,
        (
            "Natural Earth's 1994 line is drawn at 1:10 million scale; against a line derived "
            "from OpenStreetMap it differs by a median of about 3 km and by up to 12 km. Where "
            "the gazetteer's sourced settlements disagree with it, the settlements win.",
            "The seven districts' held area is given as 7,634 km2 (Wikipedia table); the share "
            "of Azerbaijan held is given as about 20 % by Azerbaijan's government and the CIA "
            "World Factbook 1995, 16 % by the Factbook 2005, and works out to about 13-14 % from "
            "the areas.",
            "The April 2016 fighting moved the line by 8-20 km2 (sources disagree); the map "
            "shows the Lala Tepe height changing hands.",
        ),
        ("ceasefire_1994", "seven_districts"),
    ),
    Period(
        "control-2020-war",
        "Second war, 27 September to 10 November 2020",
        "2020-09-27",
        "2020-11-10",
        "Settlements taken by Azerbaijani forces during the war, each from the date given for it.",
        5.0,
        (
            "Most dates are Azerbaijani official announcements; some were disputed at the time "
            "and confirmed by third parties days later. Each settlement's history says which date "
            "the map uses.",
        ),
        ("war_2020_start",),
    ),
    Period(
        "control-2020-2023",
        "After the ceasefire of 10 November 2020",
        "2020-11-10",
        "2023-09-20",
        "The area left to the Armenian side after the trilateral statement, the handovers of "
        "the Aghdam (20 November), Kalbajar (25 November) and Lachin (1 December 2020) "
        "districts, and the Lachin corridor under Russian peacekeepers.",
        3.0,
        (
            "The area left to the Armenian side is put at 2,800-3,200 km2 by different sources "
            "(Caucasian Knot about 3,170 km2; an Artsakh-aligned site about 2,900 km2; G. "
            "Tabakian about 2,800 km2). This construction gives the figure shown in the "
            "statistics.",
            "The corridor's width is the statement's 5 km; its route follows the named places "
            "of the road, not a surveyed line.",
        ),
        ("statement_2020",),
    ),
    Period(
        "control-2023",
        "Whole area under Azerbaijani control",
        "2023-09-20",
        None,
        "After the offensive of 19 September and the ceasefire of 20 September 2023, the whole "
        "area is under Azerbaijani control.",
        2.0,
        (
            "Russian peacekeepers stayed until April-June 2024 (see the peacekeeping layer); "
            "the Azerbaijani flag was raised in Khankendi/Stepanakert on 15 October 2023.",
        ),
        ("ceasefire_2023", "offensive_2023"),
    ),
)
PERIOD_STARTS = tuple(dt.date.fromisoformat(p.start) for p in PERIODS)

# The roads of the Lachin corridor, through gazetteer places from the Armenian border inwards.
CORRIDOR_ROUTES: tuple[Route, ...] = (
    Route(
        "2020",
        dt.date(2020, 11, 10),
        dt.date(2022, 8, 26),
        ("kornidzor", "aghavno", "berdzor", "sus", "shusha-junction", "stepanakert"),
        "Goris-Kornidzor into Azerbaijan at the Hakari valley, through Aghavno/Zabukh, "
        "Berdzor/Lachin and Sus to the junction below Shusha, then to Stepanakert/Khankendi. "
        "Until 1 December 2020 the Lachin district was still held by the Armenian side, so the "
        "corridor shows only where the road left Armenian-held land, below Shusha.",
    ),
    Route(
        "2022",
        dt.date(2022, 8, 26),
        dt.date(2023, 9, 20),
        (
            "kornidzor",
            "maratuk",
            "melikahogh",
            "hin-shen",
            "mets-shen",
            "shusha-junction",
            "stepanakert",
        ),
        "From Kornidzor over the Hakari bridge, past Maratuk/Malkhalaf and Melikahogh/Malikpaya "
        "to Hin Shen and Mets Shen, to the junction below Shusha, then to Stepanakert/Khankendi "
        "(no published coordinate of the bridge itself was found).",
    ),
)


# --------------------------------------------------------------------------------------------
# Output


def _lonlat(geom_m: BaseGeometry) -> BaseGeometry:
    """Back to lon/lat, snapped to the output grid (valid before and after snapping); an area
    stays an area (snapping can leave stray lines where two edges nearly touch)."""
    out = shapely.set_precision(shapely.make_valid(to_lonlat(geom_m)), GRID)
    if geom_m.geom_type in ("Polygon", "MultiPolygon"):
        return polygonal(out)
    return out


def _overlay_union(geoms: Iterable[BaseGeometry]) -> BaseGeometry:
    items = [g for g in geoms if not g.is_empty]
    if not items:
        return Polygon()
    return shapely.union_all(items, grid_size=GRID)


def write_collection(path: Path, features: Sequence[dict[str, Any]]) -> None:
    """Write RFC 7946 GeoJSON with one feature per line, so diffs stay reviewable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(collection_text(features), encoding="utf-8")


@dataclass
class Catalog:
    layers: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        out: Path,
        layer_id: str,
        features: Sequence[dict[str, Any]],
        **entry: Any,
    ) -> None:
        rel = f"layers/{layer_id}.geojson"
        write_collection(out / rel, features)
        self.layers.append({"id": layer_id, "file": rel, **entry})

    def write(self, out: Path) -> None:
        doc = {
            "version": 1,
            # The release of the data: the first entry of geodata/CHANGES.md.
            "data_version": DATA_VERSION,
            "title": "nkmap: territorial control in Nagorno-Karabakh, 1923-2024",
            "attribution": "Made with Natural Earth; places from GeoNames (CC BY 4.0)",
            "region_bbox": list(REGION_BBOX),
            # The layers derived here from the atlas's sources: an add never replaces them.
            "derived_layers": [layer["id"] for layer in self.layers],
            "layers": self.layers,
        }
        (out / "catalog.json").write_text(
            json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )


def _sources(keys: Iterable[str]) -> list[dict[str, str]]:
    return [dict(CITED[k]) for k in keys]


SPECK_KM2 = 0.1  # parts this small left by rounding to the output grid are dropped


def _without_specks(geom: BaseGeometry) -> BaseGeometry:
    """Drop the specks that differencing on the output grid leaves along shared edges."""
    parts = [p for p in getattr(geom, "geoms", [geom]) if isinstance(p, Polygon)]
    kept = [p for p in parts if to_metres(p).area >= SPECK_KM2 * 1e6]
    return shapely.union_all(kept, grid_size=GRID) if kept else Polygon()


def _gazetteer_sources(gaz: Gazetteer, keys: Iterable[str]) -> list[dict[str, str]]:
    out = []
    for s in gaz.cite(sorted(set(keys))):
        out.append({"title": s.title, "url": s.url, "licence": s.licence})
    return out


def _event_sources(ev: Event, gaz: Gazetteer) -> list[dict[str, str]]:
    """An event's own sources, and with ``cite_place`` those of its place's entry that day."""
    found = _sources(ev.sources)
    if ev.cite_place:
        entry = gaz.get(ev.place).entry_on(dt.date.fromisoformat(ev.date))
        if entry is None or entry.date.isoformat() != ev.date:
            raise ValueError(f"event {ev.key}: {ev.place} has no history entry on {ev.date}")
        found += [s for s in _gazetteer_sources(gaz, entry.sources) if s not in found]
    return found


def build_region(frame: Frame) -> BaseGeometry:
    """The land the cells tile: the oblast and the rayons around it, on Azerbaijan's mainland."""
    rayons = [g for name, g in sorted(frame.rayons.items())]
    joined = _largest_polygon(unary_union([frame.nkao, *rayons]).intersection(frame.mainland))
    return Polygon(joined.exterior)  # gaps between generalised rayons are part of it


def _largest_polygon(geom: BaseGeometry) -> BaseGeometry:
    parts = [p for p in getattr(geom, "geoms", [geom]) if isinstance(p, Polygon)]
    return max(parts, key=lambda p: p.area)


SNAP_M = 5000.0  # places this close outside the generalised borders are moved just inside
INSIDE_M = 300.0


def cell_anchors(
    gaz: Gazetteer, points: dict[str, Point], region: BaseGeometry
) -> tuple[dict[str, Point], list[str]]:
    """The places that anchor cells: settlements and heights in the region. Natural Earth's
    borders are generalised, so places on the Araks or on a border ridge can fall just outside
    them; those within SNAP_M are moved to the nearest point INSIDE_M inside the region."""
    anchors: dict[str, Point] = {}
    report = []
    inner = region.buffer(-INSIDE_M)
    for s in gaz.settlements:
        point = points[s.id]
        if not s.cell or s.country != "AZ":
            continue
        if region.covers(point):
            anchors[s.id] = point
        elif region.distance(point) <= SNAP_M:
            moved = nearest_points(inner, point)[0]
            anchors[s.id] = moved
            report.append(
                f"{s.id}: {region.distance(point) / 1000:.1f} km outside the generalised border; "
                "its cell is anchored just inside"
            )
        else:
            report.append(f"{s.id}: outside the region; it anchors no cell")
    return anchors, report


OUTSIDE_M2 = 50e6  # notches under 50 km2 between the generalised rayons are not "outside"


def _parts_over(geom: BaseGeometry, min_area: float) -> BaseGeometry:
    parts = [p for p in getattr(geom, "geoms", [geom]) if isinstance(p, Polygon)]
    return unary_union([p for p in parts if p.area >= min_area])


def cut_lines(frame: Frame) -> list[BaseGeometry]:
    """The sourced lines no cell may cross: the oblast's boundary, the 1994 line (prolonged to
    the border) and the boundaries of the seven districts outside the oblast."""
    inside = frame.nkao.buffer(-50.0)
    lines: list[BaseGeometry] = [frame.nkao.boundary, extend_ends(frame.line_1994, 30000.0)]
    for name in SEVEN_DISTRICT_NAMES:
        lines.append(frame.rayons[name].boundary.difference(inside))
    return lines


def district_labels(frame: Frame) -> dict[str, BaseGeometry]:
    """Zones are labelled with the district holding most of them: the oblast, or a rayon."""
    labels: dict[str, BaseGeometry] = {"oblast": frame.nkao}
    for name, geom in sorted(frame.rayons.items()):
        labels[name] = geom.difference(frame.nkao)
    return labels


LINE_UNCERTAINTY_M = 3000.0  # Natural Earth's 1994 line: a median of about 3 km off
ACROSS_M = 1500.0  # a contradicting place's cell reaches this far across the line


def line_conflicts(gaz: Gazetteer, frame: Frame, anchors: dict[str, Point]) -> dict[str, str]:
    """The places whose 1994-2020 controller contradicts the side of Natural Earth's line they
    lie on, each with the side the line puts it on."""
    day = dt.date(2005, 1, 1)
    found = {}
    for key, point in anchors.items():
        held = gaz.get(key).controller_on(day)
        inside = frame.held_1994.covers(point)
        if held == "armenian" and not inside:
            found[key] = "Azerbaijani"
        elif held == "azerbaijani" and inside:
            found[key] = "Armenian"
    return found


def line_reach(
    frame: Frame, anchors: dict[str, Point], conflicts: dict[str, str]
) -> dict[str, float]:
    """How far the cell of each place contradicting the line reaches: enough to cross the
    line, and at least the line's uncertainty."""
    line = frame.line_1994
    return {
        key: max(LINE_UNCERTAINTY_M, anchors[key].distance(line) + ACROSS_M) for key in conflicts
    }


def line_notes(gaz: Gazetteer, conflicts: dict[str, str]) -> list[str]:
    """A note for each place contradicting the line, for the 1994-2020 layer."""
    day = dt.date(2005, 1, 1)
    notes = []
    for key in sorted(conflicts, key=lambda k: [s.id for s in gaz.settlements].index(k)):
        s = gaz.get(key)
        held = s.controller_on(day)
        notes.append(
            f"Natural Earth's 1994 line puts {s.label} on the {conflicts[key]}-held side; the "
            f"sources in its history say it was held by {LABELS[held or 'unmapped']}: the map "
            "follows them, with the place's cell reaching just across the line."
        )
    return notes


def build(natural_earth: Path, geonames: Path, out: Path) -> list[str]:
    """Build geodata/ into ``out`` from its sources and ``out``'s gazetteer; return a summary."""
    src = read_sources(natural_earth, geonames)
    gaz = load_gazetteer(out)
    towns = place_towns(src.geonames, gaz)
    frame = build_frame(src, towns)
    points = {s.id: to_metres(Point(s.lon, s.lat)) for s in gaz.settlements}
    region = build_region(frame)
    anchors, snapped = cell_anchors(gaz, points, region)
    conflicts = line_conflicts(gaz, frame, anchors)
    reach = line_reach(frame, anchors, conflicts)
    cells = tessellate(
        region, cut_lines(frame), district_labels(frame), frame.held_1994, anchors, reach
    )
    extra = [*PERIOD_STARTS, *(r.start for r in CORRIDOR_ROUTES), *(r.end for r in CORRIDOR_ROUTES)]
    days = stage_dates(gaz, extra, PERIOD_STARTS[0])
    outside = {
        "azerbaijani": _parts_over(frame.mainland.difference(region.buffer(10.0)), OUTSIDE_M2),
        "armenian": frame.armenia,
    }
    ctx = context(cells, anchors, outside, {"armenian": "stepanakert", "azerbaijani": "quzanli"})
    stages = derive_stages(gaz, cells, frame.mainland, points, CORRIDOR_ROUTES, days, ctx)
    # Control is mapped over the region the cells tile, not the map's frame: the fills follow
    # borders, and the figures are measured over a fixed, named region.
    mapped = shapely.set_precision(_lonlat(region), GRID)
    catalog = Catalog()
    (out / "layers").mkdir(parents=True, exist_ok=True)
    for stale in (out / "layers").glob("*.geojson"):
        stale.unlink()

    # 1. The oblast.
    nkao = _lonlat(frame.nkao)
    catalog.add(
        out,
        "nkao",
        [feature(nkao, {"name": "Nagorno-Karabakh Autonomous Oblast", "controller": None})],
        title="Nagorno-Karabakh Autonomous Oblast",
        kind="area",
        shows="oblast",
        description="The autonomous oblast within the Azerbaijan SSR, from its creation on 7 July "
        "1923 to its abolition by Azerbaijan on 26 November 1991.",
        valid_from="1923-07-07",
        valid_to="1991-11-26",
        sources=[NATURAL_EARTH, *_sources(["nkao_decree", "nkao_area", "nkao_abolition"])],
        method="Natural Earth's 'Former USSR oblast in 1991' boundary pieces, their ends snapped "
        "together (gaps of 90-250 m) and polygonised.",
        uncertainty_km=1.0,
        approximate=False,
        notes=[
            "The outline is the oblast of 1991 for the whole period: no dated outline of 1923 "
            "is available.",
            "Area: 4,161 km2 at creation in 1923 (a single source), 4,388 km2 officially in 1989; "
            "this outline measures about 4,280 km2.",
        ],
    )

    # 2. Control, period by period; one feature per side and stage.
    summary = [f"gazetteer: {len(gaz)} places, {len(cells)} cells, {len(stages)} stages"]
    summary.extend(snapped)
    disagreements = line_notes(gaz, conflicts)
    geoms: list[dict[str, BaseGeometry]] = []
    frame_ll = box(*FRAME_BBOX)
    for stage in stages:
        # Clip in lon/lat too: the frame's edges are straight in degrees, not in metres.
        armenian = shapely.intersection(_lonlat(stage.armenian), frame_ll, grid_size=GRID)
        corridor = shapely.difference(_lonlat(stage.corridor), armenian, grid_size=GRID)
        taken = _overlay_union([armenian, corridor])
        unmapped = shapely.difference(_lonlat(stage.unmapped), taken, grid_size=GRID)
        unmapped = shapely.intersection(unmapped, frame_ll, grid_size=GRID)
        taken = _overlay_union([taken, unmapped])
        azerbaijani = _without_specks(shapely.difference(mapped, taken, grid_size=GRID))
        geoms.append(
            {
                "armenian": armenian,
                "russian_peacekeepers": corridor,
                "azerbaijani": azerbaijani,
                "unmapped": unmapped,
            }
        )
    unmapped_features: list[dict[str, Any]] = []
    # The entries saying the sources do not tell who held a place are the unmapped layer's.
    unmapped_sources = {
        k
        for s in gaz.settlements
        for e in s.history
        if e.controller == "unmapped"
        for k in e.sources
    }
    for period in PERIODS:
        start = dt.date.fromisoformat(period.start)
        end = dt.date.fromisoformat(period.end) if period.end else None
        feats = []
        cited: set[str] = set()
        for stage, g in zip(stages, geoms, strict=True):
            if stage.start < start or (end is not None and stage.start >= end):
                continue
            dates = {
                "valid_from": stage.start.isoformat(),
                "valid_to": stage.end.isoformat() if stage.end else None,
            }
            change = describe_changes(stage)
            for place, _before, _after in stage.changes:
                entry = place.entry_on(stage.start)
                if entry is not None:
                    cited.update(entry.sources)
            for controller in ("armenian", "russian_peacekeepers", "azerbaijani"):
                if g[controller].is_empty:
                    continue
                props: dict[str, Any] = {"controller": controller, "change": change, **dates}
                if controller == "russian_peacekeepers" and stage.route is not None:
                    props["route"] = stage.route.description
                    props["places"] = ", ".join(
                        s.label
                        for s in gaz.settlements
                        if s.cell
                        and s.country == "AZ"
                        and g[controller].covers(Point(s.lon, s.lat))
                    )
                feats.append(feature(g[controller], props))
            if not g["unmapped"].is_empty:
                unmapped_features.append(
                    feature(
                        g["unmapped"], {"controller": None, "name": "Control not mapped", **dates}
                    )
                )
            summary.append(f"{stage.start}: {change or '(start)'}")
            if stage.bridged:
                summary.append(
                    f"    not mapped (front passing): {', '.join(sorted(stage.bridged))}"
                )
        notes = list(period.notes)
        if period.id == "control-1994-2020":
            notes.extend(disagreements)
        catalog.add(
            out,
            period.id,
            feats,
            title=period.title,
            kind="area",
            shows="control",
            description=period.description,
            valid_from=period.start,
            valid_to=period.end,
            sources=[
                NATURAL_EARTH,
                *_sources(period.sources),
                *_gazetteer_sources(gaz, cited),
            ],
            method=CELL_METHOD,
            uncertainty_km=period.uncertainty_km,
            approximate=True,
            notes=notes,
        )
    if unmapped_features:
        catalog.add(
            out,
            "unmapped",
            unmapped_features,
            title="Control not mapped",
            kind="area",
            shows="unmapped",
            description="Cells of settlements whose sources do not say who held them on the date.",
            valid_from=PERIODS[0].start,
            valid_to=None,
            sources=[NATURAL_EARTH, *_gazetteer_sources(gaz, unmapped_sources)],
            method=CELL_METHOD,
            uncertainty_km=8.0,
            approximate=True,
            notes=[
                "Where one side's place was announced taken while every way to it still ran "
                "through places announced later, the places between are shown as not mapped "
                "until their own dates, rather than drawing an island that no source describes.",
            ],
        )

    # 3. The 1994 line and the line of contact of November 2020.
    catalog.add(
        out,
        "line-1994",
        [feature(_lonlat(frame.line_1994), {"name": "Line of contact, 1994"})],
        title="Line of contact of the May 1994 ceasefire",
        kind="line",
        shows="line_of_contact",
        description="The line of contact between the Armenian and Azerbaijani forces from the "
        "ceasefire of 12 May 1994 to the war of 27 September 2020.",
        valid_from="1994-05-12",
        valid_to="2020-09-27",
        sources=[NATURAL_EARTH, *_sources(["ceasefire_1994"])],
        method="Natural Earth's 'Ceasefire Line 1994' pieces, duplicates merged and ends "
        "snapped (it shares pieces with the oblast border).",
        uncertainty_km=3.0,
        approximate=True,
        notes=[
            "It ends a few km short of the generalised country borders.",
            "Drawn at 1:10 million scale: against a line derived from OpenStreetMap it differs by "
            "a median of about 3 km and by up to 12 km.",
        ],
    )
    lines = []
    zone_features = []
    armenia_edge = _lonlat(frame.armenia.boundary.buffer(300.0))
    for stage, g in zip(stages, geoms, strict=True):
        if stage.start < dt.date(2020, 11, 10) or stage.start >= dt.date(2023, 9, 20):
            continue
        held = _overlay_union([g["armenian"], g["russian_peacekeepers"]])
        edge = shapely.set_precision(held.boundary.difference(armenia_edge), GRID)
        dates = {
            "valid_from": stage.start.isoformat(),
            "valid_to": stage.end.isoformat() if stage.end else None,
        }
        lines.append(feature(edge, {"name": "Line of contact", **dates}))
        zone_features.append(
            feature(held, {"controller": None, "name": "Russian peacekeepers' zone", **dates})
        )
    last = zone_features[-1]
    zone_features.append(
        {
            **last,
            "properties": {
                "controller": None,
                "name": "Russian peacekeepers present (area under Azerbaijani control)",
                "valid_from": "2023-09-20",
                "valid_to": "2024-06-12",
            },
        }
    )
    catalog.add(
        out,
        "line-of-contact-2020",
        lines,
        title="Line of contact after 10 November 2020",
        kind="line",
        shows="line_of_contact",
        description="The edge of the area held by the Armenian side and the Lachin corridor, "
        "from the ceasefire of 10 November 2020 to 20 September 2023.",
        valid_from="2020-11-10",
        valid_to="2023-09-20",
        sources=[NATURAL_EARTH, *_sources(["statement_2020"])],
        method="The boundary of the control layers' Armenian-held area and corridor, less the "
        "stretches along the Armenian border.",
        uncertainty_km=3.0,
        approximate=True,
        notes=list(PERIODS[3].notes),
    )
    catalog.add(
        out,
        "peacekeeping-zone",
        zone_features,
        title="Russian peacekeeping zone",
        kind="area",
        shows="peacekeeping",
        description="Where the 1,960 Russian peacekeepers of the 10 November 2020 statement "
        "were deployed: along the line of contact and the Lachin corridor. After 20 September "
        "2023 they stayed in an area under Azerbaijani control until their withdrawal "
        "(April-June 2024).",
        valid_from="2020-11-10",
        valid_to="2024-06-12",
        sources=[
            NATURAL_EARTH,
            *_sources(["statement_2020", "peacekeepers_leave", "peacekeepers_left"]),
        ],
        method="The Armenian-held area and the corridor of each control stage after 10 "
        "November 2020; kept as it was in September 2023 until the withdrawal was complete.",
        uncertainty_km=3.0,
        approximate=True,
        notes=[
            "The zone of responsibility was not published as a map; this is the area held by the "
            "Armenian side plus the corridor.",
            "The withdrawal began around 10 April 2024 (confirmed 17 April) and ended by 12 "
            "June 2024.",
        ],
    )

    # 4. Events, at their town or settlement.
    event_points = {key: Point(t.lon, t.lat) for key, t in towns.items()}
    for s in gaz.settlements:
        event_points.setdefault(s.id, Point(s.lon, s.lat))
    labels = {key: t.label for key, t in towns.items()}
    for s in gaz.settlements:
        labels.setdefault(s.id, s.label)
    event_features = []
    for ev in EVENTS:
        props = {
            "id": ev.key,
            "date": ev.date,
            "valid_from": ev.date,
            "title": ev.title,
            "description": ev.description,
            "status": ev.status,
            "note": ev.note,
            "location_note": ev.location_note,
            "place": labels.get(ev.place, ev.place),
            "sources": _event_sources(ev, gaz),
        }
        event_features.append(feature(event_points[ev.place], props))
    event_sources: list[dict[str, str]] = []
    for ev in EVENTS:
        event_sources += [s for s in _event_sources(ev, gaz) if s not in event_sources]
    catalog.add(
        out,
        "events",
        event_features,
        title="Events",
        kind="point",
        shows="events",
        description="Dated milestones, each at the place it happened, worded neutrally, with "
        "its own sources; each stays on the map from its date on.",
        valid_from="1923-07-07",
        valid_to=None,
        sources=[GEONAMES, *event_sources],
        method="Placed at the position of the named town or settlement (GeoNames, or the page "
        "the gazetteer cites for it); dates and wording from the cited sources.",
        uncertainty_km=3.0,
        approximate=False,
        notes=["Where sources disagree on a date, the event's 'note' says what each says."],
    )

    # 5. Base map.
    _basemap(out, catalog, src, towns)
    catalog.write(out)
    return summary


def _basemap(out: Path, catalog: Catalog, src: Sources, towns: dict[str, PlacedTown]) -> None:
    countries = []
    for _, row in src.countries.sort_values("NAME").iterrows():
        geom = shapely.set_precision(row.geometry.intersection(box(*COUNTRIES_BBOX)), GRID)
        if not geom.is_empty:
            countries.append(feature(geom, {"name": row["NAME"], "iso_a3": row["ISO_A3"]}))
    common = {
        "valid_from": None,
        "valid_to": None,
        "approximate": False,
    }
    catalog.add(
        out,
        "basemap-countries",
        countries,
        title="Countries",
        kind="area",
        shows="countries",
        description="Present-day country borders, for orientation.",
        sources=[NATURAL_EARTH],
        method="Natural Earth countries (generalised by QGIS's packagers), clipped to the map.",
        uncertainty_km=2.0,
        notes=[],
        **common,
    )
    rayons = []
    for _, row in src.provinces_wide.sort_values(["admin", "name"]).iterrows():
        geom = shapely.set_precision(row.geometry.intersection(box(*COUNTRIES_BBOX)), GRID)
        if geom.is_empty:
            continue
        name = RAYON_NAMES.get(row["name"], row["name"])
        if row["name"] == "Lankaran" and row["gn_name"] != "Lacin Rayonu":
            name = "Lankaran"  # the real one, on the Caspian (the mislabelled one is Lachin)
        if row["name"] == "Şuşa":
            name = "Shusha (town)" if row["gn_name"] == "Susa Sahari" else "Shusha"
        rayons.append(
            feature(
                geom,
                {
                    "name": name,
                    "natural_earth_name": row["name"],
                    "gn_name": row["gn_name"],
                    "country": row["admin"],
                },
            )
        )
    catalog.add(
        out,
        "basemap-rayons",
        rayons,
        title="Rayons and provinces",
        kind="area",
        shows="rayons",
        description="First-level administrative divisions as Natural Earth 4.1 gives them "
        "(Azerbaijan's rayons, Armenia's marzes, Iran's and Turkey's provinces).",
        sources=[NATURAL_EARTH],
        method="Natural Earth states and provinces, clipped to the map; names corrected where "
        "Natural Earth mislabels them ('Lankaran' is the Lachin rayon; 'Xocalı' is the Khojaly "
        "rayon and 'Stepanakert' the city of Khankendi).",
        uncertainty_km=2.0,
        notes=[
            "These are the post-1991 Azerbaijani rayons; the oblast's Soviet districts are not "
            "in Natural Earth."
        ],
        **common,
    )
    places = []
    for key in sorted(towns):
        t = towns[key]
        places.append(
            feature(
                Point(t.lon, t.lat),
                {
                    "id": key,
                    "name": t.label,
                    "name_hy": t.names[0],
                    "name_az": t.names[1],
                    "kind": t.place.kind,
                    "country": t.place.country,
                    "position_source": t.source,
                    "note": t.note,
                },
            )
        )
    catalog.add(
        out,
        "basemap-places",
        places,
        title="Towns",
        kind="point",
        shows="places",
        description="Towns with both communities' names: the Armenian-derived form and the "
        "Azerbaijani form (Stepanakert / Khankendi).",
        sources=[GEONAMES, *_sources(["nkao_wp"])],
        method="GeoNames positions; where a cited encyclopedic position differs by more than "
        f"{DISAGREEMENT_KM:g} km, the label uses it and the note gives both.",
        uncertainty_km=2.0,
        notes=["Names in both forms follow the fact sheet's sources."],
        **common,
    )
