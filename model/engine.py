"""The reference engine: a small, direct interpreter of the IR that does not use ``transitions``.

It serves twice. As an **oracle**, it runs in lock-step with the compiled ``transitions``
machine (differential testing): it shares no code with the guard/effect compiler in
:mod:`credlab.model.runtime`, so a bug there shows up as a disagreement. As the **fast engine**, it is
what fuzzing and exploration run on: a dispatch table from (state, event) to candidate
transitions, and immutable :class:`World` snapshots — tuples, so a world is hashed, compared
and kept for free, and nothing is ever deep-copied.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from credlab.model import ir
from credlab.model.hashing import Stored, codes_left, digest, holds, is_set, salt_for, stored_form, used_up
from credlab.model.node import Node, node, replace
from credlab.model.policy import Verdicts, random_value


@node
class Delivered:
    """A message sent: when, what, and the digest of any secret it carried (never plaintext)."""

    time: int
    message: str
    carried: bytes | None = None


@node
class World(Node):
    """Everything about one member at one instant; tables are in the spec's declaration order."""

    state: str
    credentials: tuple[Stored, ...]
    flags: tuple[bool, ...]
    counters: tuple[int, ...]
    deadlines: tuple[int | None, ...]
    """Start time of each running deadline; None when it does not run."""
    expiry_fired: tuple[bool, ...]
    now: int = 0
    delivered: tuple[Delivered, ...] = ()
    owner: str | None = None
    """In a session state: the actor whose session it is (None: anyone may act)."""


@dataclass(frozen=True, slots=True)
class EngineStep:
    """What one event did: accepted or not, and which transition fired."""

    event: str
    accepted: bool
    source: str
    target: str
    transition: str | None
    disclosed: tuple[tuple[str, str, str], ...] = ()
    """(message, credential, plaintext) of secrets a message carried: the caller's to keep."""


class _Scratch:
    """Mutable copies of a world's tables while one transition's effects apply."""

    def __init__(self, world: World) -> None:
        self.credentials = list(world.credentials)
        self.flags = list(world.flags)
        self.counters = list(world.counters)
        self.deadlines = list(world.deadlines)
        self.expiry_fired = list(world.expiry_fired)
        self.delivered = list(world.delivered)
        self.disclosable: dict[str, str] = {}
        self.disclosed: list[tuple[str, str, str]] = []


class Engine:
    """Interprets one spec under one parameter setting."""

    def __init__(self, spec: ir.Spec, parameters: Mapping[str, int] | None = None) -> None:
        self.spec = spec
        values = spec.parameter_values(dict(parameters or {}))
        self.parameters = values
        self.salt = salt_for(spec.name)
        self.credential_index = {name: i for i, name in enumerate(spec.credentials)}
        self.flag_index = {name: i for i, name in enumerate(spec.flags)}
        self.counter_index = {name: i for i, name in enumerate(spec.counters)}
        self.deadline_index = {name: i for i, name in enumerate(spec.deadlines)}
        self.durations = tuple(spec.deadline_seconds(d, values) for d in spec.deadlines.values())
        self.table: dict[tuple[str, str], list[ir.Transition]] = {}
        for t in spec.transitions:
            for source in t.sources_states:
                self.table.setdefault((source, t.event), []).append(t)
        self._holds = self._guard_table()
        self.sessions = frozenset(name for name, state in spec.states.items() if state.session)
        self.internal = frozenset(name for name, event in spec.events.items() if event.internal)

    # --- worlds -----------------------------------------------------------------------------
    def initial(
        self,
        state: str | None = None,
        credentials: Mapping[str, str] | None = None,
        flags: Mapping[str, bool] | None = None,
        running: tuple[str, ...] = (),
        actor: str | None = None,
    ) -> World:
        """A member in ``state`` holding ``credentials`` (plaintext in, digests kept), with the
        ``running`` deadlines started at time 0 (and, in an initial state, those that run from the
        start); a session state is ``actor``'s session."""
        given, set_flags = credentials or {}, flags or {}
        state = state or self.spec.initial[0]
        running = running + self.spec.from_start(state)
        return World(
            state,
            tuple(self.stored(n, given[n]) if n in given else None for n in self.spec.credentials),
            tuple(set_flags.get(name, f.initial) for name, f in self.spec.flags.items()),
            tuple(0 for _ in self.spec.counters),
            tuple(0 if name in running else None for name in self.spec.deadlines),
            tuple(False for _ in self.spec.deadlines),
            0,
            (),
            actor if state in self.sessions else None,
        )

    def matches(self, world: World, credential: str, value: ir.InputValue | None) -> bool:
        stored = world.credentials[self.credential_index[credential]]
        return isinstance(value, str) and holds(stored, digest(self.salt, value))

    def stored(self, credential: str, value: str) -> bytes | tuple[bytes, ...]:
        """What the store keeps for ``value`` of ``credential`` (a set's codes: each one's digest)."""
        return stored_form(self.salt, value, self.spec.credentials[credential].codes is not None)

    def within(self, world: World, deadline: str) -> bool:
        i = self.deadline_index[deadline]
        start = world.deadlines[i]
        if start is None:
            return False
        elapsed = world.now - start
        inclusive = self.spec.deadlines[deadline].boundary == "inclusive"
        return elapsed <= self.durations[i] if inclusive else elapsed < self.durations[i]

    def accepts(self, world: World, channel: str, credential: str | None, secret: ir.InputValue | None = None) -> bool:
        """Whether ``channel`` takes ``credential`` now (alone or with others); with ``secret``,
        whether it is that credential's value (by default, the first a rule takes)."""
        for rule in self.spec.access:
            if rule.channel != channel or (credential is not None and credential not in rule.credentials):
                continue
            if rule.when is not None and not self.holds(rule.when, world, {}):
                continue
            if secret is None or self.matches(world, credential or rule.credential, secret):
                return True
        return False

    def grants(self, world: World, channel: str, values: Collection[str], has: AbstractSet[str]) -> bool:
        """Whether someone who knows ``values`` and holds ``has`` gets in on ``channel``: a rule for
        it applies, they hold what it requires, and every credential it takes matches one of the
        values (one a device produces, only with the device held)."""
        credentials = self.spec.credentials
        codes = [code for value in values for code in value.split()]  # a set's codes, from its sheet
        for rule in self.spec.access:
            if rule.channel != channel or not set(rule.requires) <= has:
                continue
            if rule.when is not None and not self.holds(rule.when, world, {}):
                continue
            if all(
                (credentials[c].device is None or credentials[c].device in has)
                and any(self.matches(world, c, v) for v in (codes if credentials[c].codes else values))
                for c in rule.credentials
            ):
                return True
        return False

    # --- guards: interpreted, not compiled -----------------------------------------------------
    def holds(self, g: ir.Guard, world: World, inputs: Mapping[str, ir.InputValue]) -> bool:
        """Whether guard ``g`` holds in ``world`` for ``inputs`` (dispatched on the guard's type:
        a ``match`` over eighteen class patterns costs more than the guard itself)."""
        return self._holds[type(g)](g, world, inputs)

    def _guard_table(self) -> dict[type, Callable[[Any, World, Mapping[str, ir.InputValue]], bool]]:
        holds = self.holds
        verdicts = {name: Verdicts(policy) for name, policy in self.spec.policies.items()}

        def authenticates(g: ir.Authenticates, world: World, inputs: Mapping[str, ir.InputValue]) -> bool:
            channel = g.channel if g.channel is not None else inputs.get(g.channel_from or "")
            return isinstance(channel, str) and self.accepts(world, channel, None, inputs.get(g.secret))

        def satisfies(g: ir.Satisfies, world: World, inputs: Mapping[str, ir.InputValue]) -> bool:
            value = inputs.get(g.input)
            return value is None or (isinstance(value, str) and verdicts[g.policy](value))

        def expired(g: ir.Expired, world: World, inputs: Mapping[str, ir.InputValue]) -> bool:
            return world.deadlines[self.deadline_index[g.deadline]] is not None and not self.within(world, g.deadline)

        return {
            ir.Matches: lambda g, world, inputs: self.matches(world, g.credential, inputs.get(g.input)),
            ir.Authenticates: authenticates,
            ir.Satisfies: satisfies,
            ir.IsSet: lambda g, world, _: is_set(world.credentials[self.credential_index[g.credential]]),
            ir.CodesLeft: lambda g, world, _: (
                codes_left(world.credentials[self.credential_index[g.credential]]) >= g.at_least
            ),
            ir.FlagSet: lambda g, world, _: world.flags[self.flag_index[g.flag]],
            ir.Given: lambda g, _, inputs: inputs.get(g.input) is not None,
            ir.InputTrue: lambda g, _, inputs: inputs.get(g.input) is True,
            ir.InputIn: lambda g, _, inputs: inputs.get(g.input) in g.values,
            ir.CountAtLeast: lambda g, world, _: world.counters[self.counter_index[g.counter]] >= g.value,
            ir.Within: lambda g, world, _: self.within(world, g.deadline),
            ir.Expired: expired,
            ir.InState: lambda g, world, _: world.state in g.states,
            ir.Accepts: lambda g, world, _: self.accepts(world, g.channel, g.credential),
            ir.Not: lambda g, world, inputs: not holds(g.guard, world, inputs),
            ir.All: lambda g, world, inputs: all(holds(p, world, inputs) for p in g.guards),
            ir.AnyOf: lambda g, world, inputs: any(holds(p, world, inputs) for p in g.guards),
            ir.Implies: lambda g, world, inputs: (
                not holds(g.condition, world, inputs) or holds(g.consequence, world, inputs)
            ),
        }

    def _all_hold(self, guards: tuple[ir.Guard, ...], world: World, inputs: Mapping[str, ir.InputValue]) -> bool:
        table = self._holds
        for g in guards:  # noqa: SIM110 - a loop, not all(<generator>): the engine's innermost loop
            if not table[type(g)](g, world, inputs):
                return False
        return True

    def violated_invariants(self, world: World) -> list[str]:
        return [inv.id for inv in self.spec.invariants if not self.holds(inv.holds, world, {})]

    # --- events -------------------------------------------------------------------------------
    def enabled(self, world: World, event: str, inputs: Mapping[str, ir.InputValue]) -> list[str]:
        """Ids of every transition whose guards all hold (more than one: nondeterminism)."""
        candidates = self.table.get((world.state, event), ())
        return [t.id for t in candidates if self._all_hold(t.guards, world, inputs)]

    def fire(
        self,
        world: World,
        event: str,
        inputs: Mapping[str, ir.InputValue],
        rng: Draws,
        actor: str | None = None,
    ) -> tuple[World, EngineStep]:
        """The world after ``actor`` causes ``event`` with ``inputs`` (the same world when no
        transition fires). In someone else's session state only the clock's events get through."""
        if world.owner is not None and actor != world.owner and event not in self.internal:
            return world, self._refused(world.state, event)
        for t in self.table.get((world.state, event), ()):
            if self._all_hold(t.guards, world, inputs):
                after, disclosed = self._apply(world, t, inputs, rng, actor)
                return after, EngineStep(event, True, world.state, after.state, t.id, disclosed)
        return world, self._refused(world.state, event)

    @staticmethod
    @lru_cache(maxsize=4096)
    def _refused(state: str, event: str) -> EngineStep:
        """The step of ``event`` refused in ``state`` (one object per pair: fuzzing refuses a lot)."""
        return EngineStep(event, False, state, state, None)

    def _apply(
        self,
        world: World,
        t: ir.Transition,
        inputs: Mapping[str, ir.InputValue],
        rng: Draws,
        actor: str | None = None,
    ) -> tuple[World, tuple[tuple[str, str, str], ...]]:
        s = _Scratch(world)
        for effect in t.effects:
            self._effect(effect, s, world.now, inputs, rng)
        target = t.target or world.state
        # A session goes on through the screens of one flow and ends on leaving them.
        owner = (world.owner if world.owner is not None else actor) if target in self.sessions else None
        after = World(
            target,
            tuple(s.credentials),
            tuple(s.flags),
            tuple(s.counters),
            tuple(s.deadlines),
            tuple(s.expiry_fired),
            world.now,
            tuple(s.delivered),
            owner,
        )
        return after, tuple(s.disclosed)

    def _effect(self, e: ir.Effect, s: _Scratch, now: int, inputs: Mapping[str, ir.InputValue], rng: Draws) -> None:
        match e:
            case ir.SetCredential(credential=c, input=i):
                value = inputs.get(i)
                if isinstance(value, str):
                    s.credentials[self.credential_index[c]] = self.stored(c, value)
            case ir.UseCode(credential=c, input=i):
                value, slot = inputs.get(i), self.credential_index[c]
                if isinstance(value, str):
                    s.credentials[slot] = used_up(s.credentials[slot], digest(self.salt, value))
            case ir.ClearCredential(credential=c):
                s.credentials[self.credential_index[c]] = None
            case ir.RandomizeCredential(credential=c):
                source = rng if isinstance(rng, random.Random) else rng()
                credential = self.spec.credentials[c]
                value = random_value(credential, self.spec.policies[credential.policy], source)
                s.credentials[self.credential_index[c]] = self.stored(c, value)
                s.disclosable[c] = value
            case ir.SetFlag(flag=f, value=v):
                s.flags[self.flag_index[f]] = v
            case ir.Increment(counter=c):
                slot = self.counter_index[c]
                s.counters[slot] = min(s.counters[slot] + 1, self.spec.counters[c].maximum)
            case ir.ResetCounter(counter=c):
                s.counters[self.counter_index[c]] = 0
            case ir.StartDeadline(deadline=d):
                s.deadlines[self.deadline_index[d]] = now
                s.expiry_fired[self.deadline_index[d]] = False
            case ir.StopDeadline(deadline=d):
                s.deadlines[self.deadline_index[d]] = None
            case ir.Send(message=m):
                carries = self.spec.messages[m].carries
                secret = s.disclosable.pop(carries, None) if carries else None
                s.delivered.append(Delivered(now, m, digest(self.salt, secret) if secret is not None else None))
                if carries and secret is not None:
                    s.disclosed.append((m, carries, secret))

    # --- time ---------------------------------------------------------------------------------
    def advance(
        self, world: World, seconds: int, rng: Draws, watch: ExpiryWatch | None = None
    ) -> tuple[World, list[EngineStep]]:
        """Move the clock; each deadline that lapses fires its expiry event once, earliest first."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        world = replace(world, now=world.now + seconds)
        lapsed = sorted(
            (start + self.durations[i], name)
            for i, (name, start) in enumerate(zip(self.spec.deadlines, world.deadlines, strict=True))
            if start is not None and not world.expiry_fired[i] and not self.within(world, name)
        )
        return self.lapse(world, [name for _, name in lapsed], rng, watch)

    def lapse(
        self, world: World, names: list[str], rng: Draws, watch: ExpiryWatch | None = None
    ) -> tuple[World, list[EngineStep]]:
        """Mark the deadlines ``names`` expired, in that order, each firing its expiry event if it
        still runs; ``watch`` sees each world just before its expiry event fires (determinism
        checks ask there which transitions the event enables)."""
        steps = []
        for name in names:
            i = self.deadline_index[name]
            world = replace(world, expiry_fired=tuple(True if j == i else f for j, f in enumerate(world.expiry_fired)))
            event = self.spec.deadlines[name].on_expiry
            if event is not None and world.deadlines[i] is not None:
                if watch is not None:
                    watch(world, event)
                world, step = self.fire(world, event, {}, rng)
                steps.append(step)
        return world, steps


ExpiryWatch = Callable[[World, str], None]
Draws = random.Random | Callable[[], random.Random]
"""A random source, or a function that makes one when an effect first draws (most steps never
do, and a search wants every draw to start from the same state)."""
"""Called with the world and the expiry event about to fire in it."""
