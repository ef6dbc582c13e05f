"""Fuzzing as a result: a :class:`~credlab.simulator.results.FuzzReport`, and the shrunk
counterexample written as a scenario file that ``credlab simulate`` replays (see :func:`fuzz_report`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from credlab.model.ir import Spec
from credlab.model.machine import compile_spec
from credlab.model.node import node
from credlab.model.overrides import describe_overrides, set_arguments
from credlab.simulator.analysis.fuzz import FuzzResult, FuzzStats, counterexample_file, fuzz
from credlab.simulator.outputs import write_atomic
from credlab.simulator.results import BACKENDS_AGREE, Counterexample, FuzzReport, Reachable


@node
class FuzzOptions:
    """The fuzzing budget, the seed, and where a counterexample goes. ``replay`` is the spec path
    the replay command in the written story names (by default, the path the spec was loaded from)."""

    max_examples: int = 100
    steps: int = 30
    seed: int = 0
    out: Path = Path("build/fuzz")
    replay: str | None = None


def write_counterexample(
    spec: Spec, overrides: dict[str, int], options: FuzzOptions, result: FuzzResult
) -> tuple[Path, str]:
    """The shrunk story as ``OUT/<spec>-counterexample.yaml``, with how it was found; and the replay command."""
    assert result.failure is not None
    path = options.out / f"{spec.name}-counterexample.yaml"
    replay, variant = options.replay or spec.path, set_arguments(overrides)
    # a disagreement between the backends shows only when a replay runs both
    oracle = " --oracle" if result.failure.property == BACKENDS_AGREE else ""
    text = counterexample_file(
        result,
        spec.name,
        description=f"Found by credlab fuzz (seed {options.seed}): {result.failure.property} fails.",
        found_by=f"Counterexample found by `credlab fuzz {replay} --seed {options.seed}{variant}`, "
        "shrunk by Hypothesis.",
        replay=f"credlab simulate {replay} {path}{variant}{oracle}",
    )
    write_atomic(path, text)
    return path, f"credlab simulate {replay} {path}{variant}{oracle}"


def fuzz_report(
    spec: Spec,
    overrides: dict[str, int],
    options: FuzzOptions,
    progress: Callable[[FuzzStats], None] | None = None,
) -> FuzzReport:
    """Fuzz ``spec`` under ``overrides``; a counterexample is written under ``options.out``."""
    from hypothesis.configuration import set_hypothesis_home_dir

    # Hypothesis keeps caches (not examples: database=None) in .hypothesis/ of the current
    # folder; keep them with this run's other outputs instead.
    set_hypothesis_home_dir(str(options.out / ".hypothesis"))
    result = fuzz(
        compile_spec(spec, overrides),
        max_examples=options.max_examples,
        steps=options.steps,
        seed_value=options.seed,
        progress=progress,
    )
    stats, paths = result.stats, result.paths
    assert paths is not None
    counterexample = None
    if result.failure is not None:
        written, command = write_counterexample(spec, overrides, options, result)
        failure = result.failure
        counterexample = Counterexample(failure.property, len(result.steps), str(written), failure.message(), command)
    return FuzzReport(
        spec=spec.path,
        overrides=describe_overrides(overrides),
        seed=options.seed,
        examples=stats.examples,
        directed=stats.directed,
        steps=stats.steps,
        transitions_fired=stats.fired,
        seconds=stats.seconds,
        coverage=stats.coverage.report(),
        reachable=Reachable(len(paths.states), len(paths.transitions), paths.complete),
        counterexample=counterexample,
    )
