"""The diagram formats and where the committed diagrams live: light enough for the CLI's parser."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

FORMATS = ("dot", "svg", "png", "mmd")
RENDERED = ("svg", "png")
"""The formats that need Graphviz's ``dot``."""
DETAILS = ("rules", "full", "events")
"""How much a transition's label says (``credlab diagram --detail``): its rule's id (the default:
a legible drawing), its guards and effects in full, or its event alone. Tooltips say everything."""
DEFAULT_DIR = Path("diagrams")
README = "README.md"

FileStatus = Literal["written", "unchanged", "skipped", "current", "stale", "missing", "unexpected", "unchecked"]
"""written, unchanged or skipped when writing; current, stale, missing, unexpected or unchecked when checking."""
NEEDS_REGENERATING: tuple[FileStatus, ...] = ("stale", "missing", "unexpected")
