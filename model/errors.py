"""Located problems: every error credlab reports about an input file points at it.

A problem prints as ``path:line:col: error: message`` (1-based line and column), the
format editors and CI annotators already understand.
"""

from __future__ import annotations

from credlab.model.node import Node, node

_set = object.__setattr__


@node
class Location(Node):
    """A position in an input file; ``line`` and ``column`` count from 1."""

    path: str
    line: int = 1
    column: int = 1

    def __init__(self, path: str, line: int = 1, column: int = 1) -> None:
        # written out: a spec load makes a location for every key and value (thousands)
        _set(self, "path", path)
        _set(self, "line", line)
        _set(self, "column", column)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@node
class Problem(Node):
    """One thing wrong with an input file, and where."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: error: {self.message}"


class CredlabError(Exception):
    """The base of every error credlab raises on purpose: the input or the call is wrong, not credlab.
    The CLI turns one into exit code 2 with its message; anything else is a credlab bug."""


class UsageError(CredlabError):
    """An option or argument that cannot be used as given (``max_states=0``, an output folder that is
    a file); the message says what to give instead."""


class SpecError(CredlabError):
    """Raised when a spec (or another credlab input) cannot be used.

    It carries *all* problems found, sorted by position, so a user fixes them in one pass.
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems)))
        super().__init__("\n".join(str(p) for p in self.problems))


class ScenarioError(SpecError):
    """A scenario file, rather than the spec it is about, cannot be used; located like a spec's problems."""


class Problems:
    """Collects problems while a file is checked, so that checking never stops at the first."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, location: Location, message: str) -> None:
        self.items.append(Problem(location, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, error: type[SpecError] = SpecError) -> None:
        if self.items:
            raise error(self.items)
