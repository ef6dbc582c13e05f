"""``credlab fuzz``: Hypothesis stateful testing of a spec, with a differential oracle."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.loader import load_spec
from simulator.coverage import coverage_text
from simulator.options import add_command
from simulator.output import emit_json, write_atomic
from simulator.params import describe_overrides, parse_overrides

if TYPE_CHECKING:
    from model.ir import Spec
    from simulator.fuzz import FuzzResult, FuzzStats

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


def _progress(total: int) -> Any:
    if not sys.stderr.isatty():
        return None

    def show(stats: FuzzStats) -> None:
        cov = stats.coverage.json()
        print(
            f"\r  examples {stats.examples}/{total}  steps {stats.steps}  states "
            f"{cov['states']['covered']}/{cov['states']['total']}  transitions "
            f"{cov['transitions']['covered']}/{cov['transitions']['total']}",
            end="",
            file=sys.stderr,
            flush=True,
        )

    return show


def write_counterexample(args: argparse.Namespace, spec_name: str, result: FuzzResult) -> Path:
    from simulator.fuzz import property_of
    from simulator.scenario_writer import scenario_file

    assert result.failure is not None and result.given is not None
    path = Path(args.out) / f"{spec_name}-counterexample.yaml"
    variant = f" --set {' --set '.join(args.set)}" if args.set else ""
    text = scenario_file(
        spec=spec_name,
        name="fuzz_counterexample",
        description=f"Found by credlab fuzz (seed {args.seed}): {property_of(result.failure)} fails.",
        state=result.given.state,
        credentials=result.initial_values,
        steps=result.steps,
        header=[
            f"Counterexample found by `credlab fuzz {args.spec} --seed {args.seed}{variant}`, shrunk by Hypothesis.",
            f"Property: {property_of(result.failure)}. Replay: credlab simulate {args.spec} {path}{variant}",
            f"Failure: {result.failure.expected}; got {result.failure.actual}",
        ],
    )
    write_atomic(path, text)
    return path


def fuzz_report(args: argparse.Namespace, spec: Spec, overrides: dict[str, int]) -> dict[str, Any]:
    """Fuzz ``spec`` and report (as ``--format json`` prints it); writes a counterexample to ``args.out``."""
    from hypothesis.configuration import set_hypothesis_home_dir

    from model.machine import compile_spec
    from simulator.fuzz import fuzz, property_of

    # Hypothesis keeps caches (not examples: database=None) in .hypothesis/ of the current
    # folder; keep them with this run's other outputs instead.
    set_hypothesis_home_dir(str(Path(args.out) / ".hypothesis"))
    result = fuzz(
        compile_spec(spec, overrides),
        max_examples=args.max_examples,
        steps=args.steps,
        seed_value=args.seed,
        progress=_progress(args.max_examples),
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    stats, paths = result.stats, result.paths
    assert paths is not None
    scenario_path = write_counterexample(args, spec.name, result) if result.failure is not None else None
    return {
        "ok": result.failure is None,
        "spec": spec.path,
        "overrides": describe_overrides(overrides),
        "seed": args.seed,
        "examples": stats.examples,
        "directed": stats.directed,
        "steps": stats.steps,
        "transitions_fired": stats.fired,
        "seconds": round(stats.seconds, 3),
        "steps_per_second": round(stats.steps / stats.seconds) if stats.seconds else None,
        "coverage": stats.coverage.json(),
        "reachable": {"states": len(paths.states), "transitions": len(paths.transitions), "complete": paths.complete},
        "counterexample": None
        if result.failure is None
        else {
            "property": property_of(result.failure),
            "steps": len(result.steps),
            "scenario_file": str(scenario_path),
            "message": result.failure.message(),
        },
    }


def run(args: argparse.Namespace) -> int:
    if args.max_examples < 1 or args.steps < 1:
        print("credlab fuzz: --max-examples and --steps must be at least 1", file=sys.stderr)
        return 2
    spec = load_spec(args.spec)
    report = fuzz_report(args, spec, parse_overrides(spec, args.set))
    if args.format == "json":
        emit_json(report)
        return 0 if report["ok"] else 1
    reachable, counterexample = report["reachable"], report["counterexample"]
    rate = f", {report['steps_per_second']} steps/s" if report["steps_per_second"] else ""
    print(
        f"{spec.path}: {report['directed']} shortest paths, then {report['examples']} random examples; "
        f"{report['steps']} steps ({report['transitions_fired']} fired a transition){rate} (seed {args.seed})"
    )
    print("  " + coverage_text(report["coverage"]).replace("\n", "\n  "))
    print(
        f"  reachable (shortest-path search): {reachable['states']} states, {reachable['transitions']} transitions"
        + ("" if reachable["complete"] else " (search stopped at its node limit)")
    )
    if counterexample is not None:
        path = counterexample["scenario_file"]
        print(f"  FAIL {counterexample['property']} after {counterexample['steps']} step(s):")
        print("    " + counterexample["message"].replace("\n", "\n    "))
        print(f"  counterexample written to {path}; replay: credlab simulate {args.spec} {path}")
    else:
        print("  every invariant held and both backends agreed at every step")
    return 0 if report["ok"] else 1
