"""The diagram formats and where the committed diagrams live: light enough for the CLI's parser."""

from __future__ import annotations

from pathlib import Path

FORMATS = ("dot", "svg", "png", "mmd")
RENDERED = ("svg", "png")
"""The formats that need Graphviz's ``dot``."""
DEFAULT_DIR = Path("diagrams")
README = "README.md"
