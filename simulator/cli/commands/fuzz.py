"""``credlab fuzz``: Hypothesis stateful testing of a spec, with a differential oracle."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from credlab.simulator.cli.options import add_command, progress_line
from credlab.simulator.cli.output import finish

if TYPE_CHECKING:
    from credlab.simulator.analysis.fuzz import FuzzStats
    from credlab.simulator.results import FuzzReport

HELP = "Hypothesis stateful testing generated from a spec; exit 1 with a replayable counterexample"
DESCRIPTION = """\
Generate a Hypothesis state machine from the spec and run it: one rule per event, inputs drawn
from what the member knows, what was mailed, wrong values, valid and broken passwords/PINs and
Unicode traps; clock moves that land just before, on and just after every running deadline; and
restarts from the end of a shortest path to some transition or situation. Before Hypothesis
starts, the shortest path to every transition, situation and invariant violation that a
breadth-first search finds is replayed, so the whole spec is reached. After every step the
spec's invariants must hold and the compiled transitions machine must agree with the
independent reference engine (every event is tried in every state: both must refuse alike).

A failure is shrunk and written as a scenario file (--out, default build/fuzz/) that
`credlab simulate SPEC FILE` replays with the same failure.
Exit 0 when no property fails, 1 with a counterexample, 2 on bad input.
"""


def add_parser(sub: Any) -> None:
    parser = add_command(sub, "fuzz", help=HELP, description=DESCRIPTION)
    parser.add_argument("spec", metavar="SPEC", help="the spec file")
    parser.add_argument("--max-examples", type=int, default=100, metavar="N", help="examples to run (default 100)")
    parser.add_argument("--steps", type=int, default=30, metavar="N", help="steps per example at most (default 30)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    parser.add_argument("--out", default="build/fuzz", metavar="DIR", help="where a counterexample is written")
    parser.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a spec parameter")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from credlab.simulator import api

    if args.max_examples < 1 or args.steps < 1:
        print("credlab fuzz: --max-examples and --steps must be at least 1", file=sys.stderr)
        return 2
    with progress_line() as show:
        report = api.fuzz(
            args.spec,
            settings=args.set,
            max_examples=args.max_examples,
            steps=args.steps,
            seed=args.seed,
            out=args.out,
            progress=_progress(show, args.max_examples),
        )
    return finish(args, report, lambda: text(report))


def text(report: FuzzReport) -> list[str]:
    reachable, counterexample = report.reachable, report.counterexample
    rate = f", {report.steps_per_second} steps/s" if report.steps_per_second else ""
    lines = [
        f"{report.spec}: {report.directed} shortest paths, then {report.examples} random examples; "
        f"{report.steps} steps ({report.transitions_fired} fired a transition){rate} (seed {report.seed})",
        "  " + report.coverage.text().replace("\n", "\n  "),
        f"  reachable (shortest-path search): {reachable.states} states, {reachable.transitions} transitions"
        + ("" if reachable.complete else " (search stopped at its node limit)"),
    ]
    if counterexample is not None:
        path = counterexample.scenario_file
        lines.append(f"  FAIL {counterexample.property} after {counterexample.steps} step(s):")
        lines.append("    " + counterexample.message.replace("\n", "\n    "))
        lines.append(f"  counterexample written to {path}; replay: {counterexample.replay}")
    else:
        lines.append("  every invariant held and both backends agreed at every step")
    return lines


def _progress(show: Callable[[str], None] | None, total: int) -> Callable[[FuzzStats], None] | None:
    if show is None:
        return None
    return lambda stats: show(
        f"examples {stats.examples}/{total}  steps {stats.steps}  {stats.coverage.report().summary()}"
    )
