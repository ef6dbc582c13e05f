"""Explorer.explore's loop in C (``simulator/engine/_bfs.c``), where it applies.

For a spec without deadlines whose situations fit one 64-bit word (every spec and peer family
here), the breadth-first expansion runs in C over a uint64 visited map and each table entry's
steps copied once into C arrays. What is rare comes back here: table rows met for the first
time (computed by the explorer, on the reference engine, as in the Python loop), resolutions,
access, lessons, invariants, the first use of an entry, ambiguities, deadlocks and progress.
The result is the Python loop's, number for number and violation for violation (a differential
test runs both on every spec). Without a C compiler the module is absent and the Python loop runs.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from credlab.simulator.analysis.exploration import Exploration
from credlab.simulator.analysis.tables import Entry

if TYPE_CHECKING:
    from credlab.simulator.analysis.explore import Explorer

_bfs: ModuleType | None
try:
    from credlab.simulator.engine import _bfs
except ImportError:  # no compiler where it was installed: the Python loop runs
    _bfs = None

ENABLED = True
"""Whether searches may use the C loop (tests turn it off to compare the two)."""


def built() -> bool:
    """Whether the C loop was built where credlab was installed."""
    return _bfs is not None


def applies(explorer: Explorer, *, stop: object) -> bool:
    """Whether a search of ``explorer`` runs in C: built and enabled, situations in one word, no
    deadlines (zones and lapses stay in Python), tables in use, and no ``stop`` to consult."""
    return (
        ENABLED
        and built()
        and explorer.layout.word
        and not explorer.spec.deadlines
        and explorer.tables
        and stop is None
    )


class _Callbacks:
    """What the C loop asks Python for (see the module's docstring)."""

    def __init__(self, explorer: Explorer, found: Exploration, online: tuple[str, ...]) -> None:
        self.explorer, self.found, self.online, self.layout = explorer, found, online, explorer.layout

    def access(self, key: int) -> bool:
        return self.explorer.access(key, self.online)

    def resolution(self, event: str, key: int) -> int:
        explorer = self.explorer
        number = explorer.resolution(event, self.layout.decode(key))
        explorer.resolutions[event][key & explorer.masks[event][0]] = number
        return number

    def outcome(self, event: str, key: int, row: int) -> Entry:
        explorer = self.explorer
        entry = explorer.outcomes[event][row] = explorer.event_outcomes(key, self.layout.decode(key), event)
        return entry

    def fired(self, entry: Entry, node: int) -> None:
        self.explorer.first_taken(self.found, entry, node)

    def ambiguous(self, entry: Entry, node: int) -> None:
        self.explorer.ambiguous_at(self.found, entry, node)

    def teach(self, key: int, lesson: int) -> int:
        return self.explorer.teach(key, lesson)

    def check_node(self, node: int, key: int) -> None:
        self.explorer.check_node(self.found, node, key)

    def deadlock(self, node: int, key: int) -> None:
        self.explorer.stuck_at(self.found, node, key)

    def progress(self, node: int, count: int, edges: int) -> None:
        if self.explorer.progress is not None:
            self.found.frontier, self.found.edges = count - node - 1, edges
            self.explorer.progress(self.found)


def search(
    explorer: Explorer,
    found: Exploration,
    tables: list[list[tuple[int, int, dict[int, Entry], dict[int, int], str | None]]],
    *,
    online: tuple[str, ...],
    check: bool,
    every_step: bool,
    invariants: bool,
) -> int:
    """Expand every situation of ``found`` (its starts interned) in C; return the edges counted."""
    assert _bfs is not None
    layout = explorer.layout
    state = layout.fields["state"]
    online_mask, online_access = explorer.access_table(online)
    start = bytes(found.keys)  # an array('Q'): the layout fits a word
    keys, parents, via, good, sources, targets, edges, complete = _bfs.search(
        start,
        tables,
        state.offset,
        (1 << state.width) - 1,
        online_mask,
        online_access,
        explorer.max_nodes,
        check,
        every_step,
        invariants,
        layout.bits,
        _Callbacks(explorer, found, online),
    )
    found.keys.frombytes(keys)  # type: ignore[attr-defined]
    found.parent_of.frombytes(parents)
    found.via.extend(via)
    found.good.extend(good)
    found.sources.frombytes(sources)
    found.targets.frombytes(targets)
    if not complete:
        found.complete = False
    return int(edges)
