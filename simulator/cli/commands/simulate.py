"""``credlab simulate``: run scenario files against specs, as stories on a virtual clock."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from credlab.simulator.cli.options import add_command
from credlab.simulator.cli.output import emit_json

if TYPE_CHECKING:
    from credlab.simulator.stories.report import SimulateReport, SpecStories

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


def run(args: argparse.Namespace) -> int:
    from credlab.simulator import api
    from credlab.simulator.stories.library import split_arguments

    specs, scenarios = split_arguments(args.paths)
    report = api.simulate(
        specs, scenarios, settings=args.set, seed=args.seed, oracle=args.oracle, trace_dir=args.trace_dir
    )
    args.outcome = 0 if report.ok else 1  # what a closed output pipe must not change
    if args.format == "json":
        emit_json(report.to_json())
    elif args.format == "junit":
        sys.stdout.write(junit(report))
    else:
        print("\n".join(text(report, args.coverage)))
    return int(args.outcome)


def text(report: SimulateReport, coverage: bool) -> list[str]:
    lines = []
    for run in report.runs:
        lines += story_lines(run)
        if coverage:
            lines.append("  " + run.coverage.text().replace("\n", "\n  "))
    passed = sum(run.passed for run in report.runs)
    failed = sum(len(run.results) for run in report.runs) - passed
    lines.append(f"{passed} passed, {failed} failed")
    return lines


def story_lines(run: SpecStories) -> list[str]:
    lines = [f"{run.spec.path}" + (f" ({run.variant})" if run.variant else "")]
    for r in run.results:
        if r.passed:
            lines.append(f"  PASS {r.scenario.name}  ({r.scenario.file}, {r.steps_run} step(s))")
        else:
            assert r.failure is not None
            depends = f" [assumes: {', '.join(r.scenario.assumes)}]" if r.scenario.assumes else ""
            lines.append(f"  FAIL {r.scenario.name}{depends}")
            lines.append("       " + r.failure.message().replace("\n", "\n       "))
    return lines


def junit(report: SimulateReport) -> str:
    """JUnit XML: one testsuite per spec, one testcase per scenario."""
    from xml.etree import ElementTree  # only --format junit pays for it

    suites = ElementTree.Element("testsuites", name="credlab simulate")
    for run in report.runs:
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
