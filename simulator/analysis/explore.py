"""Exhaustive exploration: every reachable situation of a spec, checked, with shortest counterexamples.

Breadth-first search on the reference engine, like TLC for TLA+ but on our YAML. Secrets are
symbolic: the member's values come from a fixed pool (what they were given, the one valid new
value per policy, the mailed value, a wrong one), so equal secrets are equal situations. Time is
abstracted into regions: a running deadline is only ever observed just started, or just
before, at and just after its limit — where the declared boundary decides — so a situation
keeps the *elapsed* time of each deadline instead of the clock, and the space is finite.

In every reachable situation it checks the declared invariants, deadlocks (nothing the member
can do changes anything), nondeterminism (two transitions enabled by one event and input) and
recoverability (the member can still get back to online access). Situations are interned as
integers; each keeps one concrete representative world for expansion, and its BFS parent, so
the counterexample to any violation is a shortest one.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from credlab.model.engine import Engine, World
from credlab.simulator.analysis.paths import Key, Move, PathFinder, situation
from credlab.simulator.results import Builtin, PropertyId
from credlab.simulator.stories.knowledge import Knowledge


@dataclass(slots=True)
class Violation:
    property: PropertyId
    description: str
    node: int
    detail: str = ""


@dataclass(slots=True)
class Exploration:
    """The explored graph and what was found in it."""

    starts: list[tuple[int, str]] = field(default_factory=list)
    worlds: list[tuple[World, Knowledge]] = field(default_factory=list)
    parents: list[tuple[int, Move] | None] = field(default_factory=list)
    edges: int = 0
    successors: list[list[int]] = field(default_factory=list)
    states: set[str] = field(default_factory=set)
    transitions: set[str] = field(default_factory=set)
    violations: list[Violation] = field(default_factory=list)
    complete: bool = True
    seconds: float = 0.0

    def path(self, node: int) -> tuple[str, tuple[Move, ...]]:
        """The starting state and the shortest moves from it to ``node``."""
        moves: list[Move] = []
        link = self.parents[node]
        while link is not None:
            node, move = link
            moves.append(move)
            link = self.parents[node]
        start = next(state for index, state in self.starts if index == node)
        return start, tuple(reversed(moves))


class Explorer(PathFinder):
    """Breadth-first search over abstract situations, checking properties as it goes."""

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
        self.online = [n for n, c in self.spec.channels.items() if c.kind == "online"] or sorted(
            {rule.channel for rule in self.spec.access}
        )

    def explore(self, starts: list[tuple[str, World, Knowledge]] | None = None, *, check: bool = True) -> Exploration:
        """Explore from the spec's initial states (or from ``starts``: (label, world, knowledge));
        with ``check``, record every property violation on the way."""
        found = Exploration()
        index: dict[Key, int] = {}
        queue: deque[int] = deque()
        started = time.perf_counter()

        def intern(world: World, knowledge: Knowledge, parent: tuple[int, Move] | None) -> int | None:
            key = situation(world, knowledge)
            known = index.get(key)
            if known is not None:
                return known
            if len(found.worlds) >= self.max_nodes:
                found.complete = False
                return None
            index[key] = len(found.worlds)
            found.worlds.append((world, knowledge))
            found.parents.append(parent)
            found.successors.append([])
            found.states.add(world.state)
            queue.append(index[key])
            if check:
                self.check_node(found, index[key])
            return index[key]

        for label, world, knowledge in starts or [(s, *self.start(s)) for s in self.spec.initial]:
            node = intern(world, knowledge, None)
            if node is not None:
                found.starts.append((node, label))
        while queue:
            node = queue.popleft()
            world, knowledge = found.worlds[node]
            changed = False
            successors = self.expand_checked(found, node, world, knowledge) if check else self.expand(world, knowledge)
            for move, (after, learned), fired in successors:
                found.transitions.update(fired)
                target = intern(after, learned, (node, move))
                if target is None:  # beyond --max-states: not explored, but not nothing either
                    changed = True
                    continue
                found.edges += 1
                if target != node:
                    found.successors[node].append(target)
                    changed = True
            if check and not changed and not found.successors[node]:
                found.violations.append(
                    Violation(
                        PropertyId.builtin(Builtin.DEADLOCK_FREE),
                        "the member can change nothing from here",
                        node,
                        world.state,
                    )
                )
            if self.progress is not None and node % 1000 == 0:
                self.progress(found)
        if check:
            self.check_recoverable(found)
        found.seconds = time.perf_counter() - started
        return found

    def expand_checked(
        self, found: Exploration, node: int, world: World, knowledge: Knowledge
    ) -> list[tuple[Move, tuple[World, Knowledge], list[str]]]:
        """The node's successors; records nondeterminism on the way."""
        for event, moves in self.moves.items():
            if len(self.engine.table.get((world.state, event), ())) < 2:
                continue  # one candidate transition at most: nothing to be nondeterministic about
            for move in moves:
                assert move.event is not None
                inputs = self.resolve(world, knowledge, move.inputs)
                if inputs is not None and len(enabled := self.engine.enabled(world, move.event, inputs)) > 1:
                    found.violations.append(
                        Violation(
                            PropertyId.builtin(Builtin.DETERMINISTIC),
                            f"'{move.event}' enables {', '.join(enabled)} at once",
                            node,
                        )
                    )
        return list(self.expand(world, knowledge))

    def check_node(self, found: Exploration, node: int) -> None:
        world, _ = found.worlds[node]
        for invariant in self.engine.violated_invariants(world):
            text = next(inv.text for inv in self.spec.invariants if inv.id == invariant)
            found.violations.append(Violation(PropertyId.invariant(invariant), text, node))

    def has_online_access(self, world: World, knowledge: Knowledge) -> bool:
        values = {v for _, history in knowledge.known for v in history}
        return any(self.engine.accepts(world, channel, None, value) for channel in self.online for value in values)

    def check_recoverable(self, found: Exploration) -> None:
        """Every situation must lead back to one where a value the member knows works online."""
        good = {n for n, (world, knowledge) in enumerate(found.worlds) if self.has_online_access(world, knowledge)}
        predecessors: list[list[int]] = [[] for _ in found.worlds]
        for source, targets in enumerate(found.successors):
            for target in targets:
                predecessors[target].append(source)
        reached, frontier = set(good), deque(good)
        while frontier:
            for source in predecessors[frontier.popleft()]:
                if source not in reached:
                    reached.add(source)
                    frontier.append(source)
        stuck = [n for n in range(len(found.worlds)) if n not in reached]
        if stuck and found.complete:
            first = min(stuck)  # BFS numbering: the shortest path to a stuck situation
            found.violations.append(
                Violation(
                    PropertyId.builtin(Builtin.RECOVERABLE), "the member can no longer get back to online access", first
                )
            )
