"""The oracle: a sampled member's table-engine life, replayed on the real machines with real values.

The table engine never runs a member on a machine; it reads outcomes the reference engine gave
for *canonical* situations (tokens for secrets, deadlines "just started" or "lapsed"). The oracle
checks that abstraction: it takes a sampled member's logged steps (:class:`.block.Life`: when,
which branch) and replays them with concrete secrets at their real instants on the compiled
``transitions`` machine and on the reference engine side by side. At every step the two must
agree with each other (:mod:`credlab.model.differential`) and with the table: the clock lapses
the logged deadlines and nothing else, every action is accepted or refused as logged and lands
where logged, and after it the machine's state, flags, counters and deadlines are the next
situation's, and what each party knows matches the stored values exactly where the situation's
tokens say it does. Any difference is a disagreement: a credlab bug, and the run is not ok.
"""

from __future__ import annotations

import random

from credlab.model import ir
from credlab.model.differential import agree, disagreements
from credlab.model.durations import format_duration
from credlab.model.engine import World
from credlab.model.machine import CompiledSpec, Member
from credlab.model.policy import random_value
from credlab.simulator.population.block import Life
from credlab.simulator.population.situation import LAPSED, NOT_RUNNING, Shape, Situation
from credlab.simulator.population.step import Outcome, first_fresh
from credlab.simulator.population.table import Table


class Disagreement(Exception):
    """Where the replay and the table (or the two machines) part."""


def replay(table: Table, compiled: CompiledSpec, life: Life) -> str | None:
    """None if member ``life.member``'s steps replay as logged; else where they first part."""
    shape = table.shape
    start = table.outcomes[life.steps[0][1]].situation
    rng = random.Random(f"credlab-oracle:{life.member}")
    values: list[dict[int, str | None]] = [{} for _ in shape.credentials]
    secrets: dict[str, str] = {}
    for c, token in enumerate(start.tokens):
        if token:
            spec_credential = shape.spec.credentials[shape.credentials[c]]
            value = random_value(spec_credential, shape.spec.policies[spec_credential.policy], rng)
            values[c][token] = secrets[shape.credentials[c]] = value
    seed = rng.getrandbits(32)
    member = compiled.new_member(start.state, secrets, seed=seed)
    for flag, value_set in zip(shape.spec.flags, start.flags, strict=True):
        member.record.flags[flag] = value_set
    member.record.session_owner = start.owner
    flags = dict(zip(shape.spec.flags, start.flags, strict=True))
    world = shape.engine.initial(start.state, secrets, flags, (), start.owner)
    run = _Replay(shape, member, world, random.Random(seed), rng, values)
    try:
        run.compare(start)
        situation = start
        for time, branch in life.steps[1:]:
            run.step(situation, int(time), table.outcomes[branch])
            situation = table.outcomes[branch].situation
    except Disagreement as found:
        return f"member {life.member} at {format_duration(run.member.record.now)}: {found}"
    return None


class _Replay:
    def __init__(
        self,
        shape: Shape,
        member: Member,
        world: World,
        engine_random: random.Random,
        rng: random.Random,
        values: list[dict[int, str | None]],
    ) -> None:
        self.shape, self.member, self.world = shape, member, world
        self.engine_random, self.rng, self.values = engine_random, rng, values

    def step(self, before: Situation, time: int, outcome: Outcome) -> None:
        shape, member = self.shape, self.member
        draft = [dict(v) for v in self.values]
        fresh = first_fresh(before, shape)
        clock = [p for p in outcome.played if p.party == -1]
        since = len(member.record.deliveries)
        fired = member.advance(time - member.record.now)
        self.world, _ = shape.engine.advance(self.world, time - self.world.now, self.engine_random)
        if [(o.event, o.accepted, o.target) for o in fired] != [(p.event, p.accepted, p.target) for p in clock]:
            raise Disagreement(
                f"the clock fired {[o.event for o in fired]} on the machine, "
                f"the table logged {[p.event for p in clock]}"
            )
        if not agree(member, None, self.world, None, shape.engine, since):
            raise Disagreement("; ".join(disagreements(member, None, self.world, None, shape.engine)))
        for o in fired:
            self._randomized(o.transition, draft, fresh)
        for played in outcome.played:
            if played.party == -1:
                continue
            inputs: dict[str, ir.InputValue] = {}
            for name, value in played.inputs:
                if isinstance(value, tuple):
                    c, token, is_fresh = value
                    if is_fresh:
                        draft[c][token] = self._new_value(c, draft[c])
                        fresh[c] = max(fresh[c], token + 1)
                    concrete = draft[c].get(token)
                    assert concrete is not None, "a party types only what it knows"
                    inputs[name] = concrete
                else:
                    inputs[name] = value
            actor = shape.actor_of(before.present, played.party)
            since = len(member.record.deliveries)
            member.actor = actor
            said = member.fire(played.event, **inputs)
            self.world, step = shape.engine.fire(self.world, played.event, inputs, self.engine_random, actor)
            if not agree(member, said, self.world, step, shape.engine, since):
                raise Disagreement(
                    f"{played.event}: " + "; ".join(disagreements(member, said, self.world, step, shape.engine))
                )
            if (said.accepted, said.target) != (played.accepted, played.target):
                raise Disagreement(
                    f"{played.event} by {shape.party_name(before.present, played.party)}: the machine "
                    f"{'accepted' if said.accepted else 'refused'} it (to {said.target}), the table logged "
                    f"{'accepted' if played.accepted else 'refused'} (to {played.target})"
                )
            self._randomized(said.transition, draft, fresh)
        self.values = [
            {
                renumbered[token]: value
                for token, value in mapping.items()
                if token < len(renumbered) and renumbered[token]
            }
            for mapping, renumbered in zip(draft, outcome.renumbered, strict=True)
        ]
        self.compare(outcome.situation)

    def _randomized(self, transition: str | None, draft: list[dict[int, str | None]], fresh: list[int]) -> None:
        """A credential the transition randomized takes the next fresh token, its value the one
        the last delivery disclosed (None: no one is told it)."""
        t = self.shape.transitions.get(transition or "")
        for effect in t.effects if t is not None else ():
            if isinstance(effect, ir.RandomizeCredential):
                c = self.shape.credentials.index(effect.credential)
                told = next(
                    (
                        d.secret.reveal()
                        for d in reversed(self.member.record.deliveries)
                        if d.carries == effect.credential and d.secret
                    ),
                    None,
                )
                draft[c][fresh[c]] = told if told is not None and self._stored(c, told) else None
                fresh[c] += 1

    def _stored(self, c: int, value: str) -> bool:
        return self.member.compiled.runtime.matches(self.member.record, self.shape.credentials[c], value)

    def _new_value(self, c: int, known: dict[int, str | None]) -> str:
        """A value no one holds for credential ``c`` and not the stored one (a new or a wrong one)."""
        spec_credential = self.shape.spec.credentials[self.shape.credentials[c]]
        policy = self.shape.spec.policies[spec_credential.policy]
        for _ in range(1000):
            value = random_value(spec_credential, policy, self.rng)
            if value not in known.values() and not self._stored(c, value):
                return value
        raise Disagreement(f"no new value of {self.shape.credentials[c]} left to type")  # pragma: no cover

    def compare(self, situation: Situation) -> None:
        """The machine against the table's situation."""
        record, spec, shape = self.member.record, self.shape.spec, self.shape
        if self.member.state != situation.state:
            raise Disagreement(f"the machine is in {self.member.state}, the table in {situation.state}")
        if tuple(record.flags.values()) != situation.flags or tuple(record.counters.values()) != situation.counters:
            raise Disagreement(f"in {situation.state}: flags or counters differ from the table's")
        for name, status in zip(spec.deadlines, situation.deadlines, strict=True):
            start = record.deadlines[name]
            mine = NOT_RUNNING if start is None else LAPSED if name in record.expiry_fired else 1
            if mine != status:
                raise Disagreement(f"deadline {name}: the machine's differs from the table's")
        for party, knows in enumerate(situation.knows):
            for c, token in enumerate(knows):
                value = self.values[c].get(token) if token else None
                matches = value is not None and self._stored(c, value)
                if matches != (token != 0 and token == situation.tokens[c]):
                    raise Disagreement(
                        f"what {shape.party_name(situation.present, party)} knows of "
                        f"{shape.credentials[c]} {'matches' if matches else 'does not match'} the stored value "
                        "on the machine, not in the table"
                    )
