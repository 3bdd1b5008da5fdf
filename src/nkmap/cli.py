"""The ``nkmap`` command: the library's answers on the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nkmap.atlas.dates import iso_or_open, parse_date
from nkmap.atlas.vocabulary import REGION_BBOX, REGION_NAME
from nkmap.errors import NkmapError, OptionError, ValidationError
from nkmap.layers.formats import FORMATS as READABLE
from nkmap.layers.meta import LAYER_META, SOURCE_PARTS, metadata, one_source, sidecar_metadata
from nkmap.maps.formats import ATLAS_FORMATS, FORMATS, PRINT_FORMATS
from nkmap.present.layout import ANIMATION, Layout, parse_bbox
from nkmap.present.style import NAME_FORMS
from nkmap.settings import MAX_FILE_BYTES

if TYPE_CHECKING:
    from nkmap.atlas.catalog import Atlas

# The command line imports the libraries behind each command (geopandas, matplotlib, GDAL)
# only when that command runs, so that `nkmap --help` and `nkmap layers` answer at once.

CANDIDATE_SUFFIXES = tuple(ext for exts in READABLE.values() for ext in exts)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, exit 2, no usage dump
        self.exit(2, f"nkmap: error: {message} (see nkmap --help)\n")


def _date(text: str) -> dt.date:
    try:
        return parse_date(text)
    except NkmapError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="nkmap", description="Territorial control in Nagorno-Karabakh, 1923-2024.")
    p.add_argument("--geodata", type=Path, help="the geodata folder (default: the repository's)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("layers", help="list the catalog")
    v = sub.add_parser(
        "validate", help="check the catalog, or a candidate layer (all checks, nothing written)"
    )
    v.add_argument("path", nargs="?", type=Path, help="geodata folder, or a layer file")
    _meta_options(v)
    ad = sub.add_parser("add", help="check a layer file and add it to the atlas")
    ad.add_argument("path", type=Path, help=".geojson, .gpkg, zipped Shapefile (.zip) or .kml")
    _meta_options(ad)
    ad.add_argument("--replace", action="store_true", help="replace the layer with this id")
    s = sub.add_parser("snapshot", help="write the state on a date as one GeoJSON file")
    s.add_argument("--date", type=_date, required=True)
    s.add_argument("-o", "--output", type=Path, required=True)
    w = sub.add_parser("where", help="who held a place (by name, or lat lon) on a date")
    w.add_argument(
        "place",
        nargs="+",
        help="a settlement's name in either form (Martakert, Aghdara), or lat lon",
    )
    w.add_argument("--date", type=_date, required=True)
    w.add_argument("--json", action="store_true", help="print a JSON object")
    h = sub.add_parser("history", help="a settlement's dated control, with sources")
    h.add_argument("place", nargs="+", help="a settlement's name in either form, or its id")
    h.add_argument("--json", action="store_true", help="print a JSON object")
    e = sub.add_parser(
        "export",
        help="the map on a date (png, svg, pdf, html, geojson), or the whole atlas through "
        "time (gpkg for QGIS, kml for Google Earth, csv of every dated entry)",
    )
    e.add_argument("--date", type=_date, help="the map's date (png, svg, pdf, html, geojson)")
    e.add_argument(
        "--format",
        choices=(*FORMATS, *ATLAS_FORMATS),
        help="default: from the output's extension",
    )
    e.add_argument("-o", "--output", type=Path, required=True)
    e.add_argument("--compare", type=_date, help="outline the land that changed hands since")
    _layout_options(e, Layout())
    a = sub.add_parser("animate", help="an animated GIF with one frame per change date")
    a.add_argument("--format", choices=["gif"], help="default: from the output's extension")
    a.add_argument("-o", "--output", type=Path, required=True)
    a.add_argument("--frame-ms", type=int, default=1200, help="time per frame (default 1200)")
    _layout_options(a, ANIMATION)
    pb = sub.add_parser(
        "publish",
        help="a static site of the atlas (interactive page, maps, downloads, sources) in DIR",
    )
    pb.add_argument("folder", type=Path, help="a new or empty folder, or one published before")
    st = sub.add_parser("stats", help="area held by each side on a date")
    st.add_argument("--date", type=_date, required=True)
    st.add_argument("--json", action="store_true", help="print a JSON object")
    return p


def _meta_options(p: argparse.ArgumentParser) -> None:
    """The metadata options, one for each field of :data:`LAYER_META`."""
    p.add_argument("--meta", type=Path, help="a JSON file with the metadata below (sidecar)")
    for field in LAYER_META:
        common: dict[str, Any] = {"dest": field.key, "help": field.option_help or field.help}
        if field.type == "sources":
            for key, option, _, _, text in SOURCE_PARTS:
                p.add_argument(option, dest=f"source_{key}", metavar=key.upper(), help=text)
        elif field.type == "flag":
            p.add_argument(field.flag, action="store_false", **common)
            p.set_defaults(**{field.key: None})
        elif field.type == "lines":
            p.add_argument(field.flag, action="append", metavar=field.metavar, **common)
        elif field.type == "number":
            p.add_argument(field.flag, type=float, metavar=field.metavar, **common)
        elif field.type == "choice":
            p.add_argument(field.flag, choices=field.choices, **common)
        else:
            p.add_argument(field.flag, metavar=field.metavar, **common)
    p.add_argument("--crs", help="the file's CRS when it lacks one or states it wrongly")


def _meta(args: argparse.Namespace) -> dict[str, Any]:
    """The metadata from a sidecar file and the options (options win, notes add up)."""
    sidecar = None
    if args.meta is not None:
        sidecar = sidecar_metadata(read_file(args.meta), str(args.meta))
    given: dict[str, Any] = {f.key: getattr(args, f.key) for f in LAYER_META if f.type != "sources"}
    given["sources"] = one_source({key: getattr(args, f"source_{key}") for key, *_ in SOURCE_PARTS})
    return metadata(given, sidecar)


def read_file(path: Path) -> bytes:
    """A candidate file's bytes, refusing one over the size limit before reading it."""
    from nkmap.errors import LayerFileError

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LayerFileError(
                f"{path}: file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes"
            )
        return path.read_bytes()
    except OSError as exc:
        raise LayerFileError(f"{path}: cannot read the file ({exc.strerror})") from None


def sidecar(path: Path) -> Path | None:
    """The metadata file kept beside a layer file: ``name.meta.json`` for ``name.ext``."""
    for candidate in (path.with_suffix(".meta.json"), path.with_name(path.name + ".meta.json")):
        if candidate.is_file():
            return candidate
    return None


def cmd_add(args: argparse.Namespace, validate_only: bool) -> int:
    from nkmap.atlas.catalog import load_atlas
    from nkmap.atlas.validate import check_collection
    from nkmap.layers.add import add_layer, check_layer
    from nkmap.layers.readers import read_candidate

    data = read_file(args.path)
    if args.meta is None:
        args.meta = sidecar(args.path)
        if args.meta is not None:
            print(f"note: metadata from {args.meta}")
    meta = _meta(args)
    if set(meta) <= {"kind"}:  # the file alone
        if not validate_only:
            raise OptionError(
                f"{args.path}: nothing was added: a layer needs its metadata (id, title, shows, "
                "valid_from, sources, method, uncertainty): give --meta FILE.json or the "
                f"options, or keep {args.path.with_suffix('.meta.json').name} beside the file"
            )
        candidate = read_candidate(data, args.path.name, args.crs)
        _, problems = check_collection(candidate.doc, candidate.name, args.kind)
        if problems:
            raise ValidationError(candidate.name, problems)
        for note in candidate.notes:
            print(f"note: {note}")
        print(f"{args.path}: OK ({len(candidate.doc['features'])} features, {candidate.fmt})")
        return 0
    atlas = load_atlas(args.geodata)
    replace = getattr(args, "replace", False)
    if validate_only:
        checked = check_layer(atlas, data, args.path.name, meta, args.crs, replace)
        path = None
    else:
        added = add_layer(atlas, data, args.path.name, meta, args.crs, replace)
        checked, path = added.checked, added.path
    for note in checked.notes:
        print(f"note: {note}")
    entry = checked.entry
    if path is None:
        print(f"{args.path}: OK as layer {entry.id!r} ({len(checked.features)} features)")
        return 0
    until = entry.valid_to.isoformat() if entry.valid_to else "open"
    print(
        f"added {entry.id!r}: {len(checked.features)} features, shown {entry.valid_from} .. "
        f"{until}, written to {path}"
    )
    return 0


def _layout_options(p: argparse.ArgumentParser, default: Layout) -> None:
    p.add_argument("--width", type=int, default=default.width_px, help="pixels")
    p.add_argument("--height", type=int, default=default.height_px, help="pixels")
    p.add_argument(
        "--dpi",
        type=int,
        default=default.dpi,
        help="dots per inch (sets the size of the text, as far as the page has room)",
    )
    p.add_argument("--names", choices=NAME_FORMS, default="both", help="place-name form")
    west, south, east, north = REGION_BBOX
    p.add_argument(
        "--area",
        default=f"{west},{south},{east},{north}",
        help="west,south,east,north in degrees (default: the whole region)",
    )


def _layout(args: argparse.Namespace) -> Layout:
    return Layout(args.width, args.height, args.dpi, args.names, parse_bbox(args.area))


def _progress(done: int, total: int, day: dt.date) -> None:
    width = 30
    bar = "#" * (width * done // total)
    end = "\n" if done == total else ""
    print(f"\r[{bar:<{width}}] {done}/{total} {day}", end=end, file=sys.stderr, flush=True)


def _date_text(day: dt.date | None) -> str:
    return iso_or_open(day) or "open"


def cmd_layers(args: argparse.Namespace) -> None:
    """The catalog's entries, read without their geometry (`nkmap validate` checks the files)."""
    from nkmap.atlas.entries import parse_entry, read_catalog
    from nkmap.settings import default_geodata

    doc, path = read_catalog(args.geodata or default_geodata())
    found = [parse_entry(raw, i) for i, raw in enumerate(doc["layers"])]
    problems = [p for _, ps in found for p in ps]
    if problems:
        raise ValidationError(str(path), problems)
    for e, _ in found:
        assert e is not None  # an entry without problems is parsed
        span = f"{_date_text(e.valid_from)} .. {_date_text(e.valid_to)}"
        flag = " (approximate)" if e.approximate else ""
        print(f"{e.id:34} {e.kind:5} {span:24} {e.title}{flag}")


def cmd_validate(args: argparse.Namespace) -> int:
    from nkmap.atlas.catalog import load_atlas
    from nkmap.atlas.gazetteer import GAZETTEER_FILE, load_gazetteer
    from nkmap.atlas.stats import overlaps

    path = args.path
    if path is not None and not path.is_dir() and path.suffix.lower() in CANDIDATE_SUFFIXES:
        return cmd_add(args, validate_only=True)
    if path is not None and (path.is_file() or (not path.exists() and path.suffix)):
        accepted = ", ".join(CANDIDATE_SUFFIXES)
        raise OptionError(
            f"{path}: not a geodata folder, and not a layer file nkmap reads (accepted: "
            f"{accepted}; a zipped Shapefile as .zip)"
        )
    root = path if path is not None else args.geodata
    atlas = load_atlas(root)
    found = overlaps(atlas)
    if found:
        print(f"{atlas.root}: control areas overlap:", file=sys.stderr)
        for line in found:
            print(f"  - {line}", file=sys.stderr)
        return 1
    places = ""
    if (atlas.root / GAZETTEER_FILE).exists():
        gaz = load_gazetteer(atlas.root)  # every problem in the gazetteer, at once
        places = f", {len(gaz)} places in the gazetteer"
    print(f"{atlas.root}: OK ({len(atlas.entries)} layers, {len(atlas.features)} features{places})")
    return 0


def _number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def output_format(output: Path, given: str | None, formats: Sequence[str]) -> str:
    """The format to write: the one given, or the one the file name ends in. A name ending in
    another format's extension is refused, not silently written in the wrong format."""
    suffix = output.suffix.lower().lstrip(".")
    if given is not None:
        if suffix and suffix != given:
            raise OptionError(
                f"{output}: the name ends in .{suffix} but the format is {given}; name the file "
                f".{given} or give --format {suffix}"
                + ("" if suffix in formats else f" (formats: {', '.join(formats)})")
            )
        return given
    if suffix not in formats:
        raise OptionError(
            f"{output}: .{suffix or '(none)'} is not a format this command writes; give --format "
            f"(one of {', '.join(formats)}) or a name ending in one of them"
        )
    return suffix


def _lat_lon(words: Sequence[str]) -> tuple[float, float] | None:
    """Two numbers are a position; anything else is a name."""
    if len(words) != 2:
        return None
    try:
        return float(words[0]), float(words[1])
    except ValueError:
        return None


def cmd_where(args: argparse.Namespace) -> None:
    # The areas alone, from the disk cache when the files are unchanged: no geopandas.
    from nkmap.atlas.gazetteer import load_gazetteer
    from nkmap.atlas.located import load_areas, place_on

    position = _lat_lon(args.place)
    if position is None and all(_number(w) for w in args.place):
        raise OptionError("where: give lat and lon (two numbers), or a settlement's name")
    areas = load_areas(args.geodata)
    if position is not None:
        result = areas.where(*position, args.date)
        if args.json:
            print(json.dumps(result.as_dict()))
            return
        held = result.controller or "not mapped on this date"
        if result.controller is None and areas.mapped_on(args.date):
            held = f"not mapped: outside {REGION_NAME}"
        inside = "inside" if result.in_nkao else "outside"
        print(f"{position[0]} N, {position[1]} E on {args.date}: {held}; {inside} the oblast")
        return
    gaz = load_gazetteer(args.geodata)
    place = gaz.resolve(" ".join(args.place))
    answer = place_on(areas, gaz, place, args.date)
    if args.json:
        print(json.dumps(answer, ensure_ascii=False))
        return
    print(f"{place.label} ({place.kind}, {place.district_az}) on {args.date}:")
    print(f"  {answer['summary']}")
    for src in answer["sources"]:
        print(f"  source: {src['title']} <{src['url']}>")
    if answer["note"]:
        print(f"  note: {answer['note']}")
    if answer["map_controller"] != answer["controller"]:
        shown = answer["map_controller"] or "not mapped"
        print(f"  the map shows: {shown} at its position on this date ({answer['map_note']})")


def cmd_history(args: argparse.Namespace) -> int:
    from nkmap.atlas.gazetteer import history_of, load_gazetteer

    gaz = load_gazetteer(args.geodata)
    place = gaz.resolve(" ".join(args.place))
    doc = history_of(gaz, place)
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=1))
        return 0
    districts = "; ".join(d for d in (place.district_az, place.district_hy) if d)
    print(f"{place.label} ({place.kind}; {districts})")
    print(f"  names: {', '.join(place.names)}")
    coord = gaz.sources[place.coord_source]
    print(f"  position: {place.lat:.4f} N, {place.lon:.4f} E, from {coord.title} <{coord.url}>")
    for entry in doc["history"]:
        precision = "" if entry["precision"] == "day" else f" ({entry['precision']} date)"
        print(f"  {entry['date']}{precision}: {entry['held_by']}")
        if entry["note"]:
            print(f"      {entry['note']}")
        for src in entry["sources"]:
            print(f"      source: {src['title']} <{src['url']}>")
    if place.disagreement:
        print(f"  sources disagree: {place.disagreement}")
    return 0


def cmd_export(atlas: Atlas, args: argparse.Namespace) -> int:
    from nkmap.atlas.timeline import change_dates
    from nkmap.files import check_output, write_atomic

    fmt = output_format(args.output, args.format, (*FORMATS, *ATLAS_FORMATS))
    check_output(args.output)
    if fmt in ATLAS_FORMATS:
        from nkmap.atlas.gazetteer import load_gazetteer
        from nkmap.maps.gis import atlas_file

        if args.date is not None or args.compare is not None:
            print(f"note: {fmt} holds the whole atlas, every date: --date is not used")
        summary = atlas_file(atlas, load_gazetteer(atlas.root), fmt, args.output)
        print(f"{args.output}: {fmt}, the whole atlas ({summary})")
        return 0
    if args.date is None:
        raise OptionError(f"export: {fmt} is the map on a date: give --date YYYY-MM-DD")
    from nkmap.maps.export import export

    keeping: AbstractContextManager[None] = nullcontext()
    if fmt in PRINT_FORMATS:  # the text it draws is kept for the next export
        from nkmap.maps.render import text_kept_on_disk

        keeping = text_kept_on_disk(atlas.root)
    with keeping:
        data = export(atlas, change_dates(atlas), args.date, fmt, _layout(args), args.compare)
    write_atomic(args.output, data)
    print(f"{args.output}: {fmt}, {len(data):,} bytes, map of {args.date}")
    return 0


def _prints(args: argparse.Namespace) -> bool:
    """Whether ``nkmap export`` draws a print map (PNG, SVG or PDF)."""
    return output_format(args.output, args.format, (*FORMATS, *ATLAS_FORMATS)) in PRINT_FORMATS


def cmd_animate(atlas: Atlas, args: argparse.Namespace) -> None:
    from nkmap.atlas.timeline import change_dates
    from nkmap.files import check_output, write_atomic
    from nkmap.maps.export import animation
    from nkmap.maps.render import text_kept_on_disk

    output_format(args.output, args.format, ("gif",))
    check_output(args.output)
    changes = change_dates(atlas)
    with text_kept_on_disk(atlas.root):
        data = animation(atlas, changes, _layout(args), args.frame_ms, _progress)
    write_atomic(args.output, data)
    print(f"{args.output}: gif, {len(changes)} frames, {len(data):,} bytes")


def cmd_snapshot(atlas: Atlas, args: argparse.Namespace) -> None:
    from nkmap.files import check_output, write_atomic
    from nkmap.maps.export import snapshot

    check_output(args.output)
    doc = snapshot(atlas, args.date)
    text = json.dumps(doc, ensure_ascii=False) + "\n"
    write_atomic(args.output, text.encode("utf-8"))
    print(f"{args.output}: {len(doc['features'])} features on {args.date}")


def cmd_publish(atlas: Atlas, args: argparse.Namespace) -> None:
    from nkmap.atlas.gazetteer import load_gazetteer
    from nkmap.maps.publish import publish

    index = publish(
        atlas,
        load_gazetteer(atlas.root),
        args.folder,
        lambda step: print(f"  {step}", file=sys.stderr),
    )
    size = sum(f["bytes"] for f in index["files"])
    print(f"{args.folder}: {len(index['files'])} files, {size:,} bytes; open index.html")


def cmd_stats(atlas: Atlas, args: argparse.Namespace) -> None:
    from nkmap.atlas.stats import areas_by_controller, region_km2, share_text
    from nkmap.atlas.timeline import change_dates, mapped_on, state_at

    state = state_at(atlas, args.date)
    areas = areas_by_controller(state)
    changes = change_dates(atlas)
    notes = []
    if not len(state.control):
        first = next((c.date for c in changes if mapped_on(atlas, c.date)), None)
        span = f"from {first}" if first else "on no date"
        notes.append(f"control is not mapped on {args.date}; it is mapped {span}")
    elif changes and args.date > changes[-1].date:
        notes.append(
            f"{args.date} is after the atlas's last change ({changes[-1].date}); the "
            "figures are those of that change"
        )
    if args.json:
        doc = {
            "date": args.date.isoformat(),
            "area_km2": areas,
            "region": REGION_NAME,
            "region_km2": region_km2(state),
            "notes": notes,
        }
        print(json.dumps(doc))
    else:
        for note in notes:
            print(f"note: {note}")
        region = region_km2(state)
        print(f"Area held on {args.date} in {REGION_NAME} (km2, equal-area projection):")
        for side, km2 in areas.items():
            print(f"  {side:22} {km2:9,.0f}  ({share_text(side, km2, region)})")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command in ``argv`` (else the process's arguments); its exit status."""
    return run(_parser().parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Run a parsed command; its exit status."""
    try:
        if args.command == "validate":
            return cmd_validate(args)
        if args.command == "add":
            return cmd_add(args, validate_only=False)
        if args.command == "history":
            return cmd_history(args)
        if args.command == "layers":
            cmd_layers(args)
            return 0
        if args.command == "where":
            cmd_where(args)
            return 0
        from nkmap.atlas.catalog import load_atlas, load_plain_atlas

        if args.command == "animate" or (args.command == "export" and _prints(args)):
            atlas: Atlas = load_plain_atlas(args.geodata)  # without pandas: see nkmap.atlas.rows
        else:
            atlas = load_atlas(args.geodata)
        if args.command == "export":
            return cmd_export(atlas, args)
        if args.command == "animate":
            cmd_animate(atlas, args)
        elif args.command == "snapshot":
            cmd_snapshot(atlas, args)
        elif args.command == "publish":
            cmd_publish(atlas, args)
        elif args.command == "stats":
            cmd_stats(atlas, args)
    except BrokenPipeError:
        return 0
    except NkmapError as exc:  # before OSError: an OutputError is one, with its own message
        print(f"nkmap: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"nkmap: error: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


# Commands whose work grows with the atlas's dates: a frame, or a page, for each.
OVER_EVERY_DATE = frozenset({"animate", "publish"})


def entry() -> None:
    """The ``nkmap`` command in a process of its own (the console script, and ``python -m
    nkmap.cli``), with Python's cyclic garbage collector kept out of the way. What a command
    makes, it mostly keeps until it ends (the libraries, the atlas, one map), and each
    collection goes over all of it again: about 0.1 s of a PNG export while matplotlib loads,
    and 0.2 s more at exit, where the interpreter collects several times over every object
    left. So the collector is paused for the whole command, unless its work grows with the
    atlas's dates, and before exit what is left is frozen (:func:`gc.freeze`), out of the
    exit's collections (the few objects in cycles are not finalised: the output is already
    written and closed). :func:`main` leaves the collector alone: it is for callers that go on
    running."""
    args = _parser().parse_args()
    if args.command not in OVER_EVERY_DATE:
        gc.disable()
    status = run(args)
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    entry()
