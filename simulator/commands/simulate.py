"""``credlab simulate``: run scenario files against specs, as stories on a virtual clock."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.errors import Location, Problem, SpecError
from model.ir import Spec
from model.loader import load_spec
from simulator.coverage import Coverage
from simulator.options import add_command
from simulator.output import emit_json, write_atomic
from simulator.params import describe_overrides, parse_overrides
from simulator.scenario import Scenario, is_scenario_file, load_scenarios, scenario_files, spec_name_of
from simulator.specs import DEFAULT_SPEC_DIR
from simulator.trace import dumps_line

if TYPE_CHECKING:
    from simulator.runner import ScenarioResult

DEFAULT_SCENARIO_DIR = Path("scenarios")
HELP = "run scenario files (stories) against specs; exit 1 if any diverges"
DESCRIPTION = """\
Run scenarios: stories of events, clock advances and expectations, on the compiled state
machine of a spec, with a virtual clock and a seeded random source. Arguments are spec files
and scenario files or folders, in any order; a scenario file names its spec with `spec:`.
With no scenario argument, every scenario in ./scenarios/ about each spec is run; with no
spec argument, every spec/*.yaml.

A failing scenario reports its first divergence: file:line of the step, what was expected and
what happened, and the last steps of the trace. --set NAME=VALUE re-runs the same stories
under a policy variant (any declared parameter, e.g. --set reset_link_ttl=30m).
Exit 0 when every scenario passes, 1 when any fails, 2 on bad input.
"""


def add_parser(sub: Any) -> None:
    parser = add_command(sub, "simulate", formats=("text", "json", "junit"), help=HELP, description=DESCRIPTION)
    parser.add_argument("paths", nargs="*", metavar="SPEC_OR_SCENARIO", help="spec files, scenario files or folders")
    parser.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a spec parameter")
    parser.add_argument("--coverage", action="store_true", help="report the states and transitions never exercised")
    parser.add_argument("--seed", type=int, default=0, help="random seed (random PINs, wrong values); default 0")
    parser.add_argument("--trace-dir", metavar="DIR", help="write each scenario's trace (JSON Lines) under DIR")
    parser.add_argument(
        "--oracle", action="store_true", help="also run every step on the reference engine; the two must agree"
    )
    parser.set_defaults(run=run)


@dataclass(slots=True)
class SpecRun:
    spec: Spec
    overrides: dict[str, int]
    results: list[ScenarioResult] = field(default_factory=list)

    def coverage(self) -> Coverage:
        coverage = Coverage(self.spec)
        for result in self.results:
            coverage.add(result.states, result.transitions)
        return coverage


def split_arguments(paths: list[str]) -> tuple[list[Path], list[Path]]:
    specs: list[Path] = []
    scenarios: list[Path] = []
    for text in paths:
        path = Path(text)
        (scenarios if path.is_dir() or is_scenario_file(path) else specs).append(path)
    if not specs:
        specs = sorted(DEFAULT_SPEC_DIR.glob("*.yaml")) if DEFAULT_SPEC_DIR.is_dir() else []
        if not specs:
            raise SpecError(
                [Problem(Location("spec"), "no spec given and no *.yaml file in ./spec/; name a spec file")]
            )
    return specs, scenarios


def assign_scenarios(specs: list[Spec], explicit: list[Path]) -> dict[str, list[Scenario]]:
    """Load each scenario file for the spec it names. Files found in a folder that are about
    other specs are passed over; a file named directly must be about one of the specs."""
    default = [DEFAULT_SCENARIO_DIR] if DEFAULT_SCENARIO_DIR.is_dir() else []
    by_name = {spec.name: spec for spec in specs}
    assigned: dict[str, list[Scenario]] = {spec.name: [] for spec in specs}
    problems: list[Problem] = []
    for path in scenario_files(explicit or default):
        name = spec_name_of(path)
        spec = by_name.get(name or "")
        try:
            if spec is not None:
                assigned[spec.name].extend(load_scenarios(path, spec))
            elif name is None:
                load_scenarios(path, specs[0])  # raises its located problems
            elif path in explicit:
                raise SpecError(
                    [
                        Problem(
                            Location(str(path)),
                            f"these scenarios are about spec '{name}', which is not "
                            f"among the specs given ({', '.join(by_name)})",
                        )
                    ]
                )
        except SpecError as error:
            problems.extend(error.problems)
    if problems:
        raise SpecError(problems)
    return assigned


def run(args: argparse.Namespace) -> int:
    from model.engine import Engine
    from model.machine import compile_spec  # transitions is imported only by commands that run machines
    from simulator.runner import run_scenario

    spec_files, explicit = split_arguments(args.paths)
    specs = [load_spec(path) for path in spec_files]
    assigned = assign_scenarios(specs, explicit)
    runs = [(SpecRun(spec, parse_overrides(spec, args.set)), assigned[spec.name]) for spec in specs]
    if not any(scenarios for _, scenarios in runs):
        where = ", ".join(str(p) for p in explicit) or str(DEFAULT_SCENARIO_DIR)
        names = ", ".join(spec.name for spec in specs)
        raise SpecError(
            [
                Problem(
                    Location(where),
                    f"no scenarios found for {names} in {where}; name scenario files, or add "
                    "them to ./scenarios/ with `spec: <spec name>`",
                )
            ]
        )
    for spec_run, scenarios in runs:
        compiled = compile_spec(spec_run.spec, spec_run.overrides)
        oracle = Engine(spec_run.spec, spec_run.overrides) if args.oracle else None
        spec_run.results = [run_scenario(compiled, scenario, args.seed, oracle) for scenario in scenarios]
        if args.trace_dir:
            write_traces(Path(args.trace_dir), spec_run)
    report(args, [r for r, _ in runs])
    return 0 if all(result.passed for spec_run, _ in runs for result in spec_run.results) else 1


def trace_path(folder: Path, spec: str, scenario: Scenario) -> Path:
    """``DIR/<spec>/<scenario file's path without .yaml>/<scenario>.jsonl``: one file per story."""
    source = Path(scenario.file)
    if source.is_absolute():
        source = (
            source.relative_to(Path.cwd()) if source.is_relative_to(Path.cwd()) else source.relative_to(source.anchor)
        )
    return folder / spec / source.with_suffix("") / f"{scenario.name}.jsonl"


def write_traces(folder: Path, spec_run: SpecRun) -> None:
    for result in spec_run.results:
        path = trace_path(folder, spec_run.spec.name, result.scenario)
        write_atomic(path, "".join(dumps_line(r) + "\n" for r in result.trace))


def result_json(spec: Spec, result: ScenarioResult) -> dict[str, Any]:
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
        "spec": spec.name,
        "passed": result.passed,
        "steps": result.steps_run,
        "assumes": list(result.scenario.assumes),
        "failure": failure,
    }


def report(args: argparse.Namespace, runs: list[SpecRun]) -> None:
    passed = sum(r.passed for run in runs for r in run.results)
    failed = sum(not r.passed for run in runs for r in run.results)
    if args.format == "json":
        specs = [
            {
                "path": run.spec.path,
                "name": run.spec.name,
                "overrides": describe_overrides(run.overrides),
                "coverage": run.coverage().json(),
            }
            for run in runs
        ]
        emit_json(
            {
                "ok": failed == 0,
                "scenarios": [result_json(run.spec, r) for run in runs for r in run.results],
                "coverage": specs[0]["coverage"] if len(specs) == 1 else None,
                "specs": specs,
            }
        )
    elif args.format == "junit":
        sys.stdout.write(junit(runs))
    else:
        for run in runs:
            variant = f" ({describe_overrides(run.overrides)})" if run.overrides else ""
            print(f"{run.spec.path}{variant}")
            for r in run.results:
                where = f"{r.scenario.file}, {r.steps_run} step(s)"
                if r.passed:
                    print(f"  PASS {r.scenario.name}  ({where})")
                else:
                    assert r.failure is not None
                    depends = f" [assumes: {', '.join(r.scenario.assumes)}]" if r.scenario.assumes else ""
                    print(f"  FAIL {r.scenario.name}{depends}")
                    print("       " + r.failure.message().replace("\n", "\n       "))
            if args.coverage:
                print("  " + run.coverage().text().replace("\n", "\n  "))
        print(f"{passed} passed, {failed} failed")


def junit(runs: list[SpecRun]) -> str:
    """JUnit XML: one testsuite per spec, one testcase per scenario."""
    from xml.etree import ElementTree  # only --format junit pays for it

    suites = ElementTree.Element("testsuites", name="credlab simulate")
    for run in runs:
        failures = sum(not r.passed for r in run.results)
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=run.spec.name,
            tests=str(len(run.results)),
            failures=str(failures),
            errors="0",
            skipped="0",
        )
        for r in run.results:
            case = ElementTree.SubElement(suite, "testcase", classname=r.scenario.file, name=r.scenario.name)
            if r.failure is not None:
                failure = ElementTree.SubElement(
                    case,
                    "failure",
                    message=f"step {r.failure.step}: expected {r.failure.expected}; got {r.failure.actual}",
                )
                failure.text = r.failure.message()
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
