"""``credlab lint``: static findings about specs, each with an id, a location and a hint."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from credlab.simulator.cli.options import add_command
from credlab.simulator.cli.output import finish

if TYPE_CHECKING:
    from credlab.simulator.analysis.lint import LintReport

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
    from credlab.simulator import api

    report = api.lint(args.specs)
    return finish(args, report, lambda: text(report))


def text(report: LintReport) -> Iterator[str]:
    for path, findings in report.specs:
        yield f"{path}: {len(findings)} finding(s)" if findings else f"{path}: clean"
        for finding in findings:
            yield f"  {finding}"
