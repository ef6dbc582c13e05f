"""One story driven through the spec and a system under test in lock step.

The story runs on the spec exactly as ``credlab simulate`` runs it (its own expectations are
checked on the spec); after every event the same event, with the same concrete inputs, is
performed on the target, and what can be observed must agree: accepted or refused, the messages
sent, the state where the target projects one, and, at each ``access`` expectation, which of the
member's credentials the channel takes. Secrets the system chose are adopted (after checking that
the policy allows them), so later steps present what the system really sent.

A disagreement stops the story with a ``conformance`` divergence; the story up to that step,
with the spec's behaviour as its last expectation, is the shortest replay of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import NoReturn

from credlab.model.hashing import Secret
from credlab.model.machine import CompiledSpec, Member, Outcome
from credlab.model.policy import enforced_ok
from credlab.simulator.conform.target import Observation, Target
from credlab.simulator.stories.runner import ScenarioRun
from credlab.simulator.stories.scenario import Scenario, Step, default_actor


class ConformRun(ScenarioRun):
    def __init__(self, compiled: CompiledSpec, scenario: Scenario, target: Target, seed: int = 0) -> None:
        super().__init__(compiled, scenario, seed)
        self.target = target
        self.exchanges: list[tuple[int, str]] = []
        """(step, what was said to the system) for the report."""
        self.spec_state = scenario.given.state
        self.spec_accepted: bool | None = None
        """The spec's behaviour at the last step played: the shrunk story's last expectation."""

    def start(self, member: Member | None = None) -> Member:
        member = super().start(member)
        given = self.scenario.given
        try:
            self.target.reset(
                given.state, self.initial_values, flags=dict(given.flags), running=given.running, actor=given.actor
            )
        except BaseException:
            self.compiled.release(member)
            raise
        self.record_exchange(Step(0, self.scenario.loc))
        return member

    def observe(
        self, member: Member, step: Step, outcome: Outcome, inputs: Mapping[str, str | bool], actor: str | None
    ) -> None:
        sent = member.record.deliveries[self.delivered :]
        self.spec_state, self.spec_accepted = member.state, outcome.accepted
        seen = self.target.perform(outcome.event, inputs, actor)
        self.record_exchange(step)
        if not seen.observed:
            return
        event = outcome.event
        for wanted, found in seen.violations:
            self.diverge(step, wanted, found)
        if seen.accepted != outcome.accepted:
            wanted = "accept" if outcome.accepted else "refuse"
            self.diverge(step, f"the system to {wanted} {event}", f"it {'accepted' if seen.accepted else 'refused'} it")
        if seen.state is not None and seen.state != member.state:
            self.diverge(step, f"state {member.state} after {event}", f"state {seen.state}")
        expected = sorted(d.message for d in sent)
        observed = sorted(d.message for d in seen.delivered)
        if expected != observed:
            self.diverge(step, f"messages [{', '.join(expected)}] after {event}", f"[{', '.join(observed)}]")
        self.adopt(member, step, seen)
        self.after(member, step)

    def after(self, member: Member, step: Step) -> None:
        running = frozenset(d for d, start in member.record.deadlines.items() if start is not None)
        found = self.target.after_step(running)
        self.record_exchange(step)
        for wanted, observed in found:
            self.diverge(step, wanted, observed)

    def adopt(self, member: Member, step: Step, seen: Observation) -> None:
        """Take the secrets the system sent as the spec's own (a random PIN is the system's to draw)."""
        records = member.record.deliveries
        for index in range(self.delivered, len(records)):
            delivery = records[index]
            if delivery.carries is None:
                continue
            sent = next((d for d in seen.delivered if d.message == delivery.message and d.value is not None), None)
            if sent is None or sent.value is None:
                self.diverge(step, f"{delivery.message} to carry {delivery.carries}", "it carries nothing")
            value = sent.value.reveal()
            policy = self.spec.policies[self.spec.credentials[delivery.carries].policy]
            if not enforced_ok(policy, value):
                self.diverge(
                    step, f"{delivery.message} to carry a {delivery.carries} its policy allows", "one it refuses"
                )
            member.record.credentials[delivery.carries] = self.compiled.runtime.stored(delivery.carries, value)
            records[index] = dataclasses.replace(delivery, secret=Secret(value))

    def record_exchange(self, step: Step) -> None:
        self.exchanges += [(step.number, line) for line in self.target.exchange()]

    def observe_advance(self, member: Member, step: Step, seconds: int) -> None:
        self.spec_state, self.spec_accepted = member.state, None
        self.target.advance(seconds)
        self.record_exchange(step)
        self.after(member, step)

    def observe_access(self, member: Member, step: Step, channel: str) -> None:
        actor = self.scenario.given.actor or default_actor(self.spec)
        if actor is None:
            return
        for credential in sorted(self.spec.credentials):
            known = self.knowledge[actor].resolve("known", credential)
            if known is None:
                continue
            expected = member.accepts(channel, credential) and self.compiled.runtime.matches(
                member.record, credential, known
            )
            answer = self.target.access(channel, credential, known)
            self.record_exchange(step)
            if answer is not None and answer != expected:
                wanted, did = ("accept", "refused") if expected else ("refuse", "accepted")
                self.diverge(step, f"{channel} to {wanted} the member's {credential}", f"it {did} it")

    def diverge(self, step: Step, expected: str, observed: str) -> NoReturn:
        self.stop(step, expected, observed, kind="conformance")


def conform_scenario(compiled: CompiledSpec, scenario: Scenario, target: Target, seed: int = 0) -> ConformRun:
    """Run ``scenario`` on the spec and ``target`` in lock step; the run holds the result and the exchanges."""
    run = ConformRun(compiled, scenario, target, seed)
    try:
        run.run()
    finally:
        target.close()
    return run
