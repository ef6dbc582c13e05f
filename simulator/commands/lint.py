"""``credlab lint``: static findings about specs, each with an id, a location and a hint."""

from __future__ import annotations

import argparse
from typing import Any

from model.loader import load_spec
from simulator.options import add_command
from simulator.output import emit_json
from simulator.specs import spec_paths

HELP = "static findings: unused declarations, unreachable states, dead transitions; exit 1 if any"
DESCRIPTION = """\
Report what a valid spec says less well than its author may think: states nothing reaches,
transitions that never fire, states with no exit, events no transition handles, assumptions
nothing depends on, deadlines nothing starts or checks, flags, counters, messages, channels,
credentials, policies and capabilities nothing uses, rules without a quoted source.
Reachability comes from a shortest-path search on the reference engine.
Exit 0 when clean, 1 with findings, 2 on bad input.
"""


def add_parser(sub: Any) -> None:
    parser = add_command(sub, "lint", help=HELP, description=DESCRIPTION)
    parser.add_argument("specs", nargs="*", metavar="SPEC", help="spec files (default: every spec/*.yaml)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from simulator.lint import lint

    reports = []
    for spec_file in spec_paths(args.specs):
        reports.append((str(spec_file), lint(load_spec(spec_file))))
    total = sum(len(findings) for _, findings in reports)
    if args.format == "json":
        emit_json(
            {
                "ok": total == 0,
                "specs": [
                    {
                        "path": path,
                        "findings": [
                            {
                                "id": f.id,
                                "file": f.location.path,
                                "line": f.location.line,
                                "column": f.location.column,
                                "message": f.message,
                                "hint": f.hint,
                            }
                            for f in findings
                        ],
                    }
                    for path, findings in reports
                ],
            }
        )
    else:
        for path, findings in reports:
            print(f"{path}: {len(findings)} finding(s)" if findings else f"{path}: clean")
            for finding in findings:
                print(f"  {finding}")
    return 0 if total == 0 else 1
