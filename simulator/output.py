"""How commands speak: stable JSON, problems as ``path:line:col: error: message``, atomic files."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from model.errors import Problem


def problem_json(problem: Problem) -> dict[str, Any]:
    loc = problem.location
    return {"file": loc.path, "line": loc.line, "column": loc.column, "message": problem.message}


def emit_json(payload: dict[str, Any]) -> None:
    """Print ``payload`` as JSON; same data gives the same bytes."""
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def print_problems(problems: tuple[Problem, ...] | list[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


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
