"""``credlab mutate``: mutation analysis of a spec's own checks."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from credlab.simulator.cli.options import add_command, progress_line
from credlab.simulator.cli.output import finish

if TYPE_CHECKING:
    from credlab.simulator.results import MutateReport

HELP = "mutation analysis: which rules do the spec's scenarios and properties really protect?"
DESCRIPTION = """\
Make mutants of the spec — a guard dropped or negated, a target swapped, an effect dropped, a
deadline shifted by a second or doubled, its boundary flipped, a policy rule weakened to advice,
an access rule dropped, a session screen made anyone's — and run the spec's own checks against each: its scenarios (from
./scenarios/ or the folders given), then exhaustive exploration of its invariants and
built-in properties. A mutant nothing notices *survives*. Each survivor is explained: either
it is equivalent (no reachable situation behaves differently) or credlab gives the shortest
story that would tell it apart, written as a scenario file under --out (default build/mutate/).
Exit 0 when the kill rate reaches --threshold (default 0.9), 1 below it, 2 on bad input.
"""


def add_parser(sub: Any) -> None:
    parser = add_command(sub, "mutate", help=HELP, description=DESCRIPTION)
    parser.add_argument("spec", metavar="SPEC", help="the spec file")
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO_OR_DIR", help="scenario files or folders")
    parser.add_argument("--threshold", type=float, default=0.9, help="the kill rate to reach (default 0.9)")
    parser.add_argument("--no-explore", action="store_true", help="judge mutants by scenarios only (faster)")
    parser.add_argument("--max-states", type=int, default=50_000, metavar="N", help="exploration bound per mutant")
    parser.add_argument("--out", default="build/mutate", metavar="DIR", help="where suggested stories are written")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from credlab.simulator import api

    if not 0 <= args.threshold <= 1:
        print("credlab mutate: --threshold is a kill rate between 0 and 1", file=sys.stderr)
        return 2
    with progress_line() as show:
        report = api.mutate(
            args.spec,
            args.scenarios,
            threshold=args.threshold,
            explore=not args.no_explore,
            max_states=args.max_states,
            out=args.out,
            progress=(lambda done, total: show(f"mutant {done}/{total}")) if show is not None else None,
        )
    return finish(args, report, lambda: text(report))


def text(report: MutateReport) -> list[str]:
    lines = [
        f"{report.spec}: {report.killed}/{report.mutants} mutants killed ({report.kill_rate:.0%}; "
        f"threshold {report.threshold:.0%}) by {report.scenarios} scenario(s)"
        + (" and exploration" if report.explored else "")
    ]
    lines += [f"  {kind:15} {killed}/{total}" for kind, total, killed in report.kinds]
    for s in report.survivors:
        lines.append(f"  SURVIVOR {s.id} at {s.location}: {s.description}")
        lines.append(f"           {s.explanation}" + (f" ({s.scenario_file})" if s.scenario_file else ""))
    return lines
