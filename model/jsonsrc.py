"""Reading untrusted JSON (candidate lists, coverage reports, trace lines): a value, or one located
problem. Never a ``RecursionError`` from a document nested 100,000 deep."""

from __future__ import annotations

import json
from typing import Any

from credlab.model.errors import Location, Problem, SpecError


def parse_json(text: str, path: str, *, line: int = 0, expected: str = "JSON") -> Any:
    """``text`` decoded; ``line`` is added to the error's line (for one line of a JSON Lines file)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = Location(path, line + error.lineno, error.colno)
        raise SpecError([Problem(where, f"not JSON: {error.msg}")]) from None
    except RecursionError:
        where = Location(path, max(line, 1))
        raise SpecError([Problem(where, f"expected {expected}; this one nests too deeply")]) from None
