"""What one firing does to a situation: every outcome with its probability, from the reference engine.

A **firing** is what comes next for a member: a rate (an ``every`` habit, forgetting) or a timer
(a deadline lapsing, a message arriving, an ``after`` habit). :func:`outcomes` plays it on a
:class:`Draft`, the situation decoded into the reference engine's world, the way the member-by-
member engine (:mod:`.member`) plays it on its member: the habit's chance, its inputs, the
event, what the member learns, their response to refusals, the new state's habits, access. Each
random choice on the way (a chance, a yes/no input, which response) is a branch point; every path
through them is played, so the table holds the exact distribution, not a sample. Delays (a
message's window, an ``after`` window) are not branches: they are timer settings the table
engine draws per member.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from credlab.model import ir
from credlab.model.delivery import arrives
from credlab.model.engine import EngineStep
from credlab.model.node import replace
from credlab.simulator.population.profile import Action, Chance, Known, New, Source, Wrong
from credlab.simulator.population.situation import LAPSED, NOT_RUNNING, RUNNING, Shape, Situation, canonical

LOST = -1
"""An access flip: the member lost online access (a flip >= 0 is a recovery, by that channel code)."""


@dataclass(frozen=True, slots=True)
class Firing:
    """A rate (``rate`` True: the number of the situation's hazard) or a timer slot."""

    rate: bool
    number: int


@dataclass(frozen=True, slots=True)
class Played:
    """One thing a party did, or the clock did, on the way (the oracle replays these)."""

    party: int
    """-1: the clock (a lapse); else the party."""
    event: str
    inputs: tuple[tuple[str, str | bool | tuple[int, int, bool]], ...]
    """Literal values, or (credential number, token, fresh) for a secret."""
    accepted: bool
    target: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """One branch: where it leads and what it did."""

    situation: Situation
    slots: tuple[tuple[int, int, int], ...]
    """(slot, least, most) offsets from now to set; a least of -1 clears the slot."""
    events: int
    sent: tuple[int, ...]
    """Messages sent, per channel of :attr:`Shape.channels`."""
    lapses: int
    desk_calls: int
    flips: tuple[int, ...]
    """Access lost (LOST) or back (the channel code) on the way, in order."""
    played: tuple[Played, ...]
    renumbered: tuple[tuple[int, ...], ...]
    """Per credential, each draft token's number in the next situation (0: gone)."""


class _Chooser:
    """Follows a path of branch choices, taking the first possible one past its end."""

    def __init__(self, path: tuple[int, ...]) -> None:
        self.path, self.made, self.points = path, [], []  # type: tuple[int, ...], list[int], list[Sequence[float]]

    def __call__(self, probabilities: Sequence[float]) -> int:
        depth = len(self.made)
        pick = self.path[depth] if depth < len(self.path) else next(i for i, p in enumerate(probabilities) if p > 0)
        self.made.append(pick)
        self.points.append(probabilities)
        return pick


def outcomes(shape: Shape, situation: Situation, firing: Firing | None) -> list[tuple[float, Outcome]]:
    """Every outcome of ``firing`` in ``situation`` with its probability (``firing`` None: the
    member starts in ``situation``, which is not yet canonical nor observed)."""
    found: dict[Outcome, float] = {}
    paths: list[tuple[int, ...]] = [()]
    while paths:
        path = paths.pop()
        chooser = _Chooser(path)
        draft = Draft(shape, situation, chooser)
        draft.play(firing)
        probability = 1.0
        for depth, (pick, points) in enumerate(zip(chooser.made, chooser.points, strict=True)):
            probability *= points[pick]
            if depth >= len(path):
                paths += [(*chooser.made[:depth], alt) for alt in range(pick + 1, len(points)) if points[alt] > 0]
        result = draft.result()
        found[result] = found.get(result, 0.0) + probability
    return sorted(((p, o) for o, p in found.items()), key=lambda po: -po[0])


class Draft:
    """A situation being changed by one firing (mutable; a fresh one for every branch path)."""

    def __init__(self, shape: Shape, situation: Situation, choose: _Chooser) -> None:
        self.shape, self.spec, self.engine, self.choose = shape, shape.spec, shape.engine, choose
        self.start = situation
        self.world = shape.world(situation)
        self.tokens = list(situation.tokens)
        self.knows = [list(k) for k in situation.knows]
        self.carried = list(situation.carried)
        self.refusals = list(situation.refusals)
        self.without, self.channel, self.breached = situation.without, situation.channel, list(situation.breached)
        self.fresh = first_fresh(situation, shape)
        self.slots: dict[int, tuple[int, int]] = {}
        self.events = self.lapses = self.desk_calls = 0
        self.sent = [0] * len(shape.channels)
        self.flips: list[int] = []
        self.played: list[Played] = []
        self.rng = random.Random(0)  # the engine's draws (a random PIN) are replaced by a fresh token

    @property
    def carriers(self) -> list[int | None]:
        return self.shape.carriers

    # --- the firing ------------------------------------------------------------------------------
    def play(self, firing: Firing | None) -> None:
        shape, present = self.shape, self.start.present
        if firing is None:  # the member starts: the running deadlines' timers, the state's habits
            for d, status in enumerate(self.start.deadlines):
                if status == RUNNING:
                    offset = shape.lapse_offsets[d]
                    self.slots[shape.deadline_slot(d)] = (offset, offset)
            self.enter()
            self.observe()
            return
        if firing.rate:
            hazards = hazards_of(shape, self.start)
            kind, what = hazards[firing.number][1]
            if kind == "forget":
                assert isinstance(what, int)
                self.knows[0][what] = 0
                self.observe()
            else:
                assert isinstance(what, tuple)
                self.habit(*what)
            return
        slot = firing.number
        deadlines = len(shape.deadline_slots)
        if slot < deadlines:
            self.lapse(shape.deadline_slots[slot])
        elif slot < deadlines + len(shape.delayed):
            message = shape.delayed[slot - deadlines]
            self.settle([self.fire(arrives(message), {}, 0, {})])
        else:
            planned = shape.plan(self.world.state, present, after=True)[slot - deadlines - len(shape.delayed)]
            self.habit(planned.party, planned.habit.action)

    def habit(self, party: int, action: Action) -> None:
        if action.chance >= 1.0 or self.choose([1.0 - action.chance, action.chance]) == 1:
            self.act(action, party)

    def lapse(self, deadline: int) -> None:
        starts = list(self.world.deadlines)
        starts[deadline] = self.world.now - self.shape.lapse_offsets[deadline]
        world = replace(self.world, deadlines=tuple(starts))
        self.world, steps = self.engine.lapse(world, [list(self.spec.deadlines)[deadline]], self.rng)
        for step in steps:
            self.played.append(Played(-1, step.event, (), step.accepted, step.target))
            self.apply(step, {}, -1)
        self.settle(steps)

    # --- doing things ----------------------------------------------------------------------------
    def act(self, action: Action, party: int) -> None:
        event = self.spec.events[action.event]
        if not set(event.requires) <= self.shape.capabilities(self.start.present, party):
            return
        typed: dict[str, tuple[int, int]] = {}
        inputs: dict[str, str | bool] = {}
        shown: list[tuple[str, str | bool | tuple[int, int, bool]]] = []
        for name, source in action.inputs:
            value = self.resolve(source, party)
            if isinstance(value, tuple):
                c, token, _ = value
                typed[name] = (c, token)
                inputs[name] = self.shape.value(c, token)
            else:
                inputs[name] = value
            shown.append((name, value))
        step = self.fire(action.event, inputs, party, typed, tuple(shown))
        if party == 0:
            self.desk_calls += any(isinstance(v, str) and v in self.shape.voice for v in inputs.values())
        if step.accepted and action.event in self.shape.responded:
            self.refusals[self.shape.responded.index(action.event)] = 0
        if step.accepted:
            transition = self.shape.transitions.get(step.transition or "")
            for effect in transition.effects if transition is not None else ():
                if isinstance(effect, ir.SetCredential) and effect.input in typed:
                    c, token = typed[effect.input]
                    self.learn(c, token, party)
        self.settle([step])
        if not step.accepted and party == 0:
            self.respond(action.event)

    def resolve(self, source: Source, party: int) -> str | bool | tuple[int, int, bool]:
        if isinstance(source, (str, bool)):
            return source
        if isinstance(source, Chance):
            return self.choose([1.0 - source.probability, source.probability]) == 1
        c = self.shape.credentials.index(source.credential)
        if isinstance(source, Known) and self.knows[party][c]:
            return (c, self.knows[party][c], False)
        assert isinstance(source, (Known, Wrong, New))
        return (c, self.new_token(c), True)  # a new value, or a wrong one: a token no one has

    def new_token(self, credential: int) -> int:
        token = self.fresh[credential]
        self.fresh[credential] += 1
        return token

    def respond(self, event: str) -> None:
        if event not in self.shape.responded:
            return
        slot = self.shape.responded.index(event)
        count = min(self.refusals[slot] + 1, self.shape.response_cap[event] + 1)
        self.refusals[slot] = count
        for response in self.shape.profile.responses:
            if response.refused == event and response.times == count:
                self.refusals[slot] = 0
                chances = [o.chance for o in response.options]
                pick = self.choose([*chances, max(0.0, 1.0 - sum(chances))])
                if pick < len(response.options):
                    self.act(response.options[pick], 0)
                return

    def fire(
        self,
        event: str,
        inputs: dict[str, str | bool],
        party: int,
        typed: dict[str, tuple[int, int]],
        shown: tuple[tuple[str, str | bool | tuple[int, int, bool]], ...] = (),
    ) -> EngineStep:
        actor = self.shape.actor_of(self.start.present, party)
        self.world, step = self.engine.fire(self.world, event, inputs, self.rng, actor)
        self.events += 1
        self.played.append(Played(party, event, shown, step.accepted, step.target))
        self.apply(step, typed, party)
        return step

    def apply(self, step: EngineStep, typed: dict[str, tuple[int, int]], party: int) -> None:
        """Tokens, timers, messages: what the transition that fired did, effect by effect."""
        transition = self.shape.transitions.get(step.transition or "") if step.accepted else None
        if transition is None:
            return
        shape, randomized = self.shape, set()
        for effect in transition.effects:
            match effect:
                case ir.SetCredential(credential=name, input=given) if given in typed:
                    self.tokens[shape.credentials.index(name)] = typed[given][1]
                case ir.ClearCredential(credential=name):
                    self.tokens[shape.credentials.index(name)] = 0
                case ir.RandomizeCredential(credential=name):
                    c = shape.credentials.index(name)
                    self.tokens[c] = self.new_token(c)
                    randomized.add(name)
                case ir.StartDeadline(deadline=name):
                    d = list(self.spec.deadlines).index(name)
                    offset = shape.lapse_offsets[d]
                    self.slots[shape.deadline_slot(d)] = (offset, offset)
                case ir.StopDeadline(deadline=name):
                    self.slots[shape.deadline_slot(list(self.spec.deadlines).index(name))] = (-1, -1)
                case ir.Send(message=m):
                    self.sent_message(m, randomized, party)

    def sent_message(self, m: str, randomized: set[str], party: int) -> None:
        shape, message = self.shape, self.spec.messages[m]
        self.sent[shape.channels.index(message.via)] += 1
        self.channel = 1 + shape.channels.index(message.via)
        carries = message.carries if message.carries in randomized else None
        token = self.tokens[shape.credentials.index(carries)] if carries is not None else 0
        if m in shape.windows:
            low, high = shape.windows[m]
            self.slots[shape.arrival_slot(m)] = (int(low), int(max(low, high)))
            self.carried[shape.delayed.index(m)] = token
        elif carries is not None:
            self.teach(m, token, party)

    def settle(self, steps: list[EngineStep]) -> None:
        """After events or lapses: what arrived is learned, a new state's habits begin, access is checked."""
        moved = False
        for step in steps:
            if step.event in self.shape.expiries and step.accepted and step.source != step.target:
                self.lapses += 1
            transition = self.shape.transitions.get(step.transition or "") if step.accepted else None
            delivers = self.spec.events[transition.event].delivers if transition is not None else None
            if delivers is not None and delivers in self.shape.delayed:
                self.slots[self.shape.arrival_slot(delivers)] = (-1, -1)
                token = self.carried[self.shape.delayed.index(delivers)]
                if token:
                    self.teach(delivers, token, None)
            moved |= step.accepted and step.source != step.target
        if moved:
            self.enter()
        self.observe()

    def teach(self, message: str, token: int, party: int | None) -> None:
        """What a message carries reaches whoever holds where it goes (a screen: who acted)."""
        spec_message = self.spec.messages[message]
        if spec_message.carries is None:
            return
        c = self.shape.credentials.index(spec_message.carries)
        reaches = self.spec.channels[spec_message.via].reaches
        for who in range(len(self.knows)):
            if (reaches in self.shape.capabilities(self.start.present, who)) if reaches is not None else who == party:
                self.learn(c, token, who)

    def learn(self, credential: int, token: int, party: int) -> None:
        self.knows[party][credential] = token

    def enter(self) -> None:
        """A new state: the after-habits of the old one are gone, the new one's are set."""
        shape = self.shape
        for k in range(shape.after_slots):
            self.slots[shape.after_slot(k)] = (-1, -1)
        for k, planned in enumerate(shape.plan(self.world.state, self.start.present, after=True)):
            assert planned.habit.after is not None
            self.slots[shape.after_slot(k)] = planned.habit.after

    # --- online access ------------------------------------------------------------------------------
    def has_access(self, party: int) -> bool:
        engine, world = self.engine, self.world
        return any(
            token and token == self.tokens[c] and engine.accepts(world, channel, name)
            for channel in self.shape.online
            for c, (name, token) in enumerate(zip(self.shape.credentials, self.knows[party], strict=True))
        )

    def observe(self) -> None:
        for i in range(len(self.breached)):
            if not self.breached[i] and self.has_access(i + 1):
                self.breached[i] = True
        if self.has_access(0):
            if self.without:
                self.flips.append(self.channel)
                self.without = False
        elif not self.without:
            self.without, self.channel = True, 0
            self.flips.append(LOST)

    # --- the result ----------------------------------------------------------------------------------
    def result(self) -> Outcome:
        world = self.world
        statuses = tuple(
            NOT_RUNNING if start is None else LAPSED if fired else RUNNING
            for start, fired in zip(world.deadlines, world.expiry_fired, strict=True)
        )
        raw = Situation(
            world.state,
            world.owner,
            world.flags,
            world.counters,
            statuses,
            tuple(self.tokens),
            self.start.present,
            tuple(tuple(k) for k in self.knows),
            tuple(self.carried),
            tuple(self.refusals),
            self.without,
            self.channel,
            tuple(self.breached),
        )
        situation = canonical(raw, self.carriers)
        renumbered = tuple(
            tuple(_renumbering(raw, situation, c, self.fresh[c], self.carriers)) for c in range(len(self.tokens))
        )
        return Outcome(
            situation,
            tuple(sorted((slot, low, high) for slot, (low, high) in self.slots.items())),
            self.events,
            tuple(self.sent),
            self.lapses,
            self.desk_calls,
            tuple(self.flips),
            tuple(self.played),
            renumbered,
        )


def _renumbering(raw: Situation, situation: Situation, c: int, size: int, carriers: list[int | None]) -> list[int]:
    """Each of credential ``c``'s draft tokens (below ``size``) as numbered in ``situation`` (0: gone)."""
    mapping = [0] * size
    mapping[raw.tokens[c]] = situation.tokens[c]
    for before, after in zip(raw.knows, situation.knows, strict=True):
        mapping[before[c]] = after[c]
    for m, carrier in enumerate(carriers):
        if carrier == c:
            mapping[raw.carried[m]] = situation.carried[m]
    return mapping


def first_fresh(situation: Situation, shape: Shape) -> list[int]:
    """Per credential, the first token no one in ``situation`` has: a new value's."""
    return [
        1
        + max(
            [
                t,
                *(k[c] for k in situation.knows),
                *(situation.carried[m] for m, x in enumerate(shape.carriers) if x == c),
            ]
        )
        for c, t in enumerate(situation.tokens)
    ]


Hazard = tuple[float, tuple[str, int | tuple[int, Action]]]


def hazards_of(shape: Shape, situation: Situation) -> list[Hazard]:
    """The situation's rates (per second): each ``every`` habit of each party, and forgetting
    each credential the member knows."""
    found: list[Hazard] = []
    for planned in shape.plan(situation.state, situation.present, after=False):
        assert planned.habit.every is not None
        found.append((1.0 / planned.habit.every, ("habit", (planned.party, planned.habit.action))))
    for c, name in enumerate(shape.credentials):
        mean = shape.profile.forgets.get(name)
        if mean and situation.knows[0][c]:
            found.append((1.0 / mean, ("forget", c)))
    return found
