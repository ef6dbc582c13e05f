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
from typing import Any, Literal, NoReturn

from credlab.model import ir
from credlab.model.differential import agree, disagreements
from credlab.model.durations import format_duration
from credlab.model.engine import Engine, World
from credlab.model.errors import Location
from credlab.model.hashing import Stored
from credlab.model.machine import CompiledSpec, InputError, Member, Outcome, Refusal
from credlab.model.policy import random_candidate, random_value
from credlab.model.runtime import Delivery
from credlab.simulator.results import BACKENDS_AGREE, PropertyId
from credlab.simulator.stories.knowledge import NOTHING, Knowledge, learned_settings, next_code
from credlab.simulator.stories.scenario import Advance, Expectation, Scenario, SecretRef, Step, StoryValue
from credlab.simulator.stories.trace import REDACTED, TraceKind

RECENT_STEPS = 4

DivergenceKind = Literal["expectation", "invariant", "backends", "conformance"]


@dataclass(frozen=True, slots=True)
class Divergence:
    """Where a story stopped matching the spec: the first failed step and what differed."""

    step: int
    location: Location
    expected: str
    actual: str
    recent: tuple[str, ...] = ()
    broken: tuple[str, ...] = ()
    """The ids of the invariants that did not hold, when that is what stopped the story."""
    kind: DivergenceKind = "expectation"

    @property
    def property(self) -> PropertyId:
        """The property the story broke: an invariant, the backends' agreement, or its own expectation."""
        if self.kind == "invariant" and self.broken:
            return PropertyId.invariant(self.broken[0])
        if self.kind == "backends":
            return BACKENDS_AGREE
        return PropertyId("expectation", self.expected)

    def summary(self) -> str:
        """One line: the step, what was expected and what happened."""
        return f"step {self.step}: expected {self.expected}; got {self.actual}"

    def message(self) -> str:
        lines = [f"{self.location}: {self.summary()}"]
        if self.recent:
            lines.append("  last steps:")
            lines.extend(f"    {line}" for line in self.recent)
        return "\n".join(lines)


@dataclass(slots=True)
class ScenarioResult:
    scenario: Scenario
    passed: bool = True
    steps_run: int = 0
    fired: int = 0
    """How many times a transition fired (an event accepted, or an expiry that moved the member)."""
    failure: Divergence | None = None
    trace: list[dict[str, Any]] = field(default_factory=list)
    states: set[str] = field(default_factory=set)
    transitions: set[str] = field(default_factory=set)


class StopRun(Exception):
    """Raised inside a run at the first divergence; carries it."""

    def __init__(self, divergence: Divergence) -> None:
        self.divergence = divergence


class ScenarioRun:
    """One run of one scenario; :meth:`run` returns its :class:`ScenarioResult`."""

    def __init__(
        self,
        compiled: CompiledSpec,
        scenario: Scenario,
        seed: int = 0,
        oracle: Engine | None = None,
        *,
        trace: bool = True,
    ) -> None:
        """``trace=False`` keeps no trace (the fuzzer's inner loop): a divergence then has no recent
        steps to show, so replay the steps with a trace to explain one."""
        self.compiled, self.spec, self.scenario, self.seed = compiled, compiled.spec, scenario, seed
        self.tracing = trace
        self.result = ScenarioResult(scenario)
        self.knowledge: dict[str, Knowledge] = dict.fromkeys(compiled.spec.actors, NOTHING)
        self.capabilities: dict[str, tuple[str, ...]] = {name: a.has for name, a in compiled.spec.actors.items()}
        for actor, has, _ in scenario.given.grants:
            self.capabilities[actor] = has
        self.random = random.Random(f"credlab-scenario-{seed}")
        self.current_step = 0
        self.oracle = oracle
        """With a reference engine, every step also runs on it and the two must agree."""
        self.world: World | None = None
        self.oracle_random = random.Random(seed)  # the same draws as the member's own source
        self.delivered = 0
        """Deliveries before the current step: the backends' earlier ones already agreed."""
        self.wrong_values: dict[tuple[str, Stored], str] = {}
        self.in_transit: dict[str, Delivery] = {}
        """Delayed messages sent and not arrived yet, by name (what they carry is taught on arrival)."""

    def run(self) -> ScenarioResult:
        member = self.start()
        try:
            self.check_invariants(member, Step(0, self.scenario.loc))
            for step in self.scenario.steps:
                self.play(member, step)
                self.result.steps_run += 1
        except StopRun as stop:
            self.result.passed, self.result.failure = False, stop.divergence
        finally:
            self.compiled.release(member)
        return self.result

    # --- setting up ---------------------------------------------------------------------------
    def start(self, member: Member | None = None) -> Member:
        """The member in the ``given`` situation: a new one, or ``member`` reset to it (the caller's to release)."""
        given = self.scenario.given
        values = self.initial_credentials()
        self.initial_values = dict(values)
        """The credentials the run started with (plaintext: the caller's test data)."""
        if member is None:
            member = self.compiled.new_member(given.state, values, seed=self.seed)
        else:
            self.compiled.reset(member, given.state, values, seed=self.seed)
        member.record.flags.update(dict(given.flags))
        for deadline in given.running:
            member.record.deadlines[deadline] = 0
        if self.spec.states[given.state].session:  # the story's actor is at that screen
            member.record.session_owner = given.actor
        if self.oracle is not None:
            self.world = self.oracle.initial(given.state, values, dict(given.flags), given.running, given.actor)
        if given.actor is not None:
            for name, value in values.items():
                self.learn(given.actor, name, value)
        for actor, _, knows in given.grants:
            for name in knows:
                if name in values:
                    self.learn(actor, name, values[name])
        self.result.states.add(given.state)
        start: dict[str, Any] = {"kind": "start", "state": given.state}  # untraced: what a divergence shows
        if self.tracing:
            start.update(
                spec=self.spec.name,
                run=self.scenario.name,
                time=0,
                seed=self.seed,
                parameters={k: format_duration(v) for k, v in sorted(self.compiled.parameters.items())},
            )
        self.result.trace.append(start)
        return member

    def initial_credentials(self) -> dict[str, str]:
        """The plaintext credentials the member starts with: the ``given`` ones, and a random value
        (from the run's seed) for each other credential that is set initially."""
        values = dict(self.scenario.given.credentials)
        for name, credential in self.spec.credentials.items():
            if name not in values and credential.initially_set:
                values[name] = random_value(credential, self.spec.policies[credential.policy], self.random)
        return values

    # --- one step ---------------------------------------------------------------------------------
    def play(self, member: Member, step: Step) -> None:
        self.current_step = step.number
        self.delivered = delivered = len(member.record.deliveries)
        before = self.world
        outcomes: list[Outcome] = []
        if step.advance is not None:
            outcomes = self.advance(member, step, step.advance)
        elif step.event is not None:
            outcomes = [self.fire(member, step)]
        new = member.record.deliveries[delivered:]
        if new:
            self.learn_deliveries(new, (step.actor or self.scenario.given.actor) if step.event else None)
        for outcome in outcomes:  # a delayed message that arrives: what it carries reaches them now
            arrived = self.compiled.transition_by_id[outcome.transition].delivers if outcome.transition else None
            if arrived is not None and arrived in self.in_transit:
                self.teach(self.in_transit.pop(arrived))
        # The engine hands back the very world it was given when nothing changed (a refused event),
        # and the machine was just checked equal to it: the invariants held on it a step ago.
        if before is None or self.world is not before:
            self.check_invariants(member, step)
        if step.expect is not None:
            self.check(member, step, step.expect, outcomes, [d.message for d in new])

    def check_invariants(self, member: Member, step: Step) -> None:
        """Stop at ``step`` if an invariant does not hold (step 0: the ``given`` situation)."""
        broken = member.violated_invariants()
        if broken:
            texts = {inv.id: inv.text for inv in self.spec.invariants}
            detail = "; ".join(f"{i} ({texts[i]})" for i in broken)
            self.stop(step, "every invariant to hold", f"violated: {detail}", tuple(broken), "invariant")

    def advance(self, member: Member, step: Step, advance: Advance) -> list[Outcome]:
        """Move the clock; returns the outcomes of the expiry events it fired."""
        seconds = self.seconds(member, step, advance)
        before = member.state
        outcomes = member.advance(seconds)
        self.observe_advance(member, step, seconds)
        if self.tracing:
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
        if self.oracle is not None and self.world is not None:
            self.world, steps = self.oracle.advance(self.world, seconds, self.oracle_random)
            fired = [o.transition for o in outcomes]
            if fired != [s.transition for s in steps] or not agree(
                member, None, self.world, None, self.oracle, self.delivered
            ):
                found = disagreements(member, None, self.world, None, self.oracle)
                if fired != [s.transition for s in steps]:
                    found.insert(0, f"expiry: machine fired {fired}, engine {[s.transition for s in steps]}")
                self.check_agreement(step, found)
        return outcomes

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

    def fire(self, member: Member, step: Step) -> Outcome:
        assert step.event is not None
        actor = step.actor or self.scenario.given.actor
        event = self.spec.events[step.event]
        missing = (
            [c for c in event.requires if actor is None or c not in self.capabilities[actor]] if event.requires else []
        )
        shown = {name: self.shown(value) for name, value in step.inputs} if self.tracing else {}
        if event.capability is not None:
            return self.change_capability(member, event)
        if missing:  # refused before it reaches the machine: this actor cannot cause the event
            lacks = f"{actor} lacks {', '.join(missing)}"
            refused = Outcome(event.name, False, member.state, member.state, None, (Refusal(event.name, lacks),), lacks)
            self.record_outcome("event", member, refused, shown)
            return refused
        inputs = {name: self.resolve(member, step, actor, value) for name, value in step.inputs}
        member.actor = actor
        try:
            outcome = member.fire(event.name, **inputs)
        except InputError as error:
            self.stop(step, "inputs the event accepts", str(error))
        self.record_outcome("event", member, outcome, shown)
        if self.oracle is not None and self.world is not None:
            self.world, engine_step = self.oracle.fire(self.world, event.name, inputs, self.oracle_random, actor)
            if not agree(member, outcome, self.world, engine_step, self.oracle, self.delivered):
                self.check_agreement(step, disagreements(member, outcome, self.world, engine_step, self.oracle))
        self.observe(member, step, outcome, inputs, actor)
        if outcome.accepted and actor is not None:
            self.learn_settings(actor, outcome, inputs)
        return outcome

    def observe(
        self, member: Member, step: Step, outcome: Outcome, inputs: Mapping[str, str | bool], actor: str | None
    ) -> None:
        """A hook after the spec fired ``step``'s event with these concrete inputs: conformance runs
        (:mod:`credlab.simulator.conform`) perform it on the system under test here."""

    def observe_advance(self, member: Member, step: Step, seconds: int) -> None:
        """A hook after the spec's clock moved ``seconds`` (the system under test's moves too)."""

    def observe_access(self, member: Member, step: Step, channel: str) -> None:
        """A hook after an ``access`` expectation on ``channel`` held on the spec."""

    def change_capability(self, member: Member, event: ir.Event) -> Outcome:
        """A capability event: what its actor holds changes (the policy's state does not, and
        neither backend sees it); refused when there is nothing to change."""
        change = event.capability
        assert change is not None
        held = self.capabilities[change.actor]
        if (change.capability in held) == change.gained:
            why = f"{change.actor} {'already holds' if change.gained else 'does not hold'} {change.capability}"
            outcome = Outcome(event.name, False, member.state, member.state, None, (Refusal(event.name, why),), why)
        else:
            self.capabilities[change.actor] = (
                (*held, change.capability) if change.gained else tuple(c for c in held if c != change.capability)
            )
            if not change.gained:  # what only the lost device showed is gone with it (a new one starts blank)
                shown = frozenset(n for n, c in self.spec.credentials.items() if c.device == change.capability)
                self.knowledge[change.actor] = self.knowledge[change.actor].forget(shown)
            outcome = Outcome(event.name, True, member.state, member.state, None, (), str(change))
        self.record_outcome("event", member, outcome, {})
        return outcome

    def check_agreement(self, step: Step, found: list[str]) -> None:
        if found:
            self.stop(
                step, "the transitions machine and the reference engine to agree", "; ".join(found), (), "backends"
            )

    # --- what actors know ---------------------------------------------------------------------
    def resolve(self, member: Member, step: Step, actor: str | None, value: StoryValue) -> str | bool:
        if not isinstance(value, SecretRef):
            return value
        if value.kind == "wrong":
            return self.wrong_value(member, value.credential)
        device = self.spec.credentials[value.credential].device
        if device is not None and (actor is None or device not in self.capabilities[actor]):
            self.stop(step, f"{actor or 'nobody'} to hold {device}, which shows {value.describe()}", "they do not")
        known = self.knowledge[actor].resolve(value.kind, value.credential) if actor is not None else None
        if known is None:
            self.stop(step, f"{actor or 'nobody'} to know {value.describe()}", "they know none")
        if self.spec.credentials[value.credential].codes is not None:  # a set: its first unused code
            return next_code(known, lambda code: self.compiled.runtime.matches(member.record, value.credential, code))
        return known

    def learn(self, actor: str, credential: str, value: str) -> None:
        self.knowledge[actor] = self.knowledge[actor].learn(credential, value)

    def wrong_value(self, member: Member, credential: str) -> str:
        """A value the policy accepts that is not the credential's current one: the same guess for
        as long as the credential keeps its value (drawing a fresh one costs more than a step)."""
        current = member.record.credentials[credential]
        cached = self.wrong_values.get((credential, current))
        if cached is not None:
            return cached
        policy = self.spec.policies[self.spec.credentials[credential].policy]
        for _ in range(100):
            candidate = random_candidate(policy, self.random)
            if not self.compiled.runtime.matches(member.record, credential, candidate):
                self.wrong_values[(credential, current)] = candidate
                return candidate
        raise RuntimeError(f"cannot find a wrong value for {credential}")  # pragma: no cover

    def learn_deliveries(self, deliveries: list[Delivery], actor: str | None) -> None:
        """Teach what messages just sent carry, or keep it until they arrive if they take time;
        what a screen shows, ``actor`` (who acted) sees."""
        for delivery in deliveries:
            if self.spec.messages[delivery.message].delay is not None:
                self.in_transit[delivery.message] = delivery  # sent again: only the latest is in flight
            else:
                self.teach(delivery, actor)

    def teach(self, delivery: Delivery, actor: str | None = None) -> None:
        if delivery.secret is None or delivery.carries is None:
            return
        on_screen = delivery.reaches is None and self.spec.channels[delivery.channel].kind == "screen"
        for name in self.spec.actors:
            if (name == actor) if on_screen else delivery.reaches in self.capabilities[name]:
                self.knowledge[name] = self.knowledge[name].receive(delivery.carries, delivery.secret.reveal())

    def learn_settings(self, actor: str, outcome: Outcome, inputs: Mapping[str, str | bool]) -> None:
        assert outcome.transition is not None
        for credential, value in learned_settings(self.compiled.transition_by_id[outcome.transition], inputs):
            self.learn(actor, credential, value)

    # --- expectations -------------------------------------------------------------------------
    def check(
        self, member: Member, step: Step, expect: Expectation, outcomes: list[Outcome], received: list[str]
    ) -> None:
        """Check ``expect`` after ``step``; ``outcomes`` are its event's, or the expiries an advance fired."""
        outcome = outcomes[-1] if outcomes else None
        if expect.state is not None and member.state != expect.state:
            self.stop(step, f"state {expect.state}", f"state {member.state}")
        if expect.accepted is not None:
            accepted = outcome is not None and outcome.accepted
            if accepted != expect.accepted:
                actual = "accepted" if accepted else f"refused ({outcome.reason if outcome else 'no event'})"
                self.stop(step, "accepted" if expect.accepted else "refused", actual)
        fired = [o.transition for o in outcomes if o.transition is not None]
        if expect.transition is not None and expect.transition not in fired:
            self.stop(step, f"transition {expect.transition}", f"transition {', '.join(fired) or 'none'}")
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
            self.observe_access(member, step, channel)
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
    def shown(self, value: StoryValue) -> str | bool:
        if isinstance(value, SecretRef):
            return value.describe()
        return value if isinstance(value, bool) or value in self.spec.channels else REDACTED

    def record(self, entry: dict[str, Any]) -> None:
        entry["step"] = self.current_step
        self.result.trace.append(entry)

    def record_outcome(self, kind: TraceKind, member: Member, outcome: Outcome, shown: dict[str, str | bool]) -> None:
        self.result.states.add(outcome.target)
        if outcome.transition is not None:
            self.result.transitions.add(outcome.transition)
            self.result.fired += 1
        if not self.tracing:
            return
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

    def stop(
        self,
        step: Step,
        expected: str,
        actual: str,
        broken: tuple[str, ...] = (),
        kind: DivergenceKind = "expectation",
    ) -> NoReturn:
        recent = tuple(_one_line(entry) for entry in self.result.trace[-RECENT_STEPS:])
        raise StopRun(Divergence(step.number, step.loc, expected, actual, recent, broken, kind))


def _one_line(entry: dict[str, Any]) -> str:
    if entry["kind"] == "start":
        return f"start in {entry['state']}"
    if entry["kind"] == "advance":
        return f"#{entry['step']} advance {entry['by']} (t={format_duration(entry['time'])})"
    verdict = f"-> {entry['target']}" if entry["accepted"] else f"refused: {entry['reason']}"
    inputs = ", ".join(f"{k}={v}" for k, v in sorted(entry.get("inputs", {}).items()))
    return f"#{entry['step']} {entry['event']}({inputs}) in {entry['source']} {verdict}"


def run_scenario(
    compiled: CompiledSpec, scenario: Scenario, seed: int = 0, oracle: Engine | None = None
) -> ScenarioResult:
    """Run ``scenario`` on ``compiled`` (the spec under some parameter setting) with ``seed``;
    with an ``oracle``, every step also runs on the reference engine and the two must agree."""
    return ScenarioRun(compiled, scenario, seed, oracle).run()
