"""Run a scenario on the compiled ``transitions`` machine, on a virtual clock, with a seed.

The runner plays the actors: it remembers what each one knows (the PIN they were given, the
password they set, the PIN on the postcard they received), resolves secret references from that
memory, fires events, moves the clock, checks the spec's invariants after every step and the
scenario's expectations, and stops at the first divergence. Every step goes to a trace.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from model import ir
from model.durations import format_duration
from model.errors import Location
from model.machine import CompiledSpec, InputError, Member, Outcome
from model.policy import random_candidate
from simulator.scenario import Advance, Expectation, InputValue, Scenario, SecretRef, Step
from simulator.trace import REDACTED

RECENT_STEPS = 4


@dataclass(frozen=True, slots=True)
class Divergence:
    """Where a story stopped matching the spec: the first failed step and what differed."""

    step: int
    location: Location
    expected: str
    actual: str
    recent: tuple[str, ...] = ()

    def message(self) -> str:
        lines = [f"{self.location}: step {self.step}: expected {self.expected}; got {self.actual}"]
        if self.recent:
            lines.append("  last steps:")
            lines.extend(f"    {line}" for line in self.recent)
        return "\n".join(lines)


@dataclass(slots=True)
class ScenarioResult:
    scenario: Scenario
    passed: bool = True
    steps_run: int = 0
    failure: Divergence | None = None
    trace: list[dict[str, Any]] = field(default_factory=list)
    states: set[str] = field(default_factory=set)
    transitions: set[str] = field(default_factory=set)


class _Stop(Exception):
    def __init__(self, divergence: Divergence) -> None:
        self.divergence = divergence


class _Memory:
    """What each actor knows: every value of each credential they learned, oldest first."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, list[str]]] = {}

    def learn(self, actor: str, credential: str, value: str) -> None:
        history = self.values.setdefault(actor, {}).setdefault(credential, [])
        if not history or history[-1] != value:
            history.append(value)

    def history(self, actor: str, credential: str) -> list[str]:
        return self.values.get(actor, {}).get(credential, [])


class ScenarioRun:
    """One run of one scenario; :meth:`run` returns its :class:`ScenarioResult`."""

    def __init__(self, compiled: CompiledSpec, scenario: Scenario, seed: int = 0) -> None:
        self.compiled, self.spec, self.scenario, self.seed = compiled, compiled.spec, scenario, seed
        self.result = ScenarioResult(scenario)
        self.memory = _Memory()
        self.random = random.Random(f"credlab-scenario-{seed}")

    def run(self) -> ScenarioResult:
        member = self.start()
        try:
            for step in self.scenario.steps:
                self.play(member, step)
                self.result.steps_run += 1
        except _Stop as stop:
            self.result.passed, self.result.failure = False, stop.divergence
        finally:
            self.compiled.release(member)
        return self.result

    # --- setting up ---------------------------------------------------------------------------
    def start(self) -> Member:
        given = self.scenario.given
        values = dict(given.credentials)
        for name, credential in self.spec.credentials.items():
            if name not in values and credential.initially_set:
                values[name] = random_candidate(self.spec.policies[credential.policy], self.random)
        member = self.compiled.new_member(given.state, values, seed=self.seed)
        member.record.flags.update(dict(given.flags))
        if given.actor is not None:
            for name, value in values.items():
                self.memory.learn(given.actor, name, value)
        self.result.states.add(given.state)
        self.result.trace.append(
            {
                "kind": "start",
                "spec": self.spec.name,
                "run": self.scenario.name,
                "state": given.state,
                "time": 0,
                "seed": self.seed,
                "parameters": {k: format_duration(v) for k, v in sorted(self.compiled.parameters.items())},
            }
        )
        return member

    # --- one step ---------------------------------------------------------------------------------
    def play(self, member: Member, step: Step) -> None:
        delivered = len(member.record.deliveries)
        outcome: Outcome | None = None
        if step.advance is not None:
            self.advance(member, step, step.advance)
        elif step.event is not None:
            outcome = self.fire(member, step)
        new = member.record.deliveries[delivered:]
        self.learn_deliveries(new)
        broken = member.violated_invariants()
        if broken:
            texts = {inv.id: inv.text for inv in self.spec.invariants}
            detail = "; ".join(f"{i} ({texts[i]})" for i in broken)
            self.stop(step, "every invariant to hold", f"violated: {detail}")
        if step.expect is not None:
            self.check(member, step, step.expect, outcome, [d.message for d in new])

    def advance(self, member: Member, step: Step, advance: Advance) -> None:
        seconds = self.seconds(member, step, advance)
        before = member.state
        outcomes = member.advance(seconds)
        self.record(
            {
                "kind": "advance",
                "time": member.record.now,
                "by": format_duration(seconds),
                "source": before,
                "target": before,
            }
        )
        for outcome in outcomes:
            self.record_outcome("expiry", member, outcome, {})

    def seconds(self, member: Member, step: Step, advance: Advance) -> int:
        if advance.seconds is not None:
            return advance.seconds
        if advance.parameter is not None:
            return self.compiled.parameters[advance.parameter]
        assert advance.until is not None
        start = member.record.deadlines[advance.until]
        if start is None:
            self.stop(step, f"deadline '{advance.until}' to be running", "it is not running")
        target = start + self.compiled.runtime.durations[advance.until] + advance.offset
        if target < member.record.now:
            self.stop(step, f"a time at or after now ({format_duration(member.record.now)})", "a time in the past")
        return target - member.record.now

    def fire(self, member: Member, step: Step) -> Outcome | None:
        assert step.event is not None
        actor = step.actor or self.scenario.given.actor
        event = self.spec.events[step.event]
        missing = [c for c in event.requires if actor is None or c not in self.spec.actors[actor].has]
        shown = {name: self.shown(value) for name, value in step.inputs}
        if missing:
            self.record(
                {
                    "kind": "event",
                    "time": member.record.now,
                    "event": event.name,
                    "inputs": shown,
                    "accepted": False,
                    "source": member.state,
                    "target": member.state,
                    "transition": None,
                    "reason": f"{actor} lacks {', '.join(missing)}",
                }
            )
            return Outcome(
                event.name, False, member.state, member.state, None, (), f"{actor} lacks {', '.join(missing)}"
            )
        inputs = {name: self.resolve(member, step, actor, value) for name, value in step.inputs}
        try:
            outcome = member.fire(event.name, **inputs)
        except InputError as error:
            self.stop(step, "inputs the event accepts", str(error))
        self.record_outcome("event", member, outcome, shown)
        if outcome.accepted and actor is not None:
            self.learn_settings(actor, outcome, inputs)
        return outcome

    # --- what actors know ---------------------------------------------------------------------
    def resolve(self, member: Member, step: Step, actor: str | None, value: InputValue) -> str | bool:
        if not isinstance(value, SecretRef):
            return value
        who = actor or "nobody"
        history = self.memory.history(who, value.credential)
        if value.kind == "known" and history:
            return history[-1]
        if value.kind == "previous" and len(history) >= 2:
            return history[-2]
        if value.kind == "mailed":
            secret = next(
                (
                    d.secret
                    for d in reversed(member.record.deliveries)
                    if d.carries == value.credential and d.secret is not None and self.reaches(who, d.reaches)
                ),
                None,
            )
            if secret is not None:
                return secret.reveal()
        if value.kind == "wrong":
            return self.wrong_value(member, value.credential)
        self.stop(step, f"{who} to know {value.describe()}", "they know none")

    def wrong_value(self, member: Member, credential: str) -> str:
        policy = self.spec.policies[self.spec.credentials[credential].policy]
        for _ in range(100):
            candidate = random_candidate(policy, self.random)
            if not self.compiled.runtime.matches(member.record, credential, candidate):
                return candidate
        raise RuntimeError(f"cannot find a wrong value for {credential}")  # pragma: no cover

    def reaches(self, actor: str, capability: str | None) -> bool:
        return capability is not None and actor in self.spec.actors and capability in self.spec.actors[actor].has

    def learn_deliveries(self, deliveries: list[Any]) -> None:
        for delivery in deliveries:
            if delivery.secret is None:
                continue
            for name, actor in self.spec.actors.items():
                if delivery.reaches in actor.has:
                    self.memory.learn(name, delivery.carries, delivery.secret.reveal())

    def learn_settings(self, actor: str, outcome: Outcome, inputs: Mapping[str, str | bool]) -> None:
        transition = next(t for t in self.spec.transitions if t.id == outcome.transition)
        for effect in transition.effects:
            if isinstance(effect, ir.SetCredential) and isinstance(inputs.get(effect.input), str):
                self.memory.learn(actor, effect.credential, str(inputs[effect.input]))

    # --- expectations -------------------------------------------------------------------------
    def check(
        self, member: Member, step: Step, expect: Expectation, outcome: Outcome | None, received: list[str]
    ) -> None:
        if expect.state is not None and member.state != expect.state:
            self.stop(step, f"state {expect.state}", f"state {member.state}")
        if expect.accepted is not None:
            accepted = outcome is not None and outcome.accepted
            if accepted != expect.accepted:
                actual = "accepted" if accepted else f"refused ({outcome.reason if outcome else 'no event'})"
                self.stop(step, "accepted" if expect.accepted else "refused", actual)
        if expect.transition is not None and (outcome is None or outcome.transition != expect.transition):
            self.stop(step, f"transition {expect.transition}", f"transition {outcome.transition if outcome else None}")
        if expect.broke is not None:
            broke = sorted({rule for r in (outcome.refusals if outcome else ()) for rule in r.rules})
            if broke != sorted(expect.broke):
                self.stop(step, f"broken rules [{', '.join(sorted(expect.broke))}]", f"[{', '.join(broke)}]")
        if expect.failed_guard is not None:
            guards = [r.guard for r in (outcome.refusals if outcome else ())]
            if expect.failed_guard not in guards:
                self.stop(step, f"refusal by guard '{expect.failed_guard}'", f"guards {guards or 'none'}")
        for channel, credentials in expect.access or ():
            works = sorted(c for c in self.spec.credentials if member.accepts(channel, c))
            if works != sorted(credentials):
                self.stop(step, f"{channel} to accept [{', '.join(sorted(credentials))}]", f"[{', '.join(works)}]")
        if expect.received is not None and sorted(received) != sorted(expect.received):
            self.stop(step, f"received [{', '.join(expect.received)}]", f"[{', '.join(received)}]")
        self.check_record(member, step, expect)

    def check_record(self, member: Member, step: Step, expect: Expectation) -> None:
        record = member.record
        for name, is_set in expect.credentials:
            if (record.credentials[name] is not None) != is_set:
                actual = "set" if record.credentials[name] is not None else "unset"
                self.stop(step, f"{name} {'set' if is_set else 'unset'}", f"{name} {actual}")
        for name, value in expect.flags:
            if record.flags[name] != value:
                self.stop(step, f"flag {name} {str(value).lower()}", f"{str(record.flags[name]).lower()}")
        for name, count in expect.counters:
            if record.counters[name] != count:
                self.stop(step, f"counter {name} = {count}", f"{record.counters[name]}")

    # --- trace --------------------------------------------------------------------------------
    def shown(self, value: InputValue) -> str | bool:
        if isinstance(value, SecretRef):
            return value.describe()
        return value if isinstance(value, bool) or value in self.spec.channels else REDACTED

    def record(self, entry: dict[str, Any]) -> None:
        entry["step"] = len(self.result.trace)
        self.result.trace.append(entry)

    def record_outcome(self, kind: str, member: Member, outcome: Outcome, shown: dict[str, str | bool]) -> None:
        self.record(
            {
                "kind": kind,
                "time": member.record.now,
                "event": outcome.event,
                "inputs": shown,
                "accepted": outcome.accepted,
                "source": outcome.source,
                "target": outcome.target,
                "transition": outcome.transition,
                "reason": outcome.reason,
            }
        )
        self.result.states.add(outcome.target)
        if outcome.transition is not None:
            self.result.transitions.add(outcome.transition)

    def stop(self, step: Step, expected: str, actual: str) -> NoReturn:
        recent = tuple(_one_line(entry) for entry in self.result.trace[-RECENT_STEPS:])
        raise _Stop(Divergence(step.number, step.loc, expected, actual, recent))


def _one_line(entry: dict[str, Any]) -> str:
    if entry["kind"] == "start":
        return f"start in {entry['state']}"
    if entry["kind"] == "advance":
        return f"#{entry['step']} advance {entry['by']} (t={format_duration(entry['time'])})"
    verdict = f"-> {entry['target']}" if entry["accepted"] else f"refused: {entry['reason']}"
    inputs = ", ".join(f"{k}={v}" for k, v in sorted(entry.get("inputs", {}).items()))
    return f"#{entry['step']} {entry['event']}({inputs}) in {entry['source']} {verdict}"


def run_scenario(compiled: CompiledSpec, scenario: Scenario, seed: int = 0) -> ScenarioResult:
    """Run ``scenario`` on ``compiled`` (the spec under some parameter setting) with ``seed``."""
    return ScenarioRun(compiled, scenario, seed).run()
