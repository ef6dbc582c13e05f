"""A spec's own reference behaviour as a system under test (``--target spec:FILE``): another
version of a policy — last release's spec, a variant, a mutant — driven through this one's
stories. Its random values come from a seed of its own, so adopting the system's secrets is
exercised as it is against a real system."""

from __future__ import annotations

from collections.abc import Mapping

from credlab.model import ir
from credlab.model.hashing import Secret
from credlab.model.machine import CompiledSpec, Member
from credlab.model.runtime import Context
from credlab.simulator.conform.target import CannotStart, Delivered, Observation

TARGET_SEED = 7919
"""The target draws its random values apart from the spec side's."""


class EngineTarget:
    def __init__(self, spec: ir.Spec, parameters: Mapping[str, int] | None = None, name: str = "") -> None:
        self.name = name or f"spec:{spec.path}"
        self.spec = spec
        self.compiled = CompiledSpec(spec, parameters if parameters is not None else spec.parameter_values())
        self.member: Member | None = None

    def reset(
        self,
        state: str,
        credentials: Mapping[str, str],
        *,
        flags: Mapping[str, bool],
        running: tuple[str, ...],
        actor: str | None,
    ) -> None:
        if state not in self.spec.states:
            raise CannotStart(f"the target has no state '{state}'")
        self.close()
        member = self.compiled.new_member(state, dict(credentials), seed=TARGET_SEED)
        member.record.flags.update(flags)
        for deadline in running:
            member.record.deadlines[deadline] = 0
        if self.spec.states[state].session:  # whoever the story starts as is at that screen
            member.record.session_owner = actor
        self.member = member

    def _member(self) -> Member:
        assert self.member is not None, "reset() first"
        return self.member

    def perform(self, event: str, inputs: Mapping[str, ir.InputValue], actor: str | None) -> Observation:
        member = self._member()
        if event not in self.spec.events:
            return Observation(False, state=member.state)
        sent = len(member.record.deliveries)
        member.actor = actor
        outcome = member.fire(event, **inputs)
        delivered = tuple(
            Delivered(d.message, d.carries, Secret(d.secret.reveal()) if d.secret else None)
            for d in member.record.deliveries[sent:]
        )
        return Observation(outcome.accepted, delivered, member.state)

    def access(self, channel: str, credential: str, value: str) -> bool:
        member = self._member()
        if credential not in self.spec.credentials:
            return False
        return self.compiled.runtime.accepts(Context(member.record, member.state, {}), channel, credential, value)

    def after_step(self, running: frozenset[str]) -> tuple[tuple[str, str], ...]:
        return ()

    def exchange(self) -> tuple[str, ...]:
        return ()

    def advance(self, seconds: int) -> None:
        self._member().advance(seconds)

    def close(self) -> None:
        if self.member is not None:
            self.compiled.release(self.member)
            self.member = None
