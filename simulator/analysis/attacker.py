"""What can someone holding these capabilities do? Attacker capability sets and lockout windows.

An attacker is given a set of capabilities — knowing one of the member's credentials, or one of
the spec's capabilities (controlling the mailbox, receiving the post, passing identification)
— and starts from each situation the member reaches (the end of a shortest path to each state,
screens included: a ``session`` state is the member's session, which refuses the attacker).
Exploration with only that set says whether the attacker reaches **online access** (a value
they know is accepted on an online channel) or **service-desk access** (accepted by phone or at
a kiosk). Capability sets are
tried smallest first and supersets of a set that already works are skipped, so what is reported
are the *minimal* sets, each with the shortest attack.

A **lockout window** is a situation the member can reach where nothing they know works on a
channel that takes credentials at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations

from credlab.model import ir
from credlab.model.engine import Engine, World
from credlab.simulator.analysis.explore import Exploration, Explorer
from credlab.simulator.analysis.paths import Move, PathFinder, shortest_paths
from credlab.simulator.stories.knowledge import Knowledge
from credlab.simulator.stories.scenario import default_actor

GOALS = {
    "online access": ("online",),
    "service-desk access": ("voice", "in_person"),
}


@dataclass(frozen=True, slots=True)
class Capability:
    kind: str
    """``knows`` (a credential's value at the start) or ``has`` (a capability of the spec)."""
    name: str

    def __str__(self) -> str:
        return f"the member's {self.name}" if self.kind == "knows" else self.name


@dataclass(frozen=True, slots=True)
class Start:
    """A situation the member reaches by a shortest path: where an attack begins."""

    state: str
    world: World
    knowledge: Knowledge
    origin: str
    moves: tuple[Move, ...]


@dataclass(frozen=True, slots=True)
class Attack:
    goal: str
    capabilities: tuple[Capability, ...]
    start: Start
    moves: tuple[Move, ...]


def capability_universe(spec: ir.Spec) -> list[Capability]:
    return [Capability("knows", c) for c in spec.credentials] + [Capability("has", c) for c in spec.capabilities]


def replay(finder: PathFinder, origin: str, moves: tuple[Move, ...]) -> tuple[World, Knowledge]:
    """The member's situation after ``moves`` from ``origin`` (as the search found them)."""
    world, knowledge = finder.start(origin)
    for move in moves:
        following = next(node for candidate, node, _ in finder.expand(world, knowledge) if candidate == move)
        world, knowledge = following
    return world, knowledge


def attacker_actor(spec: ir.Spec) -> str:
    """Who the attacker is: the first declared actor other than the member, else ``attacker``."""
    member = default_actor(spec)
    return next((name for name in spec.actors if name != member), "attacker")


def member_starts(engine: Engine) -> list[Start]:
    """The end of the member's shortest path to each state: where an attack may begin."""
    finder = PathFinder(engine)
    paths = shortest_paths(engine)
    starts = []
    for state in engine.spec.states:
        if state in paths.states:
            origin, moves = paths.states[state]
            world, knowledge = replay(finder, origin, moves)
            starts.append(Start(state, world, knowledge, origin, moves))
    return starts


def _goal_reached(engine: Engine, goal: str, world: World, knowledge: Knowledge) -> bool:
    kinds = GOALS[goal]
    channels = [name for name, channel in engine.spec.channels.items() if channel.kind in kinds]
    values = {v for _, history in knowledge.known for v in history}
    return any(engine.accepts(world, channel, None, value) for channel in channels for value in values)


def attacks(engine: Engine, max_states: int = 20_000) -> list[Attack]:
    """The minimal capability sets that reach each goal from some member situation, smallest first."""
    universe = capability_universe(engine.spec)
    starts = member_starts(engine)
    goals = [g for g in GOALS if any(c.kind in GOALS[g] for c in engine.spec.channels.values())]
    found: list[Attack] = []
    for size in range(len(universe) + 1):
        for chosen in combinations(universe, size):
            open_goals = [g for g in goals if not any(set(a.capabilities) <= set(chosen) for a in found if a.goal == g)]
            if open_goals:
                found.extend(_try(engine, chosen, starts, open_goals, max_states))
    return found


def _try(
    engine: Engine, chosen: tuple[Capability, ...], starts: list[Start], goals: list[str], max_states: int
) -> Iterator[Attack]:
    has = frozenset(c.name for c in chosen if c.kind == "has")
    knows = [c.name for c in chosen if c.kind == "knows"]
    remaining = list(goals)
    for start in starts:
        knowledge = Knowledge()
        for credential in knows:
            value = start.knowledge.resolve("known", credential)
            if value is not None and start.world.credentials[engine.credential_index[credential]] is not None:
                knowledge = knowledge.learn(credential, value)
        explorer = Explorer(engine, attacker_actor(engine.spec), max_states=max_states, capabilities=has)
        exploration = explorer.explore(starts=[(start.state, start.world, knowledge)], check=False)
        for goal in list(remaining):
            node = _first(exploration, engine, goal)
            if node is not None:
                remaining.remove(goal)
                yield Attack(goal, chosen, start, exploration.path(node)[1])
        if not remaining:
            return


def _first(exploration: Exploration, engine: Engine, goal: str) -> int | None:
    for node, (world, knowledge) in enumerate(exploration.worlds):
        if _goal_reached(engine, goal, world, knowledge):
            return node
    return None


def lockout_windows(explorer: Explorer, found: Exploration) -> dict[str, int]:
    """For each channel that takes credentials: the first situation where nothing the member
    knows works on it (BFS order, so the path to it is a shortest one)."""
    engine = explorer.engine
    channels = sorted({rule.channel for rule in engine.spec.access})
    windows: dict[str, int] = {}
    for node, (world, knowledge) in enumerate(found.worlds):
        values = {v for _, history in knowledge.known for v in history}
        for channel in channels:
            if channel not in windows and not any(engine.accepts(world, channel, None, v) for v in values):
                windows[channel] = node
    return windows
