"""Reading the atlas's JSON files: a size limit before reading, NaN and Infinity refused, and
every failure an nkmap error naming the file. Kept apart from the checks of geometry so that
reading a catalog imports nothing heavy."""

from __future__ import annotations

import json
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
    if size > MAX_FILE_BYTES:
        raise LayerFileError(
            f"{path}: file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes"
        )
    try:
        return json.loads(path.read_bytes(), parse_constant=reject_constant)
    except (ValueError, RecursionError) as exc:
        raise LayerFileError(f"{path}: not valid JSON ({exc})") from None


def reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed in JSON")
