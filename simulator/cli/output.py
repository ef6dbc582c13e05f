"""How commands speak: stable JSON, and problems as ``path:line:col: error: message``."""

from __future__ import annotations

import sys
from typing import Any

from credlab.model.errors import Problem


def emit_json(payload: dict[str, Any]) -> None:
    """Print ``payload`` as JSON; same data gives the same bytes."""
    import json  # only --format json pays for it

    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def print_problems(problems: tuple[Problem, ...] | list[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
