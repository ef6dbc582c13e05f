"""Files credlab writes: always whole, via a temporary file and a rename."""

from __future__ import annotations

import os
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``path`` via a temporary file and a rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    import tempfile  # imported by the commands that write, not by every command

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a written file reads like any other
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def writable_folder(path: Path, option: str) -> Path:
    """``path`` if credlab can make or write into it, checked before any work starts, so a run is
    never spent only to fail at its last step; nothing is created. Raises :class:`UsageError`."""
    from credlab.model.errors import UsageError

    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent  # the folder would be made inside the nearest one that exists
    if not existing.is_dir():
        what = "is a file, not a folder" if existing == path else f"is inside {existing}, which is a file"
        raise UsageError(f"{option} {path}: {what}; give a folder to write into")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: {existing} is not writable; give another folder with {option}")
    return path
