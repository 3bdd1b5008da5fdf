"""The ``nkmap`` command: the library's answers on the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shapely.geometry import mapping

from nkmap.catalog import Atlas, load_atlas
from nkmap.dates import END_OF_TIME, parse_date
from nkmap.errors import NkmapError, ValidationError
from nkmap.stats import areas_by_controller, overlaps, share_text, where
from nkmap.timeline import state_at
from nkmap.validate import check_collection, read_json


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
    v = sub.add_parser("validate", help="check the catalog, or a candidate GeoJSON layer")
    v.add_argument("path", nargs="?", type=Path, help="catalog folder or .geojson file")
    v.add_argument("--kind", choices=["area", "line", "point"], help="the layer's geometry kind")
    s = sub.add_parser("snapshot", help="write the state on a date as one GeoJSON file")
    s.add_argument("--date", type=_date, required=True)
    s.add_argument("-o", "--output", type=Path, required=True)
    w = sub.add_parser("where", help="who held a point on a date")
    w.add_argument("lat", type=float)
    w.add_argument("lon", type=float)
    w.add_argument("--date", type=_date, required=True)
    w.add_argument("--json", action="store_true", help="print a JSON object")
    st = sub.add_parser("stats", help="area held by each side on a date")
    st.add_argument("--date", type=_date, required=True)
    st.add_argument("--json", action="store_true", help="print a JSON object")
    return p


def _date_text(day: dt.date | None) -> str:
    return "open" if day is None or day == END_OF_TIME else day.isoformat()


def cmd_layers(atlas: Atlas) -> None:
    for e in atlas.entries:
        span = f"{_date_text(e.valid_from)} .. {_date_text(e.valid_to)}"
        flag = " (approximate)" if e.approximate else ""
        print(f"{e.id:34} {e.kind:5} {span:24} {e.title}{flag}")


def cmd_validate(path: Path | None, kind: str | None, geodata: Path | None) -> int:
    if path is not None and path.suffix.lower() in (".geojson", ".json"):
        doc = read_json(path)
        _, problems = check_collection(doc, str(path), kind)
        if problems:
            raise ValidationError(str(path), problems)
        print(f"{path}: OK")
        return 0
    root = path if path is not None else geodata
    atlas = load_atlas(root)
    found = overlaps(atlas)
    if found:
        print(f"{atlas.root}: control areas overlap:", file=sys.stderr)
        for line in found:
            print(f"  - {line}", file=sys.stderr)
        return 1
    print(f"{atlas.root}: OK ({len(atlas.entries)} layers, {len(atlas.features)} features)")
    return 0


def snapshot_collection(atlas: Atlas, day: dt.date) -> dict[str, Any]:
    """The state on ``day`` as one GeoJSON FeatureCollection; each feature carries its layer,
    controller, dates and its layer's sources."""
    features = []
    for row in state_at(atlas, day).features.itertuples():
        entry = atlas.entry(row.layer)
        props = {
            **row.properties,
            "layer": row.layer,
            "layer_title": entry.title,
            "controller": row.controller,
            "valid_from": _date_text(row.valid_from),
            "valid_to": _date_text(row.valid_to),
            "sources": row.properties.get("sources")
            or [{"title": s.title, "url": s.url, "licence": s.licence} for s in entry.sources],
            "method": entry.method,
            "uncertainty_km": entry.uncertainty_km,
        }
        features.append({"type": "Feature", "properties": props, "geometry": mapping(row.geometry)})
    return {"type": "FeatureCollection", "date": day.isoformat(), "features": features}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "validate":
            return cmd_validate(args.path, args.kind, args.geodata)
        atlas = load_atlas(args.geodata)
        if args.command == "layers":
            cmd_layers(atlas)
        elif args.command == "snapshot":
            doc = snapshot_collection(atlas, args.date)
            args.output.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
            print(f"{args.output}: {len(doc['features'])} features on {args.date}")
        elif args.command == "where":
            result = where(atlas, args.lat, args.lon, args.date)
            if args.json:
                print(json.dumps(result.as_dict()))
            else:
                held = result.controller or "not mapped on this date"
                inside = "inside" if result.in_nkao else "outside"
                print(f"{args.lat} N, {args.lon} E on {args.date}: {held}; {inside} the oblast")
        elif args.command == "stats":
            areas = areas_by_controller(state_at(atlas, args.date))
            if args.json:
                print(json.dumps({"date": args.date.isoformat(), "area_km2": areas}))
            else:
                print(f"Area held on {args.date} (km2, equal-area projection):")
                for side, km2 in areas.items():
                    print(f"  {side:22} {km2:9,.0f}  ({share_text(side, km2)})")
    except BrokenPipeError:
        return 0
    except OSError as exc:
        print(f"nkmap: error: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    except NkmapError as exc:
        print(f"nkmap: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
