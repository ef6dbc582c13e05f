"""``credlab explore``: every reachable situation of a spec, checked, with shortest counterexamples."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from credlab.simulator.cli.options import add_command, progress_line
from credlab.simulator.cli.output import finish

if TYPE_CHECKING:
    from credlab.simulator.analysis.exploration import Exploration
    from credlab.simulator.results import ExploreReport

_MARKS = {"holds": "holds", "fails": "FAILS", "unknown": "UNKNOWN"}
HELP = "exhaustive exploration: invariants, deadlocks, recoverability, determinism; exit 1 if one fails"
DESCRIPTION = """\
Explore every reachable situation of the spec breadth-first on the reference engine, with
symbolic secrets (what the member was given, a new valid value per policy, the mailed value, a
wrong one) and symbolic time: each situation keeps a zone (bounds on the running deadlines'
elapsed times and their differences), so the space is finite and does not grow with durations.

Properties checked in every situation: each declared invariant; deadlock-free (the member can
always change something); deterministic (no event with its inputs, and no lapse of the clock,
enables two transitions at once);
recoverable (from everywhere the member can get back to online access with what they know).
Each failed property comes with the shortest counterexample, written as a scenario file under
--out (default build/explore/) that `credlab simulate SPEC FILE` replays.
Each property is `holds` (after a complete search), `FAILS` (with a story) or `UNKNOWN` (the
search stopped at --max-states first: raise it). Then the minimal capability sets that give an
attacker access from any situation the member reaches, each with its shortest attack (an attacker
search stopped at --max-states is UNKNOWN too), and the member's lockout windows. Progress goes
to stderr on a terminal (never with --format json). Exit 0 when every property holds and every
attacker search decided, 1 when one fails or is unknown, 2 on bad input.
"""


def add_parser(sub: Any) -> None:
    parser = add_command(sub, "explore", help=HELP, description=DESCRIPTION)
    parser.add_argument("spec", metavar="SPEC", help="the spec file")
    parser.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a spec parameter")
    parser.add_argument("--max-states", type=int, default=200_000, metavar="N", help="stop after N situations")
    parser.add_argument("--out", default="build/explore", metavar="DIR", help="where counterexamples are written")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from credlab.simulator import api

    if args.max_states < 1:
        print("credlab explore: --max-states must be at least 1", file=sys.stderr)
        return 2
    with progress_line(args.format == "text") as show:
        report = api.explore(
            args.spec, settings=args.set, max_states=args.max_states, out=args.out, progress=_progress(show)
        )
    return finish(args, report, lambda: text(report, args.max_states))


def text(report: ExploreReport, max_states: int) -> list[str]:
    partial = "" if report.complete else f" (stopped at --max-states {max_states}: a partial answer)"
    lines = [f"{report.spec}: {report.states} situations, {report.edges} edges, {report.seconds:.2f}s{partial}"]
    for result in report.properties:
        lines.append(f"  {_MARKS[result.verdict]:7}  {result.property}")
        ce = result.counterexample
        if ce is not None:
            lines.append(f"         {ce.message}; shortest path: {ce.steps} step(s), written to {ce.scenario_file}")
    undecided = [p for p in report.properties if p.verdict == "unknown"]
    if undecided:
        lines.append(
            f"  {len(undecided)} propert{'y' if len(undecided) == 1 else 'ies'} not decided: {undecided[0].bound}"
        )
    lines += [f"  {_MARKS['unknown']:7}  {analysis}" for analysis in report.undecided]
    for finding in report.findings:
        replay = f" ({finding.scenario_file})" if finding.scenario_file else ""
        accepted = ", accepted" if finding.accepted is not None else ""
        lines.append(f"  {finding.kind} ({finding.severity}{accepted}): {finding.message}{replay}")
    return lines


def _progress(show: Callable[[str], None] | None) -> Callable[[Exploration], None] | None:
    """Situations, edges, rate and frontier on the terminal (the display only: outputs never
    depend on the wall clock)."""
    if show is None:
        return None
    started = time.perf_counter()

    def report(found: Exploration) -> None:
        rate = len(found.worlds) / max(time.perf_counter() - started, 1e-9)
        show(
            f"exploring: {len(found.worlds):,} situations, {found.edges:,} edges, "
            f"{rate:,.0f} situations/s, {found.frontier:,} to expand"
        )

    return report
