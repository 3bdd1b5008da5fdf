"""Options of a print map: size, resolution, name form and the area shown. Kept apart from the
renderer so that choosing them does not import matplotlib."""

from __future__ import annotations

import math
from dataclasses import dataclass

from nkmap.atlas.vocabulary import REGION_BBOX
from nkmap.errors import OptionError

# The print map is laid out for a page of at least this size, in inches: its text, keys and
# margins are sized in points for it. A page smaller than this at the dpi asked for is drawn at
# a lower dpi (the same pixels, a larger page in inches), so that its text keeps its size
# against the map and nothing runs off the page.
PAGE_INCHES = (8.0, 6.0)


@dataclass(frozen=True)
class Layout:
    """Options of the print map. ``dpi`` sets the text's size, as far as the page has room
    for it (see :data:`PAGE_INCHES` and :attr:`render_dpi`)."""

    width_px: int = 1600
    height_px: int = 1200
    dpi: int = 200
    names: str = "both"
    bbox: tuple[float, float, float, float] = REGION_BBOX  # west, south, east, north

    @property
    def render_dpi(self) -> float:
        """The dpi the page is drawn at: ``dpi``, or less where the page would be smaller than
        :data:`PAGE_INCHES` at ``dpi``."""
        wide, high = PAGE_INCHES
        return min(float(self.dpi), self.width_px / wide, self.height_px / high)

    @property
    def inches(self) -> tuple[float, float]:
        """The page's size at :attr:`render_dpi`."""
        dpi = self.render_dpi
        return _inches(self.width_px, dpi), _inches(self.height_px, dpi)


def _inches(px: int, dpi: float) -> float:
    """``px / dpi``, or the next larger float where that times ``dpi`` falls short of ``px``
    (matplotlib truncates the page's size in pixels)."""
    inches = px / dpi
    while int(inches * dpi) < px:
        inches = math.nextafter(inches, math.inf)
    return inches


# Frames of an animation are smaller than a print map.
ANIMATION = Layout(width_px=1000, height_px=750, dpi=125)


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(x) for x in text.split(","))
    except ValueError:
        raise OptionError(f"area {text!r}: expected west,south,east,north in degrees") from None
    return west, south, east, north
