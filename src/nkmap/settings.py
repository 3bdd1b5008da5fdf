"""Every setting nkmap reads from its environment, and every limit it enforces, in one place.

Environment variables:

``NKMAP_GEODATA``
    The geodata folder to use instead of the one in the checkout (or, when installed, the one
    shipped inside the package). Read by the command line, the dashboard and the benchmarks.
``NKMAP_CACHE``
    The folder where loaded atlases are kept between runs (:mod:`nkmap.atlas.cache`), or
    ``off``. By default ``$XDG_CACHE_HOME/nkmap`` (``~/.cache/nkmap``).
``NKMAP_ALLOW_SAVE``
    Set to ``1`` to let the dashboard's upload form write accepted layers into the geodata
    folder. Off by default: a public dashboard checks and previews uploads but keeps nothing.

Limits (each refused with a message naming the file and the limit):
"""

from __future__ import annotations

import os
from pathlib import Path

GEODATA_VARIABLE = "NKMAP_GEODATA"
SAVE_SWITCH = "NKMAP_ALLOW_SAVE"
CACHE_VARIABLE = "NKMAP_CACHE"

# A layer file, as uploaded and as stored (the dashboard's upload limit, .streamlit/config.toml
# maxUploadSize, is the same 20 MB).
MAX_FILE_BYTES = 20 * 1024 * 1024
# Features and coordinate pairs in one layer.
MAX_FEATURES = 10_000
MAX_VERTICES = 1_000_000
# Coordinate pairs in one ring or line: simplifying a part (for display) and intersecting it
# cost up to the square of its size, and GEOS's simplification recurses once per vertex in the
# worst case (a 60,000-vertex zigzag overflows its stack and kills the process).
MAX_PART_VERTICES = 20_000
# A layer's metadata file (.meta.json).
MAX_META_BYTES = 1_000_000
# Files inside one zipped Shapefile.
MAX_ZIP_MEMBERS = 12
# SQLite virtual-machine steps allowed for reading one GeoPackage.
SQLITE_STEPS = 50_000_000
# Pixels on either side of an exported image.
MAX_PIXELS = 8000

CATALOG_FILE = "catalog.json"


def default_geodata() -> Path:
    """The geodata/ folder: $NKMAP_GEODATA, else the one beside the source tree (a checkout),
    else the copy shipped inside the installed package."""
    env = os.environ.get(GEODATA_VARIABLE)
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    checkout = here.parents[1] / "geodata"
    if (here.parent.name == "src") and (checkout / CATALOG_FILE).is_file():
        return checkout
    return here / "geodata"


def saving_allowed() -> bool:
    """Whether the dashboard may write accepted uploads into the geodata folder."""
    return os.environ.get(SAVE_SWITCH) == "1"
