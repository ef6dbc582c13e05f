"""A spec's story library: which scenario files are about which spec, and running them all.

Scenario files name their spec with ``spec: <name>`` (never a path). With no folder or file
given, the library is ``./scenarios/``; files found in a folder that are about other specs are
passed over, while a file named directly must be about one of the specs given.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from credlab.model.engine import Engine
from credlab.model.errors import Location, Problem, ScenarioError, SpecError
from credlab.model.filekind import is_scenario_file
from credlab.model.ir import Spec
from credlab.model.machine import compile_spec
from credlab.simulator.outputs import write_atomic
from credlab.simulator.specs import default_specs
from credlab.simulator.stories.coverage import Coverage
from credlab.simulator.stories.report import SpecStories
from credlab.simulator.stories.runner import ScenarioResult, run_scenario
from credlab.simulator.stories.scenario import Scenario, read_scenario_file, scenario_files, scenarios_in
from credlab.simulator.stories.trace import dumps_line

DEFAULT_SCENARIO_DIR = Path("scenarios")


def split_arguments(paths: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """Command-line paths as (spec files, scenario files and folders); no spec means ``./spec/*.yaml``."""
    specs: list[Path] = []
    scenarios: list[Path] = []
    problems = []
    for text in paths:
        path = Path(text)
        if path.exists() and not (path.is_dir() or path.is_file()):
            problems.append(
                Problem(
                    Location(str(path)),
                    "is not a regular file (a pipe, device or socket); name a spec or scenario file",
                )
            )
        (scenarios if path.is_dir() or is_scenario_file(path) else specs).append(path)
    if problems:
        raise SpecError(problems)
    return specs or default_specs(), scenarios


def assign_scenarios(specs: Sequence[Spec], explicit: Sequence[Path]) -> dict[str, list[Scenario]]:
    """Load each scenario file for the spec it names; raises :class:`ScenarioError` with every problem."""
    default = [DEFAULT_SCENARIO_DIR] if DEFAULT_SCENARIO_DIR.is_dir() else []
    by_name = {spec.name: spec for spec in specs}
    assigned: dict[str, list[Scenario]] = {spec.name: [] for spec in specs}
    problems: list[Problem] = []
    with _no_cycle_collection():
        for path in scenario_files(explicit or default):
            try:
                read = read_scenario_file(path)  # each file is read and decoded once
                name = read.spec_name
                spec = by_name.get(name or "")
                if spec is not None:
                    assigned[spec.name].extend(scenarios_in(read, spec))
                elif name is None:
                    scenarios_in(read, specs[0])  # raises its located problems
                elif path in explicit:
                    message = (
                        f"these scenarios are about spec '{name}', which is not among the specs given "
                        f"({', '.join(by_name)})"
                    )
                    raise ScenarioError([Problem(Location(str(path)), message)])
            except SpecError as error:
                problems.extend(error.problems)
    if problems:
        raise ScenarioError(problems)
    return assigned


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Loading a story library allocates millions of small objects that form no cycles; the cycle
    collector would walk them again and again (most of a 10,000-story load). Reference counting
    still frees them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def require_some(specs: Sequence[Spec], assigned: dict[str, list[Scenario]], explicit: Sequence[Path]) -> None:
    """Raise a located :class:`ScenarioError` when no story is about any of ``specs``."""
    if any(assigned.values()):
        return
    where = ", ".join(str(p) for p in explicit) or str(DEFAULT_SCENARIO_DIR)
    names = ", ".join(spec.name for spec in specs)
    raise ScenarioError(
        [
            Problem(
                Location(where),
                f"no scenarios found for {names} in {where}; name scenario files, or add "
                "them to ./scenarios/ with `spec: <spec name>`",
            )
        ]
    )


def run_stories(
    spec: Spec, overrides: dict[str, int], scenarios: Iterable[Scenario], seed: int = 0, oracle: bool = False
) -> SpecStories:
    """Run ``scenarios`` on ``spec`` under ``overrides``; with ``oracle``, in lock-step with the reference engine."""
    compiled = compile_spec(spec, overrides)
    engine = Engine(spec, overrides) if oracle else None
    results = tuple(run_scenario(compiled, scenario, seed, engine) for scenario in scenarios)
    return stories_of(spec, overrides, results)


def stories_of(spec: Spec, overrides: dict[str, int], results: Iterable[ScenarioResult]) -> SpecStories:
    results = tuple(results)
    coverage = Coverage(spec)
    for result in results:
        coverage.add(result.states, result.transitions)
    return SpecStories(spec, tuple(sorted(overrides.items())), results, coverage.report())


def trace_path(folder: Path, spec: str, scenario: Scenario) -> Path:
    """``DIR/<spec>/<scenario file's path without .yaml>/<scenario>.jsonl``: one file per story."""
    source = Path(scenario.file)
    if source.is_absolute():
        source = (
            source.relative_to(Path.cwd()) if source.is_relative_to(Path.cwd()) else source.relative_to(source.anchor)
        )
    return folder / spec / source.with_suffix("") / f"{scenario.name}.jsonl"


def write_traces(folder: Path, stories: SpecStories) -> None:
    for result in stories.results:
        path = trace_path(folder, stories.spec.name, result.scenario)
        write_atomic(path, "".join(dumps_line(r) + "\n" for r in result.trace))
