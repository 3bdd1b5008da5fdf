"""Reading a candidate layer safely, whatever format it comes in: GeoJSON, GeoPackage, a zipped
Shapefile or KML. Every reader returns a GeoJSON FeatureCollection (a plain dict, WGS84 lon/lat)
for :func:`nkmap.atlas.validate.check_collection`, plus notes on what was changed on the way.

The format is decided by the file's first bytes, and the name's extension must agree: a GIS
library never sniffs an upload (a VRT file named ``.geojson`` can make GDAL read other files),
no path or URL from the user reaches GDAL, and raw text never reaches ``shapely.from_geojson``.

- GeoJSON is parsed as JSON by Python, with the size limit and NaN/Infinity refused.
- GeoPackage is read with Python's sqlite3 from a private copy opened read-only; geometry blobs
  are walked and checked before shapely reads their WKB.
- A zipped Shapefile is checked member by member (names, count, sizes, magic numbers) and
  extracted under fixed names into a private folder before GDAL reads the ``.shp``.
- KML is parsed as XML with document type declarations refused (no entities to expand).
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import sqlite3
import struct
import tempfile
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pyogrio.errors
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError
from pyproj.network import set_network_enabled  # type: ignore[attr-defined]
from shapely.geometry import mapping

from nkmap.errors import LayerFileError
from nkmap.layers.formats import FORMATS
from nkmap.settings import (
    MAX_FEATURES,
    MAX_FILE_BYTES,
    MAX_VERTICES,
    MAX_ZIP_MEMBERS,
    SQLITE_STEPS,
)

# PROJ never fetches grids from the network while a layer is read, whatever the environment
# says (for GDAL's copy of PROJ too).
os.environ["PROJ_NETWORK"] = "OFF"
set_network_enabled(active=False)


@dataclass
class Candidate:
    """A layer read from a file: a GeoJSON FeatureCollection and notes on what was changed."""

    name: str
    fmt: str
    doc: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def sniff(data: bytes) -> str | None:
    """The format the bytes are in, from their first bytes only."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"PK\x03\x04"):
        return "shapefile"
    if head.startswith((b"{", b"[")):
        return "geojson"
    if head.startswith(b"<"):
        return "kml" if re.search(rb"<kml[\s>]", data[:4096]) else "xml"
    return None


# What GDAL raises through pyogrio on a malformed file (all RuntimeErrors).
OGR_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
    # A field name or value in bytes that are not text in the table's encoding (a .dbf field
    # descriptor beginning with byte 0x80, found by tests/test_fuzz.py).
    UnicodeError,
)


def read_candidate(data: bytes, name: str, crs: str | None = None) -> Candidate:
    """Read the bytes of an uploaded or local file. ``name`` is used only in messages and for
    its extension; it is never opened. ``crs`` overrides a missing or wrong CRS (Shapefile and
    GeoPackage only)."""
    label = Path(name).name or "the file"
    if len(data) > MAX_FILE_BYTES:
        raise LayerFileError(
            f"{label}: file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,} bytes"
        )
    if not data.strip():
        raise LayerFileError(f"{label}: the file is empty")
    found = sniff(data)
    ext = Path(name).suffix.lower()
    declared = next((fmt for fmt, exts in FORMATS.items() if ext in exts), None)
    accepted = "GeoJSON (.geojson), GeoPackage (.gpkg), zipped Shapefile (.zip) or KML (.kml)"
    if declared is None:
        raise LayerFileError(f"{label}: extension {ext or '(none)'!r} not accepted: {accepted}")
    if found != declared:
        what = {None: "not a known format", "xml": "XML that is not KML"}.get(
            found, f"a {found} file"
        )
        raise LayerFileError(f"{label}: named as {declared} but its content is {what}")
    if found == "geojson":
        return Candidate(label, found, *_geojson(data, label))
    if found == "gpkg":
        return Candidate(label, found, *_geopackage(data, label, crs))
    if found == "shapefile":
        return Candidate(label, found, *_shapefile(data, label, crs))
    return Candidate(label, "kml", *_kml(data, label))


# ---- GeoJSON ----------------------------------------------------------------------------------


def _geojson(data: bytes, label: str) -> tuple[dict[str, Any], list[str]]:
    try:
        doc = json.loads(data, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise LayerFileError(f"{label}: not valid JSON ({str(exc)[:120]})") from None
    notes = []
    if isinstance(doc, dict) and isinstance(doc.get("features"), list):
        flattened = 0
        for feat in doc["features"]:
            geom = feat.get("geometry") if isinstance(feat, dict) else None
            if isinstance(geom, dict) and _has_z(geom.get("coordinates")):
                geom["coordinates"] = _flatten(geom["coordinates"])
                flattened += 1
        if flattened:
            notes.append(f"Heights (z) were dropped from {flattened} feature(s).")
    return doc, notes


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed in JSON")


def _has_z(coords: Any, depth: int = 0) -> bool:
    if depth > 6 or not isinstance(coords, list) or not coords:
        return False
    if all(isinstance(v, int | float) for v in coords):
        return len(coords) > 2
    return any(_has_z(c, depth + 1) for c in coords)


def _flatten(coords: Any) -> Any:
    if isinstance(coords, list) and coords and all(isinstance(v, int | float) for v in coords):
        return coords[:2]
    if isinstance(coords, list):
        return [_flatten(c) for c in coords]
    return coords


# ---- geometries as WKB (GeoPackage) -------------------------------------------------------------

_WKB_TYPES = {
    1: "Point",
    2: "LineString",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
}


def check_wkb(wkb: bytes) -> tuple[int, bool]:
    """Walk a WKB geometry without recursion beyond one level of Multi*; return its number of
    positions and whether it has z. Raises ValueError for anything else (collections, curves,
    truncated or trailing bytes), so shapely only reads what was checked."""
    pos = 0
    count = 0
    has_z = False

    def header() -> tuple[str, int, int]:
        nonlocal pos, has_z
        if pos + 5 > len(wkb):
            raise ValueError("truncated geometry")
        order = "<" if wkb[pos] == 1 else ">" if wkb[pos] == 0 else None
        if order is None:
            raise ValueError("bad byte order")
        (code,) = struct.unpack_from(order + "I", wkb, pos + 1)
        pos += 5
        dims = 2
        if code & 0x80000000 or code & 0x40000000:  # EWKB z / m flags
            dims += bool(code & 0x80000000) + bool(code & 0x40000000)
            code &= 0x0FFFFFFF
        if code > 1000:
            dims += {1: 1, 2: 1, 3: 2}.get(code // 1000, 99)
            code %= 1000
        if code not in _WKB_TYPES or dims > 4:
            raise ValueError(f"geometry type {code} not accepted")
        has_z = has_z or dims > 2
        return order, code, dims

    def uint(order: str) -> int:
        nonlocal pos
        if pos + 4 > len(wkb):
            raise ValueError("truncated geometry")
        (n,) = struct.unpack_from(order + "I", wkb, pos)
        pos += 4
        return int(n)

    def points(n: int, dims: int) -> None:
        nonlocal pos, count
        size = n * dims * 8
        if n > MAX_VERTICES or pos + size > len(wkb):
            raise ValueError("truncated geometry or too many positions")
        pos += size
        count += n

    def simple(order: str, code: int, dims: int) -> None:
        if code == 1:
            points(1, dims)
        elif code == 2:
            points(uint(order), dims)
        else:
            for _ in range(uint(order)):
                points(uint(order), dims)

    order, code, dims = header()
    if code <= 3:
        simple(order, code, dims)
    else:
        for _ in range(uint(order)):
            sub_order, sub_code, sub_dims = header()
            if sub_code != code - 3:
                raise ValueError(f"a {_WKB_TYPES[code]} holding a {_WKB_TYPES[sub_code]}")
            simple(sub_order, sub_code, sub_dims)
    if pos != len(wkb):
        raise ValueError("trailing bytes after the geometry")
    return count, has_z


def _gpkg_blob(blob: bytes) -> tuple[int, bytes]:
    """Split a GeoPackage geometry blob into its SRS id and WKB."""
    if len(blob) < 8 or blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry blob")
    flags = blob[3]
    order = "<" if flags & 1 else ">"
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 0b111)
    if envelope is None:
        raise ValueError("bad envelope code")
    (srs_id,) = struct.unpack_from(order + "i", blob, 4)
    return int(srs_id), blob[8 + envelope :]


def _geopackage(data: bytes, label: str, crs: str | None) -> tuple[dict[str, Any], list[str]]:
    with tempfile.TemporaryDirectory(prefix="nkmap-gpkg-") as tmp:
        path = Path(tmp) / "candidate.gpkg"
        path.write_bytes(data)
        try:
            con = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
        except sqlite3.Error as exc:
            raise LayerFileError(f"{label}: not a readable GeoPackage ({exc})") from None
        steps = [0]

        def budget() -> int:
            steps[0] += 1
            return 1 if steps[0] > SQLITE_STEPS // 1000 else 0

        con.set_progress_handler(budget, 1000)
        # No value read may grow past a layer file's size: a column computed on reading (or a
        # crafted expression) cannot take the memory of the machine.
        con.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_FILE_BYTES)
        con.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, 100_000)
        try:
            return _read_gpkg(con, label, crs)
        except sqlite3.Error as exc:
            raise LayerFileError(f"{label}: not a readable GeoPackage ({exc})") from None
        finally:
            con.close()


def _read_gpkg(
    con: sqlite3.Connection, label: str, crs: str | None
) -> tuple[dict[str, Any], list[str]]:
    tables = con.execute(
        "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c "
        "JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
        "JOIN sqlite_master m ON m.name = c.table_name AND m.type = 'table' "
        "WHERE c.data_type = 'features'"
    ).fetchall()
    if len(tables) != 1:
        found = ", ".join(repr(t[0]) for t in tables) or "none"
        raise LayerFileError(f"{label}: expected one feature table, found {found}")
    table, column, srs_id = tables[0]
    quoted = '"' + str(table).replace('"', '""') + '"'
    # Columns computed when read (generated columns) run the file's own expressions: refused.
    computed = [
        row[1] for row in con.execute(f"PRAGMA table_xinfo({quoted})") if int(row[6]) in (2, 3)
    ]
    if computed:
        raise LayerFileError(
            f"{label}: the table computes columns when read ({', '.join(map(str, computed))}); "
            "only stored values are accepted"
        )
    source_crs = _gpkg_crs(con, int(srs_id), label, crs)
    cursor = con.execute(f"SELECT * FROM {quoted} LIMIT {MAX_FEATURES + 1}")
    names = [d[0] for d in cursor.description]
    features = []
    notes: list[str] = []
    flattened = 0
    vertices = 0
    for i, row in enumerate(cursor):
        if i >= MAX_FEATURES:
            raise LayerFileError(f"{label}: more than {MAX_FEATURES:,} features (the limit)")
        props = {}
        geometry: dict[str, Any] | None = None
        for key, value in zip(names, row, strict=True):
            if key == column:
                geometry, n, had_z = _gpkg_geometry(value, label, i, source_crs)
                vertices += n
                flattened += had_z
            elif key != "fid":
                props[key] = _plain(value)
        if vertices > MAX_VERTICES:
            raise LayerFileError(f"{label}: more than {MAX_VERTICES:,} vertices (the limit)")
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    if flattened:
        notes.append(f"Heights (z) were dropped from {flattened} feature(s).")
    if source_crs is not None:
        notes.append(f"Reprojected from {source_crs.name} to WGS84 lon/lat.")
    return {"type": "FeatureCollection", "features": features}, notes


def _gpkg_crs(con: sqlite3.Connection, srs_id: int, label: str, crs: str | None) -> CRS | None:
    """The layer's CRS if it is not WGS84 lon/lat (None when no reprojection is needed)."""
    if crs:
        return _crs(crs, label)
    row = con.execute(
        "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys "
        "WHERE srs_id = ?",
        (srs_id,),
    ).fetchone()
    if row is None or srs_id in (0, -1):
        raise LayerFileError(
            f"{label}: the layer's CRS is undefined (srs_id {srs_id}); give it with --crs"
        )
    org, code, definition = row
    if str(org).upper() == "EPSG" and int(code) == 4326:
        return None
    if definition not in (None, "", "undefined"):
        safe_crs_text(str(definition), f"{label}: the CRS definition")
    try:
        found = (
            CRS.from_wkt(str(definition))
            if definition not in (None, "", "undefined")
            else (CRS.from_authority(str(org), int(code)))
        )
    except (CRSError, ValueError):
        raise LayerFileError(
            f"{label}: CRS {org}:{code} not understood; give it with --crs"
        ) from None
    if found.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return None
    return transformable(found, f"{label}: CRS {org}:{code}")


def transformable(found: CRS, what: str) -> CRS:
    """``found``, if coordinates in it can be turned into WGS84 lon/lat; a local or engineering
    CRS (GDAL writes "Undefined SRS" so) cannot, and is refused."""
    try:
        Transformer.from_crs(found, CRS.from_epsg(4326), always_xy=True)
    except (ProjError, CRSError):
        raise LayerFileError(
            f"{what} ({found.name}) cannot be converted to WGS84 lon/lat; give the layer's "
            "CRS with --crs"
        ) from None
    return found


# What a CRS definition may not name: files and grids PROJ would open (a FIFO would hang the
# reader; any path could be probed) and addresses it would fetch.
_CRS_REFERENCES = re.compile(
    r"PARAMETERFILE|filename|\binit\s*=|grids\s*=|gridshift|tinshift|file:|https?:|ftp:|@",
    re.IGNORECASE,
)


def safe_crs_text(text: str, what: str) -> None:
    """Refuse a CRS definition that names a file, a grid or an address: only self-contained
    definitions (and authority codes, such as EPSG:32638) are accepted."""
    # "@null" is PROJ's built-in empty grid (EPSG:3857's usual WKT names it): no file.
    found = _CRS_REFERENCES.search(re.sub(r"\+?nadgrids\s*=\s*@null\b", "", text, flags=re.I))
    if found:
        raise LayerFileError(
            f"{what} refers to a file, a grid or an address ({found.group()!r}); give the CRS "
            "by its code (such as EPSG:32638) or as a definition that names no file"
        )


def _crs(text: str, label: str) -> CRS:
    if not re.fullmatch(r"[A-Za-z]+:\d+|\d+", text.strip()):
        safe_crs_text(text, f"{label}: --crs")
    try:
        found = CRS.from_user_input(f"EPSG:{text}" if text.strip().isdigit() else text)
    except CRSError:
        raise LayerFileError(f"{label}: --crs {text!r} is not a known CRS") from None
    return transformable(found, f"{label}: --crs {text!r}")


def _gpkg_geometry(
    value: Any, label: str, index: int, source_crs: CRS | None
) -> tuple[dict[str, Any] | None, int, bool]:
    if value is None:
        return None, 0, False
    if not isinstance(value, bytes):
        raise LayerFileError(f"{label}: feature {index}: geometry is not a GeoPackage blob")
    try:
        _, wkb = _gpkg_blob(value)
        n, has_z = check_wkb(wkb)
        geom = shapely.from_wkb(wkb)
    except (ValueError, shapely.errors.GEOSException) as exc:
        raise LayerFileError(f"{label}: feature {index}: geometry {exc}") from None
    if has_z:
        geom = shapely.force_2d(geom)
    if source_crs is not None:
        geom = _reproject(geom, source_crs)
    return _mapping(geom), n, has_z


def _reproject(geom: Any, source: CRS) -> Any:
    transformer = Transformer.from_crs(source, CRS.from_epsg(4326), always_xy=True)
    return shapely.transform(geom, lambda xy: _stack(transformer.transform(xy[:, 0], xy[:, 1])))


def _stack(xy: tuple[Any, Any]) -> Any:
    return np.column_stack(xy)


def _mapping(geom: Any) -> dict[str, Any]:
    """GeoJSON of a shapely geometry, as plain lists (what check_collection reads)."""
    out: dict[str, Any] = json.loads(json.dumps(mapping(geom)))
    return out


def _plain(value: Any) -> Any:
    """A property value as JSON: numbers, strings, booleans or null (bytes are refused as
    text)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


# ---- zipped Shapefile ---------------------------------------------------------------------------


def _shapefile(data: bytes, label: str, crs: str | None) -> tuple[dict[str, Any], list[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise LayerFileError(f"{label}: not a readable zip file ({exc})") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise LayerFileError(
                f"{label}: {len(members)} files in the zip; at most {MAX_ZIP_MEMBERS} accepted"
            )
        total = sum(m.file_size for m in members)
        if total > MAX_FILE_BYTES * 3:
            raise LayerFileError(
                f"{label}: the zip unpacks to {total:,} bytes; the limit is "
                f"{MAX_FILE_BYTES * 3:,} bytes"
            )
        parts: dict[str, zipfile.ZipInfo] = {}
        for m in members:
            if m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                # bzip2 and LZMA are unpacked without a bound on what a chunk expands to.
                raise LayerFileError(
                    f"{label}: {m.filename} is compressed with a method other than deflate; "
                    "zip it again with the usual (deflate) compression"
                )
            ext = Path(m.filename).suffix.lower()
            if ext not in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                continue  # read nothing else (.qmd, .xml, readme ...)
            if ext in parts:
                raise LayerFileError(f"{label}: more than one {ext} file in the zip")
            parts[ext] = m
        missing = [e for e in (".shp", ".shx", ".dbf") if e not in parts]
        if missing:
            raise LayerFileError(f"{label}: the zip lacks {', '.join(missing)}")
        with tempfile.TemporaryDirectory(prefix="nkmap-shp-") as tmp:
            for ext, member in parts.items():
                with archive.open(member) as stream:
                    body = stream.read(member.file_size + 1)  # no more than it says it holds
                if len(body) != member.file_size:
                    raise LayerFileError(f"{label}: {member.filename} is damaged")
                # Fixed names in a private folder: nothing in the zip names a path.
                (Path(tmp) / f"layer{ext}").write_bytes(body)
            return _read_shp(Path(tmp), label, crs)


def _shp_records(shp: bytes) -> int | None:
    """How many records the .shp holds, counted from their headers (GDAL counts the .shx's);
    None when the headers do not add up to the file."""
    count, offset = 0, 100
    while offset + 8 <= len(shp):
        (words,) = struct.unpack(">i", shp[offset + 4 : offset + 8])
        if words < 0:
            return None
        offset += 8 + 2 * words
        count += 1
    return count if offset == len(shp) else None


GDAL_NOTES = 5  # GDAL's warnings about a file said in full, at most (then how many more)


def _printable(text: str) -> str:
    """``text`` with every character that is not printable (a terminal's control codes) as ?."""
    return "".join(c if c.isprintable() else "?" for c in text)


def _gdal_read(folder: Path, shp: bytes, label: str) -> Any:
    """The Shapefile in ``folder`` (whose .shp holds ``shp``) as read by GDAL, once its index
    and its count of features are checked."""
    info = pyogrio.read_info(folder / "layer.shp")
    held = _shp_records(shp)
    if held is not None and held != info["features"]:
        raise LayerFileError(
            f"{label}: the .shx index lists {info['features']:,} features but the .shp "
            f"holds {held:,}; the files do not belong together (zip them again)"
        )
    if info["features"] > MAX_FEATURES:
        raise LayerFileError(
            f"{label}: {info['features']:,} features; the limit is {MAX_FEATURES:,}"
        )
    return pyogrio.read_dataframe(folder / "layer.shp", max_features=MAX_FEATURES)


def _read_shp(folder: Path, label: str, crs: str | None) -> tuple[dict[str, Any], list[str]]:
    prj = folder / "layer.prj"
    if prj.exists():
        safe_crs_text(prj.read_bytes().decode("utf-8", "replace"), f"{label}: the .prj file")
    shp = (folder / "layer.shp").read_bytes()
    if len(shp) < 100 or shp[:4] != b"\x00\x00\x27\x0a":
        raise LayerFileError(f"{label}: the .shp file is not a Shapefile")
    dbf = (folder / "layer.dbf").read_bytes()[:1]
    if not dbf or dbf[0] not in (
        0x02,
        0x03,
        0x04,
        0x05,
        0x30,
        0x31,
        0x43,
        0x63,
        0x83,
        0x8B,
        0xCB,
        0xF5,
        0xFB,
    ):
        raise LayerFileError(f"{label}: the .dbf file is not a dBase table")
    # GDAL's errors end here: whatever it finds wrong becomes a message naming the file, and
    # what it only warns of (a number it read in part), a note of the read. (Python keeps one
    # list of warning filters for all threads: a dashboard reading two uploads at once may
    # file a warning under the other's notes, never lose or raise one.)
    try:
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            frame = _gdal_read(folder, shp, label)
    except OGR_ERRORS as exc:
        said = str(exc).strip().rstrip(".") or type(exc).__name__
        raise LayerFileError(f"{label}: the Shapefile could not be read ({said})") from None
    for w in warned:  # other libraries' warnings go on as they came
        if not issubclass(w.category, RuntimeWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    # GDAL's words quote the file: shown as printable characters only, and not at length.
    words = (
        _printable(str(w.message))[:200] for w in warned if issubclass(w.category, RuntimeWarning)
    )
    notes = [f"GDAL: {text}" for text in dict.fromkeys(words)]
    if len(notes) > GDAL_NOTES:
        notes[GDAL_NOTES:] = [f"GDAL: and {len(notes) - GDAL_NOTES} more warnings"]
    twice = [str(name) for name, count in Counter(frame.columns).items() if count > 1]
    if twice:
        # Fields whose names are the same once read (in the .cpg's encoding): one would be lost.
        shown = ", ".join(repr(_printable(name)) for name in twice)
        raise LayerFileError(f"{label}: the .dbf has two fields named {shown} (check its .cpg)")
    if crs:
        frame = frame.set_crs(_crs(crs, label), allow_override=True)
    elif frame.crs is None:
        notes.append("The zip has no .prj: the coordinates were taken as WGS84 lon/lat.")
        frame = frame.set_crs(4326)
    else:
        transformable(frame.crs, f"{label}: the .prj file's CRS")
    if frame.has_z.any():
        frame.geometry = shapely.force_2d(frame.geometry.values)
        notes.append("Heights (z) were dropped.")
    if not frame.crs.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        notes.append(f"Reprojected from {frame.crs.name} to WGS84 lon/lat.")
        frame = frame.to_crs(4326)
    features = []
    for row in frame.to_dict("records"):
        geom = row.pop("geometry")
        props = {k: _plain(_scalar(v)) for k, v in row.items()}
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": None if geom is None else _mapping(geom),
            }
        )
    return {"type": "FeatureCollection", "features": features}, notes


def _scalar(value: Any) -> Any:
    """Numpy and pandas values as plain Python ones."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


# ---- KML -----------------------------------------------------------------------------------------


def _kml(data: bytes, label: str) -> tuple[dict[str, Any], list[str]]:
    # KML is UTF-8 (the standard says so). Anything else is refused before any other check:
    # in UTF-16 a document type declaration would not be seen in the bytes.
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise LayerFileError(f"{label}: KML must be UTF-8 text (the KML standard's)") from None
    declared = re.match(r"\ufeff?\s*<\?xml[^>]*encoding\s*=\s*[\"']([^\"']+)", text)
    if declared and declared.group(1).lower().replace("_", "-") not in ("utf-8", "us-ascii"):
        raise LayerFileError(
            f"{label}: declares the encoding {declared.group(1)!r}; KML must be UTF-8"
        )
    if re.search(r"<!\s*(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise LayerFileError(f"{label}: document type declarations are not accepted in KML")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise LayerFileError(f"{label}: not well-formed XML ({exc})") from None
    features = []
    flattened = 0
    for i, mark in enumerate(e for e in root.iter() if _local(e.tag) == "Placemark"):
        if i >= MAX_FEATURES:
            raise LayerFileError(f"{label}: more than {MAX_FEATURES:,} features (the limit)")
        props: dict[str, Any] = {}
        for child in mark:
            tag = _local(child.tag)
            if tag in ("name", "description") and child.text:
                props[tag] = child.text.strip()
        for data_el in (e for e in mark.iter() if _local(e.tag) in ("Data", "SimpleData")):
            key = data_el.get("name")
            if key:
                value = (
                    data_el.text
                    if _local(data_el.tag) == "SimpleData"
                    else next((v.text for v in data_el if _local(v.tag) == "value"), None)
                )
                props[key] = (value or "").strip()
        try:
            geometry, had_z = _kml_geometry(mark)
        except ValueError as exc:
            raise LayerFileError(f"{label}: placemark {i}: {exc}") from None
        flattened += had_z
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    if not features:
        raise LayerFileError(f"{label}: no Placemark in the KML")
    notes = [f"Heights (z) were dropped from {flattened} feature(s)."] if flattened else []
    return {"type": "FeatureCollection", "features": features}, notes


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _kml_coords(el: ET.Element) -> tuple[list[list[float]], bool]:
    text = next((c.text for c in el.iter() if _local(c.tag) == "coordinates"), None) or ""
    out = []
    had_z = False
    for token in text.split():
        parts = token.split(",")
        if len(parts) not in (2, 3):
            raise ValueError(f"coordinates {token[:40]!r}: expected lon,lat[,height]")
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"coordinates {token[:40]!r}: expected numbers") from None
        had_z = had_z or (len(values) == 3 and values[2] != 0)
        out.append(values[:2])
    return out, had_z


def _kml_geometry(mark: ET.Element) -> tuple[dict[str, Any] | None, bool]:
    shapes = [e for e in mark.iter() if _local(e.tag) in ("Point", "LineString", "Polygon")]
    if not shapes:
        return None, False
    kinds = {_local(e.tag) for e in shapes}
    if len(kinds) > 1:
        raise ValueError(f"mixed geometry types ({', '.join(sorted(kinds))})")
    kind = kinds.pop()
    had_z = False
    parts: list[Any] = []
    for e in shapes:
        if kind == "Polygon":
            rings = []
            boundaries = sorted(
                (b for b in e if _local(b.tag) in ("outerBoundaryIs", "innerBoundaryIs")),
                key=lambda b: _local(b.tag) != "outerBoundaryIs",
            )
            for boundary in boundaries:
                ring, z = _kml_coords(boundary)
                had_z = had_z or z
                rings.append(ring)
            parts.append(rings)
        else:
            coords, z = _kml_coords(e)
            had_z = had_z or z
            parts.append(coords[0] if kind == "Point" and coords else coords)
    if len(parts) == 1:
        return {"type": kind, "coordinates": parts[0]}, had_z
    return {"type": "Multi" + kind, "coordinates": parts}, had_z
