"""The file formats a layer may come in, and their file name endings (no reader imported)."""

from __future__ import annotations

FORMATS = {
    "geojson": (".geojson", ".json"),
    "gpkg": (".gpkg",),
    "shapefile": (".zip",),
    "kml": (".kml",),
}
