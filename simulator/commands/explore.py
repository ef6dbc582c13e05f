"""``credlab explore``: every reachable situation of a spec, checked, with shortest counterexamples."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.errors import Location
from model.loader import load_spec
from simulator.options import add_command
from simulator.output import emit_json, write_atomic
from simulator.params import describe_overrides, parse_overrides

if TYPE_CHECKING:
    from model.ir import Spec
    from simulator.attacker import Attack
    from simulator.explore import Exploration, Explorer, Violation
    from simulator.scenario import Step

HELP = "exhaustive exploration: invariants, deadlocks, recoverability, determinism; exit 1 if one fails"
DESCRIPTION = """\
Explore every reachable situation of the spec breadth-first on the reference engine, with
symbolic secrets (what the member was given, a new valid value per policy, the mailed value, a
wrong one) and time in regions around each deadline's limit, so the space is finite and exact.

Properties checked in every situation: each declared invariant; deadlock-free (the member can
always change something); deterministic (no event and input enable two transitions at once);
recoverable (from everywhere the member can get back to online access with what they know).
Each failed property comes with the shortest counterexample, written as a scenario file under
--out (default build/explore/) that `credlab simulate SPEC FILE` replays.
Exit 0 when every property holds, 1 when one fails, 2 on bad input.
"""


def add_parser(sub: Any) -> None:
    parser = add_command(sub, "explore", help=HELP, description=DESCRIPTION)
    parser.add_argument("spec", metavar="SPEC", help="the spec file")
    parser.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a spec parameter")
    parser.add_argument("--max-states", type=int, default=200_000, metavar="N", help="stop after N situations")
    parser.add_argument("--out", default="build/explore", metavar="DIR", help="where counterexamples are written")
    parser.set_defaults(run=run)


def properties(explorer: Explorer) -> list[str]:
    return [f"invariant {inv.id}" for inv in explorer.spec.invariants] + [
        "deadlock-free",
        "deterministic",
        "recoverable",
    ]


def write_counterexample(
    args: argparse.Namespace, explorer: Explorer, found: Exploration, violation: Violation
) -> Path:
    from simulator.scenario_writer import scenario_file

    state, moves = found.path(violation.node)
    name = violation.property.replace("invariant ", "").replace(" ", "_")
    path = Path(args.out) / f"{explorer.spec.name}-{name}.yaml"
    steps = [move.as_step(n, Location("<explore>", n)) for n, move in enumerate(moves, start=1)]
    text = scenario_file(
        spec=explorer.spec.name,
        name=f"explore_{name}",
        description=f"Shortest path found by credlab explore to a situation where {violation.property} fails.",
        state=state,
        credentials=explorer.initial_values,
        steps=steps,
        header=[
            f"Shortest counterexample found by `credlab explore {args.spec}`: {violation.property} fails.",
            f"{violation.description.rstrip('.')}. Replay: credlab simulate {args.spec} {path}",
        ],
    )
    write_atomic(path, text)
    return path


def lockout_findings(args: argparse.Namespace, explorer: Explorer, found: Exploration) -> list[dict[str, Any]]:
    from simulator.attacker import lockout_windows
    from simulator.explore import Violation

    findings = []
    for channel, node in lockout_windows(explorer, found).items():
        violation = Violation(f"lockout on {channel}", f"nothing the member knows works on {channel}", node)
        path = write_counterexample(args, explorer, found, violation)
        state = found.worlds[node][0].state
        findings.append(
            {
                "id": "lockout-window",
                "channel": channel,
                "state": state,
                "scenario_file": str(path),
                "steps": len(found.path(node)[1]),
                "message": f"the member can reach {state}, where nothing they know works on {channel}",
            }
        )
    return findings


def at_once(explorer: Explorer, attack: Attack) -> Step:
    """For an attacker who needs no move: a step that only shows which credentials the goal's
    channels take now (one of them is what the attacker already knows)."""
    from simulator.attacker import GOALS
    from simulator.scenario import Advance, Expectation, Step

    spec, world = explorer.spec, attack.start.world
    channels = [name for name, c in spec.channels.items() if c.kind in GOALS[attack.goal]]
    access = tuple((ch, tuple(c for c in spec.credentials if explorer.engine.accepts(world, ch, c))) for ch in channels)
    return Step(1, Location("<explore>", 1), advance=Advance(seconds=0), expect=Expectation(access=access))


def attacker_findings(args: argparse.Namespace, explorer: Explorer) -> list[dict[str, Any]]:
    from simulator.attacker import attacker_actor, attacks
    from simulator.scenario_writer import scenario_file

    spec = explorer.spec
    # a story can only name a declared actor
    attacker: str | None = attacker_actor(spec) if attacker_actor(spec) in spec.actors else None
    findings = []
    for attack in attacks(explorer.engine):
        held = ", ".join(str(c) for c in attack.capabilities) or "nothing"
        finding: dict[str, Any] = {
            "id": "attacker-capabilities",
            "goal": attack.goal,
            "capabilities": [str(c) for c in attack.capabilities],
            "from_state": attack.start.state,
            "steps": len(attack.moves),
            "message": f"an attacker holding {held} gets {attack.goal} from {attack.start.state}"
            + (f" in {len(attack.moves)} step(s)" if attack.moves else " at once"),
            "scenario_file": None,
        }
        if attacker is not None:
            world, knowledge = attack.start.world, attack.start.knowledge
            credentials = {c: v for c in spec.credentials if (v := knowledge.resolve("known", c)) is not None}
            name = f"{attack.goal.replace(' ', '_').replace('-', '_')}_with_" + (
                "_".join(c.name for c in attack.capabilities) or "nothing"
            )
            path = Path(args.out) / f"{spec.name}-attacker-{name}.yaml"
            text = scenario_file(
                spec=spec.name,
                name=f"attacker_{name}",
                description=finding["message"] + ".",
                state=attack.start.state,
                credentials=credentials,
                steps=[m.as_step(n, Location("<explore>", n), attacker) for n, m in enumerate(attack.moves, 1)]
                or [at_once(explorer, attack)],
                header=[f"Found by `credlab explore {args.spec}`: {finding['message']}."],
                flags=dict(zip(spec.flags, world.flags, strict=True)),
                running=[d for d, start in zip(spec.deadlines, world.deadlines, strict=True) if start is not None],
                grants={
                    attacker: (
                        [c.name for c in attack.capabilities if c.kind == "has"],
                        [c.name for c in attack.capabilities if c.kind == "knows"],
                    )
                },
            )
            write_atomic(path, text)
            finding["scenario_file"] = str(path)
        findings.append(finding)
    return findings


def explore_report(args: argparse.Namespace, spec: Spec, overrides: dict[str, int]) -> dict[str, Any]:
    """Explore ``spec`` and report (as ``--format json`` prints it); writes counterexamples to ``args.out``."""
    from model.engine import Engine
    from simulator.explore import Explorer

    explorer = Explorer(Engine(spec, overrides), max_states=args.max_states, progress=_progress())
    found = explorer.explore()
    if sys.stderr.isatty():
        print(file=sys.stderr)
    first: dict[str, Violation] = {}
    for violation in found.violations:
        first.setdefault(violation.property, violation)
    results: list[dict[str, Any]] = []
    for name in properties(explorer):
        failed = first.get(name)
        counterexample = None
        if failed is not None:
            path = write_counterexample(args, explorer, found, failed)
            counterexample = {
                "steps": len(found.path(failed.node)[1]),
                "scenario_file": str(path),
                "message": failed.description,
            }
        results.append({"id": name, "holds": failed is None, "counterexample": counterexample})
    findings = [
        {"id": "unreachable-state", "name": s, "message": f"no explored situation is in state '{s}'"}
        for s in spec.states
        if s not in found.states
    ] + [
        {"id": "never-enabled", "name": t.id, "message": f"transition '{t.id}' never fires in any explored situation"}
        for t in spec.transitions
        if t.id not in found.transitions
    ]
    if found.complete:
        findings += lockout_findings(args, explorer, found) + attacker_findings(args, explorer)
    return {
        "ok": all(r["holds"] for r in results),
        "spec": spec.path,
        "overrides": describe_overrides(overrides),
        "states": len(found.worlds),
        "edges": found.edges,
        "seconds": round(found.seconds, 3),
        "complete": found.complete,
        "properties": results,
        "findings": findings,
    }


def run(args: argparse.Namespace) -> int:
    if args.max_states < 1:
        print("credlab explore: --max-states must be at least 1", file=sys.stderr)
        return 2
    spec = load_spec(args.spec)
    report = explore_report(args, spec, parse_overrides(spec, args.set))
    results, findings = report["properties"], report["findings"]
    if args.format == "json":
        emit_json(report)
    else:
        partial = "" if report["complete"] else f" (stopped at --max-states {args.max_states}: a partial answer)"
        print(f"{spec.path}: {report['states']} situations, {report['edges']} edges, {report['seconds']:.2f}s{partial}")
        for result in results:
            mark = "holds" if result["holds"] else "FAILS"
            print(f"  {mark:5}  {result['id']}")
            if result["counterexample"]:
                ce = result["counterexample"]
                print(
                    f"         {ce['message']}; shortest path: {ce['steps']} step(s), written to {ce['scenario_file']}"
                )
        for finding in findings:
            replay = f" ({finding['scenario_file']})" if finding.get("scenario_file") else ""
            print(f"  finding: {finding['message']}{replay}")
    return 0 if report["ok"] else 1


def _progress() -> Any:
    if not sys.stderr.isatty():
        return None

    def show(found: Exploration) -> None:
        print(f"\r  {len(found.worlds)} situations, {found.edges} edges", end="", file=sys.stderr, flush=True)

    return show
