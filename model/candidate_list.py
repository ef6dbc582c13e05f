"""A candidate list: a JSON array of strings (any characters, newlines and NUL included), the
safe way to hand credlab passwords to judge — arguments land in shell history."""

from __future__ import annotations

from pathlib import Path

from credlab.model.errors import Location, Problem, SpecError
from credlab.model.jsonsrc import parse_json
from credlab.model.yamlsrc import read_text


def read_candidates(path: str) -> list[str]:
    """The JSON array of strings in ``path``, or a located :class:`SpecError`."""
    text = read_text(Path(path), what="candidate list")
    data = parse_json(text, path, expected="a JSON array of strings")
    if not isinstance(data, list):
        raise SpecError([Problem(Location(path), "expected a JSON array of strings")])
    bad = [i for i, item in enumerate(data, start=1) if not isinstance(item, str)]
    if bad:
        raise SpecError(
            [Problem(Location(path), f"item {bad[0]} of the array is not a string; every candidate must be a string")]
        )
    return data
