"""Dates as the atlas uses them: ISO calendar days, validity as half-open intervals."""

from __future__ import annotations

import datetime as dt

from nkmap.errors import DateError

# Open ends of a validity interval are stored as these sentinels so that filtering is a plain
# comparison. They lie outside any date the atlas covers.
BEGINNING = dt.date(1, 1, 1)
END_OF_TIME = dt.date(9999, 12, 31)


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
