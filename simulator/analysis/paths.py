"""The moves a search tries, and what they mean on the reference engine.

Searches (exploration, shortest paths, mutation's joint search) draw inputs from a small
symbolic alphabet — what the actor knows, what was mailed, a wrong value, one valid literal per
policy, both booleans, each channel — resolved against what the actor knows
(:meth:`PathFinder.resolve`); a step teaches the actor what it set and what reached it by mail
(:meth:`PathFinder.lessons`). :func:`deadline_jumps` are the clock moves fuzzing tries: just
before, at and just after the limits of running deadlines.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from credlab.model import ir
from credlab.model.durations import format_duration
from credlab.model.engine import Engine, World
from credlab.model.errors import Location
from credlab.model.hashing import Stored
from credlab.model.node import node, replace
from credlab.model.policy import random_candidate, random_value
from credlab.simulator.analysis.candidates import broken_values, literal_values
from credlab.simulator.stories.knowledge import Knowledge, next_code
from credlab.simulator.stories.scenario import Advance, Expectation, SecretRef, Step, StoryValue, default_actor

Key = tuple[object, ...]
MAX_ASSIGNMENTS = 256
"""Input combinations tried per event at most (the first ones in a fixed order)."""
SEARCH_SEED = "credlab-paths"
_FRESH = random.Random(SEARCH_SEED).getstate()


def search_random() -> random.Random:
    """The search's random source, always in the same state: a randomized PIN is the same value
    on every path, so it is one symbolic "mailed PIN", and the search stays finite."""
    rng = random.Random(0)  # a constant seed: far cheaper than seeding from the OS, then replaced
    rng.setstate(_FRESH)
    return rng


def signature(world: World) -> Key:
    """What a reviewer would call "where the member is": the state, which credentials are set,
    the flags. Fuzzing starts from one shortest path to each signature."""
    return (world.state, tuple(c is not None for c in world.credentials), world.flags)


@node
class Move:
    """One step of a path: an event with symbolic inputs, or a clock advance to a deadline's limit."""

    event: str | None = None
    inputs: tuple[tuple[str, StoryValue], ...] = ()
    advance: Advance | None = None

    def as_step(self, number: int, where: Location, actor: str | None = None, *, accepted: bool = True) -> Step:
        """This move as a scenario step; a search keeps only accepted events, so by default the step
        expects that (``accepted=False``: expect nothing, for a move whose outcome is the question)."""
        expect = Expectation(accepted=True) if self.event and accepted else None
        return Step(number, where, self.event, self.inputs, actor if self.event else None, self.advance, expect)

    def text(self) -> str:
        """``login`` or ``wait 2h``: the move in a sentence that lists a story's steps."""
        if self.advance is not None:
            return f"wait {format_duration(self.advance.seconds or 0)}"
        return str(self.event)


@dataclass(slots=True)
class Paths:
    """What the search found: the starting state of each path and its moves."""

    transitions: dict[str, tuple[str, tuple[Move, ...]]] = field(default_factory=dict)
    states: dict[str, tuple[str, tuple[Move, ...]]] = field(default_factory=dict)
    signatures: dict[Key, tuple[str, tuple[Move, ...]]] = field(default_factory=dict)
    violations: dict[str, tuple[str, tuple[Move, ...]]] = field(default_factory=dict)
    """With signatures: a shortest path to a situation where each broken invariant does not hold."""
    explored: int = 0
    complete: bool = True
    """False when the search stopped at its node limit before exhausting the space."""


def input_choices(
    spec: ir.Spec, event: ir.Event, literals: dict[str, str], broken: tuple[str, ...] = ()
) -> list[tuple[tuple[str, StoryValue], ...]]:
    """The symbolic input assignments to try for ``event``."""
    per_input: list[list[tuple[str, StoryValue] | None]] = []
    for declared in event.inputs:
        values: list[StoryValue]
        if declared.type == "secret":
            values = [SecretRef(kind, c) for kind in ("known", "mailed") for c in spec.credentials]
            values += sorted(set(literals.values()))  # before wrong values: shortest paths read naturally
            values += [SecretRef("wrong", c) for c in spec.credentials]
            values += list(broken)
        elif declared.type == "bool":
            values = [True, False]
        else:
            values = list(declared.values or spec.channels)
        options: list[tuple[str, StoryValue] | None] = [(declared.name, v) for v in values]
        if declared.optional:
            options.insert(0, None)
        per_input.append(options)
    combos = itertools.islice(itertools.product(*per_input), MAX_ASSIGNMENTS)
    return [tuple(pair for pair in combo if pair is not None) for combo in combos]


def causable(spec: ir.Spec, has: frozenset[str]) -> list[str]:
    """The events an actor holding capabilities ``has`` can cause: not internal, every capability
    they require held; in declaration order. A delayed message's arrival is among them: the post
    brings it whoever the search follows, at any instant its window allows. A capability event is
    not: it changes who can act, which a search fixes (see :mod:`~credlab.simulator.analysis.dead_end`)."""
    return [
        name
        for name, event in spec.events.items()
        if (not event.internal or event.delivers is not None)
        and set(event.requires) <= has
        and event.capability is None
    ]


def start_values(spec: ir.Spec) -> dict[str, str]:
    """The values of the credentials a member starts with, in every search (plaintext test data):
    never the value a randomizing effect draws (the search's random source is always in the same
    state), or a random PIN sent by post would be one the member already knows."""
    drawn = {name: random_candidate(policy, search_random()) for name, policy in spec.policies.items()}
    rng = random.Random("credlab-start")
    values = {}
    for name, c in spec.credentials.items():
        if c.initially_set:
            policy = spec.policies[c.policy]
            value = random_value(c, policy, rng)
            for _ in range(1000):  # a policy that admits one value only keeps it
                if drawn[c.policy] not in value.split():
                    break
                value = random_value(c, policy, rng)
            values[name] = value
    return values


def deadline_jumps(engine: Engine, world: World) -> Iterator[tuple[Move, int]]:
    """The clock moves worth trying: to one second before, at, and one second after the limit
    of each running deadline (where a boundary decides), with how far each moves the clock."""
    for index, (name, start) in enumerate(zip(engine.spec.deadlines, world.deadlines, strict=True)):
        if start is None:
            continue
        for offset in (-1, 0, 1):
            delta = start + engine.durations[index] + offset - world.now
            if delta >= 0:
                yield Move(advance=Advance(until=name, offset=offset)), delta


class PathFinder:
    """Breadth-first search over (world, what the member knows) on the reference engine."""

    def __init__(
        self,
        engine: Engine,
        actor: str | None = None,
        max_nodes: int = 20_000,
        *,
        broken: bool = False,
        capabilities: frozenset[str] | None = None,
    ) -> None:
        """``actor`` (default: the spec's default actor) acts, with its capabilities unless
        ``capabilities`` are given; ``broken``: also try values the policies refuse (to tell
        specs apart, not to reach states)."""
        self.engine, self.spec, self.max_nodes = engine, engine.spec, max_nodes
        self.actor = actor if actor is not None else default_actor(self.spec)
        if capabilities is None:
            capabilities = frozenset(self.spec.actors[self.actor].has if self.actor is not None else ())
        self.has = capabilities
        self.receives = capabilities
        """Whose mail the knowledge in a situation learns: the actor's own capabilities (a search
        for denials keeps the member's knowledge while the attacker acts)."""
        self.sees_screen = True
        """Whether what a screen shows the actor reaches the knowledge kept (not while the
        knowledge kept is someone else's: a search for denials)."""
        self.presents = capabilities
        """Whose capabilities access is judged with (the member's, in a search for denials)."""
        self.presentable = frozenset(
            name for name, c in self.spec.credentials.items() if c.device is None or c.device in capabilities
        )
        """The credentials the actor can present: those no device produces, and those of a device held."""
        self.transitions = {t.id: t for t in self.spec.transitions}
        self.wrong_values: dict[tuple[str, Stored], str] = {}
        self.initial_values: dict[str, str] = {}
        """The plaintext credentials every search starts from (test data, for written scenarios)."""
        member = default_actor(self.spec)
        literals = literal_values(self.spec, None if self.actor == member or member is None else self.actor)
        refused = tuple(broken_values(self.spec, literals)) if broken else ()
        self.moves = {
            name: [Move(name, inputs) for inputs in input_choices(self.spec, self.spec.events[name], literals, refused)]
            for name in causable(self.spec, self.has)
        }

    def start(self, state: str) -> tuple[World, Knowledge]:
        values = start_values(self.spec)
        knowledge = Knowledge()
        for name, value in values.items():
            knowledge = knowledge.learn(name, value)
        self.initial_values = values
        return self.engine.initial(state, values, actor=self.actor), knowledge

    def resolve(
        self, world: World, knowledge: Knowledge, inputs: tuple[tuple[str, StoryValue], ...]
    ) -> dict[str, str | bool] | None:
        resolved: dict[str, str | bool] = {}
        for name, value in inputs:
            meant = self.meaning(world, knowledge, value)
            if meant is None:
                return None
            resolved[name] = meant
        return resolved

    def meaning(self, world: World, knowledge: Knowledge, value: StoryValue) -> str | bool | None:
        """What one symbolic input stands for here (None: something the actor does not know)."""
        if not isinstance(value, SecretRef):
            return value
        if value.kind == "wrong":
            return self.wrong(world, value.credential)
        if value.credential not in self.presentable:  # a code only the device shows, and it is not held
            return None
        known = knowledge.resolve(value.kind, value.credential)
        if known is not None and self.spec.credentials[value.credential].codes is not None:
            return next_code(known, lambda code: self.engine.matches(world, value.credential, code))
        return known

    def wrong(self, world: World, credential: str) -> str:
        """A value the policy accepts that is not the credential's current one (cached per value)."""
        current = world.credentials[self.engine.credential_index[credential]]
        cached = self.wrong_values.get((credential, current))
        if cached is not None:
            return cached
        policy = self.spec.policies[self.spec.credentials[credential].policy]
        rng = random.Random("credlab-wrong")
        while True:
            candidate = random_candidate(policy, rng)
            if not self.engine.matches(world, credential, candidate):
                self.wrong_values[(credential, current)] = candidate
                return candidate

    def reaches(self, message: str) -> bool:
        """Whether ``message`` reaches the knowledge this search keeps: it goes to a capability
        of whoever's knowledge that is, or it is on the screen of whoever acts (a screen channel
        that names no capability), and that is the searching actor."""
        channel = self.spec.channels[self.spec.messages[message].via]
        if channel.reaches is None:
            return channel.kind == "screen" and self.sees_screen
        return channel.reaches in self.receives

    def learn(
        self,
        knowledge: Knowledge,
        transition: str | None,
        inputs: dict[str, str | bool],
        disclosed: tuple[tuple[str, str, str], ...],
    ) -> Knowledge:
        """What the member knows after a step: what they set, and what reached them by mail."""
        return apply_lessons(knowledge, self.lessons(transition, inputs, disclosed))

    def lessons(
        self, transition: str | None, inputs: dict[str, str | bool], disclosed: tuple[tuple[str, str, str], ...]
    ) -> Lessons:
        """What a step teaches, whatever one knew before: ("learn" | "receive" | "post <message>",
        credential, value), or ("arrive", message, "") when a delayed message arrives."""
        taught: list[tuple[str, str, str]] = []
        if transition is not None:
            for effect in self.transitions[transition].effects:
                if isinstance(effect, ir.SetCredential) and isinstance(inputs.get(effect.input), str):
                    taught.append(("learn", effect.credential, str(inputs[effect.input])))
        for message, credential, value in disclosed:
            if self.reaches(message):
                delayed = self.spec.messages[message].delay is not None
                taught.append((f"post {message}", credential, value) if delayed else ("receive", credential, value))
        if transition is not None and (arrived := self.transitions[transition].delivers) is not None:
            taught.append(("arrive", arrived, ""))
        return tuple(taught)


Lessons = tuple[tuple[str, str, str], ...]


def apply_lessons(knowledge: Knowledge, lessons: Lessons) -> Knowledge:
    for kind, credential, value in lessons:
        if kind == "learn":
            knowledge = knowledge.learn(credential, value)
        elif kind == "receive":
            knowledge = knowledge.receive(credential, value)
        elif kind == "arrive":
            knowledge = knowledge.arrive(credential)  # the message's name
        elif kind == "attacked":  # a search for denials marks the attacker's first change
            knowledge = replace(knowledge, attacked=True)
        else:  # "post <message>": on its way
            knowledge = knowledge.post(kind.removeprefix("post "), credential, value)
    return knowledge
