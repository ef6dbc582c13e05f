"""Mutation analysis as a result: a :class:`~credlab.simulator.results.MutateReport`, with a
suggested story written for every survivor that some story could tell apart (see :func:`mutate_report`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from credlab.model.errors import Location
from credlab.model.ir import Spec
from credlab.model.node import node
from credlab.simulator.analysis.mutate import MutantVerdict, analyse
from credlab.simulator.analysis.paths import start_values
from credlab.simulator.outputs import write_atomic
from credlab.simulator.results import MutateReport, Survivor
from credlab.simulator.stories.scenario import Scenario
from credlab.simulator.stories.writer import scenario_file


@node
class MutateOptions:
    """``threshold`` is the kill rate to reach; ``explore`` also judges mutants by exhaustive
    exploration (bounded by ``max_states`` per mutant); suggested stories go under ``out``."""

    threshold: float = 0.9
    explore: bool = True
    max_states: int = 50_000
    out: Path = Path("build/mutate")
    replay: str | None = None


def write_story(spec: Spec, verdict: MutantVerdict, options: MutateOptions) -> str | None:
    """The shortest story that tells ``verdict``'s mutant apart from the spec, if there is one."""
    if verdict.witness is None:
        return None
    state, moves = verdict.witness
    name = verdict.mutant.id.replace(":", "_").replace(".", "_").replace("-", "_").replace("+", "plus")
    path = options.out / f"{spec.name}-{name}.yaml"
    text = scenario_file(
        spec=spec.name,
        name=f"tells_apart_{name}",
        description=f"Behaves differently if {verdict.mutant.description}; add expectations to the last step.",
        state=state,
        credentials=start_values(spec),
        steps=[m.as_step(n, Location("<mutate>", n), accepted=n < len(moves)) for n, m in enumerate(moves, start=1)],
        header=[
            f"Suggested by `credlab mutate {options.replay or spec.path}`: no story tells the spec apart "
            "from this mutant:",
            f"{verdict.mutant.id}: {verdict.mutant.description}.",
        ],
    )
    write_atomic(path, text)
    return str(path)


def mutate_report(
    spec: Spec,
    scenarios: Sequence[Scenario],
    options: MutateOptions,
    progress: Callable[[int, int], None] | None = None,
) -> MutateReport:
    """Judge every mutant of ``spec`` by ``scenarios`` (and exploration); explain every survivor."""
    verdicts = analyse(spec, list(scenarios), explore=options.explore, max_states=options.max_states, progress=progress)
    kinds = Counter(v.mutant.kind for v in verdicts)
    killed = Counter(v.mutant.kind for v in verdicts if v.killed)
    survivors = tuple(
        Survivor(
            id=v.mutant.id,
            kind=v.mutant.kind,
            description=v.mutant.description,
            location=str(v.mutant.location),
            sources=tuple(v.mutant.sources),
            explanation=v.explanation,
            scenario_file=write_story(spec, v, options),
        )
        for v in verdicts
        if not v.killed
    )
    return MutateReport(
        spec=spec.path,
        scenarios=len(scenarios),
        explored=options.explore,
        threshold=options.threshold,
        kinds=tuple((kind, kinds[kind], killed[kind]) for kind in sorted(kinds)),
        survivors=survivors,
        killed_by=tuple((v.mutant.id, v.by) for v in verdicts if v.killed),
    )
