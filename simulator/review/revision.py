"""A spec as it was at a git revision, for ``credlab diff --git REV``.

The spec's folder at ``REV`` (the spec and the documents it quotes, which live beside it) is
extracted with ``git archive`` under the output folder (``--out``/at-revision) and loaded from
there like any spec: the old version is checked as strictly as the new one. The report names it
``REV:path``.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path

from credlab.model.errors import UsageError


def _git(folder: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("--git needs the git program, and it is not installed") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {' '.join(args)}: {reason[-1] if reason else 'failed'}")
    return done.stdout


def spec_at_revision(path: Path, revision: str, into: Path) -> tuple[Path, str]:
    """``path``'s folder as it was at ``revision``, extracted under ``into`` (emptied first: no file
    of an earlier extraction stays); returns the extracted spec's path and its name ``REV:path``."""
    if revision.startswith("-"):
        raise UsageError(f"'{revision}' is not a revision (it starts with '-')")
    folder = path.resolve().parent
    top = Path(_git(folder, "rev-parse", "--show-toplevel").decode().strip())
    relative = path.resolve().relative_to(top)
    data = _git(top, "archive", "--format=tar", revision, "--", str(relative.parent))
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(into, filter="data")  # no links out of the folder, no absolute paths
    extracted = into / relative
    if not extracted.is_file():
        raise UsageError(f"{relative} does not exist at {revision}")
    return extracted, f"{revision}:{relative}"
