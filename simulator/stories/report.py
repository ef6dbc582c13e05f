"""What running a spec's stories gives: each story's result and the coverage of them all."""

from __future__ import annotations

from credlab.model import ir
from credlab.model.durations import format_duration
from credlab.model.node import node
from credlab.simulator.results import CoverageReport, Json
from credlab.simulator.stories.runner import ScenarioResult


def scenario_json(spec: str, result: ScenarioResult) -> Json:
    failure = None
    if result.failure is not None:
        f = result.failure
        failure = {
            "step": f.step,
            "file": f.location.path,
            "line": f.location.line,
            "column": f.location.column,
            "expected": f.expected,
            "actual": f.actual,
            "message": f.message(),
            "recent": list(f.recent),
        }
    return {
        "name": result.scenario.name,
        "file": result.scenario.file,
        "spec": spec,
        "passed": result.passed,
        "steps": result.steps_run,
        "assumes": list(result.scenario.assumes),
        "failure": failure,
    }


@node
class SpecStories:
    """A spec's stories run under one parameter setting, and what they covered."""

    spec: ir.Spec
    overrides: tuple[tuple[str, int], ...]
    results: tuple[ScenarioResult, ...]
    coverage: CoverageReport

    @property
    def ok(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def variant(self) -> str:
        """``reset_link_ttl=30m``, or "" under the defaults."""
        return ", ".join(f"{name}={format_duration(value)}" for name, value in self.overrides)

    def scenarios_json(self) -> list[Json]:
        return [scenario_json(self.spec.name, r) for r in self.results]


@node
class SimulateReport:
    """``credlab simulate``: every story about each spec given."""

    runs: tuple[SpecStories, ...]

    @property
    def ok(self) -> bool:
        return all(run.ok for run in self.runs)

    def to_json(self) -> Json:
        specs = [
            {"path": r.spec.path, "name": r.spec.name, "overrides": r.variant, "coverage": r.coverage.to_json()}
            for r in self.runs
        ]
        return {
            "ok": self.ok,
            "scenarios": [s for run in self.runs for s in run.scenarios_json()],
            "coverage": specs[0]["coverage"] if len(specs) == 1 else None,
            "specs": specs,
        }
