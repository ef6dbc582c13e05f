"""What kind of credlab file a path is — a spec, a scenario file, or neither — from its first
bytes, without parsing it. Standard library only: the pytest plugin asks this of every YAML file
in a user's project, and must not import the rest of credlab to do so."""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Literal

PEEK_BYTES = 64 * 1024
"""How much of a file is read to tell its kind: the top-level key is near the top, after comments."""

FileKind = Literal["spec", "scenarios", "other"]

_SCENARIO_KEY = re.compile(r"^credlab_scenarios\s*:", re.MULTILINE)
_SPEC_KEY = re.compile(r"^credlab\s*:", re.MULTILINE)


def _peek(path: Path) -> str:
    """The start of a regular file, leniently decoded, byte-order mark dropped; empty if it is not a
    regular file (a FIFO or a device is never opened) or cannot be read."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return ""
        with path.open("rb") as handle:
            head = handle.read(PEEK_BYTES)
    except OSError:
        return ""
    return head.decode("utf-8", errors="replace").removeprefix("\ufeff")


def file_kind(path: Path) -> FileKind:
    """``scenarios`` if the top level has ``credlab_scenarios:``, ``spec`` if it has ``credlab:``."""
    text = _peek(path)
    if _SCENARIO_KEY.search(text):
        return "scenarios"
    if _SPEC_KEY.search(text):
        return "spec"
    return "other"


def is_scenario_file(path: Path) -> bool:
    return file_kind(path) == "scenarios"


def is_spec_file(path: Path) -> bool:
    return file_kind(path) == "spec"
