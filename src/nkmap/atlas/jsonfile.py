"""Reading the atlas's JSON files: a size limit before reading, NaN and Infinity refused, and
every failure an nkmap error naming the file. Kept apart from the checks of geometry so that
reading a catalog imports nothing heavy."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from nkmap.errors import LayerFileError
from nkmap.settings import MAX_FILE_BYTES


def read_json(path: Path) -> Any:
    """Read a JSON file with a size limit; raise :class:`LayerFileError` naming the file."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LayerFileError(f"{path}: cannot read the file ({exc.strerror})") from None
    too_big = size_problem(size)
    if too_big:
        raise LayerFileError(f"{path}: {too_big}")
    try:
        return json.loads(path.read_bytes(), parse_constant=reject_constant)
    except (ValueError, RecursionError) as exc:
        raise LayerFileError(f"{path}: not valid JSON ({exc})") from None


def size_problem(size: int) -> str | None:
    """What is wrong with a file of ``size`` bytes for the atlas (over the limit), or None."""
    if size > MAX_FILE_BYTES:
        return f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes"
    return None


def reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed in JSON")


# Characters refused in any text of a layer (names, titles, sources, properties): control
# characters other than tab and newline (they make SVG and KML ill-formed), lone surrogates
# (no file can store them) and the Unicode direction overrides and isolates (they make a text
# read differently from what it holds).
_UNSAFE_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
)


def unsafe_text(text: str) -> str | None:
    """What is wrong with ``text`` (the first unsafe character, named), or None."""
    found = _UNSAFE_TEXT.search(text)
    if found is None:
        return None
    return f"the character U+{ord(found.group()):04X} at position {found.start()}"
