"""A member's discrete situation, with every time taken out: what the table engine counts in.

What a member does next depends on their state, flags and counters, which deadlines run (not
*when* they lapse: that is a timer), what each party knows of each credential, the messages in
the post, the refusals in a row, and whether they have online access. Secrets enter only through
equality (does what the member types match what is stored?), so each credential's values are
**tokens**: 1 for the first value met in the situation, 2 for the next, 0 for none, renumbered
after every step so that two members whose secrets relate alike are in the same situation. A
token becomes a concrete value (:meth:`Shape.value`) only to ask the reference engine what a
step does; deadlines decode to "started just now" or "lapsed", since the timers, not the
situation, know when they lapse.

Times live beside the situation in the table engine's arrays (:mod:`.block`), one **timer slot**
each: every deadline (in name order, as the clock lapses them), every delayed message's arrival,
and the current state's ``after`` habits. ``every`` habits and forgetting are memoryless, so they
are rates of the situation instead of timers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from credlab.model import ir
from credlab.model.delivery import arrives
from credlab.model.engine import Engine, World
from credlab.model.policy import random_value
from credlab.simulator.population.profile import Habit, Profile

NOT_RUNNING, RUNNING, LAPSED = 0, 1, 2
"""A deadline in a situation: stopped, running, or started and lapsed (its expiry has fired)."""


@dataclass(frozen=True, slots=True)
class Situation:
    """Everything about a member and their attackers but the clock (see the module docstring)."""

    state: str
    owner: str | None
    flags: tuple[bool, ...]
    counters: tuple[int, ...]
    deadlines: tuple[int, ...]
    """Each deadline's status, in the spec's order: NOT_RUNNING, RUNNING, LAPSED."""
    tokens: tuple[int, ...]
    """Each credential's stored value as a token (0: not set)."""
    present: tuple[int, ...]
    """The profile's attackers this member has, by number."""
    knows: tuple[tuple[int, ...], ...]
    """Per party (the member, then each present attacker), each credential's known token (0: none)."""
    carried: tuple[int, ...]
    """Per delayed message, the token the last one sent carries (0: none)."""
    refusals: tuple[int, ...]
    """Per event some response waits for, the member's refusals in a row (capped)."""
    without: bool
    """The member has no online access."""
    channel: int
    """The channel of the last message since access was lost (0: none; else 1 + its index)."""
    breached: tuple[bool, ...]
    """Per present attacker: has got online access as the member."""


@dataclass(frozen=True, slots=True)
class Planned:
    """A habit of one party in one state."""

    party: int
    """0: the member; i: the i-th present attacker (1-based)."""
    habit: Habit


class Shape:
    """What is fixed for one spec, profile and parameter setting: slots, parties, token values."""

    def __init__(self, spec: ir.Spec, profile: Profile, parameters: dict[str, int]) -> None:
        self.spec, self.profile = spec, profile
        self.engine = Engine(spec, parameters)
        self.credentials = list(spec.credentials)
        self.deadline_slots = sorted(range(len(spec.deadlines)), key=lambda i: list(spec.deadlines)[i])
        """Deadline numbers in slot order (by name: the order the clock lapses simultaneous ones)."""
        self.delayed = sorted(name for name, m in spec.messages.items() if m.delay is not None)
        self.windows = {
            name: tuple(parameters[v] if isinstance(v, str) else v for v in spec.messages[name].delay or ())
            for name in self.delayed
        }
        self.carriers = [
            self.credentials.index(c) if (c := spec.messages[m].carries) is not None else None for m in self.delayed
        ]
        """Per delayed message, the number of the credential it carries (None: nothing)."""
        self.responded = sorted({r.refused for r in profile.responses})
        self.response_cap = {e: max(r.times for r in profile.responses if r.refused == e) for e in self.responded}
        self.channels = sorted({m.via for m in spec.messages.values()})
        self.online = [c for c, ch in spec.channels.items() if ch.kind == "online"]
        self.voice = {c for c, ch in spec.channels.items() if ch.kind == "voice"}
        self.expiries = {d.on_expiry for d in spec.deadlines.values() if d.on_expiry}
        self.transitions = {t.id: t for t in spec.transitions}
        self.lapse_offsets = [
            self.engine.durations[i] + (1 if list(spec.deadlines.values())[i].boundary == "inclusive" else 0)
            for i in range(len(spec.deadlines))
        ]
        self.now = max(self.engine.durations, default=0) + 2
        """The canonical instant a situation is decoded at: a lapsed deadline still has a start >= 0."""
        self._values: list[list[str]] = [[""] for _ in self.credentials]
        self._seen: list[set[str]] = [set() for _ in self.credentials]
        self._sources = [random.Random(f"credlab-token:{name}") for name in self.credentials]
        self.after_slots = max(
            (len(self.plan(state, tuple(range(len(profile.attackers))), after=True)) for state in spec.states),
            default=0,
        )

    # --- slots ---------------------------------------------------------------------------------
    @property
    def slots(self) -> int:
        return len(self.deadline_slots) + len(self.delayed) + self.after_slots

    def deadline_slot(self, deadline: int) -> int:
        return self.deadline_slots.index(deadline)

    def arrival_slot(self, message: str) -> int:
        return len(self.deadline_slots) + self.delayed.index(message)

    def after_slot(self, k: int) -> int:
        return len(self.deadline_slots) + len(self.delayed) + k

    def slot_name(self, slot: int) -> str:
        """What a timer slot is, in words (for the oracle's messages)."""
        if slot < len(self.deadline_slots):
            return f"deadline {list(self.spec.deadlines)[self.deadline_slots[slot]]} lapses"
        slot -= len(self.deadline_slots)
        if slot < len(self.delayed):
            return arrives(self.delayed[slot])
        return f"after-habit {slot - len(self.delayed)}"

    # --- parties and habits ----------------------------------------------------------------------
    def actor_of(self, present: tuple[int, ...], party: int) -> str:
        return self.profile.actor if party == 0 else self.profile.attackers[present[party - 1]].actor

    def capabilities(self, present: tuple[int, ...], party: int) -> frozenset[str]:
        if party == 0:
            me = self.spec.actors.get(self.profile.actor)
            return frozenset(me.has if me is not None else ())
        return frozenset(self.profile.attackers[present[party - 1]].capabilities)

    def plan(self, state: str, present: tuple[int, ...], *, after: bool) -> list[Planned]:
        """The habits in ``state`` of the member then each present attacker, ``after`` ones or ``every`` ones."""
        plans = [(0, self.profile.habits)] + [(i + 1, self.profile.attackers[a].habits) for i, a in enumerate(present)]
        return [
            Planned(party, habit)
            for party, habits in plans
            for habit in habits.get(state, ())
            if (habit.after is not None) == after
        ]

    def party_name(self, present: tuple[int, ...], party: int) -> str:
        """``member``, or ``@name`` of the ``party``-th present attacker (for messages)."""
        return "member" if party == 0 else f"@{self.profile.attackers[present[party - 1]].name}"

    # --- tokens ------------------------------------------------------------------------------------
    def value(self, credential: int, token: int) -> str:
        """Token ``token``'s value of credential number ``credential``: values its policy accepts,
        all different, the same in every process."""
        values = self._values[credential]
        while len(values) <= token:
            spec_credential = self.spec.credentials[self.credentials[credential]]
            policy = self.spec.policies[spec_credential.policy]
            for _ in range(10_000):
                candidate = random_value(spec_credential, policy, self._sources[credential])
                if candidate not in self._seen[credential]:
                    break
            else:  # pragma: no cover - a policy with fewer values than a situation has tokens
                raise ValueError(f"policy '{policy.name}' has too few values to tell a member's secrets apart")
            self._seen[credential].add(candidate)
            values.append(candidate)
        return values[token]

    def world(self, situation: Situation, lapsing: int | None = None) -> World:
        """The reference engine's world of ``situation`` at the canonical instant; with
        ``lapsing``, that deadline (by number) is at its lapse."""
        now = self.now
        starts: list[int | None] = []
        for i, status in enumerate(situation.deadlines):
            if status == NOT_RUNNING:
                starts.append(None)
            elif status == LAPSED or i == lapsing:
                starts.append(now - self.lapse_offsets[i])
            else:
                starts.append(now)
        return World(
            situation.state,
            tuple(
                self.engine.stored(name, self.value(c, token)) if token else None
                for c, (name, token) in enumerate(zip(self.credentials, situation.tokens, strict=True))
            ),
            situation.flags,
            situation.counters,
            tuple(starts),
            tuple(status == LAPSED for status in situation.deadlines),
            now,
            (),
            situation.owner,
        )


def canonical(situation: Situation, carriers: list[int | None]) -> Situation:
    """``situation`` with each credential's tokens renumbered in order of first appearance: the
    stored value, then each party's knowledge, then what messages in the post carry
    (``carriers[m]``: the credential number delayed message ``m`` carries)."""
    tokens, knows, carried = list(situation.tokens), [list(k) for k in situation.knows], list(situation.carried)
    for c in range(len(tokens)):
        numbers: dict[int, int] = {0: 0}
        tokens[c] = numbers.setdefault(tokens[c], len(numbers))
        for party in knows:
            party[c] = numbers.setdefault(party[c], len(numbers))
        for m, carrier in enumerate(carriers):
            if carrier == c:
                carried[m] = numbers.setdefault(carried[m], len(numbers))
    return Situation(
        situation.state,
        situation.owner,
        situation.flags,
        situation.counters,
        situation.deadlines,
        tuple(tokens),
        situation.present,
        tuple(tuple(k) for k in knows),
        tuple(carried),
        situation.refusals,
        situation.without,
        situation.channel,
        situation.breached,
    )


def initial(
    shape: Shape, state: str, credentials: tuple[str, ...], flags: tuple[str, ...], present: tuple[int, ...]
) -> Situation:
    """A member starting in ``state`` with the spec's initial credentials and ``credentials`` set
    (and known to them), ``flags`` set, and the attackers ``present`` (each knowing what it knows)."""
    spec, profile = shape.spec, shape.profile
    tokens = tuple(int(spec.credentials[n].initially_set or n in credentials) for n in shape.credentials)
    world = shape.engine.initial(state, {}, dict.fromkeys(flags, True), (), profile.actor)
    attackers = [profile.attackers[a] for a in present]
    knows = (
        tokens,
        *(tuple(t if n in a.knows else 0 for n, t in zip(shape.credentials, tokens, strict=True)) for a in attackers),
    )
    return Situation(
        state,
        world.owner,
        world.flags,
        world.counters,
        tuple(NOT_RUNNING if start is None else RUNNING for start in world.deadlines),
        tokens,
        present,
        knows,
        tuple(0 for _ in shape.delayed),
        tuple(0 for _ in shape.responded),
        False,
        0,
        tuple(False for _ in present),
    )
