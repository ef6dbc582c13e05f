"""Exhaustive exploration: every reachable situation of a spec, checked, with shortest counterexamples.

Breadth-first search on the reference engine, like TLC for TLA+ but on our YAML. Secrets are
symbolic: the member's values come from a fixed pool (what they were given, the one valid new
value per policy, the mailed value, a wrong one), so equal secrets are equal situations. Time is
symbolic too: a situation keeps, of the running deadlines, only a zone (see
:mod:`~credlab.simulator.analysis.clocks`), so the number of situations does not grow with
durations, and a stored situation whose zone includes a new one's stands for it.

In every reachable situation it checks the declared invariants, deadlocks (nothing the member
can do changes anything), determinism (one event, inputs included, or one lapse of the clock
enabling two transitions) and recoverability (the member can still get back to online access).
Each situation keeps a representative world for expansion and its BFS parent, so the
counterexample to any violation is a shortest one, and its waits are the shortest that
realise it (:meth:`Exploration.path`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from credlab.model.engine import Engine, World
from credlab.simulator.analysis.clocks import Clocks, Timed
from credlab.simulator.analysis.paths import Key, Move, PathFinder, search_random, situation
from credlab.simulator.analysis.zones import Zone
from credlab.simulator.results import Builtin, PropertyId
from credlab.simulator.stories.knowledge import Knowledge
from credlab.simulator.stories.scenario import Advance


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


Successor = tuple[Edge, World, Knowledge, Zone, list[str]]


@dataclass(slots=True)
class Exploration:
    """The explored graph and what was found in it."""

    clocks: Clocks
    starts: list[tuple[int, str]] = field(default_factory=list)
    worlds: list[tuple[World, Knowledge]] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)
    parents: list[tuple[int, Edge] | None] = field(default_factory=list)
    edges: int = 0
    successors: list[list[tuple[int, bool]]] = field(default_factory=list)
    """Each situation's distinct successors, each with whether its whole zone can move there."""
    states: set[str] = field(default_factory=set)
    transitions: set[str] = field(default_factory=set)
    violations: list[Violation] = field(default_factory=list)
    complete: bool = True
    seconds: float = 0.0
    frontier: int = 0
    """Situations found and not yet expanded (for progress displays)."""
    undecided_recovery: list[int] = field(default_factory=list)
    """Situations whose only ways back to online access are lapses some of their valuations miss."""

    def root(self, node: int) -> int:
        link = self.parents[node]
        while link is not None:
            node = link[0]
            link = self.parents[node]
        return node

    def timed(self, node: int, then: Edge | None = None) -> list[tuple[Timed, Edge]]:
        """The steps from this exploration's start to ``node`` (and ``then``), with their clocks."""
        steps: list[tuple[Timed, Edge]] = [] if then is None else [self._timed(node, then)]
        link = self.parents[node]
        while link is not None:
            parent, edge = link
            steps.append(self._timed(parent, edge))
            link = self.parents[parent]
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


class Explorer(PathFinder):
    """Breadth-first search over symbolic situations, checking properties as it goes."""

    def __init__(
        self,
        engine: Engine,
        actor: str | None = None,
        *,
        max_states: int = 200_000,
        progress: Callable[[Exploration], None] | None = None,
        capabilities: frozenset[str] | None = None,
    ) -> None:
        """Explore as ``actor`` (default: the spec's default actor), with ``capabilities`` if given."""
        super().__init__(engine, actor, max_nodes=max_states, capabilities=capabilities)
        self.progress = progress
        self.clocks = Clocks(engine)
        self.online = [n for n, c in self.spec.channels.items() if c.kind == "online"] or sorted(
            {rule.channel for rule in self.spec.access}
        )

    def explore(
        self,
        starts: list[tuple[str, World, Knowledge, Zone]] | None = None,
        *,
        check: bool = True,
        stop: Callable[[Exploration, int], bool] | None = None,
    ) -> Exploration:
        """Explore from the spec's initial states (or from ``starts``: label, world, knowledge,
        zone); with ``check``, record every property violation on the way. ``stop`` sees each new
        situation; when it says so the search ends there (and is not complete)."""
        found = Exploration(self.clocks)
        index: dict[Key, list[tuple[Zone, int]]] = {}
        queue: deque[int] = deque()
        started = time.perf_counter()
        halted = False

        def intern(world: World, knowledge: Knowledge, zone: Zone, parent: tuple[int, Edge] | None) -> int | None:
            nonlocal halted
            key = situation(world, knowledge)
            known = index.setdefault(key, [])
            for stored, number in known:
                if stored.includes(zone):
                    return number
            if len(found.worlds) >= self.max_nodes or halted:
                found.complete = False
                return None
            number = len(found.worlds)
            known.append((zone, number))
            found.worlds.append((world, knowledge))
            found.zones.append(zone)
            found.parents.append(parent)
            found.successors.append([])
            found.states.add(world.state)
            queue.append(number)
            if check:
                self.check_node(found, number)
            if stop is not None and stop(found, number):
                halted = True
            return number

        seeds = starts or [(s, *self.start(s), Zone()) for s in self.spec.initial]
        for label, world, knowledge, zone in seeds:
            node = intern(self.clocks.representative(world), knowledge, self.clocks.settle(zone), None)
            if node is not None:
                found.starts.append((node, label))
        while queue and not halted:
            node = queue.popleft()
            changed = False
            for edge, after, learned, zone, fired in self.successors(found, node, check=check):
                found.transitions.update(fired)
                target = intern(after, learned, zone, (node, edge))
                if target is None:  # beyond --max-states: not explored, but not nothing either
                    changed = True
                    continue
                found.edges += 1
                if target != node:
                    found.successors[node].append((target, edge.universal))
                    changed = True
            if check and not changed:
                found.violations.append(
                    Violation(
                        PropertyId.builtin(Builtin.DEADLOCK_FREE),
                        "the member can change nothing from here",
                        node,
                        found.worlds[node][0].state,
                    )
                )
            if self.progress is not None and node % 1000 == 0:
                found.frontier = len(queue)
                self.progress(found)
        if halted:
            found.complete = False
        if check:
            self.check_recoverable(found)
        found.seconds = time.perf_counter() - started
        return found

    def successors(self, found: Exploration, node: int, *, check: bool = False) -> list[Successor]:
        """Every step from situation ``node``: each accepted event move, then each way time can
        move on; with ``check``, record the nondeterminism met on the way."""
        world, knowledge = found.worlds[node]
        zone = found.zones[node]
        clocks = self.clocks
        result: list[Successor] = []
        for event, moves in self.moves.items():
            candidates = self.engine.table.get((world.state, event))
            if candidates is None:
                continue  # no transition handles the event here: every input is refused alike
            for move in moves:
                assert move.event is not None
                inputs = self.resolve(world, knowledge, move.inputs)
                if inputs is None:
                    continue
                if check and len(candidates) > 1 and len(enabled := self.engine.enabled(world, event, inputs)) > 1:
                    found.violations.append(
                        Violation(
                            PropertyId.builtin(Builtin.DETERMINISTIC),
                            f"'{event}' enables {', '.join(enabled)} at once",
                            node,
                            then=Edge(move),
                        )
                    )
                after, step = self.engine.fire(world, event, inputs, search_random, self.actor)
                if not step.accepted:
                    continue
                assert step.transition is not None
                learned = self.learn(knowledge, step.transition, inputs, step.disclosed)
                resets = clocks.starts[step.transition]
                edge = Edge(move, resets=resets)
                after = clocks.representative(after)
                result.append((edge, after, learned, clocks.after(zone, after, resets), [step.transition]))
        for lapse in clocks.lapses(zone):
            edge = Edge(None, lapse.order, universal=lapse.universal)

            def ambiguous(moment: World, event: str, edge: Edge = edge) -> None:
                enabled = self.engine.enabled(moment, event, {})
                if len(enabled) > 1:
                    found.violations.append(
                        Violation(
                            PropertyId.builtin(Builtin.DETERMINISTIC),
                            f"the clock's '{event}' enables {', '.join(enabled)} at once",
                            node,
                            then=edge,
                        )
                    )

            names = [clocks.names[i] for i in lapse.order]
            lapsed = clocks.lapsed_world(world, lapse.order)
            after, steps = self.engine.lapse(lapsed, names, search_random, ambiguous if check else None)
            learned = knowledge
            fired = [s.transition for s in steps if s.transition]
            for step in steps:
                learned = self.learn(learned, step.transition, {}, step.disclosed)
            resets = tuple(sorted({c for t in fired for c in clocks.starts[t]}))
            edge = Edge(None, lapse.order, resets, lapse.universal)
            after = clocks.representative(after)
            result.append((edge, after, learned, clocks.after(lapse.zone, after, resets), fired))
        return result

    def check_node(self, found: Exploration, node: int) -> None:
        world, _ = found.worlds[node]
        for invariant in self.engine.violated_invariants(world):
            text = next(inv.text for inv in self.spec.invariants if inv.id == invariant)
            found.violations.append(Violation(PropertyId.invariant(invariant), text, node))

    def has_online_access(self, world: World, knowledge: Knowledge) -> bool:
        values = {v for _, history in knowledge.known for v in history}
        return any(self.engine.accepts(world, channel, None, value) for channel in self.online for value in values)

    def check_recoverable(self, found: Exploration) -> None:
        """Every situation must lead back to one where a value the member knows works online.

        A situation that no path leads back from fails (all its valuations are reachable and
        none gets back). A situation whose only way back is a lapse that only some of its
        valuations can take is undecided: the property is then unknown, never holds.
        """
        good = [n for n, (world, knowledge) in enumerate(found.worlds) if self.has_online_access(world, knowledge)]
        surely, maybe = _back_from(found, good, universal_only=True), _back_from(found, good, universal_only=False)
        stuck = [n for n in range(len(found.worlds)) if n not in maybe]
        if stuck and found.complete:
            found.violations.append(
                Violation(
                    PropertyId.builtin(Builtin.RECOVERABLE),
                    "the member can no longer get back to online access",
                    min(stuck),  # BFS numbering: the shortest path to a stuck situation
                )
            )
        found.undecided_recovery = [n for n in sorted(maybe) if n not in surely]


def _back_from(found: Exploration, good: list[int], *, universal_only: bool) -> set[int]:
    """The situations from which a path of (universal) steps reaches one of ``good``."""
    predecessors: list[list[int]] = [[] for _ in found.worlds]
    for source, targets in enumerate(found.successors):
        for target, universal in targets:
            if universal or not universal_only:
                predecessors[target].append(source)
    reached, frontier = set(good), deque(good)
    while frontier:
        for source in predecessors[frontier.popleft()]:
            if source not in reached:
                reached.add(source)
                frontier.append(source)
    return reached
