"""``credlab mutate``: mutation analysis of a spec's own checks."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.errors import Location
from model.loader import load_spec
from simulator.options import add_command
from simulator.output import emit_json, write_atomic

if TYPE_CHECKING:
    from model.ir import Spec
    from simulator.mutate import Verdict

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


def write_story(args: argparse.Namespace, spec: Spec, verdict: Verdict) -> str | None:
    from simulator.paths import start_values
    from simulator.scenario_writer import scenario_file

    if verdict.witness is None:
        return None
    state, moves = verdict.witness
    name = verdict.mutant.id.replace(":", "_").replace(".", "_").replace("-", "_").replace("+", "plus")
    path = Path(args.out) / f"{spec.name}-{name}.yaml"
    text = scenario_file(
        spec=spec.name,
        name=f"tells_apart_{name}",
        description=f"Behaves differently if {verdict.mutant.description}; add expectations to the last step.",
        state=state,
        credentials=start_values(spec),
        steps=[m.as_step(n, Location("<mutate>", n), accepted=n < len(moves)) for n, m in enumerate(moves, start=1)],
        header=[
            f"Suggested by `credlab mutate {args.spec}`: no story tells the spec apart from this mutant:",
            f"{verdict.mutant.id}: {verdict.mutant.description}.",
        ],
    )
    write_atomic(path, text)
    return str(path)


def run(args: argparse.Namespace) -> int:
    from simulator.commands.simulate import assign_scenarios
    from simulator.mutate import analyse

    if not 0 <= args.threshold <= 1:
        print("credlab mutate: --threshold is a kill rate between 0 and 1", file=sys.stderr)
        return 2
    spec = load_spec(args.spec)
    scenarios = assign_scenarios([spec], [Path(p) for p in args.scenarios])[spec.name]

    def progress(done: int, total: int) -> None:
        print(f"\r  mutant {done}/{total}", end="", file=sys.stderr, flush=True)

    verdicts = analyse(
        spec,
        scenarios,
        explore=not args.no_explore,
        max_states=args.max_states,
        progress=progress if sys.stderr.isatty() else None,
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    killed = sum(v.killed for v in verdicts)
    rate = killed / len(verdicts) if verdicts else 1.0
    kinds = Counter(v.mutant.kind for v in verdicts)
    killed_kinds = Counter(v.mutant.kind for v in verdicts if v.killed)
    survivors = [
        {
            "id": v.mutant.id,
            "kind": v.mutant.kind,
            "description": v.mutant.description,
            "location": str(v.mutant.location),
            "sources": list(v.mutant.sources),
            "explanation": v.explanation,
            "scenario_file": write_story(args, spec, v),
        }
        for v in verdicts
        if not v.killed
    ]
    ok = rate >= args.threshold
    if args.format == "json":
        emit_json(
            {
                "ok": ok,
                "spec": spec.path,
                "scenarios": len(scenarios),
                "mutants": len(verdicts),
                "killed": killed,
                "kill_rate": round(rate, 4),
                "threshold": args.threshold,
                "kinds": {k: {"total": kinds[k], "killed": killed_kinds[k]} for k in sorted(kinds)},
                "survivors": survivors,
                "killed_by": {v.mutant.id: v.by for v in verdicts if v.killed},
            }
        )
    else:
        print(
            f"{spec.path}: {killed}/{len(verdicts)} mutants killed ({rate:.0%}; threshold {args.threshold:.0%}) "
            f"by {len(scenarios)} scenario(s)" + ("" if args.no_explore else " and exploration")
        )
        for kind in sorted(kinds):
            print(f"  {kind:15} {killed_kinds[kind]}/{kinds[kind]}")
        for s in survivors:
            print(f"  SURVIVOR {s['id']} at {s['location']}: {s['description']}")
            print(f"           {s['explanation']}" + (f" ({s['scenario_file']})" if s["scenario_file"] else ""))
    return 0 if ok else 1
