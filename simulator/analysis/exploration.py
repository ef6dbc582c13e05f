"""What an exploration found: the graph of situations, the paths to them, the violations.

Situations are numbered in breadth-first order and kept packed (see
:mod:`~credlab.simulator.engine.packing`); :attr:`Exploration.worlds` and
:attr:`Exploration.zones` unpack them on demand. Each keeps its BFS parent, so the path to any
situation is a shortest one, and :meth:`Exploration.path` gives it the shortest concrete waits.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, MutableSequence, Sequence
from dataclasses import dataclass, field
from typing import TypeVar, overload

from credlab.model.engine import World
from credlab.simulator.analysis.paths import Move
from credlab.simulator.engine.clocks import Clocks, Timed
from credlab.simulator.engine.packing import Layout
from credlab.simulator.engine.zones import Zone
from credlab.simulator.results import PropertyId
from credlab.simulator.stories.knowledge import Knowledge
from credlab.simulator.stories.scenario import Advance

T = TypeVar("T")


class _Unpacked(Sequence[T]):
    """A view of each packed situation through ``unpack``, computed when asked for."""

    def __init__(self, keys: Sequence[int], unpack: Callable[[int], T]) -> None:
        self.keys, self.unpack = keys, unpack

    def __len__(self) -> int:
        return len(self.keys)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self.unpack(key) for key in self.keys[index]]
        return self.unpack(self.keys[index])

    def __iter__(self) -> Iterator[T]:
        return map(self.unpack, self.keys)


@dataclass(frozen=True, slots=True)
class Edge:
    """One explored step: an event move, or time passing until the deadlines of ``lapse`` lapse."""

    move: Move | None
    lapse: tuple[int, ...] = ()
    resets: tuple[int, ...] = ()
    universal: bool = True
    """Whether every valuation of the source's zone can take it (events always can)."""


@dataclass(slots=True)
class Violation:
    property: PropertyId
    description: str
    node: int
    detail: str = ""
    then: Edge | None = None
    """A step past the node that shows the violation (the lapse whose expiry is ambiguous)."""


@dataclass(slots=True)
class Exploration:
    """The explored graph and what was found in it."""

    layout: Layout
    starts: list[tuple[int, str]] = field(default_factory=list)
    keys: MutableSequence[int] = field(default_factory=list)
    """Each situation, packed: a plain ``array('Q')`` where the layout fits a machine word."""
    parent_of: array[int] = field(default_factory=lambda: array("i"))
    """Each situation's breadth-first parent (-1 for a start); situation numbers are 32-bit (two
    billion situations is far past what a search holds in memory)."""
    via: list[Edge | None] = field(default_factory=list)
    """The step from its parent to each situation."""
    edges: int = 0
    sources: array[int] = field(default_factory=lambda: array("i"))
    targets: array[int] = field(default_factory=lambda: array("i"))
    """The steps between distinct situations that start where the member has no online access
    (all recoverability needs; every step with ``explore(every_step=True)``), as two flat arrays
    (source, target), by source."""
    good: bytearray = field(default_factory=bytearray)
    """For an exploration that checks properties: 1 where a value the member knows works online."""
    uncertain: set[tuple[int, int]] = field(default_factory=set)
    """(source, target) steps that only some valuations of the source's zone can take."""
    states: set[str] = field(default_factory=set)
    transitions: set[str] = field(default_factory=set)
    violations: list[Violation] = field(default_factory=list)
    first_fired: dict[str, tuple[int, Edge]] = field(default_factory=dict)
    """Each transition fired, with the first situation (in breadth-first order) and step firing it."""
    complete: bool = True
    seconds: float = 0.0
    frontier: int = 0
    """Situations found and not yet expanded (for progress displays)."""
    undecided_recovery: list[int] = field(default_factory=list)
    """Situations whose only ways back to online access are lapses some of their valuations miss."""

    def __post_init__(self) -> None:
        if self.layout.word and not self.keys:
            self.keys = array("Q")

    @property
    def clocks(self) -> Clocks:
        return self.layout.clocks

    @property
    def worlds(self) -> Sequence[tuple[World, Knowledge]]:
        return _Unpacked(self.keys, lambda key: self.layout.decode(key)[:2])

    @property
    def zones(self) -> Sequence[Zone]:
        return _Unpacked(self.keys, self.layout.zone_of)

    @property
    def parents(self) -> list[tuple[int, Edge] | None]:
        """Each situation's parent and the step from it (None for a start)."""
        return [None if edge is None else (parent, edge) for parent, edge in zip(self.parent_of, self.via, strict=True)]

    @property
    def successors(self) -> list[list[int]]:
        """Each situation's successors (other than itself), among the steps kept (see ``sources``)."""
        table: list[list[int]] = [[] for _ in self.keys]
        for source, target in zip(self.sources, self.targets, strict=True):
            table[source].append(target)
        return table

    def root(self, node: int) -> int:
        while self.parent_of[node] >= 0:
            node = self.parent_of[node]
        return node

    def timed(self, node: int, then: Edge | None = None) -> list[tuple[Timed, Edge]]:
        """The steps from this exploration's start to ``node`` (and ``then``), with their clocks."""
        steps: list[tuple[Timed, Edge]] = [] if then is None else [self._timed(node, then)]
        while (edge := self.via[node]) is not None:
            node = self.parent_of[node]
            steps.append(self._timed(node, edge))
        return list(reversed(steps))

    def _timed(self, source: int, edge: Edge) -> tuple[Timed, Edge]:
        return Timed(self.zones[source].clocks, edge.lapse, edge.resets), edge

    def path(self, node: int, then: Edge | None = None) -> tuple[str, tuple[Move, ...]]:
        """The starting state and the shortest moves from it to ``node``, with concrete waits."""
        start = next(state for index, state in self.starts if index == self.root(node))
        steps = concrete_moves(self.clocks, self.timed(node, then))
        assert steps is not None, "a path from the spec's start is realised by the zones it came from"
        return start, tuple(m for moves in steps for m in moves)


def concrete_moves(clocks: Clocks, steps: list[tuple[Timed, Edge]]) -> list[list[Move]] | None:
    """Each step as story moves: a wait (if any) then the event, or the advance that lapses
    (None when no concrete times realise the steps, see :meth:`Clocks.concrete_delays`)."""
    delays = clocks.concrete_delays([timed for timed, _ in steps])
    if delays is None:
        return None
    moves: list[list[Move]] = []
    for delay, (_, edge) in zip(delays, steps, strict=True):
        wait = [Move(advance=Advance(seconds=delay))] if delay or edge.move is None else []
        moves.append(wait + ([edge.move] if edge.move is not None else []))
    return moves
