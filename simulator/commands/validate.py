"""``credlab validate``: load and check specs, reporting every problem with its location."""

from __future__ import annotations

import argparse
from typing import Any

from model.durations import format_duration
from model.errors import SpecError
from model.ir import Spec
from model.loader import load_spec
from simulator.options import add_command
from simulator.output import emit_json, problem_json
from simulator.specs import spec_paths

HELP = "load and validate specs; print path:line:col: error: message for each problem"
DESCRIPTION = """\
Load each spec, check it against the spec language (types, unknown keys, YAML 1.1 traps)
and resolve every reference (states, events, credentials, policies, channels, parameters,
actors, sources). All problems are reported at once. Exit 0 when every spec is valid, 2 if not.
"""


def add_parser(sub: Any) -> None:
    parser = add_command(sub, "validate", help=HELP, description=DESCRIPTION)
    parser.add_argument("specs", nargs="*", metavar="SPEC", help="spec files (default: every spec/*.yaml)")
    parser.set_defaults(run=run)


def summary(spec: Spec) -> dict[str, Any]:
    """What a valid spec declares, for the JSON report."""
    return {
        "name": spec.name,
        "states": list(spec.states),
        "initial": list(spec.initial),
        "events": list(spec.events),
        "transitions": len(spec.transitions),
        "policies": list(spec.policies),
        "credentials": list(spec.credentials),
        "channels": list(spec.channels),
        "invariants": [inv.id for inv in spec.invariants],
        "assumptions": list(spec.assumptions),
        "parameters": {name: format_duration(p.default) for name, p in spec.parameters.items()},
    }


def _describe(spec: Spec) -> str:
    return (
        f"{len(spec.states)} states, {len(spec.events)} events, {len(spec.transitions)} transitions, "
        f"{len(spec.policies)} policies, {len(spec.invariants)} invariants, {len(spec.assumptions)} assumptions"
    )


def run(args: argparse.Namespace) -> int:
    reports = []
    for path in spec_paths(args.specs):
        try:
            spec = load_spec(path)
        except SpecError as error:
            reports.append({"path": str(path), "valid": False, "errors": [problem_json(p) for p in error.problems]})
            if args.format == "text":
                for problem in error.problems:
                    print(problem)
            continue
        reports.append({"path": str(path), "valid": True, "errors": [], "summary": summary(spec)})
        if args.format == "text":
            print(f"{path}: valid ({_describe(spec)})")
    ok = all(r["valid"] for r in reports)
    if args.format == "json":
        emit_json({"ok": ok, "specs": reports})
    return 0 if ok else 2
