"""What can someone holding these capabilities do? Attacker capability sets and lockout windows.

An attacker is given a set of capabilities — knowing one of the member's credentials, or one of
the spec's capabilities (controlling the mailbox, receiving the post, passing identification)
— and may start from **every situation the member reaches** (a ``session`` state is the
member's session, which refuses the attacker). One breadth-first search per capability set,
started from all those situations at once, says whether the attacker reaches **online access**
(a value they know is accepted on an online channel) or **service-desk access** (accepted by
phone or at a kiosk), and the first situation where it does ends the shortest attack.
Capability sets are tried smallest first and supersets of a set that already works are
skipped, so what is reported are the *minimal* sets. A search stopped by its bound before it
decided a goal says so (:attr:`AttackAnalysis.undecided`): not reached is not the same as
unreachable.

A **lockout window** is a situation the member can reach where nothing they know works on a
channel that takes credentials at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import combinations

from credlab.model import ir
from credlab.model.engine import Engine, World
from credlab.model.hashing import digest, is_set
from credlab.simulator.analysis.candidates import literal_values
from credlab.simulator.analysis.exploration import Exploration, concrete_moves
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.findings import replay_path
from credlab.simulator.analysis.paths import Move, causable
from credlab.simulator.stories.knowledge import Knowledge
from credlab.simulator.stories.scenario import default_actor

GOALS = {
    "online access": ("online",),
    "service-desk access": ("voice", "in_person"),
}
"""The access goals: a value the attacker knows is accepted on a channel of one of these kinds."""
TAKEOVER = "takeover"
"""The goal where, on some channel, the attacker's values work and none of the member's do."""
BYPASS = "factor bypass"
"""The goal where the attacker gets in on a channel that, where the attack started, let in only
someone holding more than the attacker does (a recovery path round a factor)."""


@dataclass(frozen=True, slots=True)
class Capability:
    kind: str
    """``knows`` (a credential's value at the start) or ``has`` (a capability of the spec)."""
    name: str

    def __str__(self) -> str:
        return f"the member's {self.name}" if self.kind == "knows" else self.name


@dataclass(frozen=True, slots=True)
class Start:
    """A situation the member reaches: where an attack begins."""

    state: str
    world: World
    knowledge: Knowledge
    origin: str
    moves: tuple[Move, ...]
    """The member's moves from ``origin`` to it, with concrete waits."""


@dataclass(frozen=True, slots=True)
class Attack:
    goal: str
    capabilities: tuple[Capability, ...]
    start: Start
    moves: tuple[Move, ...] | None
    """The attacker's moves from ``start`` (None: no concrete times realise them when the story
    starts there with its deadlines just started)."""
    depth: int = 0
    """The attacker's steps (events and lapses), fewest over every start."""
    joined: tuple[tuple[Move, bool], ...] | None = None
    """For an attacker who knows nothing: the whole story from the spec's start, each move with
    whether the attacker makes it (the member makes the others)."""
    taken: tuple[str, ...] = ()
    """For a takeover: the channels where the attacker's values work and the member's do not."""
    fired: tuple[str, ...] = ()
    """The transitions the attacker's moves fire, in order (what the attack rests on)."""
    end: World | None = None
    """Where the attack ends."""
    disclosed: tuple[tuple[str, str, str], ...] = ()
    """(message, credential, plaintext) the attacker's moves sent: the member receives those that
    reach a capability of theirs (in memory only, never written)."""

    member_at_end: Knowledge | None = None
    """What the member knows when the attack ends, where the search kept it (denials)."""

    def member_knows(self, spec: ir.Spec) -> Knowledge:
        """What the member knows when the attack ends: what they knew at its start, and what the
        attacker's moves sent to a capability of theirs."""
        if self.member_at_end is not None:
            return self.member_at_end
        member = default_actor(spec)
        has = set(spec.actors[member].has) if member is not None and member in spec.actors else set()
        knows = self.start.knowledge
        for message, credential, value in self.disclosed:
            if spec.channels[spec.messages[message].via].reaches in has:
                knows = knows.receive(credential, value)
        return knows


@dataclass(slots=True)
class AttackAnalysis:
    attacks: list[Attack] = field(default_factory=list)
    undecided: list[tuple[str, tuple[Capability, ...], int]] = field(default_factory=list)
    """(goal, capabilities, situations searched) where the search stopped at its bound first."""
    searches: int = 0


def capability_universe(spec: ir.Spec) -> list[Capability]:
    """What an attacker may be given: the member's value of a credential, or a capability. A
    credential a device produces is not among them: holding the device is what gives it."""
    knows = [Capability("knows", name) for name, c in spec.credentials.items() if c.device is None]
    return knows + [Capability("has", c) for c in spec.capabilities]


def attacker_actor(spec: ir.Spec) -> str:
    """Who the attacker is: the first declared actor other than the member, else ``attacker``."""
    member = default_actor(spec)
    return next((name for name in spec.actors if name != member), "attacker")


def can_learn(spec: ir.Spec, has: frozenset[str]) -> bool:
    """Whether an actor holding ``has`` can come to know any secret: by setting one in an event
    it causes, or by receiving a message that carries one."""
    events = set(causable(spec, has))
    sets = any(isinstance(e, ir.SetCredential) for t in spec.transitions if t.event in events for e in t.effects)
    mailed = any(m.carries and spec.channels[m.via].reaches in has for m in spec.messages.values())
    return sets or mailed


def attacks(engine: Engine, member: Exploration, max_states: int = 200_000) -> AttackAnalysis:
    """The minimal capability sets that reach each goal from some situation of the member's
    (complete) exploration ``member``, smallest first; one multi-start search per set."""
    universe = capability_universe(engine.spec)
    goals = [g for g in GOALS if any(c.kind in GOALS[g] for c in engine.spec.channels.values())]
    goals += [TAKEOVER] if engine.spec.access else []
    goals += [BYPASS] if any(rule.parts > 1 for rule in engine.spec.access) else []
    analysis = AttackAnalysis()
    explorers: dict[frozenset[str], Explorer] = {}  # one per capability set: its tables serve every search
    unreached: set[tuple[tuple[object, ...], str]] = set()
    """(power, goal): a complete search with that power (see :func:`_power`) did not reach the goal."""
    for size in range(len(universe) + 1):
        for chosen in combinations(universe, size):
            open_goals = [
                g
                for g in goals
                if not any(set(a.capabilities) <= set(chosen) for a in analysis.attacks if a.goal == g)
                and not any(set(u) <= set(chosen) for goal, u, _ in analysis.undecided if goal == g)
            ]
            power = _power(engine.spec, chosen)
            open_goals = [g for g in open_goals if (power, g) not in unreached]  # the same search came back empty
            if not open_goals:
                continue
            attacked, undecided = len(analysis.attacks), len(analysis.undecided)
            search(engine, member, chosen, open_goals, max_states, analysis, explorers)
            decided = {a.goal for a in analysis.attacks[attacked:]} | {g for g, _, _ in analysis.undecided[undecided:]}
            unreached |= {(power, g) for g in open_goals if g not in decided}
    return analysis


def _power(spec: ir.Spec, chosen: tuple[Capability, ...]) -> tuple[object, ...]:
    """What a capability set lets an attacker do, as far as a search can tell: the credentials
    they know (a device's codes with the device), the events they can cause that may change
    something, the messages that reach them. Two sets with the same power search the same space
    (an event whose transitions stay put with no effect, outside any session screen, only ever
    loops)."""
    has = frozenset(c.name for c in chosen if c.kind == "has")
    sessions = {name for name, state in spec.states.items() if state.session}

    def changes(event: str) -> bool:
        return any(
            t.target is not None or t.effects or set(t.sources_states) & sessions
            for t in spec.transitions
            if t.event == event
        )

    events = frozenset(e for e in causable(spec, has) if changes(e))
    mail = frozenset(m for m, message in spec.messages.items() if spec.channels[message.via].reaches in has)
    shown = [name for name, c in spec.credentials.items() if c.device is not None and c.device in has]
    return tuple(sorted([c.name for c in chosen if c.kind == "knows"] + shown)), events, mail


def search(
    engine: Engine,
    member: Exploration,
    chosen: tuple[Capability, ...],
    goals: list[str],
    max_states: int,
    analysis: AttackAnalysis,
    explorers: dict[frozenset[str], Explorer] | None = None,
) -> None:
    """One multi-start search: does an attacker holding ``chosen`` reach each of ``goals`` from
    some situation of ``member``? Adds what it decides to ``analysis``; ``explorers`` keeps an
    explorer per set of capabilities held, whose tables later searches reuse."""
    spec = engine.spec
    has = frozenset(c.name for c in chosen if c.kind == "has")
    knows = [c.name for c in chosen if c.kind == "knows"]
    knows += [name for name, c in spec.credentials.items() if c.device is not None and c.device in has]
    if not knows and not can_learn(spec, has):
        return  # knows nothing and can learn nothing: no value of theirs is ever accepted
    explorers = {} if explorers is None else explorers
    explorer = explorers.get(has)
    if explorer is None:
        actor = attacker_actor(spec)
        explorer = Explorer(engine, actor, max_states=max_states, capabilities=has, layout=member.layout)
        if explorers:  # what one capability set does alike another need not be computed twice
            explorer.share(next(iter(explorers.values())))
        explorers[has] = explorer
    seeds = [(str(node), key) for node, key in enumerate(told_keys(member, knows))]
    channels = {goal: tuple(n for n, c in spec.channels.items() if c.kind in GOALS[goal]) for goal in GOALS}
    remaining, reached = [g for g in goals if g != BYPASS], dict[str, int]()
    member_side = MemberSide(explorer)

    def stop(found: Exploration, node: int) -> bool:
        key = found.keys[node]
        for goal in list(remaining):
            if member_side.taken(key) if goal == TAKEOVER else explorer.access(key, channels[goal]):
                remaining.remove(goal)
                reached[goal] = node
        return not remaining

    found = explorer.explore(packed=seeds, check=False, stop=stop) if remaining else None
    analysis.searches += 1
    if BYPASS in goals:  # a search of its own: whether a way round counts depends on where it began
        from credlab.simulator.analysis.bypass import search_bypass  # it builds on this module

        search_bypass(explorer, member, chosen, knows, analysis)
    if found is None:
        return
    for goal in (g for g in goals if g != BYPASS):
        if goal in reached:
            attack = attack_at(engine, member, found, goal, chosen, reached[goal], bool(knows))
            if goal == TAKEOVER:  # what it rests on, and where the member's own try is written from
                replayed = replay_path(explorer, found, reached[goal])
                attack = replace(
                    attack,
                    taken=member_side.taken(found.keys[reached[goal]]),
                    fired=replayed.fired,
                    end=found.worlds[reached[goal]][0],
                    disclosed=replayed.disclosed,
                )
            analysis.attacks.append(attack)
        elif not found.complete:
            analysis.undecided.append((goal, chosen, len(found.worlds)))


class MemberSide:
    """What the member still holds while an attacker acts: on a channel, some credential it takes
    holds a value the member knows. The member knows every value but those the attacker chose (the
    attacker's own literals, which the member never picks), and is assumed to receive every
    message sent to them, in transit or not: a takeover is never a delivery delay (a denial
    while a message travels is a ``denial_of_service``, not judged here)."""

    def __init__(self, explorer: Explorer) -> None:
        spec, engine = explorer.spec, explorer.engine
        self.explorer, self.engine = explorer, engine
        chosen = literal_values(spec, attacker_actor(spec)).values()
        self.foreign = frozenset(digest(engine.salt, value) for value in chosen)
        self.channels = tuple(dict.fromkeys(rule.channel for rule in spec.access))
        self.masks = {c: explorer.layout.access_mask([c]) for c in self.channels}
        self.held: dict[tuple[str, int], bool] = {}

    def taken(self, key: int) -> tuple[str, ...]:
        """The channels taken over in situation ``key``: the attacker's values work, no value of the member's does."""
        return tuple(c for c in self.channels if self.explorer.access(key, (c,)) and not self.member_holds(key, c))

    def member_holds(self, key: int, channel: str) -> bool:
        """Whether some credential ``channel`` takes now holds a value the member knows."""
        marker = (channel, key & self.masks[channel])
        held = self.held.get(marker)
        if held is None:
            world = self.explorer.layout.decode(key)[0]
            index, engine = self.engine.credential_index, self.engine
            held = self.held[marker] = any(
                rule.channel == channel
                and (rule.when is None or engine.holds(rule.when, world, {}))
                and all(
                    is_set(stored := world.credentials[index[c]]) and stored not in self.foreign
                    for c in rule.credentials
                )
                for rule in engine.spec.access
            )
        return held


def told_keys(member: Exploration, knows: list[str]) -> list[int]:
    """Each member situation, packed, with the attacker's knowledge in place of the member's:
    the member's current value of each credential in ``knows`` that is set (nothing else)."""
    layout = member.layout
    field = layout.fields["knowledge"]
    width = (1 << field.width) - 1
    if not knows:  # the attacker knows nothing anywhere: one knowledge for every situation
        nothing = layout.knowledge.number(Knowledge()) << field.offset
        return [(key & ~field.mask) | nothing for key in member.keys]
    masks = [(c, layout.fields[f"credential:{c}"].mask) for c in knows]
    told: dict[tuple[int, tuple[str, ...]], int] = {}
    keys = []
    for key in member.keys:
        known = (key >> field.offset) & width
        stored = tuple(c for c, mask in masks if key & mask)  # 0: not set
        marker = (known, stored)
        number = told.get(marker)
        if number is None:
            member_knows = layout.knowledge.values[known]
            held = Knowledge()
            for credential in stored:
                value = member_knows.resolve("known", credential)
                if value is not None:
                    held = held.learn(credential, value)
            number = told[marker] = layout.knowledge.number(held)
        keys.append((key & ~field.mask) | (number << field.offset))
    return keys


def attack_at(
    engine: Engine,
    member: Exploration,
    found: Exploration,
    goal: str,
    chosen: tuple[Capability, ...],
    node: int,
    knows: bool,
) -> Attack:
    root = found.root(node)
    seed = int(next(label for index, label in found.starts if index == root))
    world, knowledge = member.worlds[seed]
    origin, before = member.path(seed)
    start = Start(world.state, world, knowledge, origin, before)
    if knows:  # the story starts at the seed, where the attacker is told the member's values
        steps = concrete_moves(found.clocks, found.timed(node))
        moves = None if steps is None else tuple(m for step in steps for m in step)
        return Attack(goal, chosen, start, moves, len(found.timed(node)))
    prefix, attack = member.timed(seed), found.timed(node)
    joined = concrete_moves(found.clocks, prefix + attack)
    assert joined is not None, "a path from the spec's start is realised by the zones it came from"
    marked = tuple((m, n >= len(prefix)) for n, step in enumerate(joined) for m in step)
    moves = tuple(m for m, by_attacker in marked if by_attacker)
    return Attack(goal, chosen, start, moves, len(attack), marked)


def lockout_windows(explorer: Explorer, found: Exploration) -> dict[str, int]:
    """For each channel that takes credentials: the first situation where nothing the member
    knows works on it (BFS order, so the path to it is a shortest one), a final state aside (an
    end the spec declares is no window)."""
    channels = sorted({rule.channel for rule in explorer.spec.access})
    windows: dict[str, int] = {}
    layout = explorer.layout
    ends = layout.final_states
    for node, key in enumerate(found.keys):
        if ends and layout.state_of(key) in ends:
            continue
        for channel in channels:
            if channel not in windows and not explorer.access(key, (channel,)):
                windows[channel] = node
        if len(windows) == len(channels):
            break
    return windows
