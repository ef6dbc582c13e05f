"""Hypothesis stateful testing generated from any spec, with the reference engine as oracle.

:func:`build_state_machine` turns a spec into a ``RuleBasedStateMachine``: one rule per event the
member can cause, drawing one number into the event's table of symbolic inputs (what the member
knows, what was mailed, wrong values, valid and broken literals per policy, Unicode traps: see
:mod:`credlab.simulator.analysis.strategies`); one rule that moves the clock to just before, at or just after a
running deadline's limit, or by a fixed jump; and ``restart``, which starts a new story from the
end of a shortest path to some transition, situation or invariant violation, so that stories
start deep. Each step runs through the scenario runner, without a trace, in lock-step with the
reference engine: the spec's invariants and the two backends' agreement are checked after it.

Event rules have no preconditions: every event is tried in every state, so the fuzzer also
checks that both backends refuse an event no transition handles there (a compiled transition
with an extra source state is caught). It costs depth, since many steps are such refusals; the
restarts and the directed phase (:func:`directed`) make up for it, and preconditions would cost
more per step inside Hypothesis than the whole lock-step does (``benchmarks/bench_fuzz.py``).

A failure is shrunk by Hypothesis, replayed by the scenario runner with its trace (which explains
it), and written as a scenario file that ``credlab simulate`` replays with the same failure
(see :mod:`credlab.simulator.stories.writer`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar, NoReturn

from hypothesis import HealthCheck, Phase, Verbosity, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, get_state_machine_test, rule

from credlab.model.engine import Engine
from credlab.model.errors import Location
from credlab.model.machine import CompiledSpec, Member
from credlab.simulator.analysis.paths import Move, Paths, causable
from credlab.simulator.analysis.shortest import shortest_paths
from credlab.simulator.analysis.strategies import Assignment, ClockTable, InputTable, input_tables
from credlab.simulator.stories.coverage import Coverage
from credlab.simulator.stories.knowledge import NOTHING
from credlab.simulator.stories.runner import Divergence, ScenarioRun, StopRun
from credlab.simulator.stories.scenario import Given, Scenario, SecretRef, Step, default_actor
from credlab.simulator.stories.writer import scenario_file

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
    fired: int = 0
    """Transitions fired in all those steps (the other steps were refused, or moved only the clock)."""
    seconds: float = 0.0
    last: Any = None
    """The latest machine instance: after a failure, the shrunk example Hypothesis replayed."""
    progress: Callable[[FuzzStats], None] | None = field(default=None, repr=False)


@lru_cache(maxsize=1024)
def _where(number: int) -> Location:
    return Location(WHERE, number)


def fuzzed_events(compiled: CompiledSpec, actor: str | None) -> list[str]:
    """The events the fuzzer fires: those the acting member can cause (not internal, every required
    capability held), then the member's own capability events (a lost phone: the runner refuses
    what needs it from then on); in declaration order."""
    spec = compiled.spec
    own = [n for n, e in spec.events.items() if e.capability is not None and e.capability.actor == actor]
    return causable(spec, frozenset(spec.actors[actor].has) if actor is not None else frozenset()) + own


def build_state_machine(
    compiled: CompiledSpec,
    engine: Engine,
    paths: Paths | Callable[[], Paths],
    stats: FuzzStats,
    run_seed: int = 0,
    *,
    on_failure: Callable[[Any, PropertyFailed], None] | None = None,
) -> type[RuleBasedStateMachine]:
    """A ``RuleBasedStateMachine`` class for ``compiled.spec``.

    ``paths`` may be a function that finds them: it is then called once, when a story first needs
    a start (the search takes seconds on a large spec, which merely defining the class should not
    cost). ``on_failure(machine, error)`` is called before a step that broke a property raises
    ``error``; ``machine.given`` and ``machine.steps`` are the story up to that step."""
    spec = compiled.spec
    actor = default_actor(spec)
    found: list[tuple[str, tuple[Move, ...]]] = []

    def starts() -> list[tuple[str, tuple[Move, ...]]]:
        if not found:  # the first time only: there is always at least one start
            found.extend(start_paths(paths() if callable(paths) else paths) or [(spec.initial[0], ())])
        return found

    # the same draw either way; deferred, it asks for the starts when Hypothesis first draws it
    choose_start = (
        st.deferred(lambda: st.integers(0, len(starts()) - 1)) if callable(paths) else st.integers(0, len(starts()) - 1)
    )
    clock = ClockTable.of(engine)
    # Every example starts with the same credentials and on the same member, reset: a fresh
    # member costs more than a dozen steps (transitions' add_model).
    probe = ScenarioRun(
        compiled, Scenario("fuzz", WHERE, _where(0), spec.name, Given(spec.initial[0], actor), ()), run_seed
    )
    credentials = tuple(sorted(probe.initial_credentials().items()))

    class SpecMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            stats.last = self
            self.begin(0)  # the shortest start: a fresh member in the first initial state

        shared: ClassVar[list[Member]] = []
        """The member every story resets and plays on (one, created by the first)."""

        def begin(self, start: int) -> None:
            """Start a new story on the member, reset, from the start of path ``start``."""
            state, moves = starts()[start]
            self.given = Given(state, actor, credentials)
            self.steps: list[Step] = []
            scenario = Scenario("fuzz", WHERE, _where(0), spec.name, self.given, ())
            self.run = ScenarioRun(compiled, scenario, run_seed, oracle=engine, trace=False)
            self.member = self.run.start(self.shared[0] if self.shared else None)
            self.shared[:] = [self.member]
            try:
                self.run.check_invariants(self.member, Step(0, _where(0)))
            except StopRun as stop:
                self.fail(stop)
            for move in moves:  # where the story starts, not a claim: no expectation
                number = len(self.steps) + 1
                self.play(move.as_step(number, _where(number), accepted=False))

        @rule(start=choose_start)
        def restart(self, start: int) -> None:
            """Leave this story and start another from the start of a shortest path to some
            transition or situation (a rule, not ``@initialize``: Hypothesis builds strategies
            for each initialize rule of each example, which costs more than a dozen steps)."""
            self.end_story()
            self.begin(start)

        def end_story(self) -> None:
            stats.coverage.add(self.run.result.states, self.run.result.transitions)
            stats.fired += self.run.result.fired

        def play(self, step: Step) -> None:
            self.steps.append(step)
            stats.steps += 1
            try:
                self.run.play(self.member, step)
            except StopRun as stop:
                self.fail(stop)

        def fail(self, stop: StopRun) -> NoReturn:
            failed = PropertyFailed(stop.divergence)
            if on_failure is not None:
                on_failure(self, failed)
            raise failed from None

        def resolvable(self, inputs: Assignment) -> Assignment:
            """``inputs`` with each reference the member cannot resolve (no previous password yet,
            nothing mailed) replaced by a wrong value: they try something they do not have."""
            knowledge = self.run.knowledge[actor] if actor is not None else NOTHING
            return tuple(
                (name, SecretRef("wrong", value.credential))
                if isinstance(value, SecretRef)
                and value.kind != "wrong"
                and knowledge.resolve(value.kind, value.credential) is None
                else (name, value)
                for name, value in inputs
            )

        @rule(choice=clock.strategy())
        def advance(self, choice: int) -> None:
            assert self.run.world is not None  # the run has an oracle
            number = len(self.steps) + 1
            self.play(Step(number, _where(number), None, (), None, clock.pick(choice, self.run.world), None))

        def teardown(self) -> None:
            self.end_story()
            stats.examples += 1
            if stats.progress is not None:
                stats.progress(stats)

    def event_rule(table: InputTable) -> Callable[..., None]:
        event = table.event

        def fire(self: SpecMachine, choice: int = 0) -> None:
            number = len(self.steps) + 1
            inputs = self.resolvable(table.pick(choice)) if table.options else ()
            self.play(Step(number, _where(number), event, inputs, None, None, None))

        fire.__name__ = f"fire_{event}"
        drawn = table.strategy()
        return rule(choice=drawn)(fire) if drawn is not None else rule()(fire)

    for table in input_tables(spec, fuzzed_events(compiled, actor)).values():
        setattr(SpecMachine, f"fire_{table.event}", event_rule(table))
    SpecMachine.__name__ = SpecMachine.__qualname__ = f"{spec.name.title().replace('_', '')}Machine"
    return SpecMachine


def rule_names(machine: type[RuleBasedStateMachine]) -> list[str]:
    """The names of ``machine``'s rules (initialize rules aside), for a like-for-like baseline."""
    return sorted(r.function.__name__ for r in machine.setup_state().rules)


def start_paths(paths: Paths) -> list[tuple[str, tuple[Move, ...]]]:
    """Where stories start: a shortest path to every transition, to every signature (state, which
    credentials are set, flags) and to every invariant violation the reference engine's search
    met, without repeats, in a stable order (shortest first)."""
    every = list(paths.transitions.values()) + list(paths.signatures.values()) + list(paths.violations.values())
    return sorted(set(every), key=lambda item: (len(item[1]), item[0], repr(item[1])))


def directed(
    compiled: CompiledSpec, engine: Engine, paths: Paths, stats: FuzzStats, result: FuzzResult, run_seed: int
) -> bool:
    """Replay the shortest path to each transition, signature and invariant violation first, so
    coverage of everything reachable does not hang on chance; a path that breaks a property is
    already a minimal counterexample."""
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
        stats.fired += outcome.fired
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


@contextmanager
def seed_only() -> Iterator[None]:
    """Make a run depend on its seed alone. Hypothesis (6.131 and later) mixes into what it draws
    literals it finds in the source of every "local" module loaded at the time: credlab's own
    source when it is not installed under site-packages, and a test suite's modules. The same seed
    then gave another run after an edit of credlab, from a wheel rather than a checkout, or with
    one more module imported. credlab's rules draw indexes into fixed tables, which such literals
    only skew, so for the length of a run there are none."""
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # pragma: no cover - a Hypothesis without local constants
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    if original is None:  # pragma: no cover - renamed in a later Hypothesis: see the test
        yield
        return
    providers._get_local_constants = Constants
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()


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
        with seed_only():
            test()
    except PropertyFailed as failed:
        stats.seconds = time.perf_counter() - started
        explain(compiled, engine, result, stats.last, failed.divergence, seed_value)
    finally:
        stats.seconds = stats.seconds or time.perf_counter() - started
        for member in getattr(machine, "shared", ()):
            compiled.release(member)
    return result


def counterexample_file(result: FuzzResult, spec_name: str, *, description: str, found_by: str, replay: str) -> str:
    """The scenario file that pins ``result``'s counterexample; its header says how it was found
    (``found_by``: a sentence), which property fails, the ``replay`` command, and the failure."""
    assert result.failure is not None and result.given is not None
    return scenario_file(
        spec=spec_name,
        name="fuzz_counterexample",
        description=description,
        state=result.given.state,
        credentials=result.initial_values,
        steps=result.steps,
        header=[
            found_by,
            f"Property: {result.failure.property}. Replay: {replay}",
            f"Failure: {result.failure.expected}; got {result.failure.actual}",
        ],
    )


def explain(
    compiled: CompiledSpec, engine: Engine, result: FuzzResult, shrunk: Any, divergence: Divergence, run_seed: int
) -> None:
    """Replay Hypothesis's shrunk example with the scenario runner's trace, which shows the last
    steps before the failure, and fill ``result`` with it. The untraced run and the replay resolve
    every secret and draw every random value alike, so the replay fails at the same step."""
    scenario = Scenario("fuzz", WHERE, _where(0), compiled.spec.name, shrunk.given, tuple(shrunk.steps))
    run = ScenarioRun(compiled, scenario, run_seed, oracle=engine)
    replayed = run.run().failure
    if replayed is None or replayed.step != divergence.step:
        raise RuntimeError(  # a credlab bug, not a finding: say what would help fix it
            f"credlab fuzz: the shrunk example failed at step {divergence.step} but its traced replay "
            f"{'passed' if replayed is None else f'failed at step {replayed.step}'}; please report this "
            f"with the spec and the seed ({run_seed})"
        )
    result.failure, result.given = replayed, shrunk.given
    result.steps, result.initial_values = list(shrunk.steps), dict(run.initial_values)
