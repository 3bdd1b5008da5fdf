"""Derive every layer of geodata/ from Natural Earth, GeoNames and the dated facts.

The construction, in short (each step is a function below):

1. The oblast: Natural Earth's ``Former USSR oblast in 1991`` pieces, ends snapped, polygonised.
2. The 1994 line: Natural Earth's ``Ceasefire Line 1994`` pieces merged into one line, prolonged
   straight on at both ends until it crosses the (generalised) country border, and used to cut
   Azerbaijan's mainland polygon. The piece holding Stepanakert/Khankendi is the area held by the
   Armenian side from the May 1994 ceasefire to 27 September 2020.
3. Zones: that area is divided into the pieces that changed hands on different dates, using
   Natural Earth's rayons (the seven districts around the oblast; the oblast's former Mardakert
   and Shusha districts, which Azerbaijan assigned to the Tartar/Kalbajar/Goranboy and Shusha
   rayons) and, for the former Hadrut district, the part of the rest of the oblast nearer Hadrut
   than Martuni/Khojavend or Stepanakert/Khankendi.
4. The Lachin corridor: a 5 km band centred on straight segments between named anchors (the
   border on the line to Tegh, Berdzor/Lachin town, the road junction below Shusha,
   Stepanakert/Khankendi), minus Shusha town.
5. Stages: for each dated stage, the Armenian-held area is the union of its zones, the corridor
   (where it exists) is the band outside that area, and the Azerbaijani-held area is the rest of
   the mainland within the atlas's frame. The three tile the frame without overlap.
"""

from __future__ import annotations

import csv
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
from shapely.ops import unary_union

from nkmap.build.construct import (
    corridor,
    drop_slivers,
    extend_ends,
    merge_line,
    part_containing,
    polygonise,
    snap_endpoints,
    split_by_line,
    voronoi_cells,
)
from nkmap.build.events import EVENTS
from nkmap.build.places import DISAGREEMENT_KM, PLACES, SHUSHA_JUNCTION, Place
from nkmap.build.sources import CITED, GEONAMES, NATURAL_EARTH
from nkmap.geojson import collection_text, feature
from nkmap.geometry import REGION_BBOX, to_lonlat, to_metres

GRID = 1e-5  # output coordinates are snapped to this grid (about 1 m)
SLIVER_M2 = 2e5  # pieces under 0.2 km2 left by overlaying generalised data are dropped
CORRIDOR_WIDTH_M = 5000.0  # "5 km wide" in the 10 November 2020 statement
SHUSHA_MARGIN_M = 500.0  # the corridor keeps this far from Natural Earth's Shusha town polygon
LACHIN_TOWN_RADIUS_M = 2500.0  # extent of Lachin town handed over on 26 August 2022
FRAME_BBOX = REGION_BBOX
BASEMAP_BBOX = (43.8, 38.3, 48.6, 41.4)

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
SEVEN_DISTRICTS = ("kalbajar", "lachin", "qubadli", "zangilan", "jabrayil", "fuzuli", "aghdam")


@dataclass
class Sources:
    nkao_pieces: list[LineString]
    line_pieces: list[LineString]
    countries: gpd.GeoDataFrame
    provinces: gpd.GeoDataFrame
    geonames: dict[str, tuple[float, float]]


def read_sources(natural_earth: Path, geonames: Path) -> Sources:
    """Read the Natural Earth GeoPackage (its three layers, by name) and GeoNames' cities."""
    read = {"engine": "pyogrio", "bbox": BASEMAP_BBOX}
    borders = gpd.read_file(natural_earth, layer="disputed_borders", **read)
    countries = gpd.read_file(natural_earth, layer="countries", **read)
    provinces = gpd.read_file(natural_earth, layer="states_provinces", **read)

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


def place_towns(geonames: dict[str, tuple[float, float]]) -> dict[str, PlacedTown]:
    towns: dict[str, PlacedTown] = {}
    for place in PLACES:
        gn = geonames.get(place.geonames)
        if gn is None:
            raise ValueError(f"GeoNames has no place named {place.geonames!r}")
        if place.cited and distance_km(gn, place.cited) > DISAGREEMENT_KM:
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


def build_zones(frame: Frame, towns: dict[str, PlacedTown]) -> dict[str, BaseGeometry]:
    """Divide the 1994-held area into the pieces that changed hands on different dates."""
    held = frame.held_1994
    inner = frame.nkao.intersection(held)
    r = frame.rayons
    mardakert = inner.intersection(unary_union([r["Tartar"], r["Kalbajar"], r["Goranboy"]]))
    shusha = inner.intersection(r["Shusha"]).difference(mardakert)
    # The former Hadrut district: the rest of the oblast nearer Hadrut than Martuni/Khojavend
    # or Stepanakert/Khankendi, the centres of the neighbouring former districts.
    cells = voronoi_cells(
        {key: towns[key].point_m for key in ("hadrut", "martuni", "stepanakert")},
        frame.mainland,
    )
    hadrut = inner.difference(mardakert).difference(shusha).intersection(cells["hadrut"])
    core = inner.difference(unary_union([mardakert, shusha, hadrut]))

    outer = held.difference(frame.nkao)
    districts = {
        "kalbajar": "Kalbajar",
        "lachin": "Lachin",
        "qubadli": "Qubadli",
        "zangilan": "Zangilan",
        "jabrayil": "Jabrayil",
        "fuzuli": "Fuzuli",
        "aghdam": "Aghdam",
    }
    zones: dict[str, BaseGeometry] = {
        key: outer.intersection(r[name]) for key, name in districts.items()
    }
    # Land outside the oblast that Natural Earth puts in another rayon (the post-1991 rayons
    # do not follow the Soviet district lines) joins the district it shares most border with.
    leftover = outer.difference(unary_union(list(zones.values())))
    parts = list(leftover.geoms) if hasattr(leftover, "geoms") else [leftover]
    for part in sorted(parts, key=lambda p: (p.centroid.x, p.centroid.y)):
        if part.is_empty or part.area < 1.0:
            continue
        touching = {k: part.buffer(1.0).intersection(z).area for k, z in zones.items()}
        best = max(sorted(touching), key=lambda k: touching[k])
        zones[best] = zones[best].union(part)
    zones.update(mardakert=mardakert, shusha=shusha, hadrut=hadrut, core=core)
    return {k: drop_slivers(v, SLIVER_M2) for k, v in zones.items()}


def corridor_border_point(frame: Frame, towns: dict[str, PlacedTown]) -> Point:
    """Where the straight line from Berdzor/Lachin to Tegh crosses into Armenia."""
    segment = LineString([towns["lachin"].point_m, towns["tegh"].point_m])
    crossing = segment.intersection(frame.armenia.boundary)
    points = list(crossing.geoms) if hasattr(crossing, "geoms") else [crossing]
    lachin = towns["lachin"].point_m
    return min((p for p in points if isinstance(p, Point)), key=lachin.distance)


def corridor_bands(
    frame: Frame, towns: dict[str, PlacedTown], border: Point
) -> tuple[BaseGeometry, BaseGeometry]:
    """The corridor of 10 November 2020 and the one in use after 26 August 2022 (metres)."""
    junction = to_metres(Point(SHUSHA_JUNCTION[1], SHUSHA_JUNCTION[0]))
    keep_out = frame.shusha_town.buffer(SHUSHA_MARGIN_M)
    route_2020 = LineString(
        [border, towns["lachin"].point_m, junction, towns["stepanakert"].point_m]
    )
    band_2020 = corridor(route_2020, CORRIDOR_WIDTH_M).intersection(frame.mainland)
    band_2020 = band_2020.difference(keep_out)
    route_2022 = LineString([border, junction, towns["stepanakert"].point_m])
    band_2022 = corridor(route_2022, CORRIDOR_WIDTH_M).intersection(frame.mainland)
    lachin_town = towns["lachin"].point_m.buffer(LACHIN_TOWN_RADIUS_M)
    band_2022 = band_2022.difference(keep_out).difference(lachin_town)
    return band_2020, band_2022


# --------------------------------------------------------------------------------------------
# Stages of control


@dataclass(frozen=True)
class Stage:
    id: str
    title: str
    valid_from: str
    valid_to: str | None
    zones: frozenset[str]
    description: str
    sources: tuple[str, ...]
    uncertainty_km: float
    corridor: str | None = None  # "2020" | "2022"
    unmapped: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
    approximate: bool = True
    method: str = ""  # default: the method of the stage's period (see _method_for)


ALL_ZONES = frozenset(
    {"core", "mardakert", "shusha", "hadrut", *SEVEN_DISTRICTS},
)
_OBLAST = frozenset({"core", "mardakert", "shusha", "hadrut"})

FIRST_WAR_METHOD = (
    "Each stage is the Armenian-held area of the May 1994 ceasefire (Natural Earth's 1994 line "
    "cutting Azerbaijan's mainland) reduced to the zones held by the stage's date: the oblast, "
    "and each surrounding district from the date its main town was taken. District zones are "
    "the 1994-held part of Natural Earth's rayons. The front inside the oblast in 1992-93 is not "
    "drawn, except that the former Mardakert district is marked as not mapped while Azerbaijani "
    "forces held much of it."
)
FIRST_WAR_NOTES = (
    "District level only: each district is shown changing hands on the date its main town was "
    "taken, although fighting in it lasted weeks.",
    "Within the oblast, the front of 1992-93 is not drawn; Armenian forces are shown holding "
    "its 1994-held part from May 1992 except the former Mardakert district while Azerbaijani "
    "forces held Martakert/Aghdara (4 July 1992 to July 1993).",
)
SECOND_WAR_METHOD = (
    "The 1994-held area minus the zones taken in the war, each from the date its main town was "
    "taken: the held parts of Natural Earth's Jabrayil, Fuzuli, Zangilan and Qubadli rayons; the "
    "former Hadrut district (the rest of the oblast nearer Hadrut than Martuni/Khojavend or "
    "Stepanakert/Khankendi); and the former Shusha district (the oblast within the Shusha rayon)."
)
SECOND_WAR_NOTES = (
    "The front moved daily; each district is shown changing hands on the date its main town "
    "was taken. Villages taken earlier, and land taken in the Lachin district, are not drawn.",
)
AFTER_2020_METHOD = (
    SECOND_WAR_METHOD + " The Lachin corridor is a 5 km band centred on straight segments from "
    "the Armenian border (on the line to Tegh) through Berdzor/Lachin town and the road junction "
    "below Shusha to Stepanakert/Khankendi, minus Shusha town."
)
AFTER_2020_NOTES = (
    "The area left to the Armenian side is put at 2,800-3,200 km2 by different sources "
    "(Caucasian Knot about 3,170 km2; an Artsakh-aligned site about 2,900 km2; G. Tabakian about "
    "2,800 km2). This construction gives the figure shown in the statistics.",
    "The Armenian-held zone also included land outside the former oblast around Dadivank; it is "
    "not drawn.",
)

STAGES: tuple[Stage, ...] = (
    Stage(
        "control-1992-05-shusha",
        "First war: after the fall of Shusha/Shushi",
        "1992-05-09",
        "1992-05-18",
        _OBLAST,
        "Armenian forces hold the oblast, including Shusha/Shushi from 9 May 1992.",
        ("shusha_1992",),
        10.0,
        notes=FIRST_WAR_NOTES,
    ),
    Stage(
        "control-1992-05-lachin",
        "First war: after the fall of Lachin/Berdzor",
        "1992-05-18",
        "1992-07-04",
        _OBLAST | {"lachin"},
        "Armenian forces also hold Lachin/Berdzor and the Lachin district, linking the oblast "
        "with Armenia.",
        ("lachin_1992", "lachin_1992_az"),
        10.0,
        notes=(
            *FIRST_WAR_NOTES,
            "Lachin: 18 May 1992 is the usual date; variants are 15 May and 16-17 May.",
        ),
    ),
    Stage(
        "control-1992-07-goranboy",
        "First war: Operation Goranboy",
        "1992-07-04",
        "1993-04-03",
        (_OBLAST - {"mardakert"}) | {"lachin"},
        "Azerbaijani forces hold much of the Martakert district from the summer of 1992; its "
        "front line is not mapped.",
        ("goranboy", "martakert_wp"),
        10.0,
        unmapped=frozenset({"mardakert"}),
        notes=FIRST_WAR_NOTES,
    ),
    Stage(
        "control-1993-04-kalbajar",
        "First war: after the fall of Kalbajar/Karvachar",
        "1993-04-03",
        "1993-07-23",
        (_OBLAST - {"mardakert"}) | {"lachin", "kalbajar"},
        "Armenian forces also hold the Kalbajar district.",
        ("kalbajar_1993", "kalbajar_1993_az"),
        10.0,
        unmapped=frozenset({"mardakert"}),
        notes=(
            *FIRST_WAR_NOTES,
            "Kalbajar town fell on 2, 3 or 4 April 1993 depending on the source.",
        ),
    ),
    Stage(
        "control-1993-07-aghdam",
        "First war: after the fall of Aghdam",
        "1993-07-23",
        "1993-07-27",
        (_OBLAST - {"mardakert"}) | {"lachin", "kalbajar", "aghdam"},
        "Armenian forces also hold most of the Aghdam district.",
        ("aghdam_1993",),
        10.0,
        unmapped=frozenset({"mardakert"}),
        notes=FIRST_WAR_NOTES,
    ),
    Stage(
        "control-1993-07-martakert",
        "First war: Martakert/Aghdara retaken",
        "1993-07-27",
        "1993-08-23",
        _OBLAST | {"lachin", "kalbajar", "aghdam"},
        "Armenian forces hold Martakert/Aghdara again.",
        ("martakert_1993a", "martakert_1993b"),
        10.0,
        notes=(
            *FIRST_WAR_NOTES,
            "Martakert was retaken on 27 July 1993 per one source, 28 June 1993 per another; the "
            "map uses 27 July.",
        ),
    ),
    Stage(
        "control-1993-08-fuzuli-jabrayil",
        "First war: after the fall of Fuzuli and Jabrayil",
        "1993-08-23",
        "1993-08-31",
        _OBLAST | {"lachin", "kalbajar", "aghdam", "fuzuli", "jabrayil"},
        "Armenian forces also hold the western part of the Fuzuli district and the Jabrayil "
        "district.",
        ("fuzuli_jabrayil_1993",),
        10.0,
        notes=FIRST_WAR_NOTES,
    ),
    Stage(
        "control-1993-08-qubadli",
        "First war: after the fall of Qubadli",
        "1993-08-31",
        "1993-10-29",
        ALL_ZONES - {"zangilan"},
        "Armenian forces also hold the Qubadli district.",
        ("qubadli_1993",),
        10.0,
        notes=FIRST_WAR_NOTES,
    ),
    Stage(
        "control-1993-10-zangilan",
        "First war: after the fall of Zangilan",
        "1993-10-29",
        "1994-05-12",
        ALL_ZONES,
        "Armenian forces also hold the Zangilan district.",
        ("zangilan_1993",),
        10.0,
        notes=(
            *FIRST_WAR_NOTES,
            "Horadiz, held by Armenian forces from 24 October 1993, was retaken with 22 "
            "settlements of the Fuzuli district on 5 January 1994; this is not drawn.",
        ),
    ),
    Stage(
        "control-1994-2020",
        "Line of contact, May 1994 to September 2020",
        "1994-05-12",
        "2020-09-27",
        ALL_ZONES,
        "The Armenian side holds the oblast except eastern strips of the Martakert and Martuni "
        "districts, and all or part of the seven surrounding districts (Aghdam and Fuzuli only in "
        "part). Azerbaijan holds the rest.",
        ("ceasefire_1994", "seven_districts"),
        2.0,
        approximate=False,
        method=(
            "Azerbaijan's mainland (Natural Earth countries) cut by Natural Earth's 1994 line, "
            "prolonged straight on to the border; the piece holding Stepanakert/Khankendi is "
            "Armenian-held, the rest Azerbaijani-held."
        ),
        notes=(
            "Natural Earth's line is drawn at 1:10 million scale; positions are good to about 1-2 "
            "km.",
            "The seven districts' held area is given as 7,634 km2 (Wikipedia table); the share "
            "of Azerbaijan held is given as about 20 % by Azerbaijan's government and the CIA "
            "World Factbook 1995, 16 % by the Factbook 2005, and works out to about 13-14 % from "
            "the areas.",
            "The April 2016 fighting moved the line by 8-20 km2 (sources disagree); not drawn.",
        ),
    ),
    Stage(
        "control-2020-09-war",
        "Second war begins",
        "2020-09-27",
        "2020-10-09",
        ALL_ZONES,
        "Fighting along the whole line of contact; districts are shown as held until their main "
        "towns are taken.",
        ("war_2020_start",),
        10.0,
        notes=SECOND_WAR_NOTES,
    ),
    Stage(
        "control-2020-10-jabrayil",
        "Second war: after the fall of Jabrayil",
        "2020-10-09",
        "2020-10-15",
        ALL_ZONES - {"jabrayil"},
        "Azerbaijani forces hold the Jabrayil district.",
        ("jabrayil_2020",),
        10.0,
        notes=(*SECOND_WAR_NOTES, "Jabrayil: announced on 4 October, filmed on 9 October."),
    ),
    Stage(
        "control-2020-10-hadrut",
        "Second war: after the fall of Hadrut",
        "2020-10-15",
        "2020-10-17",
        ALL_ZONES - {"jabrayil", "hadrut"},
        "Azerbaijani forces also hold the Hadrut area.",
        ("hadrut_2020", "hadrut_2020_denial"),
        10.0,
        notes=(
            *SECOND_WAR_NOTES,
            "Hadrut: announced on 9 October, denied by the Armenian side until 12 October; "
            "third-party sources give 14-15 October.",
        ),
    ),
    Stage(
        "control-2020-10-fuzuli",
        "Second war: after the fall of Fuzuli",
        "2020-10-17",
        "2020-10-20",
        ALL_ZONES - {"jabrayil", "hadrut", "fuzuli"},
        "Azerbaijani forces also hold the Fuzuli district.",
        ("fuzuli_2020",),
        10.0,
        notes=SECOND_WAR_NOTES,
    ),
    Stage(
        "control-2020-10-zangilan",
        "Second war: after the fall of Zangilan",
        "2020-10-20",
        "2020-10-25",
        ALL_ZONES - {"jabrayil", "hadrut", "fuzuli", "zangilan"},
        "Azerbaijani forces also hold the Zangilan district and the Aras valley.",
        ("zangilan_2020",),
        10.0,
        notes=SECOND_WAR_NOTES,
    ),
    Stage(
        "control-2020-10-qubadli",
        "Second war: after the fall of Qubadli",
        "2020-10-25",
        "2020-11-09",
        ALL_ZONES - {"jabrayil", "hadrut", "fuzuli", "zangilan", "qubadli"},
        "Azerbaijani forces also hold the Qubadli district.",
        ("qubadli_2020",),
        10.0,
        notes=(*SECOND_WAR_NOTES, "Qubadli: 25 October; one outlet gives 26 October."),
    ),
    Stage(
        "control-2020-11-shusha",
        "Second war: after the fall of Shusha/Shushi",
        "2020-11-09",
        "2020-11-10",
        _OBLAST - {"hadrut", "shusha"} | {"lachin", "kalbajar", "aghdam"},
        "Azerbaijani forces also hold Shusha/Shushi and the former Shusha district.",
        ("shusha_2020", "shusha_2020_confirmed"),
        8.0,
        notes=(*SECOND_WAR_NOTES, "Shusha: announced on 8 November, confirmed on 9 November."),
    ),
    Stage(
        "control-2020-11-ceasefire",
        "Ceasefire of 10 November 2020",
        "2020-11-10",
        "2020-11-20",
        _OBLAST - {"hadrut", "shusha"} | {"lachin", "kalbajar", "aghdam"},
        "The sides stop where they stand. The Armenian side still holds the Aghdam, Kalbajar and "
        "Lachin districts until their handover; Russian peacekeepers deploy along the line of "
        "contact and the Lachin corridor.",
        ("statement_2020", "statement_2020_mfa"),
        8.0,
        corridor="2020",
        notes=AFTER_2020_NOTES,
    ),
    Stage(
        "control-2020-11-aghdam",
        "Aghdam district handed over",
        "2020-11-20",
        "2020-11-25",
        _OBLAST - {"hadrut", "shusha"} | {"lachin", "kalbajar"},
        "The Aghdam district is handed over to Azerbaijan.",
        ("aghdam_2020",),
        8.0,
        corridor="2020",
        notes=AFTER_2020_NOTES,
    ),
    Stage(
        "control-2020-11-kalbajar",
        "Kalbajar district handed over",
        "2020-11-25",
        "2020-12-01",
        _OBLAST - {"hadrut", "shusha"} | {"lachin"},
        "The Kalbajar district is handed over to Azerbaijan.",
        ("kalbajar_2020", "kalbajar_2020_aj"),
        8.0,
        corridor="2020",
        notes=AFTER_2020_NOTES,
    ),
    Stage(
        "control-2020-12-lachin",
        "Lachin district handed over, corridor under Russian peacekeepers",
        "2020-12-01",
        "2022-08-26",
        _OBLAST - {"hadrut", "shusha"},
        "The Lachin district is handed over to Azerbaijan except the corridor, which Russian "
        "peacekeepers hold: Berdzor/Lachin town, Zabukh/Aghavno and Sus/Nerkin Sus stay in it.",
        ("lachin_2020", "lachin_corridor", "area_2020_ck"),
        8.0,
        corridor="2020",
        notes=(
            *AFTER_2020_NOTES,
            "Hin Tagher and Khtsaberd (December 2020) and Parukh (March 2022) are too small to "
            "draw at this precision; see the events.",
        ),
    ),
    Stage(
        "control-2022-08-lachin-town",
        "Lachin town, Zabukh and Sus handed over",
        "2022-08-26",
        "2023-09-20",
        _OBLAST - {"hadrut", "shusha"},
        "Berdzor/Lachin town, Zabukh/Aghavno and Sus/Nerkin Sus pass to Azerbaijan; the corridor "
        "moves to a new road south of them.",
        ("lachin_2022", "lachin_2022_vk", "lachin_corridor", "blockade", "hakari"),
        8.0,
        corridor="2022",
        notes=(
            *AFTER_2020_NOTES,
            "The new road runs via Mets Shen/Hin Shen (Boyuk/Kichik Galadarasi), south of Lachin "
            "town; no licensed geometry of it is available, so the corridor is drawn as a 5 km "
            "band on the straight line from the border to the junction below Shusha, minus "
            "Lachin town (2.5 km around its centre). Zabukh and Sus have no licensed "
            "coordinates and are not cut out.",
            "From 12 December 2022 the road was blocked at the junction below Shusha, and from "
            "23 April 2023 Azerbaijan held a checkpoint at the Hakari bridge at its western "
            "end.",
        ),
    ),
    Stage(
        "control-2023-09-azerbaijan",
        "Whole area under Azerbaijani control",
        "2023-09-20",
        None,
        frozenset(),
        "After the offensive of 19 September and the ceasefire of 20 September 2023, the whole "
        "area is under Azerbaijani control.",
        ("ceasefire_2023", "offensive_2023"),
        2.0,
        approximate=False,
        method="Azerbaijan's mainland within the atlas frame (Natural Earth countries).",
        notes=(
            "Russian peacekeepers stayed until April-June 2024 (see the peacekeeping layer); "
            "the Azerbaijani flag was raised in Khankendi/Stepanakert on 15 October 2023.",
        ),
    ),
)


# --------------------------------------------------------------------------------------------
# Output


def _lonlat(geom_m: BaseGeometry) -> BaseGeometry:
    """Back to lon/lat, snapped to the output grid (valid before and after snapping)."""
    return shapely.set_precision(shapely.make_valid(to_lonlat(geom_m)), GRID)


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
            "title": "nkmap: territorial control in Nagorno-Karabakh, 1923-2024",
            "attribution": "Made with Natural Earth; places from GeoNames (CC BY 4.0)",
            "region_bbox": list(REGION_BBOX),
            "layers": self.layers,
        }
        (out / "catalog.json").write_text(
            json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )


def _sources(keys: Iterable[str]) -> list[dict[str, str]]:
    return [dict(CITED[k]) for k in keys]


def build(natural_earth: Path, geonames: Path, out: Path) -> list[str]:
    """Build geodata/ into ``out``; return a line of summary per layer."""
    src = read_sources(natural_earth, geonames)
    towns = place_towns(src.geonames)
    frame = build_frame(src, towns)
    zones = {k: _lonlat(v) for k, v in build_zones(frame, towns).items()}
    border = corridor_border_point(frame, towns)
    bands_m = corridor_bands(frame, towns, border)
    bands = {"2020": _lonlat(bands_m[0]), "2022": _lonlat(bands_m[1])}
    # Clip in lon/lat too: the frame's edges are straight in degrees, not in metres.
    mainland = shapely.intersection(_lonlat(frame.mainland), box(*FRAME_BBOX), grid_size=GRID)
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

    # 2-5. Control, stage by stage.
    summary = []
    unmapped_features: list[dict[str, Any]] = []
    armenian_by_stage: dict[str, BaseGeometry] = {}
    for stage in STAGES:
        armenian = _overlay_union(zones[z] for z in sorted(stage.zones))
        armenian_by_stage[stage.id] = armenian
        corridor_area: BaseGeometry = Polygon()
        if stage.corridor:
            corridor_area = shapely.difference(bands[stage.corridor], armenian, grid_size=GRID)
        unmapped = _overlay_union(zones[z] for z in sorted(stage.unmapped))
        unmapped = shapely.difference(unmapped, armenian, grid_size=GRID)
        taken = _overlay_union([armenian, corridor_area, unmapped])
        azerbaijani = shapely.difference(mainland, taken, grid_size=GRID)
        feats = []
        for controller, geom in (
            ("armenian", armenian),
            ("russian_peacekeepers", corridor_area),
            ("azerbaijani", azerbaijani),
        ):
            if not geom.is_empty:
                feats.append(feature(geom, {"controller": controller}))
        notes = list(stage.notes)
        if stage.unmapped:
            notes.append("Areas whose control is not mapped at this date are left out.")
        catalog.add(
            out,
            stage.id,
            feats,
            title=stage.title,
            kind="area",
            shows="control",
            description=stage.description,
            valid_from=stage.valid_from,
            valid_to=stage.valid_to,
            sources=[NATURAL_EARTH, GEONAMES, *_sources(stage.sources)],
            method=_method_for(stage),
            uncertainty_km=stage.uncertainty_km,
            approximate=stage.approximate,
            notes=notes,
        )
        summary.append(f"{stage.id}: {stage.valid_from} .. {stage.valid_to}")
        if not unmapped.is_empty:
            unmapped_features.append(
                feature(
                    unmapped,
                    {
                        "controller": None,
                        "valid_from": stage.valid_from,
                        "valid_to": stage.valid_to,
                        "name": "Former Mardakert district: front line not mapped",
                    },
                )
            )
    catalog.add(
        out,
        "unmapped-1992-1993",
        list(_merge_same_geometry(unmapped_features)),
        title="Front not mapped: the Martakert district, 1992-1993",
        kind="area",
        shows="unmapped",
        description="The former Mardakert district of the oblast while Azerbaijani forces held "
        "much of it, from the fall of Martakert/Aghdara on 4 July 1992 to its recapture in July "
        "1993. Control inside it is not mapped.",
        valid_from="1992-07-04",
        valid_to="1993-07-27",
        sources=[NATURAL_EARTH, *_sources(["goranboy", "martakert_1993a", "martakert_1993b"])],
        method="The part of the oblast that Natural Earth assigns to the Tartar, Kalbajar and "
        "Goranboy rayons (Azerbaijan divided the Mardakert district among them in 1991), within "
        "the 1994-held area.",
        uncertainty_km=10.0,
        approximate=True,
        notes=[
            "Martakert was retaken on 27 July 1993 per one source and 28 June 1993 per another.",
        ],
    )

    # The 1994 line and the line of contact of November 2020.
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
        uncertainty_km=2.0,
        approximate=False,
        notes=["It ends a few km short of the generalised country borders."],
    )
    lines = []
    zone_features = []
    for stage in STAGES:
        if not stage.corridor:
            continue
        held = _overlay_union([armenian_by_stage[stage.id], bands[stage.corridor]])
        edge = held.boundary.difference(_lonlat(frame.armenia.boundary.buffer(300.0)))
        edge = shapely.set_precision(edge, GRID)
        dates = {"valid_from": stage.valid_from, "valid_to": stage.valid_to}
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
        sources=[NATURAL_EARTH, GEONAMES, *_sources(["statement_2020"])],
        method="The boundary of the control layers' Armenian-held area and corridor, less the "
        "stretches along the Armenian border.",
        uncertainty_km=8.0,
        approximate=True,
        notes=list(AFTER_2020_NOTES),
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
            GEONAMES,
            *_sources(["statement_2020", "peacekeepers_leave", "peacekeepers_left"]),
        ],
        method="The Armenian-held area and the corridor of each control stage after 10 "
        "November 2020; kept as it was in September 2023 until the withdrawal was complete.",
        uncertainty_km=8.0,
        approximate=True,
        notes=[
            "The zone of responsibility was not published as a map; this is the area held by the "
            "Armenian side plus the corridor.",
            "The withdrawal began around 10 April 2024 (confirmed 17 April) and ended by 12 "
            "June 2024.",
        ],
    )

    # 6. Events.
    event_points = {key: Point(t.lon, t.lat) for key, t in towns.items()}
    event_points["shusha_junction"] = Point(SHUSHA_JUNCTION[1], SHUSHA_JUNCTION[0])
    event_points["corridor_border"] = shapely.set_precision(to_lonlat(border), GRID)
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
            "place": towns[ev.place].place.label if ev.place in towns else ev.place,
            "sources": _sources(ev.sources),
        }
        event_features.append(feature(event_points[ev.place], props))
    all_event_sources = sorted({k for ev in EVENTS for k in ev.sources})
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
        sources=[GEONAMES, *_sources(all_event_sources)],
        method="Placed at the GeoNames position of the named town (or a position the fact "
        "sheet's sources give); dates and wording from the cited sources.",
        uncertainty_km=3.0,
        approximate=False,
        notes=["Where sources disagree on a date, the event's 'note' says what each says."],
    )

    # 7. Base map.
    _basemap(out, catalog, src, towns)
    catalog.write(out)
    return summary


def _merge_same_geometry(features: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Join consecutive features with identical geometry into one spanning their dates."""
    merged: list[dict[str, Any]] = []
    for f in features:
        if merged and merged[-1]["geometry"] == f["geometry"]:
            merged[-1]["properties"]["valid_to"] = f["properties"]["valid_to"]
        else:
            merged.append({**f, "properties": dict(f["properties"])})
    return merged


def _method_for(stage: Stage) -> str:
    if stage.method:
        return stage.method
    if stage.valid_from < "1994-05-12":
        return FIRST_WAR_METHOD
    if stage.corridor:
        return AFTER_2020_METHOD
    return SECOND_WAR_METHOD


def _basemap(out: Path, catalog: Catalog, src: Sources, towns: dict[str, PlacedTown]) -> None:
    frame = box(*BASEMAP_BBOX)
    countries = []
    for _, row in src.countries.sort_values("NAME").iterrows():
        geom = shapely.set_precision(row.geometry.intersection(frame), GRID)
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
    for _, row in src.provinces.sort_values(["admin", "name"]).iterrows():
        geom = shapely.set_precision(row.geometry.intersection(frame), GRID)
        if geom.is_empty:
            continue
        name = RAYON_NAMES.get(row["name"], row["name"])
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
                    "name": t.place.label,
                    "name_hy": t.place.name_hy,
                    "name_az": t.place.name_az,
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
