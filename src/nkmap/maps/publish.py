"""A static site of the atlas for readers at scale: a folder any static host or CDN serves
with no server process.

    index.html          what the atlas is, with links to everything below
    atlas.html          the interactive atlas (Leaflet and every dated feature inlined)
    maps/<date>.png     print maps of the key dates (the start of each stage of control)
    dates/<date>.geojson  the state on every change date
    downloads/          atlas.gpkg (QGIS), atlas.kml (Google Earth), atlas.csv
    sources.html        every source and licence, layer by layer and place by place
    index.json          machine-readable: data version, dates, layers, files and checksums

The folder is made beside the target and swapped in whole: a reader never sees half a site.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nkmap.atlas.catalog import Atlas
from nkmap.atlas.entries import LayerEntry
from nkmap.atlas.gazetteer import Gazetteer
from nkmap.atlas.timeline import Change, change_dates
from nkmap.errors import OutputError
from nkmap.files import umask
from nkmap.maps.export import export, snapshot, standalone_html
from nkmap.maps.gis import csv_bytes, geopackage, kml
from nkmap.present.basemaps import GEONAMES, LEAFLET, NATURAL_EARTH, data_credit
from nkmap.present.layout import Layout
from nkmap.present.style import COLOURS
from nkmap.present.text import escape_html, html_link

GENERATOR = "nkmap publish"
Progress = Callable[[str], None]

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 0 auto;
       padding: 1rem 1.2rem 3rem; color: #222; }}
h1 {{ font-size: 1.5rem; }} h2 {{ font-size: 1.15rem; margin-top: 2rem; }}
a {{ color: #0b5394; }} .muted {{ color: #555; font-size: .9rem; }}
ul.maps {{ list-style: none; padding: 0; display: grid; gap: 1rem;
           grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); }}
ul.maps img {{ width: 100%; border: 1px solid #ccc; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


def _cited(title: str, url: str, licence: str) -> str:
    """A source as a list item: its title linked (http(s) only) and its licence, escaped."""
    return f"<li>{html_link(title, url, new_tab=False)} ({escape_html(licence)})</li>"


def key_dates(atlas: Atlas, changes: list[Change]) -> list[dt.date]:
    """The dates worth a print map each: the start of the oblast and of every stage of
    control, and the latest change."""
    starts = {
        e.valid_from for e in atlas.entries if e.shows in ("oblast", "control") and e.valid_from
    }
    if changes:
        starts.add(changes[-1].date)
    return sorted(starts)


def _sources_page(atlas: Atlas, gazetteer: Gazetteer) -> str:
    parts = [
        "<h1>Sources and licences</h1>",
        f'<p class="muted">{escape_html(data_credit(atlas.data_version))}. '
        '<a href="index.html">Back to the atlas</a></p>',
        "<h2>Base map and software</h2><ul>",
        *(_cited(c.text, c.url, c.licence) for c in (NATURAL_EARTH, GEONAMES, LEAFLET)),
        "</ul>",
    ]

    def layer(entry: LayerEntry) -> str:
        cited = "".join(_cited(s.title, s.url, s.licence) for s in entry.sources)
        approx = "approximate; " if entry.approximate else ""
        return (
            f'<h3 id="layer-{escape_html(entry.id)}">{escape_html(entry.title)}</h3>'
            f"<p>{escape_html(entry.description)}</p>"
            f'<p class="muted">Method: {escape_html(entry.method)} Uncertainty: {approx}'
            f"{entry.uncertainty_km:g} km.</p><ul>{cited}</ul>"
        )

    parts += ["<h2>Layers</h2>", *(layer(e) for e in atlas.entries)]
    if len(gazetteer):
        parts.append("<h2>Places: positions and dated control</h2><ul>")
        parts += [
            _cited(s.title, s.url, s.licence)
            for s in sorted(gazetteer.sources.values(), key=lambda s: s.title.lower())
        ]
        parts.append("</ul>")
    return PAGE.format(title="nkmap: sources and licences", body="\n".join(parts))


def _index_page(atlas: Atlas, maps: list[tuple[dt.date, str]], files: dict[str, str]) -> str:
    credit = escape_html(data_credit(atlas.data_version))
    figures = "".join(
        f'<li><a href="{escape_html(path)}"><img src="{escape_html(path)}" '
        f'alt="Print map of {day:%-d %B %Y}" loading="lazy"></a><br>{day:%-d %B %Y}</li>'
        for day, path in maps
    )
    downloads = "".join(
        f'<li><a href="{escape_html(path)}">{escape_html(label)}</a></li>'
        for label, path in files.items()
    )
    body = f"""<h1>Territorial control in Nagorno-Karabakh, 1923-2024</h1>
<p>Who held which places, on every date from the autonomous oblast of 1923 to the situation
after September 2023, derived from a gazetteer of settlements whose dated histories each cite
their sources.</p>
<p><a href="atlas.html"><b>Open the interactive atlas</b></a>: step through every change with
the time bar; click any area, line or place for its sources.</p>
<h2>Maps of the key dates</h2>
<ul class="maps">{figures}</ul>
<h2>Data</h2>
<ul>{downloads}
<li><a href="dates/">The state on each change date (GeoJSON)</a>, listed in
<a href="index.json">index.json</a> with every file's checksum</li>
<li><a href="sources.html">Every source and licence</a></li>
</ul>
<p class="muted">{credit}. Base map: Natural Earth (public domain); places: GeoNames
(CC BY 4.0). Made {dt.date.today():%-d %B %Y}.</p>"""
    return PAGE.format(title="nkmap: territorial control in Nagorno-Karabakh", body=body)


def _dates_page(changes: list[Change]) -> str:
    rows = "".join(
        f'<li><a href="{c.date}.geojson">{c.date:%-d %B %Y}</a>: {escape_html(c.label)}</li>'
        for c in changes
    )
    body = (
        '<h1>The state on each change date</h1><p><a href="../index.html">Back</a></p>'
        f"<ul>{rows}</ul>"
    )
    return PAGE.format(title="nkmap: the state on each change date", body=body)


def favicon() -> bytes:
    """A small icon in the atlas's colours: the two sides' fills, split on the diagonal."""
    from PIL import Image, ImageDraw

    size = 32
    image = Image.new("RGB", (size, size), COLOURS["azerbaijani"])
    ImageDraw.Draw(image).polygon([(0, 0), (size, 0), (0, size)], fill=COLOURS["armenian"])
    out = io.BytesIO()
    image.save(out, format="ICO", sizes=[(size, size)])
    return out.getvalue()


def _write(root: Path, rel: str, data: bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _target_is_ours_or_free(out: Path) -> None:
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputError(f"{out}: exists and is not a folder; refusing to replace it")
    if out.is_dir() and any(out.iterdir()):
        try:
            made_by = json.loads((out / "index.json").read_text(encoding="utf-8")).get("generator")
        except (OSError, ValueError, AttributeError):
            made_by = None
        if made_by != GENERATOR:
            raise OutputError(
                f"{out}: the folder is not empty and is not a site nkmap published; "
                "refusing to replace it (choose an empty or new folder)"
            )
    if not out.parent.is_dir():
        raise OutputError(f"{out}: the folder {out.parent} does not exist")


def publish(
    atlas: Atlas, gazetteer: Gazetteer, out: Path, progress: Progress | None = None
) -> dict[str, Any]:
    """Write the static site into ``out`` (a new or empty folder, or one published before,
    which is replaced whole); return its index."""
    say = progress or (lambda _: None)
    _target_is_ours_or_free(out)
    changes = change_dates(atlas)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        say("the interactive atlas")
        # Browsers ask every site for /favicon.ico: the site answers it.
        _write(stage, "favicon.ico", favicon())
        last = changes[-1].date if changes else None
        _write(stage, "atlas.html", standalone_html(atlas, changes, last).encode("utf-8"))
        maps = []
        for day in key_dates(atlas, changes):
            say(f"print map of {day}")
            rel = f"maps/{day}.png"
            _write(stage, rel, export(atlas, changes, day, "png", Layout()))
            maps.append((day, rel))
        say(f"the state on {len(changes)} dates")
        for c in changes:
            doc = snapshot(atlas, c.date)
            _write(stage, f"dates/{c.date}.geojson", json.dumps(doc, ensure_ascii=False).encode())
        _write(stage, "dates/index.html", _dates_page(changes).encode("utf-8"))
        say("GeoPackage, KML and CSV")
        (stage / "downloads").mkdir()
        geopackage(atlas, gazetteer, stage / "downloads" / "atlas.gpkg")
        _write(stage, "downloads/atlas.kml", kml(atlas, gazetteer))
        _write(stage, "downloads/atlas.csv", csv_bytes(atlas, gazetteer))
        files = {
            "GeoPackage for QGIS (every layer, with valid_from / valid_to dates)": (
                "downloads/atlas.gpkg"
            ),
            "KML for Google Earth (with its time slider)": "downloads/atlas.kml",
            "CSV of every event and settlement history entry": "downloads/atlas.csv",
        }
        _write(stage, "sources.html", _sources_page(atlas, gazetteer).encode("utf-8"))
        _write(stage, "index.html", _index_page(atlas, maps, files).encode("utf-8"))
        index = {
            "generator": GENERATOR,
            "data_version": atlas.data_version,
            "dates": [{"date": c.date.isoformat(), "label": c.label} for c in changes],
            "key_dates": [day.isoformat() for day, _ in maps],
            "layers": [
                {"id": e.id, "title": e.title, "shows": e.shows, "sources": len(e.sources)}
                for e in atlas.entries
            ],
            "files": [
                {
                    "path": p.relative_to(stage).as_posix(),
                    "bytes": p.stat().st_size,
                    "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
                }
                for p in sorted(stage.rglob("*"))
                if p.is_file()
            ],
        }
        _write(stage, "index.json", (json.dumps(index, indent=1) + "\n").encode())
        mode = 0o777 & ~umask()
        for p in [stage, *stage.rglob("*")]:
            os.chmod(p, mode if p.is_dir() else mode & 0o666)
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
        stage.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        raise OutputError(f"{out}: the site could not be written ({exc})") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return index
