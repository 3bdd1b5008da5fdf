"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from nkmap.errors import OutputError


def umask() -> int:
    """The process's file-creation mask (read without changing it for longer than a moment)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_output(path: Path) -> None:
    """Refuse, before any work, an output that cannot be written: a missing folder, or a path
    that exists and is not a regular file (a folder, a device such as /dev/null, a FIFO)."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise OutputError(f"{path}: exists and is not a regular file; refusing to replace it")
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"{path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{path}: the folder {folder} is not writable")


@contextlib.contextmanager
def replaced(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside ``path`` (not yet created) for a writer that makes its own
    file, such as GDAL: once the block ends without error the file gets the usual permissions
    and is renamed into place; otherwise it is removed and ``path`` is left as it was."""
    check_output(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, synced and then
    renamed into place: a failed or interrupted write leaves the old file (or none). The file
    gets the usual permissions (0666 less the umask), not a temporary file's 0600."""
    check_output(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~umask())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
