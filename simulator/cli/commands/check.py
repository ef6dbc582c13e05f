"""``credlab check``: the main job — every check, a terminal summary and a self-contained report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from credlab.simulator.cli.options import add_command

if TYPE_CHECKING:
    from credlab.simulator.analysis.check import CheckReport

HELP = "the main job: validate, lint, scenarios, fuzz, explore, diagrams, and an HTML report"
DESCRIPTION = """\
Run every check on each spec — validate, lint, all its scenarios with coverage, fuzzing with
the CI budget, exhaustive exploration (invariants, deadlocks, determinism, recoverability,
attacker capabilities, lockout windows), the diagram with coverage shading, and (with
--mutate) mutation analysis — then write DIR/report.json and DIR/index.html (one
self-contained page: inline CSS and SVG, no network) for analysts.

--set NAME=VALUE checks a policy variant and reports what changes against the defaults.
The report holds no timing and no timestamp (unless --timestamp), so the same inputs give
the same bytes. Exit 0 when every scenario passes and every property holds, 1 otherwise,
2 on bad input.
"""


def add_parser(sub: Any) -> None:
    parser = add_command(sub, "check", help=HELP, description=DESCRIPTION)
    parser.add_argument("specs", nargs="*", metavar="SPEC", help="spec files (default: every spec/*.yaml)")
    parser.add_argument("-o", "--out", default="build/report", metavar="DIR", help="report folder (build/report)")
    parser.add_argument("--scenarios", action="append", default=[], metavar="PATH", help="scenario files or folders")
    parser.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a spec parameter")
    parser.add_argument("--mutate", action="store_true", help="also run mutation analysis (slower)")
    parser.add_argument("--max-states", type=int, default=200_000, metavar="N", help="exploration bound")
    parser.add_argument("--timestamp", action="store_true", help="stamp the report with the current time")
    parser.set_defaults(run=run)


def _stage(spec: str, stage: str) -> None:
    print(f"\r\033[K  {spec}: {stage}…", end="", file=sys.stderr, flush=True)


def summary_lines(report: CheckReport, index: Path) -> list[str]:
    lines = []
    for spec in report.specs:
        variant = ", ".join(f"{name}={value}" for name, value in _variant(spec.overrides))
        title = spec.spec.title or spec.spec.name
        lines.append(f"{spec.spec.path}{f' [{variant}]' if variant else ''} — {title}: {'PASS' if spec.ok else 'FAIL'}")
        lines += [f"  {row.stage:10} {'ok  ' if row.ok else 'FAIL'}  {row.text}" for row in spec.stages()]
        if spec.comparison is not None:
            c = spec.comparison
            lines.append(
                f"  against the defaults: {len(c.scenarios_flipped)} scenario(s) flip, "
                f"{len(c.findings_appeared)} finding(s) appear, {len(c.findings_disappeared)} disappear"
            )
    lines.append(f"{'PASS' if report.ok else 'FAIL'}: report written to {index}")
    return lines


def _variant(overrides: tuple[tuple[str, int], ...]) -> list[tuple[str, str]]:
    from credlab.model.durations import format_duration

    return [(name, format_duration(value)) for name, value in overrides]


def run(args: argparse.Namespace) -> int:
    from credlab.simulator import api

    tty = sys.stderr.isatty()
    report = api.check(
        args.specs,
        settings=args.set,
        scenarios=args.scenarios,
        out=args.out,
        mutate=args.mutate,
        max_states=args.max_states,
        timestamp=args.timestamp,
        progress=_stage if tty else None,
    )
    if tty:
        print("\r\033[K", end="", file=sys.stderr)
    args.outcome = 0 if report.ok else 1  # what a closed output pipe must not change
    if args.format == "json":
        sys.stdout.write(api.report_json(report.to_json()))  # exactly report.json
    else:
        print("\n".join(summary_lines(report, Path(args.out) / "index.html")))
    return int(args.outcome)
