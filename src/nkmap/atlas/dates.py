"""Dates as the atlas uses them: ISO calendar days, validity as half-open intervals."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence

from nkmap.errors import DateError

# Open ends of a validity interval are stored as these sentinels so that filtering is a plain
# comparison. They lie outside any date the atlas covers.
BEGINNING = dt.date(1, 1, 1)
END_OF_TIME = dt.date(9999, 12, 31)

# How any day is read from dated steps (the map's changes, the entries of a place's history):
# the last step on or before the day is in force on it, as pandas' ``asof`` reads a series.
# The map in the browser receives this name with the dates and applies the same rule.
SAMPLING = "asof"


def asof(steps: Sequence[dt.date], day: dt.date) -> int | None:
    """The index of the step in force on ``day`` among sorted ``steps`` (the last on or before
    it), or None when every step is later."""
    index = bisect.bisect_right(steps, day) - 1
    return index if index >= 0 else None


def parse_date(text: object, what: str = "date") -> dt.date:
    """Parse an ISO ``YYYY-MM-DD`` string, or raise :class:`DateError` naming ``what``."""
    if isinstance(text, dt.date):
        return text
    if not isinstance(text, str):
        raise DateError(f"{what}: expected a date as YYYY-MM-DD, got {text!r}")
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DateError(f"{what}: expected a date as YYYY-MM-DD, got {text!r}") from None


def iso_or_open(day: dt.date | None) -> str | None:
    """A validity bound as written in files and payloads: the ISO date, or None for an open end
    (no date, or one of the sentinels)."""
    return None if day is None or day in (BEGINNING, END_OF_TIME) else day.isoformat()
