"""nkmap: an atlas of territorial control in Nagorno-Karabakh, 1923-2024."""

from nkmap.catalog import Atlas, LayerEntry, Source, load_atlas
from nkmap.errors import (
    CatalogError,
    LayerFileError,
    NkmapError,
    ValidationError,
)

__all__ = [
    "Atlas",
    "CatalogError",
    "LayerEntry",
    "LayerFileError",
    "NkmapError",
    "Source",
    "ValidationError",
    "load_atlas",
]
