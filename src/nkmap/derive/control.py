"""Control areas derived from the gazetteer: one stage per date on which any place changes hands.

On each stage's first day every cell (see :mod:`nkmap.derive.cells`) takes the controller its
settlement's history gives for that day. Dissolving the cells by controller gives the areas:

- **Armenian-held**: the cells of places held by the Armenian side.
- **Lachin corridor** (from 10 November 2020): a 5 km band along the road in use (the routes
  are in :mod:`nkmap.derive.atlas`), outside the Armenian-held area, and through the cell of an
  Azerbaijani-held town beside the road (Shusha) only along the road itself.
- **Not mapped**: the cells of places whose history does not say who held them on the date.
- **Azerbaijani-held**: the rest of Azerbaijan's mainland within the frame.

**Places cut off by their dates.** Most dates of the 2020 war are official announcements, and
announcements lag: a village announced taken on one day may be reachable only through villages
announced days later. Drawn as given, that makes an island of one side inside the other (the
town of Jabrayil, announced on 4 October 2020, inside villages announced on 19-20 October),
which no source describes. So where a side's cells form an island that neither touches that
side's land outside the region (the rest of Azerbaijan; Armenia) nor joins its main area, and no
source describes an enclave there (:data:`ENCLAVES`), the cells on the shortest way from the
island to the side's main area are drawn as *not mapped* until their own dates: the front
passed through them, on a day the sources do not give. The gazetteer keeps every place's own
dates; only the drawing marks the uncertainty.

Then the clean-up every stage gets: pieces of a side under 1 km2 cut off from the rest are
given to the side around them, so nothing small is left detached.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from nkmap.atlas.gazetteer import Gazetteer, Settlement

CORRIDOR_WIDTH_M = 5000.0  # "5 km wide" in the 10 November 2020 statement
MIN_PART_M2 = 1e6  # pieces of a side under 1 km2 cut off from the rest are artefacts
ROAD_STRIP_M = 1000.0  # through an Azerbaijani-held town's cell the corridor is the road +-1 km


@dataclass(frozen=True)
class Route:
    """A road of the Lachin corridor: in use from ``start`` to ``end``, through named places."""

    key: str
    start: dt.date
    end: dt.date
    through: tuple[str, ...]  # gazetteer ids, from the Armenian border inwards
    description: str


@dataclass(frozen=True)
class Enclave:
    """An island of one side inside the other that sources describe: not bridged."""

    places: frozenset[str]  # gazetteer ids; an island made only of these is allowed
    start: dt.date
    end: dt.date
    reason: str


ENCLAVES: tuple[Enclave, ...] = (
    Enclave(
        frozenset({"ivanyan"}),
        dt.date(1991, 12, 1),
        dt.date(1992, 2, 26),
        "Khojaly was held by Azerbaijani forces and cut off by land, supplied by air, until "
        "it was taken on 25-26 February 1992.",
    ),
    Enclave(
        frozenset({"hin-tagher", "khtsaberd"}),
        dt.date(2020, 11, 9),
        dt.date(2020, 12, 14),
        "Hin Tagher and Khtsaberd, encircled in the Hadrut area, stayed Armenian-held after the "
        "ceasefire until 11-13 December 2020.",
    ),
)


@dataclass(frozen=True)
class Context:
    """What the stages are drawn in: the cells' neighbours and where each side's land lies."""

    neighbours: dict[str, dict[str, float]]  # cell -> neighbour cell -> distance (m)
    roots: dict[str, frozenset[str]]  # side -> cells touching that side's land outside
    main: dict[str, str]  # side -> a place always in that side's main area when it holds it


def context(
    cells: Mapping[str, BaseGeometry],
    points: Mapping[str, Point],
    outside: Mapping[str, BaseGeometry],
    main: Mapping[str, str],
) -> Context:
    """Neighbouring cells, and the cells touching each side's land outside the region."""
    keys = sorted(cells)
    tree = shapely.STRtree([cells[k] for k in keys])
    neighbours: dict[str, dict[str, float]] = {k: {} for k in keys}
    for key in keys:
        grown = cells[key].buffer(5.0)
        for j in tree.query(grown, predicate="intersects"):
            other = keys[int(j)]
            if other == key:
                continue
            shared = grown.intersection(cells[other].boundary).length
            if shared > 50.0:
                d = points[key].distance(points[other])
                neighbours[key][other] = d
                neighbours[other][key] = d
    roots = {
        side: frozenset(k for k in keys if cells[k].buffer(50.0).intersects(land))
        for side, land in outside.items()
    }
    return Context(neighbours, roots, dict(main))


def _components(members: set[str], neighbours: dict[str, dict[str, float]]) -> list[set[str]]:
    seen: set[str] = set()
    out = []
    for start in sorted(members):
        if start in seen:
            continue
        group = {start}
        todo = [start]
        while todo:
            k = todo.pop()
            for n in neighbours[k]:
                if n in members and n not in group:
                    group.add(n)
                    todo.append(n)
        seen |= group
        out.append(group)
    return out


def bridge(controllers: Mapping[str, str | None], ctx: Context, day: dt.date) -> set[str]:
    """The cells to draw as not mapped so that no side has an island no source describes.
    Cells already marked for one side's islands count as not mapped for the other's."""
    bridged: set[str] = set()
    for side in ("azerbaijani", "armenian"):
        held = {k for k, c in controllers.items() if c == side and k not in bridged}
        groups = _components(held, ctx.neighbours)
        anchored = [
            g for g in groups if g & ctx.roots.get(side, frozenset()) or ctx.main[side] in g
        ]
        target = set().union(*anchored) if anchored else set()
        for group in groups:
            if not target or group & target:
                continue
            if any(group <= e.places and e.start <= day < e.end for e in ENCLAVES):
                continue
            bridged |= _shortest_way(group, target, ctx.neighbours, held)
    return bridged


def _shortest_way(
    sources: set[str],
    targets: set[str],
    neighbours: dict[str, dict[str, float]],
    free: set[str],
) -> set[str]:
    """The cells outside ``free`` on the shortest way from ``sources`` to ``targets``, by
    distance between places; a step into a ``free`` cell (held by the same side) costs nothing."""
    dist = {k: 0.0 for k in sources}
    back: dict[str, str] = {}
    heap = [(0.0, k) for k in sorted(sources)]
    heapq.heapify(heap)
    while heap:
        d, k = heapq.heappop(heap)
        if k in targets:
            way = set()
            while k in back:
                k = back[k]
                if k not in free:
                    way.add(k)
            return way
        if d > dist.get(k, float("inf")):
            continue
        for n, step in sorted(neighbours[k].items()):
            nd = d + (0.0 if n in free else step)
            if nd < dist.get(n, float("inf")):
                dist[n] = nd
                back[n] = k
                heapq.heappush(heap, (nd, n))
    return set()


@dataclass
class Stage:
    start: dt.date
    end: dt.date | None
    controllers: dict[str, str | None]  # settlement id -> controller on ``start``
    armenian: BaseGeometry
    corridor: BaseGeometry
    unmapped: BaseGeometry
    azerbaijani: BaseGeometry
    route: Route | None
    changes: list[tuple[Settlement, str | None, str | None]]  # (place, before, after)
    bridged: set[str]  # cells drawn as not mapped because the front passed through them


def stage_dates(gaz: Gazetteer, extra: Sequence[dt.date], first: dt.date) -> list[dt.date]:
    """The first day of every stage: the first mapped day, every change, and ``extra``."""
    days = {first, *extra, *gaz.change_dates()}
    return sorted(d for d in days if d >= first)


CLOSE_M = 2.0  # cells' shared edges can miss each other by centimetres: close such slits


def _union(geoms: Sequence[BaseGeometry]) -> BaseGeometry:
    """The union of cells, with the hairline slits between their edges closed."""
    items = [g for g in geoms if not g.is_empty]
    if not items:
        return Polygon()
    joined = unary_union(items)
    return joined.buffer(CLOSE_M, join_style="mitre").buffer(-CLOSE_M, join_style="mitre")


def _route_line(route: Route, points: Mapping[str, Point]) -> LineString:
    return LineString([points[k] for k in route.through])


def _drop_small_parts(geom: BaseGeometry) -> BaseGeometry:
    parts = [p for p in getattr(geom, "geoms", [geom]) if isinstance(p, Polygon)]
    kept = [p for p in parts if p.area >= MIN_PART_M2]
    return _union(kept)


def _fill_small_holes(geom: BaseGeometry) -> BaseGeometry:
    out = []
    for part in getattr(geom, "geoms", [geom]):
        if not isinstance(part, Polygon):
            continue
        holes = [h for h in part.interiors if Polygon(h).area >= MIN_PART_M2]
        out.append(Polygon(part.exterior, holes))
    return _union(out)


def derive_stages(
    gaz: Gazetteer,
    cells: Mapping[str, BaseGeometry],
    mainland: BaseGeometry,
    points: Mapping[str, Point],
    routes: Sequence[Route],
    days: Sequence[dt.date],
    ctx: Context,
) -> list[Stage]:
    """Every stage's areas (metres), from the first day in ``days`` on."""
    stages: list[Stage] = []
    previous: dict[str, str | None] = {}
    for i, day in enumerate(days):
        end = days[i + 1] if i + 1 < len(days) else None
        controllers = {k: gaz.get(k).controller_on(day) for k in sorted(cells)}
        bridged = bridge(controllers, ctx, day)
        drawn = {k: (None if k in bridged else c) for k, c in controllers.items()}
        armenian = _fill_small_holes(
            _drop_small_parts(_union([cells[k] for k, c in drawn.items() if c == "armenian"]))
        )
        route = next((r for r in routes if r.start <= day < r.end), None)
        corridor: BaseGeometry = Polygon()
        if route is not None:
            band = _route_line(route, points).buffer(
                CORRIDOR_WIDTH_M / 2, cap_style="flat", join_style="round"
            )
            road = _route_line(route, points)
            # The corridor bypasses Azerbaijani-held towns (Shusha): it keeps to a strip
            # ROAD_STRIP_M either side of the road through their cells.
            keep_out = _union(
                [
                    cells[s.id].difference(road.buffer(ROAD_STRIP_M))
                    for s in gaz.settlements
                    if s.id in cells
                    and s.kind == "town"
                    and s.controller_on(day) == "azerbaijani"
                    and band.intersects(cells[s.id])
                ]
            )
            corridor = band.intersection(mainland).difference(armenian).difference(keep_out)
            corridor = _drop_small_parts(corridor)
        unknown = _union([cells[k] for k, c in drawn.items() if c is None])
        unmapped = _drop_small_parts(unknown.difference(armenian).difference(corridor))
        held = _union([armenian, corridor, unmapped])
        azerbaijani = _drop_small_parts(mainland.difference(held))
        changes = []
        if previous:
            for key, now in controllers.items():
                if previous.get(key) != now:
                    changes.append((gaz.get(key), previous.get(key), now))
        stages.append(
            Stage(
                day,
                end,
                controllers,
                armenian,
                corridor,
                unmapped,
                azerbaijani,
                route,
                changes,
                bridged,
            )
        )
        previous = controllers
    return stages


OUTCOMES = {
    "armenian": "to Armenian control",
    "azerbaijani": "to Azerbaijani control",
    "russian_peacekeepers": "into the Lachin corridor",
}


def describe_changes(stage: Stage, limit: int = 6) -> str:
    """A neutral one-line summary of what changed hands on the stage's first day."""
    groups: dict[str, list[str]] = {}
    for place, _before, after in stage.changes:
        verb = OUTCOMES.get(after or "", "control not mapped")
        groups.setdefault(verb, []).append(place.label)
    parts = []
    for verb in sorted(groups, key=lambda v: (-len(groups[v]), v)):
        names = sorted(groups[verb])
        shown = ", ".join(names[:limit])
        more = f" and {len(names) - limit} more" if len(names) > limit else ""
        parts.append(f"{shown}{more} {verb}")
    return "; ".join(parts)
