"""Hypothesis stateful testing generated from any spec, with the reference engine as oracle.

:func:`build_state_machine` turns a spec into a ``RuleBasedStateMachine``: one rule per event
(inputs drawn from what the member knows, what was mailed, wrong values, valid and invalid
literals per policy, Unicode traps), one rule that moves the clock to just before, at or just
after a running deadline's limit (or by a random amount), and an initial rule that first
replays a shortest path to some transition, so that every example starts somewhere deep.
Each step runs through the scenario runner in lock-step with the reference engine: the
spec's invariants and the two backends' agreement are checked after every step.

A failure is shrunk by Hypothesis, then written as a scenario file that ``credlab simulate``
replays with the same failure (see :mod:`simulator.scenario_writer`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, get_state_machine_test, initialize, precondition, rule

from model import ir
from model.engine import Engine
from model.errors import Location
from model.machine import CompiledSpec
from simulator.coverage import Coverage
from simulator.paths import Move, Paths, shortest_paths
from simulator.runner import Divergence, ScenarioRun, StopRun
from simulator.scenario import Advance, Given, InputValue, Scenario, SecretRef, Step, default_actor
from simulator.strategies import secret_literals

WHERE = "<fuzz>"


class PropertyFailed(AssertionError):
    """A step broke a property: an invariant, or the backends' agreement."""

    def __init__(self, divergence: Divergence) -> None:
        super().__init__(divergence.message())
        self.divergence = divergence


@dataclass(slots=True)
class FuzzStats:
    """What the runs covered and how many steps they took; shared by every example."""

    coverage: Coverage
    examples: int = 0
    """Random examples Hypothesis ran (the directed paths before them are counted in ``directed``)."""
    directed: int = 0
    steps: int = 0
    seconds: float = 0.0
    last: Any = None
    """The latest machine instance: after a failure, the shrunk example Hypothesis replayed."""
    progress: Callable[[FuzzStats], None] | None = field(default=None, repr=False)


def property_of(divergence: Divergence) -> str:
    """A short name for the property a divergence broke."""
    if divergence.actual.startswith("violated: "):
        return "invariant " + divergence.actual.removeprefix("violated: ").split(" ", 1)[0]
    if "reference engine" in divergence.expected:
        return "backends agree"
    return divergence.expected


def build_state_machine(
    compiled: CompiledSpec, engine: Engine, paths: Paths, stats: FuzzStats, run_seed: int = 0
) -> type[RuleBasedStateMachine]:
    """A ``RuleBasedStateMachine`` class for ``compiled.spec``."""
    spec = compiled.spec
    actor = default_actor(spec)
    starts = list(enumerate(start_paths(paths))) or [(0, (spec.initial[0], ()))]
    literals = secret_literals(spec)
    longest = max((engine.durations or (3600,)), default=3600)

    class SpecMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.steps: list[Step] = []
            self.given: Given | None = None
            self.run: ScenarioRun | None = None
            self.member: Any = None
            stats.last = self

        @initialize(start=st.sampled_from(starts))
        def start(self, start: tuple[int, tuple[str, tuple[Move, ...]]]) -> None:
            _, (state, moves) = start
            self.given = Given(state, actor)
            scenario = Scenario("fuzz", WHERE, Location(WHERE), spec.name, self.given, ())
            self.run = ScenarioRun(compiled, scenario, run_seed, oracle=engine)
            self.member = self.run.start()
            for move in moves:
                self.play(move.as_step(len(self.steps) + 1, Location(WHERE, len(self.steps) + 1)))

        def play(self, step: Step) -> None:
            assert self.run is not None
            self.steps.append(step)
            stats.steps += 1
            try:
                self.run.play(self.member, step)
            except StopRun as stop:
                raise PropertyFailed(stop.divergence) from None

        def known_refs(self) -> tuple[list[SecretRef], list[SecretRef]]:
            """(what the member knows now, everything else worth trying: previous, mailed, wrong)."""
            assert self.run is not None and actor is not None
            knowledge = self.run.knowledge[actor]
            refs = [SecretRef(kind, c) for kind in ("known", "previous", "mailed") for c in spec.credentials]
            usable = [r for r in refs if knowledge.resolve(r.kind, r.credential) is not None]
            others = [r for r in usable if r.kind != "known"] + [SecretRef("wrong", c) for c in spec.credentials]
            return [r for r in usable if r.kind == "known"], others

        def draw_input(self, data: st.DataObject, declared: ir.Input) -> InputValue | None:
            if declared.optional and data.draw(st.booleans(), label=f"{declared.name} given?") is False:
                return None
            if declared.type == "bool":
                return data.draw(st.booleans(), label=declared.name)
            if declared.type in ("channel", "choice"):
                return data.draw(st.sampled_from(declared.values or tuple(spec.channels)), label=declared.name)
            known, others = self.known_refs()
            # Half the time a value the member knows: stories that get somewhere use real credentials.
            use_known: bool = bool(known) and data.draw(st.booleans(), label=f"{declared.name} known?")
            if use_known:
                return data.draw(st.sampled_from(known), label=declared.name)
            value: InputValue = data.draw(st.one_of(st.sampled_from(others), literals), label=declared.name)
            return value

        @rule(data=st.data())
        @precondition(lambda self: self.run is not None)
        def advance(self, data: st.DataObject) -> None:
            running = [name for name, start in self.member.record.deadlines.items() if start is not None]
            options = [Advance(until=name, offset=offset) for name in running for offset in (-1, 0, 1)]
            jump = st.integers(1, 2 * longest).map(lambda s: Advance(seconds=s))
            choice = data.draw(st.one_of(st.sampled_from(options), jump) if options else jump, label="advance")
            if choice.until is not None:
                start = self.member.record.deadlines[choice.until]
                limit = start + compiled.runtime.durations[choice.until] + choice.offset
                if limit < self.member.record.now:
                    return
            self.play(Step(len(self.steps) + 1, Location(WHERE, len(self.steps) + 1), advance=choice))

        def teardown(self) -> None:
            if self.run is not None:
                stats.coverage.add(self.run.result.states, self.run.result.transitions)
                compiled.release(self.member)
            stats.examples += 1
            if stats.progress is not None:
                stats.progress(stats)

    def event_rule(event: ir.Event) -> Callable[..., None]:
        def fire(self: SpecMachine, data: st.DataObject) -> None:
            inputs = tuple(
                (declared.name, value)
                for declared in event.inputs
                if (value := self.draw_input(data, declared)) is not None
            )
            self.play(Step(len(self.steps) + 1, Location(WHERE, len(self.steps) + 1), event.name, inputs))

        fire.__name__ = f"fire_{event.name}"

        def applicable(self: SpecMachine) -> bool:
            # Only events some transition handles in the current state: the others are refused
            # trivially, and drawing them would dilute the walk (hypothesis#376: runs stay shallow).
            return self.run is not None and (self.member.state, event.name) in engine.table

        return rule(data=st.data())(precondition(applicable)(fire))

    for event in spec.events.values():
        if not event.internal:
            setattr(SpecMachine, f"fire_{event.name}", event_rule(event))
    SpecMachine.__name__ = SpecMachine.__qualname__ = f"{spec.name.title().replace('_', '')}Machine"
    return SpecMachine


def start_paths(paths: Paths) -> list[tuple[str, tuple[Move, ...]]]:
    """Where examples start: a shortest path to every transition and to every signature (state,
    which credentials are set, flags), without repeats, in a stable order."""
    every = list(paths.transitions.values()) + list(paths.signatures.values())
    return sorted(set(every), key=lambda item: (len(item[1]), item[0], repr(item[1])))


def directed(
    compiled: CompiledSpec, engine: Engine, paths: Paths, stats: FuzzStats, result: FuzzResult, run_seed: int
) -> bool:
    """Replay the shortest path to each transition first, so coverage of everything reachable
    does not hang on chance; a path that breaks a property is already a minimal counterexample."""
    actor = default_actor(compiled.spec)
    for state, moves in start_paths(paths):
        steps = tuple(move.as_step(n, Location(WHERE, n)) for n, move in enumerate(moves, start=1))
        given = Given(state, actor)
        run = ScenarioRun(
            compiled,
            Scenario("directed", WHERE, Location(WHERE), compiled.spec.name, given, steps),
            run_seed,
            oracle=engine,
        )
        outcome = run.run()
        stats.steps += outcome.steps_run
        stats.directed += 1
        stats.coverage.add(outcome.states, outcome.transitions)
        if outcome.failure is not None:
            result.failure, result.given, result.initial_values = outcome.failure, given, dict(run.initial_values)
            result.steps = list(steps[: outcome.failure.step])
            return True
    return False


@dataclass(slots=True)
class FuzzResult:
    stats: FuzzStats
    failure: Divergence | None = None
    steps: list[Step] = field(default_factory=list)
    given: Given | None = None
    initial_values: dict[str, str] = field(default_factory=dict)
    paths: Paths | None = None


def fuzz_settings(max_examples: int, steps: int) -> settings:
    """The Hypothesis settings credlab fuzzes with: no example database, no deadline, quiet;
    generate and shrink only (there is no database to replay from)."""
    return settings(
        max_examples=max_examples,
        stateful_step_count=steps,
        database=None,
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        phases=(Phase.generate, Phase.shrink),
        report_multiple_bugs=False,
        print_blob=False,
    )


def fuzz(
    compiled: CompiledSpec,
    *,
    max_examples: int = 100,
    steps: int = 30,
    seed_value: int = 0,
    progress: Callable[[FuzzStats], None] | None = None,
) -> FuzzResult:
    """Run the generated state machine; on failure, return the shrunk steps that break a property."""
    spec = compiled.spec
    engine = Engine(spec, compiled.parameters)
    paths = shortest_paths(engine, signatures=True)
    stats = FuzzStats(Coverage(spec), progress=progress)
    machine = build_state_machine(compiled, engine, paths, stats, seed_value)
    config = fuzz_settings(max_examples, steps)
    test = seed(seed_value)(get_state_machine_test(machine, settings=config))
    result = FuzzResult(stats, paths=paths)
    started = time.perf_counter()
    try:
        if directed(compiled, engine, paths, stats, result, seed_value):
            return result
        test()
    except PropertyFailed as failed:
        result.failure = failed.divergence
        result.steps = list(stats.last.steps)
        result.given = stats.last.given
        result.initial_values = dict(stats.last.run.initial_values)
    finally:
        stats.seconds = time.perf_counter() - started
    return result
