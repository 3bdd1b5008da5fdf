"""What the page sends back (the component's value): the change in force, the view, the area
on screen and the base map the reader chose, or a request for the payload again. Read
defensively: the page is the visitor's, so any part that is missing or malformed is None."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any


def _numbers(raw: Any, count: int) -> tuple[float, ...] | None:
    if not isinstance(raw, list) or len(raw) != count:
        return None
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in raw):
        return None
    values = tuple(float(x) for x in raw)
    return values if all(math.isfinite(x) for x in values) else None


def _text(raw: Any, limit: int = 64) -> str | None:
    return raw if isinstance(raw, str) and 0 < len(raw) <= limit else None


@dataclass(frozen=True)
class MapValue:
    """The page's report. ``need`` is set to the payload's version when the page lacks the
    payload and asks for it again (the other parts are then absent), and to ``"rest"`` when it
    has drawn the first part of the payload and asks for the rest."""

    date: str | None = None  # the change in force, YYYY-MM-DD
    view: tuple[float, ...] | None = None  # centre latitude, longitude and zoom
    bounds: tuple[float, ...] | None = None  # west, south, east, north on screen
    base: str | None = None  # the base map's key
    need: str | None = None

    @classmethod
    def read(cls, raw: Any) -> MapValue:
        """The value from what the page sent; anything else than the declared parts is
        dropped."""
        if not isinstance(raw, dict):
            return cls()
        return cls(
            date=_text(raw.get("date"), 10),
            view=_numbers(raw.get("view"), 3),
            bounds=_numbers(raw.get("bounds"), 4),
            base=_text(raw.get("base")),
            need=_text(raw.get("need")),
        )


# The parts the page may send, as the contract test reads them from map.js.
PARTS = tuple(f.name for f in fields(MapValue))
