"""``credlab check``: the main job — every check, a terminal summary and a self-contained report."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from model.loader import load_spec
from simulator.options import add_command
from simulator.output import write_atomic
from simulator.params import parse_overrides
from simulator.specs import spec_paths

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
    if sys.stderr.isatty():
        print(f"\r\033[K  {spec}: {stage}…", end="", file=sys.stderr, flush=True)


def summary_lines(report: dict[str, Any], index: Path) -> list[str]:
    lines = []
    for spec in report["specs"]:
        simulate, fuzz, explore = spec["simulate"], spec["fuzz"], spec["explore"]
        passed = sum(s["passed"] for s in simulate["scenarios"])
        cov = simulate["coverage"]
        holding = sum(p["holds"] for p in explore["properties"])
        overrides = [f"{p['name']}={p['value']}" for p in spec["parameters"] if p["overridden"]]
        variant = f" [{', '.join(overrides)}]" if overrides else ""
        lines.append(f"{spec['path']}{variant} — {spec['title']}: {'PASS' if spec['ok'] else 'FAIL'}")
        rows = [
            (
                "validate",
                True,
                f"{len(spec['summary']['states'])} states, {spec['summary']['transitions']} transitions",
            ),
            ("lint", spec["lint"]["ok"], f"{len(spec['lint']['findings'])} finding(s)"),
            (
                "scenarios",
                simulate["ok"],
                f"{passed}/{len(simulate['scenarios'])} passed; states "
                f"{cov['states']['covered']}/{cov['states']['total']}, transitions "
                f"{cov['transitions']['covered']}/{cov['transitions']['total']}",
            ),
            (
                "fuzz",
                fuzz["ok"],
                f"{fuzz['directed']} shortest paths + {fuzz['examples']} random examples, {fuzz['steps']} steps "
                f"({fuzz['transitions_fired']} fired a transition)"
                + (f"; FAILS {fuzz['counterexample']['property']}" if fuzz["counterexample"] else ""),
            ),
            (
                "explore",
                explore["ok"],
                f"{explore['states']} situations; {holding}/{len(explore['properties'])} "
                f"properties hold; {len(explore['findings'])} finding(s)",
            ),
        ]
        if spec["mutate"] is not None:
            m = spec["mutate"]
            rows.append(("mutate", True, f"{m['killed']}/{m['mutants']} mutants killed ({m['kill_rate']:.0%})"))
        for name, ok, text in rows:
            lines.append(f"  {name:10} {'ok  ' if ok else 'FAIL'}  {text}")
        if spec["comparison"]:
            c = spec["comparison"]
            lines.append(
                f"  against the defaults: {len(c['scenarios_flipped'])} scenario(s) flip, "
                f"{len(c['findings_appeared'])} finding(s) appear, {len(c['findings_disappeared'])} disappear"
            )
    lines.append(f"{'PASS' if report['ok'] else 'FAIL'}: report written to {index}")
    return lines


def run(args: argparse.Namespace) -> int:
    from simulator.check import CheckOptions, run_check
    from simulator.report_html import render

    specs = [load_spec(path) for path in spec_paths(args.specs)]
    overrides_per_spec = {spec.name: parse_overrides(spec, args.set) for spec in specs}
    if len({tuple(sorted(o.items())) for o in overrides_per_spec.values()}) > 1:  # pragma: no cover - same --set
        raise AssertionError("overrides differ between specs")
    out = Path(args.out)
    options = CheckOptions(
        out=out,
        overrides=next(iter(overrides_per_spec.values()), {}),
        explicit_scenarios=tuple(Path(p) for p in args.scenarios),
        mutate=args.mutate,
        max_states=args.max_states,
    )
    report = run_check(specs, options, _stage)
    if sys.stderr.isatty():
        print("\r\033[K", end="", file=sys.stderr)
    if args.timestamp:
        from datetime import UTC, datetime

        report["generated"] = datetime.now(UTC).isoformat(timespec="seconds")
    text = json.dumps(report, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    write_atomic(out / "report.json", text)
    write_atomic(out / "index.html", render(report))
    if args.format == "json":
        sys.stdout.write(text)  # exactly report.json
    else:
        print("\n".join(summary_lines(report, out / "index.html")))
    return 0 if report["ok"] else 1
