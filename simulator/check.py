"""The main job: every check on a spec, gathered into one report (``report.json``, ``index.html``).

Validate, lint, run the scenarios with coverage, fuzz with the CI budget, explore, draw the
diagram, and trace each sentence of the policy text to the spec elements that encode it and
the checks that exercise it. Timing is left out of the report, so the same inputs give the
same bytes. With parameter overrides, the same job also runs under the defaults and the
report says what the variant changes.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model import ir
from model.durations import format_duration
from model.machine import compile_spec
from simulator.commands.explore import explore_report
from simulator.commands.fuzz import fuzz_report
from simulator.commands.simulate import SpecRun, assign_scenarios, result_json
from simulator.commands.validate import summary
from simulator.lint import lint
from simulator.runner import ScenarioResult, run_scenario

TIMING_KEYS = ("seconds", "steps_per_second")
FUZZ_BUDGET = {"max_examples": 100, "steps": 30, "seed": 0}
MUTATION_THRESHOLD = 0.9
"""With --mutate, a kill rate below this fails the check (as `credlab mutate` does by default)."""


@dataclass(frozen=True, slots=True)
class CheckOptions:
    out: Path
    overrides: dict[str, int]
    explicit_scenarios: tuple[Path, ...] = ()
    mutate: bool = False
    max_states: int = 200_000


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


def citing_elements(spec: ir.Spec) -> dict[str, list[dict[str, str]]]:
    """For each source id: the spec elements that cite it (kind and id)."""
    cited: dict[str, list[dict[str, str]]] = {source: [] for source in spec.sources}

    def add(kind: str, name: str, sources: Iterable[str]) -> None:
        for source in sources:
            cited[source].append({"kind": kind, "id": name})

    for policy in spec.policies.values():
        for rule in policy.rules:
            add("policy rule", f"{policy.name}.{rule.id}", rule.sources)
    for t in spec.transitions:
        add("transition", t.id, t.sources)
    for inv in spec.invariants:
        add("invariant", inv.id, inv.sources)
    for a in spec.assumptions.values():
        add("assumption", a.id, a.sources)
    for access in spec.access:
        add("access rule", f"{access.channel}/{access.credential}", access.sources)
    for table, kind in (
        (spec.states, "state"),
        (spec.events, "event"),
        (spec.credentials, "credential"),
        (spec.deadlines, "deadline"),
        (spec.messages, "message"),
        (spec.parameters, "parameter"),
    ):
        for name, element in table.items():
            add(kind, name, element.sources)
    return cited


def implicated(spec: ir.Spec, result: ScenarioResult) -> set[str]:
    """The sentences a failed story fails on: those it says it covers, those cited by the transitions
    fired at the step where it failed and by the invariants that broke there. A failure that points
    at none of these (a refusal where the story expected a transition, say) implicates every
    sentence the story's transitions cite: better too many than a failure the matrix hides."""
    failure = result.failure
    assert failure is not None
    fired = {e["transition"] for e in result.trace if e.get("step") == failure.step and e.get("transition")}
    cited = {s for t in spec.transitions if t.id in fired for s in t.sources}
    cited |= {s for inv in spec.invariants if inv.id in failure.broken for s in inv.sources}
    if not cited:
        cited = {s for t in spec.transitions if t.id in result.transitions for s in t.sources}
    return cited | set(result.scenario.covers)


def traceability(spec: ir.Spec, runs: SpecRun, explored: dict[str, Any]) -> list[dict[str, Any]]:
    """Each quoted sentence → the elements encoding it → the scenarios, invariants and explored
    properties exercising it → a status. A sentence nothing exercises says so."""
    cited = citing_elements(spec)
    holds = {p["id"]: p["holds"] for p in explored["properties"]}
    blamed = {r.scenario.name: implicated(spec, r) for r in runs.results if not r.passed}
    rows = []
    for source_id, source in spec.sources.items():
        transitions = {e["id"] for e in cited[source_id] if e["kind"] == "transition"}
        scenarios = sorted(
            {r.scenario.name for r in runs.results if source_id in r.scenario.covers or transitions & r.transitions}
        )
        invariants = sorted(e["id"] for e in cited[source_id] if e["kind"] == "invariant")
        properties = [f"invariant {i}" for i in invariants]
        broken = [p for p in properties if not holds.get(p, True)]
        failing = [name for name, sources in blamed.items() if source_id in sources]
        if broken or failing:
            status = "failing"
        elif scenarios or invariants:
            status = "exercised"
        elif any(e["kind"] == "assumption" for e in cited[source_id]):
            status = "assumption only"
        else:
            status = "not exercised"
        rows.append(
            {
                "source": source_id,
                "quote": source.quote,
                "elements": cited[source_id],
                "scenarios": scenarios,
                "invariants": invariants,
                "status": status,
            }
        )
    return rows


def diagram(spec: ir.Spec, coverage: dict[str, Any]) -> dict[str, Any]:
    """The spec's diagram with what the scenarios never exercised greyed out (SVG needs Graphviz)."""
    from simulator.diagram_dot import dot_available, render, to_dot
    from simulator.diagram_mermaid import to_mermaid
    from simulator.diagram_model import Coverage, build_view

    shading = Coverage(
        "scenarios",
        frozenset(coverage["states"]["missed"]),
        frozenset(coverage["transitions"]["missed"]),
        f"states {coverage['states']['covered']}/{coverage['states']['total']}, "
        f"transitions {coverage['transitions']['covered']}/{coverage['transitions']['total']}",
    )
    view = build_view(spec, coverage=shading)
    svg = render(to_dot(view), "svg").decode("utf-8") if dot_available() else None
    return {"svg": svg, "mermaid": to_mermaid(view), "coverage": shading.summary}


def check_spec(
    spec: ir.Spec, scenarios: list[Any], options: CheckOptions, step: Callable[[str], None]
) -> dict[str, Any]:
    """Every check on ``spec`` under ``options.overrides``."""
    overrides = options.overrides
    out = options.out / "artifacts" / spec.name
    step("lint")
    findings = lint(spec, overrides)
    step("scenarios")
    compiled = compile_spec(spec, overrides)
    runs = SpecRun(spec, overrides, [run_scenario(compiled, s) for s in scenarios])
    coverage = runs.coverage().json()
    step("fuzz")
    fuzzed = fuzz_report(
        argparse.Namespace(spec=spec.path, out=str(out / "fuzz"), set=None, **FUZZ_BUDGET), spec, overrides
    )
    step("explore")
    explored = explore_report(
        argparse.Namespace(spec=spec.path, out=str(out / "explore"), max_states=options.max_states), spec, overrides
    )
    mutated = None
    if options.mutate:
        step("mutate")
        mutated = mutation_summary(spec, scenarios)
    step("diagram")
    scenarios_ok = all(r.passed for r in runs.results)
    mutants_ok = mutated is None or mutated["kill_rate"] >= MUTATION_THRESHOLD
    report = {
        "path": spec.path,
        "name": spec.name,
        "title": spec.title,
        "description": spec.description,
        "ok": scenarios_ok and fuzzed["ok"] and explored["ok"] and mutants_ok,
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
        "summary": summary(spec.with_parameters(overrides)),
        "lint": {
            "ok": not findings,
            "findings": [
                {"id": f.id, "line": f.location.line, "column": f.location.column, "message": f.message, "hint": f.hint}
                for f in findings
            ],
        },
        "simulate": {
            "ok": scenarios_ok,
            "scenarios": [result_json(spec, r) for r in runs.results],
            "coverage": coverage,
        },
        "fuzz": fuzzed,
        "explore": explored,
        "mutate": mutated,
        "diagram": diagram(spec.with_parameters(overrides), coverage),
        "traceability": traceability(spec, runs, explored),
        "assumptions": [
            {"id": a.id, "question": a.question, "choice": a.choice, "sources": list(a.sources)}
            for a in spec.assumptions.values()
        ],
        "unquoted": [{"text": t, "why": w} for t, w in (spec.document.unquoted if spec.document else ())],
    }
    untimed: dict[str, Any] = _relative(_untimed(report), options.out)
    return untimed


def mutation_summary(spec: ir.Spec, scenarios: list[Any]) -> dict[str, Any]:
    from simulator.mutate import analyse

    verdicts = analyse(spec, scenarios)
    killed = sum(v.killed for v in verdicts)
    return {
        "mutants": len(verdicts),
        "killed": killed,
        "kill_rate": round(killed / len(verdicts), 4) if verdicts else 1.0,
        "survivors": [
            {"id": v.mutant.id, "description": v.mutant.description, "explanation": v.explanation}
            for v in verdicts
            if not v.killed
        ],
    }


def compare(variant: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """What the parameter overrides change against the defaults."""
    before = {s["name"]: s["passed"] for s in defaults["simulate"]["scenarios"]}
    flipped = [
        {
            "name": s["name"],
            "with_defaults": "pass" if before.get(s["name"]) else "fail",
            "with_variant": "pass" if s["passed"] else "fail",
        }
        for s in variant["simulate"]["scenarios"]
        if before.get(s["name"]) != s["passed"]
    ]

    def messages(report: dict[str, Any]) -> set[str]:
        found = {f["message"] for f in report["explore"]["findings"]}
        found |= {p["id"] + " fails" for p in report["explore"]["properties"] if not p["holds"]}
        found |= {f["message"] for f in report["lint"]["findings"]}
        return found

    return {
        "scenarios_flipped": flipped,
        "findings_appeared": sorted(messages(variant) - messages(defaults)),
        "findings_disappeared": sorted(messages(defaults) - messages(variant)),
    }


def _stage_reporter(step: Callable[[str, str], None], name: str, suffix: str) -> Callable[[str], None]:
    def report(stage: str) -> None:
        step(name, stage + suffix)

    return report


def run_check(specs: list[ir.Spec], options: CheckOptions, step: Callable[[str, str], None]) -> dict[str, Any]:
    """The whole report for ``specs``."""
    assigned = assign_scenarios(specs, list(options.explicit_scenarios))
    reports = []
    for spec in specs:
        scenarios = assigned[spec.name]
        report = check_spec(spec, scenarios, options, _stage_reporter(step, spec.name, ""))
        if options.overrides:
            defaults = check_spec(
                spec,
                scenarios,
                CheckOptions(options.out / "defaults", {}, max_states=options.max_states),
                _stage_reporter(step, spec.name, " (defaults)"),
            )
            report["comparison"] = compare(report, defaults)
        else:
            report["comparison"] = None
        reports.append(report)
    return {"ok": all(r["ok"] for r in reports), "specs": reports}
