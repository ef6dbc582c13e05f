"""How commands speak: stable JSON, and problems as ``path:line:col: error: message``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from credlab.model.errors import Problem


def emit_json(payload: dict[str, Any]) -> None:
    """Print ``payload`` as JSON; same data gives the same bytes."""
    import json  # only --format json pays for it

    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def print_problems(problems: tuple[Problem, ...] | list[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


class Result(Protocol):
    """What every API result offers: a verdict and its one JSON form."""

    @property
    def ok(self) -> bool: ...

    def to_json(self) -> dict[str, Any]: ...


def finish(args: argparse.Namespace, result: Result, text: Callable[[], Iterable[str]], code: int | None = None) -> int:
    """Print ``result`` (JSON, or ``text``'s lines) and return the exit code, decided before the first
    byte is written: a reader that closes the pipe early cannot turn a failure into 0."""
    args.outcome = code if code is not None else (0 if result.ok else 1)
    if args.format == "json":
        emit_json(result.to_json())
    else:
        print("\n".join(text()))
    return int(args.outcome)
