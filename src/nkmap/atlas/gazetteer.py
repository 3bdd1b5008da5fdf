"""The settlement gazetteer: places, both communities' names, and their dated control.

Control is a property of places on dates. ``geodata/gazetteer.json`` lists every settlement
(and a few named heights and road points) that a dated change of control touches, each with its
names in both communities' forms, a coordinate with the page it was taken from, and its control
history: dated entries, each with its sources and, where sources disagree, a note saying so.
The control areas of the atlas are derived from these facts (see :mod:`nkmap.derive.cells`).

The file is checked on load: both names, a coordinate inside the region, dates in order,
a known controller and at least one defined source for every entry. Every problem is reported
at once, naming the settlement and the field.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from nkmap.atlas.dates import asof, parse_date
from nkmap.atlas.jsonfile import read_json
from nkmap.atlas.vocabulary import CONTROLLERS, ID_PATTERN, REGION_BBOX
from nkmap.errors import (
    CatalogError,
    DateError,
    LayerFileError,
    PlaceError,
    Problem,
    ValidationError,
)

GAZETTEER_FILE = "gazetteer.json"
# What a history entry may say: one of the atlas's controllers, or that sources do not say.
UNMAPPED = "unmapped"
HISTORY_CONTROLLERS = (*CONTROLLERS, UNMAPPED)
KINDS = ("town", "village", "height", "pass", "road")
PRECISIONS = ("day", "month", "district")
LABELS = {
    "armenian": "Armenian forces",
    "azerbaijani": "Azerbaijani forces",
    "russian_peacekeepers": "Russian peacekeepers (Lachin corridor)",
    UNMAPPED: "not mapped (sources do not say)",
}


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    url: str
    licence: str


@dataclass(frozen=True)
class Entry:
    """From ``date`` on (until the next entry), ``controller`` held the place."""

    date: dt.date
    controller: str
    sources: tuple[str, ...]
    precision: str = "day"
    note: str = ""


@dataclass(frozen=True)
class Settlement:
    id: str
    name_hy: str  # the Armenian-derived form
    name_az: str  # the Azerbaijani form (English romanisation)
    name_az_local: str  # the Azerbaijani Latin spelling
    name_ru: str
    alt_names: tuple[str, ...]
    kind: str
    district_az: str
    district_hy: str
    country: str
    lat: float
    lon: float
    coord_source: str
    history: tuple[Entry, ...]
    disagreement: str
    cell: bool  # whether the place anchors a cell of the control areas

    @property
    def label(self) -> str:
        """Both forms, the Armenian-derived first (as the atlas does everywhere)."""
        if self.name_hy.casefold() == self.name_az.casefold():
            return self.name_hy
        return f"{self.name_hy} / {self.name_az}"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the place is known by, for searching."""
        found = [self.name_hy, self.name_az, self.name_az_local, self.name_ru, *self.alt_names]
        return tuple(dict.fromkeys(n for n in found if n))

    def entry_on(self, day: dt.date) -> Entry | None:
        """The history entry in force on ``day`` (the last one on or before it: SAMPLING)."""
        index = asof([entry.date for entry in self.history], day)
        return None if index is None else self.history[index]

    def controller_on(self, day: dt.date) -> str | None:
        """Who held the place on ``day``; None before its first entry or where not mapped."""
        entry = self.entry_on(day)
        if entry is None or entry.controller == UNMAPPED:
            return None
        return entry.controller


class Gazetteer:
    """Every settlement of the gazetteer, with the sources its entries cite."""

    def __init__(self, settlements: Sequence[Settlement], sources: dict[str, Source]) -> None:
        self.settlements = tuple(settlements)
        self.by_id = {s.id: s for s in settlements}
        self.sources = sources

    def __len__(self) -> int:
        return len(self.settlements)

    def get(self, settlement_id: str) -> Settlement:
        try:
            return self.by_id[settlement_id]
        except KeyError:
            raise PlaceError(f"no settlement {settlement_id!r} in the gazetteer") from None

    def change_dates(self) -> list[dt.date]:
        """Every date on which some place's controller changes (after its first entry)."""
        days = set()
        for s in self.settlements:
            for before, after in pairwise(s.history):
                if before.controller != after.controller:
                    days.add(after.date)
        return sorted(days)

    def find(self, query: str) -> list[Settlement]:
        """Places whose name matches ``query`` in either form, forgiving of transliteration
        (Aghdara, Agdere, Ağdərə and Martakert all find the same town). Exact matches come
        first; if there are none, the closest spellings."""
        if query.strip() in self.by_id:
            return [self.by_id[query.strip()]]
        key = name_key(query)
        if not key:
            return []
        exact = [s for s in self.settlements if key in {name_key(n) for n in s.names}]
        if len(exact) > 1:
            # A town before a village of the same name; a place's own names (either
            # community's form) before its other spellings and former names.
            def rank(s: Settlement) -> tuple[bool, bool]:
                primary = key in {name_key(s.name_hy), name_key(s.name_az)}
                return (s.kind != "town", not primary)

            best = min(rank(s) for s in exact)
            top = [s for s in exact if rank(s) == best]
            if len(top) == 1:
                return top
        if exact:
            return exact
        by_key: dict[str, list[Settlement]] = {}
        for s in self.settlements:
            for n in s.names:
                by_key.setdefault(name_key(n), []).append(s)
        close = difflib.get_close_matches(key, list(by_key), n=5, cutoff=0.8)
        found: dict[str, Settlement] = {}
        for k in close:
            for s in by_key[k]:
                found.setdefault(s.id, s)
        return list(found.values())

    def resolve(self, query: str) -> Settlement:
        """The one place ``query`` names, or an error listing the candidates."""
        found = self.find(query)
        if len(found) == 1:
            return found[0]
        if not found:
            raise PlaceError(
                f"no settlement named {query!r} in the gazetteer (try the other community's "
                "name, or give lat lon)"
            )
        names = "; ".join(f"{s.label} ({s.district_az}, id {s.id})" for s in found[:8])
        raise PlaceError(f"{query!r} could name several settlements: {names}. Give the id.")

    def cite(self, keys: Iterable[str]) -> list[Source]:
        return [self.sources[k] for k in keys]


def source_dicts(gaz: Gazetteer, keys: Iterable[str]) -> list[dict[str, str]]:
    return [{"title": s.title, "url": s.url, "licence": s.licence} for s in gaz.cite(keys)]


def history_of(gaz: Gazetteer, place: Settlement) -> dict[str, Any]:
    """A place's names, position and dated control, with every source, as plain data."""
    coord = gaz.sources[place.coord_source]
    return {
        "id": place.id,
        "label": place.label,
        "name_hy": place.name_hy,
        "name_az": place.name_az,
        "names": list(place.names),
        "kind": place.kind,
        "district_az": place.district_az,
        "district_hy": place.district_hy,
        "lat": place.lat,
        "lon": place.lon,
        "position_source": {"title": coord.title, "url": coord.url},
        "history": [
            {
                "date": e.date.isoformat(),
                "controller": None if e.controller == UNMAPPED else e.controller,
                "held_by": LABELS[e.controller],
                "precision": e.precision,
                "note": e.note,
                "sources": source_dicts(gaz, e.sources),
            }
            for e in place.history
        ],
        "disagreement": place.disagreement,
    }


# Azerbaijani Latin letters and their usual English romanisation.
_AZ_LATIN = str.maketrans(
    {"ç": "ch", "ş": "sh", "ğ": "gh", "c": "j", "x": "kh", "q": "g", "ə": "a", "ı": "i"}
)
_CYRILLIC = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "iu",
        "я": "ia",
    }
)  # fmt: skip
# Spellings that differ only in these ways are the same name: digraphs and their single-letter
# forms (kh/k/x, gh/g/ğ, sh/s), j/c/dj, y/i, doubled letters, e/a (Agdere/Aghdara).
_FOLD = (
    (re.compile(r"dzh|dj|dz"), "j"),
    (re.compile(r"([kgsczt])h"), r"\1"),
    (re.compile(r"y"), "i"),
    (re.compile(r"[ea]"), "a"),
    (re.compile(r"[ou]"), "o"),
    (re.compile(r"(.)\1+"), r"\1"),
)


def name_key(name: str) -> str:
    """A spelling-insensitive key for a place name (see :meth:`Gazetteer.find`)."""
    text = name.strip().lower()
    if any(ch in text for ch in "əğışçöü") or re.search(r"[a-z][xq]|^[xq]", text):
        text = text.translate(_AZ_LATIN)
    text = text.translate(_CYRILLIC)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if ch.isascii() and ch.isalnum())
    for pattern, repl in _FOLD:
        text = pattern.sub(repl, text)
    return text


def default_path(root: Path | None = None) -> Path:
    from nkmap.settings import default_geodata

    return (root if root is not None else default_geodata()) / GAZETTEER_FILE


def load_gazetteer(root: Path | str | None = None) -> Gazetteer:
    """Load and check ``gazetteer.json`` in ``root`` (default: the repository's geodata/).

    Raises :class:`ValidationError` listing every problem found."""
    path = default_path(Path(root) if root is not None else None)
    try:
        doc = read_json(path)
    except LayerFileError as exc:
        raise CatalogError(str(exc)) from None
    return parse_gazetteer(doc, str(path))


def parse_gazetteer(doc: Any, source: str = GAZETTEER_FILE) -> Gazetteer:
    """Check a gazetteer document; return it, or raise :class:`ValidationError`."""
    problems: list[Problem] = []
    if not isinstance(doc, dict):
        raise ValidationError(source, [Problem(source, "document", type(doc).__name__, "object")])
    sources: dict[str, Source] = {}
    raw_sources = doc.get("sources")
    if not isinstance(raw_sources, dict):
        problems.append(Problem(source, "sources", repr(raw_sources)[:40], "an object"))
        raw_sources = {}
    for key, src in raw_sources.items():
        ok = isinstance(src, dict) and all(
            isinstance(src.get(f), str) and src.get(f) for f in ("title", "url", "licence")
        )
        if not ok:
            problems.append(
                Problem(f"source {key!r}", "fields", repr(src)[:60], "title, url, licence")
            )
        elif not src["url"].startswith(("https://", "http://")):
            problems.append(Problem(f"source {key!r}", "url", repr(src["url"])[:60], "http(s)://"))
        else:
            sources[key] = Source(key, src["title"], src["url"], src["licence"])
    raw_places = doc.get("settlements")
    if not isinstance(raw_places, list):
        problems.append(Problem(source, "settlements", repr(raw_places)[:40], "a list"))
        raw_places = []
    settlements: list[Settlement] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_places):
        s, found = _parse_settlement(raw, i, raw_sources)
        problems.extend(found)
        if s is None:
            continue
        if s.id in seen:
            problems.append(Problem(f"settlement {s.id!r}", "id", "a duplicate", "a unique id"))
            continue
        seen.add(s.id)
        settlements.append(s)
    if problems:
        raise ValidationError(source, problems)
    return Gazetteer(settlements, sources)


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def _parse_settlement(
    raw: Any, index: int, sources: dict[str, Any]
) -> tuple[Settlement | None, list[Problem]]:
    where = f"settlement {index}"
    if not isinstance(raw, dict):
        return None, [Problem(where, "entry", type(raw).__name__, "an object")]
    sid = raw.get("id")
    if isinstance(sid, str):
        where = f"settlement {sid!r}"
    problems: list[Problem] = []
    if not isinstance(sid, str) or not ID_PATTERN.match(sid):
        problems.append(Problem(where, "id", repr(sid), "lower-case letters, digits and '-'"))
    for key in ("name_hy", "name_az"):
        if not _text(raw, key):
            problems.append(Problem(where, key, repr(raw.get(key)), "a name (both forms)"))
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.append(Problem(where, "kind", repr(kind), ", ".join(KINDS)))
    lat, lon = raw.get("lat"), raw.get("lon")
    west, south, east, north = REGION_BBOX
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon))
    if not numbers or not (south <= lat <= north and west <= lon <= east):  # type: ignore[operator]
        problems.append(
            Problem(
                where, "lat/lon", f"{lat!r}, {lon!r}", f"lat {south}..{north}, lon {west}..{east}"
            )
        )
    if raw.get("coord_source") not in sources:
        problems.append(
            Problem(where, "coord_source", repr(raw.get("coord_source")), "a key of 'sources'")
        )
    history: list[Entry] = []
    raw_history = raw.get("history")
    if not isinstance(raw_history, list) or not raw_history:
        problems.append(Problem(where, "history", repr(raw_history)[:40], "a list of entries"))
        raw_history = []
    for j, e in enumerate(raw_history):
        entry, found = _parse_entry(e, f"{where} history[{j}]", sources)
        problems.extend(found)
        if entry is None:
            continue
        if history and entry.date <= history[-1].date:
            problems.append(
                Problem(
                    f"{where} history[{j}]",
                    "date",
                    str(entry.date),
                    f"a date after {history[-1].date}",
                )
            )
        history.append(entry)
    alt = raw.get("alt_names", [])
    if not isinstance(alt, list) or not all(isinstance(a, str) for a in alt):
        problems.append(Problem(where, "alt_names", repr(alt)[:40], "a list of names"))
        alt = []
    if problems:
        return None, problems
    return (
        Settlement(
            id=sid,  # type: ignore[arg-type]  # checked above
            name_hy=_text(raw, "name_hy"),
            name_az=_text(raw, "name_az"),
            name_az_local=_text(raw, "name_az_local"),
            name_ru=_text(raw, "name_ru"),
            alt_names=tuple(alt),
            kind=str(kind),
            district_az=_text(raw, "district_az"),
            district_hy=_text(raw, "district_hy"),
            country=_text(raw, "country") or "AZ",
            lat=float(lat),  # type: ignore[arg-type]
            lon=float(lon),  # type: ignore[arg-type]
            coord_source=raw["coord_source"],
            history=tuple(history),
            disagreement=_text(raw, "disagreement"),
            cell=bool(raw.get("cell", True)),
        ),
        [],
    )


def _parse_entry(
    raw: Any, where: str, sources: dict[str, Any]
) -> tuple[Entry | None, list[Problem]]:
    if not isinstance(raw, dict):
        return None, [Problem(where, "entry", type(raw).__name__, "an object")]
    problems: list[Problem] = []
    try:
        day = parse_date(raw.get("date"), "date")
    except DateError:
        problems.append(Problem(where, "date", repr(raw.get("date")), "a date as YYYY-MM-DD"))
        day = None
    controller = raw.get("controller")
    if controller not in HISTORY_CONTROLLERS:
        problems.append(
            Problem(where, "controller", repr(controller), ", ".join(HISTORY_CONTROLLERS))
        )
    keys = raw.get("sources")
    if not isinstance(keys, list) or not keys:
        problems.append(Problem(where, "sources", repr(keys)[:40], "at least one source key"))
        keys = []
    for k in keys:
        if k not in sources:
            problems.append(Problem(where, "sources", repr(k), "a key of 'sources'"))
    precision = raw.get("precision", "day")
    if precision not in PRECISIONS:
        problems.append(Problem(where, "precision", repr(precision), ", ".join(PRECISIONS)))
    note = raw.get("note", "")
    if not isinstance(note, str):
        problems.append(Problem(where, "note", type(note).__name__, "text"))
    if problems or day is None:
        return None, problems
    return Entry(day, str(controller), tuple(keys), precision, note.strip()), []
