"""The loaded atlas, kept on disk between processes.

Loading reads and checks every layer file (about half a second for the shipped atlas, and in
proportion to its size). A command run again on the same files, or a dashboard started again,
takes the checked result from the cache instead; so does the dashboard for the map's payload
made from it (:func:`derived` keys). It is found by a fingerprint of everything the
result depends on: the catalog's and every layer file's bytes, and the code that reads and
checks them (so a new nkmap, or a new limit, never reuses a result made by an old one). Any
change to any of them makes a new result; nothing is ever served stale.

The cache lives in ``$NKMAP_CACHE`` (``off`` to do without), else in ``$XDG_CACHE_HOME/nkmap``
or ``~/.cache/nkmap``: a folder only its owner may read or write, since a cached atlas is a
pickle, and a pickle runs code when read. A cache file that another user owns, or that others
may write, is never read. Failing to read or write the cache is never an error: the atlas is
then loaded from its files.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

from nkmap.settings import CACHE_VARIABLE, MAX_FILE_BYTES

# The code the loaded atlas depends on: its package and the limits it checks against.
_PACKAGE = Path(__file__).resolve().parent
_CODE = [
    *sorted(_PACKAGE.glob("*.py")),
    *(_PACKAGE.parent / f for f in ("settings.py", "errors.py")),
]


def cache_folder() -> Path | None:
    """Where cached atlases are kept, or None when caching is off."""
    chosen = os.environ.get(CACHE_VARIABLE)
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "0", "off", "no") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nkmap"


def fingerprint(catalog: bytes, files: list[Path]) -> str:
    """What a loaded atlas depends on, as one digest: the code, the catalog and every file it
    names (by name and content)."""
    import numpy
    import shapely

    digest = hashlib.sha256(sys.version.encode())
    # What the kept atlas is made of: plain columns of Python values and shapely geometries
    # (see nkmap.atlas.rows); so the same key whether pandas is loaded or not.
    for library in (numpy, shapely):
        digest.update(library.__version__.encode())
    for path in _CODE:
        digest.update(path.read_bytes())
    digest.update(catalog)
    for path in files:
        digest.update(b"\0" + str(path).encode("utf-8", "surrogateescape") + b"\0")
        try:
            info = os.stat(path)
            # Only regular files within the size limit are read (a FIFO would block): the
            # loader refuses the others, and what it says depends on no more than this.
            if stat.S_ISREG(info.st_mode) and info.st_size <= MAX_FILE_BYTES:
                digest.update(path.read_bytes())
            else:
                digest.update(f"(not read: {info.st_mode:o} {info.st_size})".encode())
        except OSError as exc:
            digest.update(f"(unreadable: {exc.errno})".encode())
    return digest.hexdigest()


def derived(fingerprint: str, code: list[Path]) -> str:
    """The key of something made from an atlas (its fingerprint) by ``code`` (its modules),
    and by the libraries that code may use (the dashboard's payload is made with geopandas)."""
    digest = hashlib.sha256(fingerprint.encode())
    for library in ("pandas", "geopandas"):
        digest.update(str(getattr(sys.modules.get(library), "__version__", "")).encode())
    for path in code:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _entry(folder: Path, root: Path, kind: str) -> Path:
    key = hashlib.sha256(str(root.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    return folder / f"{kind}-{key[:32]}.pickle"


def _private(path: Path) -> bool:
    """Whether ``path`` is ours alone: owned by this user, written by no one else, not a link."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return (
        not stat.S_ISLNK(info.st_mode)
        and info.st_uid == os.getuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def read(root: Path, key: str, kind: str = "atlas") -> Any | None:
    """What is cached for ``root`` under ``key`` (the atlas, or what ``kind`` names), or None."""
    folder = cache_folder()
    if folder is None:
        return None
    path = _entry(folder, root, kind)
    if not (_private(folder) and _private(path)):
        return None
    try:
        with open(path, "rb") as f:
            stored_key, value = pickle.load(f)
    except Exception:  # a damaged or outdated cache file is no error: the files are loaded
        return None
    return value if stored_key == key else None


def write(root: Path, key: str, value: Any, kind: str = "atlas") -> None:
    """Keep ``value`` for ``root`` under ``key`` (best effort)."""
    folder = cache_folder()
    if folder is None:
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder):
            return
        fd, tmp = tempfile.mkstemp(prefix=f".{kind}-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:  # mkstemp's mode: 0600
                pickle.dump((key, value), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, _entry(folder, root, kind))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError, RecursionError, TypeError, AttributeError):
        return  # TypeError, AttributeError: what pickle raises for a value it cannot write
