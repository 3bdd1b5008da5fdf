"""Options of a print map: size, resolution, name form and the area shown. Kept apart from the
renderer so that choosing them does not import matplotlib."""

from __future__ import annotations

from dataclasses import dataclass

from nkmap.atlas.vocabulary import REGION_BBOX
from nkmap.errors import OptionError


@dataclass(frozen=True)
class Layout:
    """Options of the print map."""

    width_px: int = 1600
    height_px: int = 1200
    dpi: int = 200
    names: str = "both"
    bbox: tuple[float, float, float, float] = REGION_BBOX  # west, south, east, north

    @property
    def inches(self) -> tuple[float, float]:
        return self.width_px / self.dpi, self.height_px / self.dpi


# Frames of an animation are smaller than a print map.
ANIMATION = Layout(width_px=1000, height_px=750, dpi=125)


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(x) for x in text.split(","))
    except ValueError:
        raise OptionError(f"area {text!r}: expected west,south,east,north in degrees") from None
    return west, south, east, north
