"""Benchmark ``credlab fuzz`` steps per second against a bare Hypothesis state machine.

What it measures
    credlab: ``credlab.simulator.analysis.fuzz.fuzz`` on ``spec/ana_web_password.yaml`` (a fresh ``CompiledSpec`` per
    run), counting ``FuzzStats.steps`` and ``FuzzStats.seconds`` **without the directed phase** (the
    replay of one shortest path per transition before Hypothesis starts: it is timed and counted
    apart by wrapping ``credlab.simulator.analysis.fuzz.directed``). The shortest-path search runs before the clock
    starts and is not measured. What remains is the Hypothesis phase: Hypothesis picks rules, one
    per event the member can cause, one for the clock, and ``restart``, which replays a chosen start
    path. Both kinds of step (rule steps and the moves a restart replays) go through the scenario
    runner, the compiled ``transitions`` machine, the reference engine, the differential check and
    the invariants; both are counted, as ``FuzzStats.steps`` and ``credlab fuzz`` count them. The
    report also gives the rate of the rule steps alone (start-path replays are counted by wrapping
    ``credlab.simulator.analysis.paths.Move.as_step``; their time still counts), the stricter figure.

    baseline: a ``RuleBasedStateMachine`` with the same rules by name (read from the generated
    machine), each taking ``data=st.data()`` and drawing nothing, run with the same settings as
    ``credlab fuzz`` (same ``max_examples``, ``stateful_step_count`` and seed, no database, no
    deadline, every health check suppressed, quiet). It is what Hypothesis's stateful machinery
    costs per step by itself.

    The two are run interleaved (credlab, baseline, credlab, baseline, ...) after a warm-up round, each
    round with its own seed shared by both sides, and the medians of the per-run rates are compared.

Why a ratio
    Steps per second depend on the machine; the ratio credlab / baseline does not, much. The target is
    a ratio of at least 0.8: everything credlab does per step (drawing inputs, running two backends
    in lock-step, checking invariants) should cost less than a quarter of what Hypothesis's own
    stateful loop costs.

Where the time goes (--profile)
    Runs two more kinds of measurement: the rate of variants of the generated machine (with rule
    preconditions that draw only events some transition handles in the current state, the design
    credlab does not use; with the runner replaced by a list append), which shows what each costs
    without profiler distortion; and a cProfile of one run, summarised by layer (cumulative times,
    so profiler overhead inflates the Python-heavy parts).

The script reports; it does not assert timing. It exits 0 unless a run fails (a counterexample in the
clean spec, or an exception), in which case it says so and exits 1.

    .venv/bin/python benchmarks/bench_fuzz.py [--runs N] [--examples N] [--steps N] [--profile] [--json]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from _args import positive  # noqa: E402  (this script's own folder)
from hypothesis import seed  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, get_state_machine_test, rule  # noqa: E402

import credlab.simulator.analysis.fuzz as fuzz_module  # noqa: E402
from credlab.model.engine import Engine  # noqa: E402
from credlab.model.ir import Spec  # noqa: E402
from credlab.model.loader import load_spec  # noqa: E402
from credlab.model.machine import CompiledSpec  # noqa: E402
from credlab.simulator.analysis.paths import Move, Paths  # noqa: E402
from credlab.simulator.analysis.shortest import shortest_paths  # noqa: E402
from credlab.simulator.stories.coverage import Coverage  # noqa: E402

SPEC = "spec/ana_web_password.yaml"
TARGET = 0.8
WARMUPS = 1


class RunFailed(Exception):
    """A measured run did not complete cleanly."""


@dataclass(slots=True)
class Sample:
    steps: int
    seconds: float
    rule_steps: int = 0
    examples: int = 0
    wall: float = 0.0
    """The whole ``fuzz()`` call, shortest-path search and directed phase included."""

    @property
    def rate(self) -> float:
        return self.steps / self.seconds

    @property
    def rule_rate(self) -> float:
        return self.rule_steps / self.seconds


# --- credlab -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Meter:
    directed_steps: int = 0
    directed_seconds: float = 0.0
    start_steps: int = 0
    in_hypothesis_phase: bool = False


@contextmanager
def metered() -> Iterator[Meter]:
    """Wrap ``credlab.simulator.analysis.fuzz.directed`` and ``Move.as_step`` to separate the phases;
    restore them after."""
    meter = Meter()
    original_directed, original_as_step = fuzz_module.directed, Move.as_step

    def directed(*args: Any, **kwargs: Any) -> bool:
        stats = args[3]
        before, started = stats.steps, time.perf_counter()
        try:
            return original_directed(*args, **kwargs)
        finally:
            meter.directed_seconds += time.perf_counter() - started
            meter.directed_steps += stats.steps - before
            meter.in_hypothesis_phase = True

    def as_step(self: Move, *args: Any, **kwargs: Any) -> Any:
        if meter.in_hypothesis_phase:
            meter.start_steps += 1
        return original_as_step(self, *args, **kwargs)

    fuzz_module.directed = directed
    Move.as_step = as_step  # type: ignore[method-assign]
    try:
        yield meter
    finally:
        fuzz_module.directed = original_directed
        Move.as_step = original_as_step  # type: ignore[method-assign]


def run_credlab(spec: Spec, examples: int, steps: int, seed_value: int) -> Sample:
    compiled = CompiledSpec(spec, spec.parameter_values())
    with metered() as meter:
        started = time.perf_counter()
        result = fuzz_module.fuzz(compiled, max_examples=examples, steps=steps, seed_value=seed_value)
        wall = time.perf_counter() - started
    if result.failure is not None:
        raise RunFailed(
            f"credlab fuzz found a counterexample in {SPEC} (seed {seed_value}): {result.failure.message()}"
        )
    stats = result.stats
    hypothesis_steps = stats.steps - meter.directed_steps
    return Sample(
        steps=hypothesis_steps,
        seconds=stats.seconds - meter.directed_seconds,
        rule_steps=hypothesis_steps - meter.start_steps,
        examples=stats.examples,
        wall=wall,
    )


# --- baseline ------------------------------------------------------------------------------------


def credlab_rule_names(spec: Spec) -> list[str]:
    """The rules credlab generates for ``spec`` (one per event the member can cause, and ``advance``),
    read from the generated machine itself."""
    compiled = CompiledSpec(spec, spec.parameter_values())
    engine = Engine(spec, compiled.parameters)
    stats = fuzz_module.FuzzStats(Coverage(spec))
    return fuzz_module.rule_names(fuzz_module.build_state_machine(compiled, engine, Paths(), stats))


def noop_machine(names: list[str], counter: list[int]) -> type[RuleBasedStateMachine]:
    def noop(name: str) -> Callable[..., None]:
        def step(self: RuleBasedStateMachine, data: st.DataObject) -> None:
            counter[0] += 1

        step.__name__ = name
        return rule(data=st.data())(step)

    return type("NoOpMachine", (RuleBasedStateMachine,), {name: noop(name) for name in names})


def run_baseline(names: list[str], examples: int, steps: int, seed_value: int) -> Sample:
    counter = [0]
    test = seed(seed_value)(
        get_state_machine_test(noop_machine(names, counter), settings=fuzz_module.fuzz_settings(examples, steps))
    )
    started = time.perf_counter()
    test()
    elapsed = time.perf_counter() - started
    return Sample(steps=counter[0], seconds=elapsed, rule_steps=counter[0])


# --- where the time goes -------------------------------------------------------------------------


@contextmanager
def ablated(stub_runner: bool, preconditions: bool) -> Iterator[None]:
    """Change the generated machine: the runner switched off (steps are only recorded); event rules
    with preconditions (an event is drawn only where some transition handles it)."""
    original_build = fuzz_module.build_state_machine

    def build(compiled: Any, engine: Any, paths: Any, stats: Any, run_seed: int = 0) -> Any:
        machine = original_build(compiled, engine, paths, stats, run_seed)

        def handled(event: str) -> Callable[[Any], bool]:
            return lambda self: (self.member.state, event) in engine.table

        def play(self: Any, step: Any) -> None:
            self.steps.append(step)
            stats.steps += 1

        if stub_runner:
            machine.play = play
        if preconditions:
            for r in machine.setup_state().rules:
                event = r.function.__name__.removeprefix("fire_")
                if event != r.function.__name__:
                    r.preconditions = (handled(event),)
        return machine

    fuzz_module.build_state_machine = build  # type: ignore[assignment]  # a variant with the same call shape
    try:
        yield
    finally:
        fuzz_module.build_state_machine = original_build


def ablation(spec: Spec, examples: int, steps: int, runs: int) -> dict[str, float]:
    """Median steps/s (Hypothesis phase) of the full run and of runs with layers switched off."""
    variants = {
        "full": (False, False),
        "runner_stubbed": (True, False),
        "with_preconditions": (False, True),
    }
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for i in range(runs):
        for name, (stub_runner, preconditions) in variants.items():
            with ablated(stub_runner, preconditions):
                rates[name].append(run_credlab(spec, examples, steps, i).rate)
    return {name: round(statistics.median(values)) for name, values in rates.items()}


LAYERS: dict[str, tuple[str, str]] = {
    # layer: (file suffix, function name) whose cumulative time is the layer's
    "credlab fuzz, Hypothesis phase": ("hypothesis/core.py", "wrapped_test"),
    "  restarts (start-path replays)": ("simulator/fuzz.py", "restart"),
    "  event rules (fire_*)": ("simulator/fuzz.py", "fire"),
    "    decoding inputs": ("simulator/strategies.py", "pick"),
    "  clock rule (advance)": ("simulator/fuzz.py", "advance"),
    "  scenario runner, all steps": ("simulator/runner.py", "play"),
    "    transitions machine (Member.fire)": ("model/machine.py", "fire"),
    "    reference engine (Engine.fire)": ("model/engine.py", "fire"),
    "    differential check": ("model/differential.py", "agree"),
    "    invariants (compiled)": ("model/machine.py", "violated_invariants"),
    "  teardown (coverage, release)": ("simulator/fuzz.py", "teardown"),
    "  Hypothesis rule choice (RuleStrategy.do_draw)": ("hypothesis/stateful.py", "do_draw"),
    "  swarm feature flags (RuleStrategy._rule_is_enabled)": ("hypothesis/stateful.py", "_rule_is_enabled"),
    "  building/validating strategies": ("hypothesis/strategies/_internal/strategies.py", "validate"),
}


@contextmanager
def search_done_before(spec: Spec) -> Iterator[None]:
    """Run the shortest-path search now: it is cached per process, so ``fuzz()`` reuses it and it
    stays out of a profile."""
    shortest_paths(Engine(spec, spec.parameter_values()), signatures=True)
    yield


def profile(spec: Spec, examples: int, steps: int) -> dict[str, float]:
    """Cumulative seconds per layer in one cProfiled run (seed 0), the shortest-path search left out."""
    profiler = cProfile.Profile()
    compiled = CompiledSpec(spec, spec.parameter_values())
    with search_done_before(spec):
        profiler.enable()
        fuzz_module.fuzz(compiled, max_examples=examples, steps=steps, seed_value=0)
        profiler.disable()
    table = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    found: dict[str, float] = {}
    for layer, (suffix, function) in LAYERS.items():
        # Hypothesis wraps rule functions in impersonating wrappers (same name, same file): the
        # outermost entry's cumulative time includes the others, so take the largest, not the sum.
        found[layer] = round(
            max(
                (
                    entry[3]
                    for (filename, _, name), entry in table.items()
                    if name == function and filename.replace("\\", "/").endswith(suffix)
                ),
                default=0.0,
            ),
            3,
        )
    return found


# --- report --------------------------------------------------------------------------------------


def measure(runs: int, examples: int, steps: int, with_profile: bool) -> dict[str, Any]:
    spec = load_spec(REPO / SPEC)
    names = credlab_rule_names(spec)
    credlab: list[Sample] = []
    baseline: list[Sample] = []
    for i in range(WARMUPS + runs):
        seed_value = i - WARMUPS
        sample, base = run_credlab(spec, examples, steps, seed_value), run_baseline(names, examples, steps, seed_value)
        if i >= WARMUPS:
            credlab.append(sample)
            baseline.append(base)
    rate = statistics.median(s.rate for s in credlab)
    rule_rate = statistics.median(s.rule_rate for s in credlab)
    base_rate = statistics.median(s.rate for s in baseline)
    ratio = rate / base_rate
    data: dict[str, Any] = {
        "spec": SPEC,
        "python": sys.version.split()[0],
        "runs": runs,
        "warmups": WARMUPS,
        "max_examples": examples,
        "stateful_step_count": steps,
        "rules": len(names),
        "credlab_steps_per_second": round(rate),
        "credlab_rule_steps_per_second": round(rule_rate),
        "baseline_steps_per_second": round(base_rate),
        "credlab_steps_per_run": round(statistics.median(s.steps for s in credlab)),
        "credlab_rule_steps_per_run": round(statistics.median(s.rule_steps for s in credlab)),
        "baseline_steps_per_run": round(statistics.median(s.steps for s in baseline)),
        "credlab_wall_seconds_per_run": round(statistics.median(s.wall for s in credlab), 3),
        "credlab_hypothesis_phase_seconds_per_run": round(statistics.median(s.seconds for s in credlab), 3),
        "credlab_before_hypothesis_seconds_per_run": round(statistics.median(s.wall - s.seconds for s in credlab), 3),
        "baseline_seconds_per_run": round(statistics.median(s.seconds for s in baseline), 3),
        "ratio": round(ratio, 3),
        "rule_steps_ratio": round(rule_rate / base_rate, 3),
        "target": TARGET,
        "pass": ratio >= TARGET,
    }
    if with_profile:
        data["ablation_steps_per_second"] = ablation(spec, examples, steps, max(3, runs // 2))
        data["profile_seconds"] = profile(spec, examples, steps)
    return data


def report(data: dict[str, Any]) -> str:
    verdict = "PASS" if data["pass"] else "BELOW TARGET"
    lines = [
        f"credlab fuzz {data['spec']}  (Python {data['python']}, median of {data['runs']} interleaved runs, "
        f"{data['warmups']} warm-up; {data['max_examples']} examples of up to {data['stateful_step_count']} steps, "
        f"{data['rules']} rules)",
        "",
        f"  credlab    {data['credlab_steps_per_second']:7d} steps/s   "
        f"({data['credlab_steps_per_run']} steps a run: start-path replays and rule steps, directed phase excluded)",
        f"             {data['credlab_rule_steps_per_second']:7d} rule steps/s   "
        f"({data['credlab_rule_steps_per_run']} rule steps a run; start-path replays not counted, their time is)",
        f"  baseline   {data['baseline_steps_per_second']:7d} steps/s   "
        f"({data['baseline_steps_per_run']} steps a run: RuleBasedStateMachine, {data['rules']} no-op rules)",
        "",
        f"  RATIO credlab/baseline = {data['ratio']:.2f}   target ≥ {data['target']:.1f}   {verdict}",
        f"  (rule steps only: {data['rule_steps_ratio']:.2f})",
        "",
        "Wall time of one run (medians; not part of the ratio):",
        f"  credlab fuzz() call                {data['credlab_wall_seconds_per_run']:7.3f} s",
        f"    shortest-path search, directed   {data['credlab_before_hypothesis_seconds_per_run']:7.3f} s"
        "   (before the Hypothesis phase; FuzzStats.seconds excludes the search)",
        f"    Hypothesis phase                 {data['credlab_hypothesis_phase_seconds_per_run']:7.3f} s",
        f"  baseline                           {data['baseline_seconds_per_run']:7.3f} s",
    ]
    if "ablation_steps_per_second" in data:
        ab = data["ablation_steps_per_second"]
        lines += [
            "",
            "Where the time goes, without a profiler (median steps/s of the Hypothesis phase):",
            f"  full credlab step                          {ab['full']:7d}",
            f"  with preconditions on the event rules      {ab['with_preconditions']:7d}   "
            "(only events handled in the current state drawn: the design not taken)",
            f"  runner replaced by a list append           {ab['runner_stubbed']:7d}   "
            "(no machine, no engine, no checks: rule dispatch and draws, Step objects, restarts)",
            f"  baseline (no-op rules)                     {data['baseline_steps_per_second']:7d}",
            "",
            "cProfile of one run, cumulative seconds by layer (profiler overhead inflates Python-heavy layers):",
        ]
        profiled = data["profile_seconds"]
        total = profiled["credlab fuzz, Hypothesis phase"] or 1.0
        for layer, seconds in profiled.items():
            lines.append(f"  {layer:<50} {seconds:7.3f} s  {100 * seconds / total:5.1f}%")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=positive, default=7, help="timed runs per side (default: 7)")
    parser.add_argument("--examples", type=positive, default=100, help="max_examples per run (default: 100)")
    parser.add_argument("--steps", type=positive, default=30, help="stateful_step_count (default: 30)")
    parser.add_argument("--profile", action="store_true", help="also break the time down (ablation and cProfile)")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    try:
        data = measure(args.runs, args.examples, args.steps, args.profile)
    except RunFailed as failure:
        print(f"bench_fuzz: {failure}", file=sys.stderr)
        return 1
    print(json.dumps(data, indent=2) if args.json else report(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
