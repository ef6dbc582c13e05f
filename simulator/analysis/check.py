"""The main job: every check on a spec, gathered into one typed result (:class:`CheckReport`).

Validate, lint, run the scenarios with coverage, fuzz with the CI budget, explore, and trace each
sentence of the policy text to the spec elements that encode it and the checks that exercise it
(with ``mutate``, mutation analysis too). Timing is left out of the JSON, so the same inputs give
the same bytes. With parameter overrides, the same job also runs under the defaults and the
result says what the variant changes. The diagram is drawn by the API (a renderer's job), and
attached as a :class:`Picture`.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from credlab.model import ir
from credlab.model.durations import format_duration
from credlab.model.node import node, replace
from credlab.model.overrides import set_arguments
from credlab.simulator.analysis.explore_report import ExploreOptions, explore_report
from credlab.simulator.analysis.fuzz_report import FuzzOptions, fuzz_report
from credlab.simulator.analysis.lint import LintFinding, lint
from credlab.simulator.analysis.mutate_report import MutateOptions, mutate_report
from credlab.simulator.analysis.policy_review import PolicyReview, review
from credlab.simulator.analysis.traceability import TraceRow, traceability
from credlab.simulator.population.profile import load_profile, profiles_for
from credlab.simulator.population.run import PopulationOptions, PopulationReport, population_report
from credlab.simulator.results import (
    ANALYSED_RISKS,
    RISKS,
    ExploreReport,
    FuzzReport,
    Json,
    MutateReport,
    Stage,
    spec_summary,
)
from credlab.simulator.stories.library import assign_scenarios, run_stories
from credlab.simulator.stories.report import SpecStories
from credlab.simulator.stories.scenario import Scenario

TIMING_KEYS = ("seconds", "steps_per_second")
FUZZ_BUDGET = FuzzOptions(max_examples=100, steps=30, seed=0)
MUTATION_THRESHOLD = 0.9
"""With mutation, a kill rate below this fails the check (as `credlab mutate` does by default)."""


@node
class CheckOptions:
    out: Path = Path("build/report")
    overrides: tuple[tuple[str, int], ...] = ()
    explicit_scenarios: tuple[Path, ...] = ()
    mutate: bool = False
    max_states: int = 200_000
    profiles: Path | None = Path("examples/profiles")
    """Where behaviour profiles are looked for (by the spec's name); None: no population study."""


@node
class Picture:
    """The spec's diagram, shaded by what the scenarios never exercised (``svg`` needs Graphviz)."""

    svg: str | None
    mermaid: str
    coverage: str


@node
class Comparison:
    """What a policy variant changes against the defaults."""

    scenarios_flipped: tuple[tuple[str, bool, bool], ...]
    """(story, passes with the defaults, passes with the variant), for each story that flips."""
    findings_appeared: tuple[str, ...]
    findings_disappeared: tuple[str, ...]

    def to_json(self) -> Json:
        return {
            "scenarios_flipped": [
                {"name": name, "with_defaults": "pass" if a else "fail", "with_variant": "pass" if b else "fail"}
                for name, a, b in self.scenarios_flipped
            ],
            "findings_appeared": list(self.findings_appeared),
            "findings_disappeared": list(self.findings_disappeared),
        }


def risk_summary(explore: ExploreReport) -> str:
    """The risks found, in a few words: how many of each kind the spec does not accept, and how
    many it accepts."""
    risks = [f for f in explore.findings if f.kind in RISKS]
    if not explore.complete:
        return "not analysed: the exploration did not finish"
    failing = Counter(f.kind for f in risks if f.failing)
    accepted = len(risks) - sum(failing.values())
    said = ", ".join(f"{kind} ×{count}" for kind, count in failing.items())
    tail = f"{accepted} accepted by the spec" if accepted else "none accepted by the spec"
    if not risks:
        missing = [kind for kind in RISKS if kind not in ANALYSED_RISKS]
        return f"no {', '.join(ANALYSED_RISKS)} found" + (
            f" ({', '.join(missing)}: not analysed yet)" if missing else ""
        )
    return (
        f"{sum(failing.values())} risk(s) not accepted: {said}; {tail}"
        if failing
        else f"every risk accepted ({accepted})"
    )


@node
class StageRow:
    """One line of the job's summary: a stage, whether it passed, and what it found in a few words."""

    stage: Stage
    ok: bool
    text: str


@node
class SpecCheck:
    """Every check on one spec under one parameter setting."""

    spec: ir.Spec
    overrides: tuple[tuple[str, int], ...]
    lint: tuple[LintFinding, ...]
    stories: SpecStories
    fuzz: FuzzReport
    explore: ExploreReport
    mutate: MutateReport | None
    traceability: tuple[TraceRow, ...]
    out: Path
    """The report folder: the files written under it are named relative to it."""
    picture: Picture | None = None
    comparison: Comparison | None = None
    policies: tuple[PolicyReview, ...] = ()
    """Each password policy: counts, audits against the shipped standards, place among real sites."""
    population: PopulationReport | None = None
    """Members under the spec's behaviour profile, as its ``report:`` plan says (None: no profile)."""

    @property
    def ok(self) -> bool:
        if self.population is not None and not self.population.ok:
            return False
        mutants_ok = self.mutate is None or self.mutate.kill_rate >= MUTATION_THRESHOLD
        risks_ok = not any(f.failing for f in self.explore.findings)
        return self.stories.ok and self.fuzz.ok and self.explore.ok and risks_ok and mutants_ok

    def stages(self) -> list[StageRow]:
        """The summary both the terminal and the HTML page show."""
        stories, fuzz, explore = self.stories, self.fuzz, self.explore
        holding = sum(p.holds for p in explore.properties)
        unknown = sum(p.verdict == "unknown" for p in explore.properties)
        ce = fuzz.counterexample
        rows = [
            StageRow(Stage.VALIDATE, True, f"{len(self.spec.states)} states, {len(self.spec.transitions)} transitions"),
            StageRow(Stage.LINT, not self.lint, f"{len(self.lint)} finding(s) (advisory)"),
            StageRow(
                Stage.SCENARIOS,
                stories.ok,
                f"{stories.passed} of {len(stories.results)} pass; {stories.coverage.summary()} covered",
            ),
            StageRow(
                Stage.FUZZ,
                fuzz.ok,
                f"{ce.property} fails; counterexample of {ce.steps} step(s)"
                if ce is not None
                else f"{fuzz.directed} shortest paths and {fuzz.examples} random runs, {fuzz.steps} steps "
                f"({fuzz.transitions_fired} fired a transition); no counterexample",
            ),
            StageRow(
                Stage.EXPLORE,
                explore.ok,
                f"{holding} of {len(explore.properties)} properties hold over {explore.states} situations"
                + (f", {unknown} unknown (the search stopped at its bound)" if unknown else "")
                + f"; {len(explore.findings)} finding(s)"
                + ("" if explore.complete else "; attacker and lockout analysis not run on a partial search")
                + (
                    f"; {len(explore.undecided)} attacker search(es) undecided (stopped at the bound)"
                    if explore.complete and explore.undecided
                    else ""
                ),
            ),
        ]
        rows.append(StageRow(Stage.FINDINGS, not any(f.failing for f in explore.findings), risk_summary(explore)))
        if self.mutate is not None:
            m = self.mutate
            rows.append(StageRow(Stage.MUTATE, True, f"{m.killed} of {m.mutants} mutants killed ({m.kill_rate:.0%})"))
        if self.population is not None:
            rows.append(StageRow(Stage.POPULATION, self.population.ok, population_summary(self.population)))
        return rows

    def messages(self) -> set[str]:
        """Every finding and failed property, as text: what a variant can make appear or disappear."""
        found = {f.message for f in self.explore.findings}
        found |= {f"{p.property} {p.verdict}" for p in self.explore.properties if not p.holds}
        found |= {f.message for f in self.lint}
        return found

    def to_json(self) -> Json:
        spec, overrides = self.spec, dict(self.overrides)
        picture = self.picture
        report: Json = {
            "path": spec.path,
            "name": spec.name,
            "title": spec.title,
            "description": spec.description,
            "ok": self.ok,
            "parameters": [
                {
                    "name": p.name,
                    "default": format_duration(p.default),
                    "value": format_duration(overrides.get(p.name, p.default)),
                    "overridden": p.name in overrides,
                    "description": p.description,
                }
                for p in spec.parameters.values()
            ],
            "summary": spec_summary(spec.with_parameters(overrides)),
            "lint": {
                "ok": not self.lint,
                "findings": [
                    {
                        "id": f.id,
                        "line": f.location.line,
                        "column": f.location.column,
                        "message": f.message,
                        "hint": f.hint,
                    }
                    for f in self.lint
                ],
            },
            "simulate": {
                "ok": self.stories.ok,
                "scenarios": self.stories.scenarios_json(),
                "coverage": self.stories.coverage.to_json(),
            },
            "fuzz": self.fuzz.to_json(),
            "explore": self.explore.to_json(),
            "mutate": None if self.mutate is None else mutation_summary(self.mutate),
            "diagram": None
            if picture is None
            else {"svg": picture.svg, "mermaid": picture.mermaid, "coverage": picture.coverage},
            "stages": [{"stage": row.stage.value, "ok": row.ok, "text": row.text} for row in self.stages()],
            # replay commands are pasted in the report's folder, where the stories' paths start
            "replay_spec": os.path.relpath(Path(spec.path).resolve(), self.out.resolve()),
            "replay_set": set_arguments(overrides),
            "traceability": [row.to_json() for row in self.traceability],
            "assumptions": [
                {"id": a.id, "question": a.question, "choice": a.choice, "sources": list(a.sources)}
                for a in spec.assumptions.values()
            ],
            "unquoted": [{"text": t, "why": w} for t, w in (spec.document.unquoted if spec.document else ())],
            "comparison": None if self.comparison is None else self.comparison.to_json(),
            "policies": [review.to_json() for review in self.policies],
            "population": None if self.population is None else self.population.to_json(),
        }
        untimed: Json = _relative(_untimed(report), self.out)
        return untimed


@node
class CheckReport:
    """``credlab check``: every check on every spec; ``report.json`` is :meth:`to_json`."""

    specs: tuple[SpecCheck, ...]
    generated: str | None = None
    """When the report was made, only if asked for (``--timestamp``): otherwise reruns are byte-identical."""

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.specs)

    def to_json(self) -> Json:
        data: Json = {"ok": self.ok, "specs": [s.to_json() for s in self.specs]}
        if self.generated is not None:
            data["generated"] = self.generated
        return data


def _untimed(value: Any) -> Any:
    """``value`` without timing fields, recursively: a report is the same bytes every run."""
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


def _relative(value: Any, folder: Path) -> Any:
    """``value`` with the paths of files written under ``folder`` made relative to it, so a
    report reads the same wherever it was written, and its page can link them."""
    if isinstance(value, dict):
        return {
            k: _relative(v, folder) if k != "scenario_file" or not v else _under(v, folder) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_relative(v, folder) for v in value]
    return value


def _under(path: str, folder: Path) -> str:
    candidate = Path(path)
    return str(candidate.relative_to(folder)) if candidate.is_relative_to(folder) else path


def mutation_summary(report: MutateReport) -> Json:
    return {
        "mutants": report.mutants,
        "killed": report.killed,
        "kill_rate": round(report.kill_rate, 4),
        "survivors": [
            {"id": s.id, "description": s.description, "explanation": s.explanation} for s in report.survivors
        ],
    }


def check_spec(
    spec: ir.Spec, scenarios: Sequence[Scenario], options: CheckOptions, step: Callable[[Stage], None]
) -> SpecCheck:
    """Every check on ``spec`` under ``options.overrides``."""
    overrides = dict(options.overrides)
    out = options.out / "artifacts" / spec.name
    step(Stage.LINT)
    findings = tuple(lint(spec, overrides))
    step(Stage.SCENARIOS)
    stories = run_stories(spec, overrides, scenarios)
    step(Stage.FUZZ)
    fuzzed = fuzz_report(spec, overrides, replace(FUZZ_BUDGET, out=out / "fuzz"))
    step(Stage.EXPLORE)
    explored = explore_report(spec, overrides, ExploreOptions(options.max_states, out / "explore"))
    mutated = None
    if options.mutate:
        step(Stage.MUTATE)
        mutated = mutate_report(spec, scenarios, MutateOptions(MUTATION_THRESHOLD, out=out / "mutate"))
    return SpecCheck(
        spec=spec,
        overrides=options.overrides,
        lint=findings,
        stories=stories,
        fuzz=fuzzed,
        explore=explored,
        mutate=mutated,
        traceability=traceability(spec, stories, explored),
        out=options.out,
        policies=review(spec, explored),
        population=study(spec, overrides, options.profiles, step),
    )


def study(
    spec: ir.Spec, overrides: dict[str, int], folder: Path | None, step: Callable[[Stage], None]
) -> PopulationReport | None:
    """The population study of the first profile about ``spec`` that has a ``report:`` plan."""
    for path in profiles_for(spec, folder) if folder is not None else ():
        plan = load_profile(path, spec).report
        if plan is None:
            continue
        step(Stage.POPULATION)
        parameters = {**spec.parameter_values(), **overrides}
        horizon = format_duration(plan.horizon)
        options = PopulationOptions(plan.members, horizon, 0, plan.sweeps, plan.grid)
        return population_report(spec, path, parameters, options)
    return None


def population_summary(report: PopulationReport) -> str:
    lost = dict(report.base.outcomes)["lost_online_access"]
    swept = sorted({name for name, _, _ in report.sweep})
    oracle = "agree" if report.ok else "DISAGREE (a credlab bug)"
    return (
        f"{report.members} members over {format_duration(report.horizon)}: {lost.estimate:.1%} lose online access "
        f"[{lost.low:.1%}, {lost.high:.1%}]"
        + (f"; varying {', '.join(swept)}" if swept else "")
        + f"; {report.base.checked} replayed on the machines {oracle}"
    )


def compare(variant: SpecCheck, defaults: SpecCheck) -> Comparison:
    """What the parameter overrides change against the defaults."""
    before = {r.scenario.name: r.passed for r in defaults.stories.results}
    flipped = tuple(
        (r.scenario.name, bool(before.get(r.scenario.name)), r.passed)
        for r in variant.stories.results
        if before.get(r.scenario.name) != r.passed
    )
    now, then = variant.messages(), defaults.messages()
    return Comparison(flipped, tuple(sorted(now - then)), tuple(sorted(then - now)))


def run_check(
    specs: Sequence[ir.Spec], options: CheckOptions, step: Callable[[str, str], None] | None = None
) -> CheckReport:
    """The main job on ``specs``; ``step(spec name, stage)`` is told as each stage starts."""
    assigned = assign_scenarios(specs, list(options.explicit_scenarios))

    def reporter(name: str, suffix: str) -> Callable[[Stage], None]:
        return lambda stage: step(name, stage.value + suffix) if step is not None else None

    reports = []
    for spec in specs:
        scenarios = assigned[spec.name]
        report = check_spec(spec, scenarios, options, reporter(spec.name, ""))
        if options.overrides:
            defaults = check_spec(
                spec,
                scenarios,
                CheckOptions(options.out / "defaults", (), max_states=options.max_states),
                reporter(spec.name, " (defaults)"),
            )
            report = replace(report, comparison=compare(report, defaults))
        reports.append(report)
    return CheckReport(tuple(reports))
