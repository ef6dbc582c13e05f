"""Compile a spec into a ``transitions`` state machine bound to :class:`Member` models.

``compile_spec`` is cached per (spec, parameter overrides): a machine is built once and each
member is added to it as a model. Guards become the machine's conditions and effects its
``after`` callbacks; deadlines are checked against the member's virtual clock. Firing an event
returns an :class:`Outcome` saying whether it was accepted and, if not, which guard refused it.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from transitions import Machine

from credlab.model import ir
from credlab.model.hashing import Secret
from credlab.model.policy import evaluate, random_value
from credlab.model.render import guard_text
from credlab.model.runtime import Apply, Check, Context, MemberRecord, Runtime

# transitions logs every refused trigger at INFO/WARNING; a fuzzer fires thousands.
logging.getLogger("transitions").setLevel(logging.ERROR)


class InputError(ValueError):
    """An event was fired with inputs its declaration does not allow."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why one candidate transition did not fire: the first guard that did not hold."""

    transition: str
    guard: str
    rules: tuple[str, ...] = ()
    """For a policy guard: the ids of the rules the input broke."""


@dataclass(frozen=True, slots=True)
class Outcome:
    event: str
    accepted: bool
    source: str
    target: str
    transition: str | None
    refusals: tuple[Refusal, ...]
    reason: str = ""


class Member:
    """One member's lifecycle: the ``transitions`` model. ``state`` is set by the machine."""

    state: str

    def __init__(self, compiled: CompiledSpec, record: MemberRecord, rng: random.Random) -> None:
        self.compiled = compiled
        self.record = record
        self.random = rng
        self.refusals: list[Refusal] = []
        self.fired: str | None = None
        self.actor: str | None = None
        """Who causes the next event (a session state refuses anyone but its owner); None: nobody in particular."""

    def fire(self, event: str, **inputs: ir.InputValue) -> Outcome:
        """Fire ``event`` with ``inputs`` as ``self.actor``; returns what happened, never raises for a refusal."""
        self.compiled.check_inputs(event, inputs)
        source = self.state
        if event not in self.compiled.triggers_from[source]:  # the compiled machine's own table says so
            return _impossible(event, source)
        owner = self.record.session_owner
        if owner is not None and self.actor != owner and not self.compiled.spec.events[event].internal:
            why = f"'{source}' is {owner}'s session"
            reason = f"{why}: {self.actor or 'nobody'} cannot act on it"
            return Outcome(event, False, source, source, None, (Refusal(event, why),), reason)
        self.refusals, self.fired = [], None
        if self.trigger(event, inputs=inputs):  # type: ignore[attr-defined]
            return Outcome(event, True, source, self.state, self.fired, ())
        if not self.refusals:  # no transition was even tried: none leaves this state on this event
            return Outcome(event, False, source, source, None, (), f"'{event}' is not possible in state '{source}'")
        reason = "; ".join(
            f"{r.transition}: '{r.guard}' does not hold" + (f" (broke {', '.join(r.rules)})" if r.rules else "")
            for r in self.refusals
        )
        return Outcome(event, False, source, self.state, None, tuple(self.refusals), reason)

    def advance(self, seconds: int) -> list[Outcome]:
        """Move the virtual clock forward, firing the expiry event of each deadline that lapses."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.record.now += seconds
        runtime = self.compiled.runtime
        outcomes = []
        lapsed = sorted(
            (start + runtime.durations[name], name)
            for name, start in self.record.deadlines.items()
            if start is not None and name not in self.record.expiry_fired and not runtime.within(self.record, name)
        )
        acting, self.actor = self.actor, None  # the clock fires expiries, nobody's session
        try:
            for _, name in lapsed:
                self.record.expiry_fired.add(name)
                event = self.compiled.spec.deadlines[name].on_expiry
                if event is not None and self.record.deadlines[name] is not None:
                    outcomes.append(self.fire(event))
        finally:
            self.actor = acting
        return outcomes

    def violated_invariants(self) -> list[str]:
        """Ids of the spec's invariants that do not hold right now."""
        ctx = Context(self.record, self.state, {})
        return [inv_id for inv_id, check in self.compiled.invariants if not check(ctx)]

    def accepts(self, channel: str, credential: str) -> bool:
        """Whether ``credential`` would let the member in on ``channel`` now."""
        return self.compiled.runtime.accepts(Context(self.record, self.state, {}), channel, credential)

    def mailed_secret(self, credential: str) -> Secret | None:
        """The latest value of ``credential`` delivered to the member (a PIN on a postcard)."""
        return next((d.secret for d in reversed(self.record.deliveries) if d.carries == credential and d.secret), None)


class CompiledSpec:
    """A spec compiled for one parameter setting: a ``transitions`` machine plus its runtime."""

    def __init__(self, spec: ir.Spec, parameters: Mapping[str, int]) -> None:
        self.spec = spec
        self.parameters = dict(parameters)
        self.runtime = Runtime(spec, parameters)
        self.invariants = [(inv.id, self.runtime.guard(inv.holds)) for inv in spec.invariants]
        self.declared_inputs = {name: {i.name: i for i in event.inputs} for name, event in spec.events.items()}
        self.transition_by_id = {t.id: t for t in spec.transitions}
        self.sessions = frozenset(name for name, state in spec.states.items() if state.session)
        self.machine = Machine(
            model=[],
            states=[{"name": name, "final": state.final} for name, state in spec.states.items()],
            initial=spec.initial[0],
            transitions=[self._transition(t) for t in spec.transitions],
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=True,
        )
        # What transitions checks first when an event fires, asked once per state: an event no
        # transition handles is refused without building an event, formatting a message and
        # raising an exception, which cost more than firing an event that is handled.
        self.triggers_from = {state: frozenset(self.machine.get_triggers(state)) for state in spec.states}

    def _transition(self, t: ir.Transition) -> dict[str, Any]:
        checks: list[tuple[ir.Guard, str, Check]] = [(g, guard_text(g), self.runtime.guard(g)) for g in t.guards]
        effects: list[Apply] = [self.runtime.effect(e) for e in t.effects]

        def condition(event_data: Any) -> bool:
            member: Member = event_data.model
            ctx = Context(member.record, member.state, event_data.kwargs["inputs"], member.random)
            for index, (_, text, check) in enumerate(checks):
                if not check(ctx):
                    # report every policy rule the inputs broke, not only the first guard's
                    rules = [rule for later, _, _ in checks[index:] for rule in self._broken_rules(later, ctx)]
                    member.refusals.append(Refusal(t.id, text, tuple(dict.fromkeys(rules))))
                    return False
            return True

        def apply(event_data: Any) -> None:
            member: Member = event_data.model
            member.fired = t.id
            ctx = Context(member.record, member.state, event_data.kwargs["inputs"], member.random)
            for effect in effects:
                effect(ctx)
            record = member.record  # runs before the state changes: member.state is still the source
            if (t.target or member.state) not in self.sessions:
                record.session_owner = None
            elif record.session_owner is None:
                record.session_owner = member.actor

        return {
            "trigger": t.event,
            "source": list(t.sources_states),
            "dest": t.target,
            "conditions": [condition],
            "before": [apply],
        }

    def _broken_rules(self, guard: ir.Guard, ctx: Context) -> tuple[str, ...]:
        """Which policy rules a refused ``satisfies`` guard's input broke (empty for other guards)."""
        if not isinstance(guard, ir.Satisfies):
            return ()
        value = ctx.inputs.get(guard.input)
        if not isinstance(value, str):
            return ()
        return tuple(r.rule for r in evaluate(self.spec.policies[guard.policy], value).violations)

    def check_inputs(self, event: str, inputs: Mapping[str, ir.InputValue]) -> None:
        declared = self.declared_inputs.get(event)
        if declared is None:
            raise InputError(f"unknown event '{event}'")
        for name, value in inputs.items():
            spec_input = declared.get(name)
            if spec_input is None:
                raise InputError(f"event '{event}' has no input '{name}'")
            expected = bool if spec_input.type == "bool" else str
            if not isinstance(value, expected):
                raise InputError(f"input '{name}' of '{event}' must be a {spec_input.type}")
            if spec_input.values and value not in spec_input.values:
                raise InputError(f"input '{name}' of '{event}' must be one of {', '.join(spec_input.values)}")
        for spec_input in declared.values():
            if not spec_input.optional and spec_input.name not in inputs:
                raise InputError(f"event '{event}' needs input '{spec_input.name}'")

    def new_member(
        self, state: str | None = None, secrets: Mapping[str, str] | None = None, *, seed: int = 0
    ) -> Member:
        """A member in ``state`` (default: the first initial state), with its own random source.

        Credentials declared ``initially_set`` take their value from ``secrets`` or, if absent,
        a random value their policy accepts. The same ``seed`` gives the same random values.
        """
        member = Member(self, self.runtime.new_record(), random.Random(seed))
        self._fill(member, secrets, state)
        self.machine.add_model(member, initial=state or self.spec.initial[0])
        return member

    def reset(
        self, member: Member, state: str | None = None, secrets: Mapping[str, str] | None = None, *, seed: int = 0
    ) -> None:
        """Make ``member`` exactly what ``new_member(state, secrets, seed=seed)`` would return, without
        detaching and re-adding it (``add_model`` is the costly part of a fresh member)."""
        member.record, member.random = self.runtime.new_record(), random.Random(seed)
        member.refusals, member.fired, member.actor = [], None, None
        self._fill(member, secrets, state)
        self.machine.set_state(state or self.spec.initial[0], model=member)

    def _fill(self, member: Member, secrets: Mapping[str, str] | None, state: str | None = None) -> None:
        for deadline in self.spec.from_start(state or self.spec.initial[0]):
            member.record.deadlines[deadline] = 0
        for name, credential in self.spec.credentials.items():
            value = (secrets or {}).get(name)
            if value is None and credential.initially_set:
                value = random_value(credential, self.spec.policies[credential.policy], member.random)
            if value is not None:
                member.record.credentials[name] = self.runtime.stored(name, value)

    def release(self, member: Member) -> None:
        """Detach ``member`` from the machine (``add_model`` costs grow with attached models)."""
        self.machine.remove_model(member)


@lru_cache(maxsize=4096)
def _impossible(event: str, state: str) -> Outcome:
    """The outcome of ``event`` where no transition handles it (one object per pair: fuzzing tries
    every event in every state)."""
    return Outcome(event, False, state, state, None, (), f"'{event}' is not possible in state '{state}'")


@lru_cache(maxsize=64)
def _compile(spec: ir.Spec, overrides: tuple[tuple[str, int], ...]) -> CompiledSpec:
    return CompiledSpec(spec, spec.parameter_values(dict(overrides)))


def compile_spec(spec: ir.Spec, overrides: Mapping[str, int] | None = None) -> CompiledSpec:
    """The compiled machine for ``spec`` under ``overrides``; cached, so call it freely."""
    unknown = set(overrides or {}) - set(spec.parameters)
    if unknown:
        raise KeyError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    return _compile(spec, tuple(sorted((overrides or {}).items())))
