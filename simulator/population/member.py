"""One simulated member over the horizon: a discrete-event run on the compiled spec.

The member follows the profile (:mod:`.profile`): habits scheduled when they enter a state,
forgetting at exponential times, responses to repeated refusals; the profile's attackers, when the
member has one, act on the same member as one of the spec's actors, with what they know and hold
(the spec's sessions and capabilities apply to them as to anyone). The spec does the rest: its
deadlines lapse at their exact instant, a delayed message arrives at a uniform instant of its
window (the spec's own), and what a message carries is learned when it arrives. The clock is
virtual and every draw comes from the member's own random source (:func:`member_random`), so a
member's story depends only on the seed and its number, never on which chunk or worker runs it.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from credlab.model import ir
from credlab.model.delivery import arrives
from credlab.model.differential import agree, disagreements
from credlab.model.durations import format_duration
from credlab.model.engine import Engine, World
from credlab.model.machine import CompiledSpec, Member, Outcome
from credlab.model.policy import random_candidate, random_value
from credlab.model.runtime import Delivery
from credlab.simulator.population.profile import (
    Action,
    Attacker,
    Chance,
    Known,
    New,
    Profile,
    Source,
    Start,
    Wrong,
)
from credlab.simulator.stories.knowledge import learned_settings

NONE = "none"
"""The recovery channel of a member who got back in without any message (remembered, say)."""


def member_random(seed: int, index: int) -> random.Random:
    """Member ``index``'s own random source: a digest of (seed, index), so chunking changes nothing."""
    digest = hashlib.blake2b(f"credlab-population:{seed}:{index}".encode(), digest_size=16).digest()
    return random.Random(int.from_bytes(digest, "big"))


@dataclass(slots=True)
class MemberOutcome:
    """What happened to one member over the horizon (the population's statistics merge these)."""

    start: str
    events: int = 0
    lost_access: bool = False
    seconds_without_access: int = 0
    sent: dict[str, int] = field(default_factory=dict)
    """Messages sent to the member, by channel (email, post, ...): resets by channel."""
    lapses: int = 0
    """Deadlines that lapsed and moved the member (a reset link expiring unused)."""
    desk_calls: int = 0
    recoveries: list[tuple[str, int]] = field(default_factory=list)
    """(the channel of the last message before getting back in, seconds without access)."""
    unrecovered: int = 0
    """Still without access at the horizon (a censored recovery)."""
    checked: bool = False
    """Replayed step for step on the reference engine too (the oracle sample)."""
    disagreement: str | None = None
    """The first place the compiled machine and the reference engine differed, if they did."""
    attacked: list[str] = field(default_factory=list)
    """The profile's attackers this member has."""
    breached: dict[str, int] = field(default_factory=dict)
    """Attacker → when they first got online access as the member (seconds)."""


class MemberRun:
    """Simulates members of one spec under one profile; one compiled spec, reused member by member."""

    def __init__(self, spec: ir.Spec, parameters: dict[str, int], profile: Profile, horizon: int) -> None:
        self.spec, self.profile, self.horizon = spec, profile, horizon
        self.compiled = CompiledSpec(spec, parameters)
        self.runtime = self.compiled.runtime
        self.member: Member | None = None
        self.online = [c for c, ch in spec.channels.items() if ch.kind == "online"]
        self.voice = {c for c, ch in spec.channels.items() if ch.kind == "voice"}
        self.delays = {
            name: tuple(parameters[v] if isinstance(v, str) else v for v in m.delay)
            for name, m in spec.messages.items()
            if m.delay is not None
        }
        self.expiries = {d.on_expiry for d in spec.deadlines.values() if d.on_expiry}
        self.engine = Engine(spec, parameters)

    # --- one member -----------------------------------------------------------------------------
    def run(self, seed: int, index: int, checked: bool = False) -> MemberOutcome:
        """Member ``index`` of the population seeded ``seed``; ``checked``: also on the reference engine."""
        rng = member_random(seed, index)
        start = self.pick_start(rng)
        values: dict[str, str] = {}
        for name, credential in self.spec.credentials.items():
            if credential.initially_set or name in start.credentials:
                values[name] = random_value(credential, self.spec.policies[credential.policy], rng)
        member_seed = rng.getrandbits(32)
        if self.member is None:
            self.member = self.compiled.new_member(start.state, values, seed=member_seed)
        else:
            self.compiled.reset(self.member, start.state, values, seed=member_seed)
        member = self.member
        for flag in start.flags:
            member.record.flags[flag] = True
        if self.spec.states[start.state].session:
            member.record.session_owner = self.profile.actor
        member.actor = self.profile.actor
        attackers = [a for a in self.profile.attackers if rng.random() < a.share]
        out = MemberOutcome(start.state, checked=checked, attacked=[a.name for a in attackers])
        life = _Life(self, member, rng, dict(values), out, attackers)
        if checked:
            flags = dict.fromkeys(start.flags, True)
            world = self.engine.initial(start.state, values, flags, (), self.profile.actor)
            life.oracle = _Oracle(self.engine, world, random.Random(member_seed))
        return life.live()

    def pick_start(self, rng: random.Random) -> Start:
        roll, total = rng.random(), 0.0
        for start in self.profile.starts:
            total += start.share
            if roll < total:
                return start
        return self.profile.starts[-1]


@dataclass(slots=True)
class _Oracle:
    """The reference engine's replay of a sampled member, with its own copy of the member's draws."""

    engine: Engine
    world: World
    random: random.Random


class _Life:
    """The discrete-event loop of one member."""

    oracle: _Oracle | None = None

    def __init__(
        self,
        run: MemberRun,
        member: Member,
        rng: random.Random,
        knows: dict[str, str],
        out: MemberOutcome,
        attackers: list[Attacker],
    ) -> None:
        self.run, self.member, self.rng, self.out = run, member, rng, out
        self.me = run.profile.actor
        self.attackers = {f"@{a.name}": a for a in attackers}
        """Each attacker by its party name (``@name``): two may play the same spec actor."""
        self.acts_as = {self.me: self.me, **{party: a.actor for party, a in self.attackers.items()}}
        self.knowledge: dict[str, dict[str, str]] = {self.me: knows}
        """What each actor knows: the member, and each attacker (what they knew from the start)."""
        self.knowledge.update({p: {c: knows[c] for c in a.knows if c in knows} for p, a in self.attackers.items()})
        member_has = run.spec.actors[self.me].has if self.me in run.spec.actors else ()
        self.capabilities = {
            self.me: frozenset(member_has),
            **{p: frozenset(a.capabilities) for p, a in self.attackers.items()},
        }
        self.habits: list[tuple[int, int, Action, int | None, str]] = []
        """(when, order, action, every, actor) of the current state's scheduled habits."""
        self.arrivals: dict[str, int] = {}
        self.forget_at: dict[str, int] = {}
        self.refusals: dict[str, int] = {}
        self.without_since: int | None = None
        self.last_channel = NONE
        self.wrong: dict[tuple[str, object], str] = {}

    @property
    def now(self) -> int:
        return self.member.record.now

    @property
    def knows(self) -> dict[str, str]:
        """What the member knows."""
        return self.knowledge[self.me]

    def live(self) -> MemberOutcome:
        for name in self.knows:
            self.remember(name)
        self.enter()
        self.observe_access()
        horizon = self.run.horizon
        while True:
            due, lapse = self.next_due(), self.next_lapse()
            if lapse is not None and lapse < horizon and (due is None or lapse <= due[0]):
                self.settle(self.advance(lapse - self.now))  # the spec's own clock goes first
                continue
            if due is None or due[0] >= horizon:
                break
            self.advance(due[0] - self.now)  # nothing lapses on the way: it fires nothing
            self.do_due(due[1])
        if self.without_since is not None:
            self.out.seconds_without_access += horizon - self.without_since
            self.out.unrecovered += 1
        return self.out

    # --- what comes next --------------------------------------------------------------------------
    def next_lapse(self) -> int | None:
        record = self.member.record
        times = [
            t
            for name, start in record.deadlines.items()
            if start is not None
            and name not in record.expiry_fired
            and (t := self.run.runtime.lapses_at(record, name)) is not None
        ]
        return max(min(times), self.now) if times else None

    def next_due(self) -> tuple[int, tuple[str, object]] | None:
        candidates: list[tuple[int, tuple[str, object]]] = []
        if self.habits:
            first = min(self.habits, key=lambda h: (h[0], h[1]))
            candidates.append((first[0], ("habit", first)))
        candidates += [(t, ("arrive", m)) for m, t in self.arrivals.items()]
        candidates += [(t, ("forget", c)) for c, t in self.forget_at.items()]
        return min(candidates, key=lambda c: (c[0], c[1][0], str(c[1][1]))) if candidates else None

    def do_due(self, item: tuple[str, object]) -> None:
        kind, what = item
        if kind == "habit":
            habit = what
            assert isinstance(habit, tuple)
            self.habits.remove(habit)
            _, order, action, every, actor = habit
            if every is not None:
                self.habits.append((self.now + self.gap(every), order, action, every, actor))
            if self.rng.random() < action.chance:
                self.act(action, actor)
        elif kind == "arrive":
            assert isinstance(what, str)
            del self.arrivals[what]
            self.settle([self.fire(arrives(what), {}, self.me)])
        else:
            assert isinstance(what, str)
            del self.forget_at[what]
            self.knows.pop(what, None)
            self.observe_access()

    def gap(self, mean: int) -> int:
        return max(1, round(self.rng.expovariate(1 / mean)))

    # --- doing things ----------------------------------------------------------------------------
    def act(self, action: Action, actor: str) -> None:
        """``actor`` (a party: the member, or ``@name`` for an attacker) does ``action``."""
        event = self.run.spec.events[action.event]
        if not set(event.requires) <= self.capabilities[actor]:
            return  # they cannot cause it (an attacker without the member's mailbox opens no link)
        inputs = {name: self.resolve(source, actor) for name, source in action.inputs}
        outcome = self.fire(action.event, inputs, actor)
        if actor == self.me:
            self.out.desk_calls += any(isinstance(v, str) and v in self.run.voice for v in inputs.values())
        if outcome.accepted:
            self.refusals.pop(action.event, None)
            transition = self.run.compiled.transition_by_id.get(outcome.transition or "")
            for credential, value in learned_settings(transition, inputs) if transition is not None else ():
                self.learn(credential, value, actor)
        self.settle([outcome])
        if not outcome.accepted and actor == self.me:
            self.respond(action.event)

    def respond(self, event: str) -> None:
        count = self.refusals.get(event, 0) + 1
        self.refusals[event] = count
        for response in self.run.profile.responses:
            if response.refused == event and response.times == count:
                self.refusals[event] = 0
                roll, total = self.rng.random(), 0.0
                for option in response.options:
                    total += option.chance
                    if roll < total:
                        self.act(option, self.me)
                        return

    def resolve(self, source: Source, actor: str) -> str | bool:
        if isinstance(source, (str, bool)):
            return source
        if isinstance(source, Chance):
            return self.rng.random() < source.probability
        policy = self.run.spec.policies[self.run.spec.credentials[source.credential].policy]
        if isinstance(source, New):
            return random_candidate(policy, self.rng)
        knows = self.knowledge[actor]
        if isinstance(source, Known) and source.credential in knows:
            return knows[source.credential]
        assert isinstance(source, (Known, Wrong))
        return self.wrong_guess(source.credential, policy)

    def wrong_guess(self, credential: str, policy: ir.Policy) -> str:
        """A value the policy accepts that is not the credential's: the same guess while it keeps its value."""
        current = self.member.record.credentials.get(credential)
        key = (credential, current)
        if key not in self.wrong:
            for _ in range(100):
                guess = random_candidate(policy, self.rng)
                if not self.run.runtime.matches(self.member.record, credential, guess):
                    self.wrong[key] = guess
                    break
            else:  # pragma: no cover - a policy with one value
                self.wrong[key] = ""
        return self.wrong[key]

    def advance(self, seconds: int) -> list[Outcome]:
        since = len(self.member.record.deliveries)
        outcomes = self.member.advance(seconds)
        if self.oracle is not None:
            oracle = self.oracle
            oracle.world, steps = oracle.engine.advance(oracle.world, seconds, oracle.random)
            fired, expected = [o.transition for o in outcomes], [s.transition for s in steps]
            if fired != expected:
                self.disagree(f"the clock fired {fired} on the machine, {expected} on the reference engine")
            elif not agree(self.member, None, oracle.world, None, oracle.engine, since):
                self.disagree("; ".join(disagreements(self.member, None, oracle.world, None, oracle.engine)))
        return outcomes

    def disagree(self, what: str) -> None:
        if self.out.disagreement is None:
            self.out.disagreement = f"at {format_duration(self.now)}: {what}"

    def fire(self, event: str, inputs: dict[str, str | bool], actor: str) -> Outcome:
        sent = len(self.member.record.deliveries)
        self.member.actor = self.acts_as[actor]
        outcome = self.member.fire(event, **inputs)
        self.out.events += 1
        if self.oracle is not None:
            oracle = self.oracle
            oracle.world, step = oracle.engine.fire(oracle.world, event, inputs, oracle.random, self.acts_as[actor])
            if not agree(self.member, outcome, oracle.world, step, oracle.engine, sent):
                found = disagreements(self.member, outcome, oracle.world, step, oracle.engine)
                self.disagree(f"{event}: " + "; ".join(found))
        for delivery in self.member.record.deliveries[sent:]:
            channel = self.run.spec.messages[delivery.message].via
            self.out.sent[channel] = self.out.sent.get(channel, 0) + 1
            self.last_channel = channel
            window = self.run.delays.get(delivery.message)
            if window is not None:
                low, high = window
                self.arrivals[delivery.message] = self.now + self.rng.randint(int(low), int(max(low, high)))
            else:
                self.teach(delivery, actor)
        return outcome

    def settle(self, outcomes: list[Outcome]) -> None:
        """After events or lapses: what arrived is learned, a new state's habits begin, access is checked."""
        moved = False
        for outcome in outcomes:
            if outcome.event in self.run.expiries and outcome.accepted and outcome.source != outcome.target:
                self.out.lapses += 1
            transition = self.run.compiled.transition_by_id.get(outcome.transition or "")
            if outcome.accepted and transition is not None and transition.delivers is not None:
                self.arrivals.pop(transition.delivers, None)
                delivered = [d for d in self.member.record.deliveries if d.message == transition.delivers]
                if delivered:
                    self.teach(delivered[-1], None)
            moved |= outcome.accepted and outcome.source != outcome.target
        if moved:
            self.enter()
        self.observe_access()

    def teach(self, delivery: Delivery, actor: str | None) -> None:
        """What a message carries reaches whoever holds where it goes (a screen: who acted)."""
        if delivery.carries is None or delivery.secret is None:
            return
        for who, holds in self.capabilities.items():
            if (delivery.reaches in holds) if delivery.reaches is not None else who == actor:
                self.learn(delivery.carries, delivery.secret.reveal(), who)

    def learn(self, credential: str, value: str, actor: str) -> None:
        self.knowledge[actor][credential] = value
        if actor == self.me:
            self.remember(credential)

    def remember(self, credential: str) -> None:
        mean = self.run.profile.forgets.get(credential)
        if mean:
            self.forget_at[credential] = self.now + self.gap(mean)

    def enter(self) -> None:
        """The member is in a new state: its habits (and its attackers') start over."""
        self.habits = []
        plans = [(self.me, self.run.profile.habits)] + [(p, a.habits) for p, a in self.attackers.items()]
        order = 0
        for actor, habits in plans:
            for habit in habits.get(self.member.state, ()):
                if habit.every is not None:
                    self.habits.append((self.now + self.gap(habit.every), order, habit.action, habit.every, actor))
                elif habit.after is not None:
                    low, high = habit.after
                    self.habits.append((self.now + self.rng.randint(low, high), order, habit.action, None, actor))
                order += 1

    # --- online access ------------------------------------------------------------------------------
    def has_access(self, actor: str) -> bool:
        record = self.member.record
        return any(
            self.member.accepts(channel, credential) and self.run.runtime.matches(record, credential, value)
            for channel in self.run.online
            for credential, value in self.knowledge[actor].items()
        )

    def observe_access(self) -> None:
        for party, attacker in self.attackers.items():
            if attacker.name not in self.out.breached and self.has_access(party):
                self.out.breached[attacker.name] = self.now
        if self.has_access(self.me):
            if self.without_since is not None:
                self.out.recoveries.append((self.last_channel, self.now - self.without_since))
                self.out.seconds_without_access += self.now - self.without_since
                self.without_since = None
        elif self.without_since is None:
            self.without_since = self.now
            self.out.lost_access = True
            self.last_channel = NONE
