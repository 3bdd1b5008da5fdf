"""The formats nkmap writes, by name: the map on a date (print maps, the HTML atlas, GeoJSON)
and the whole atlas through time (GeoPackage, KML, CSV). Kept apart from the code that writes
them, so that the command line's options and the dashboard's menu cost no import."""

from __future__ import annotations

FORMATS = ("png", "svg", "pdf", "html", "geojson")
# The print maps among them: drawn from the atlas's features alone (see nkmap.atlas.rows).
PRINT_FORMATS = ("png", "svg", "pdf")
MEDIA_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "html": "text/html",
    "geojson": "application/geo+json",
    "gif": "image/gif",
    "gpkg": "application/geopackage+sqlite3",
    "kml": "application/vnd.google-earth.kml+xml",
    "csv": "text/csv",
}
DESCRIPTIONS = {
    "png": "PNG image (print map)",
    "svg": "SVG drawing (print map)",
    "pdf": "PDF document (print map)",
    "html": "HTML atlas (one file, steps through every date offline)",
    "geojson": "GeoJSON data (the features of this date, with sources)",
    "gif": "GIF animation (every change date)",
}
# The whole atlas, every date: for QGIS, Google Earth and spreadsheets.
ATLAS_FORMATS = ("gpkg", "kml", "csv")
