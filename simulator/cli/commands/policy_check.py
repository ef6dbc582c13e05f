"""``credlab policy check``: judge candidate passwords or PINs against a spec's policy.

Candidates are never printed: results refer to them by position (#1, #2, ...) and explain
each rule's verdict in terms of lengths, positions and character classes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from credlab.model.errors import Location, Problem, SpecError
from credlab.model.ir import Spec
from credlab.model.loader import load_spec
from credlab.model.policy import PolicyContext, RuleResult, Verdict, evaluate
from credlab.model.yamlsrc import read_text
from credlab.simulator.cli.options import add_command
from credlab.simulator.cli.output import emit_json

HELP = "judge candidate passwords/PINs against a policy, rule by rule (never echoing them)"
DESCRIPTION = """\
Judge each candidate against every rule of the named policy. `reject` rules decide the
verdict; `advise` rules are reported as advisories. Personal-information rules compare with
the profile of an actor of the spec (--actor, default: member).

Candidates come from the command line (convenient, but visible to other users of the
machine and kept in shell history) or, better, from --from-json FILE: a JSON array of
strings, which may hold any characters, newlines and NUL included.
Exit 0 when every candidate is accepted, 1 when any is rejected, 2 on bad input.
"""

_MARK = {True: "pass", False: "FAIL", None: "n/a "}


def add_parser(sub: Any) -> None:
    policy = add_command(
        sub,
        "policy",
        help="work with a spec's credential policies",
        description="Work with a spec's credential policies.",
    )
    policy_sub = policy.add_subparsers(dest="policy_command", metavar="COMMAND", required=True)
    parser = add_command(policy_sub, "check", help=HELP, description=DESCRIPTION)
    parser.add_argument("spec", metavar="SPEC", help="the spec file")
    parser.add_argument("candidates", nargs="*", metavar="PASSWORD", help="candidate secrets")
    parser.add_argument("--policy", required=True, help="the policy's name, e.g. web_password")
    parser.add_argument("--from-json", metavar="FILE", help="read candidates from a JSON array of strings")
    parser.add_argument("--actor", help="whose profile personal-information rules use (default: member, if declared)")
    parser.set_defaults(run=run)


def read_candidates(path: str) -> list[str]:
    """The JSON array of strings in ``path``, or a located :class:`SpecError`."""
    text = read_text(Path(path), what="candidate list")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SpecError([Problem(Location(path, error.lineno, error.colno), f"not JSON: {error.msg}")]) from None
    if not isinstance(data, list):
        raise SpecError([Problem(Location(path), "expected a JSON array of strings")])
    bad = [i for i, item in enumerate(data, start=1) if not isinstance(item, str)]
    if bad:
        raise SpecError(
            [Problem(Location(path), f"item {bad[0]} of the array is not a string; every candidate must be a string")]
        )
    return data


def _context(spec: Spec, actor: str | None, where: str) -> PolicyContext:
    if actor is None:
        return PolicyContext(spec.actors["member"].profile if "member" in spec.actors else {})
    if actor not in spec.actors:
        names = ", ".join(spec.actors) or "none"
        raise SpecError([Problem(Location(where), f"unknown actor '{actor}' (the spec declares: {names})")])
    return PolicyContext(spec.actors[actor].profile)


def _rule_json(result: RuleResult) -> dict[str, Any]:
    return {
        "rule": result.rule,
        "severity": result.severity,
        "passed": result.passed,
        "message": result.message,
        "detail": result.detail,
    }


def verdict_json(index: int, verdict: Verdict) -> dict[str, Any]:
    return {
        "index": index,
        "accepted": verdict.accepted,
        "violations": [_rule_json(r) for r in verdict.violations],
        "advisories": [_rule_json(r) for r in verdict.advisories],
        "rules": [_rule_json(r) for r in verdict.results],
    }


def _print_text(spec_path: str, policy: str, verdicts: list[Verdict]) -> None:
    print(f"{spec_path}: policy {policy}")
    width = max((len(r.rule) for v in verdicts for r in v.results), default=0)
    for index, verdict in enumerate(verdicts, start=1):
        notes = f" ({len(verdict.advisories)} advisory)" if verdict.advisories else ""
        print(f"#{index} {'accepted' if verdict.accepted else 'REJECTED'}{notes}")
        for r in verdict.results:
            print(f"  {_MARK[r.passed]}  {r.rule:<{width}}  {r.severity:<6}  {r.message}: {r.detail}")


def run(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    policy = spec.policies.get(args.policy)
    if policy is None:
        names = ", ".join(spec.policies)
        raise SpecError([Problem(Location(args.spec), f"unknown policy '{args.policy}' (the spec declares: {names})")])
    candidates = list(args.candidates)
    if args.from_json:
        candidates += read_candidates(args.from_json)
    if not candidates:
        print("credlab policy check: no candidates; give passwords as arguments or --from-json FILE", file=sys.stderr)
        return 2
    context = _context(spec, args.actor, args.spec)
    verdicts = [evaluate(policy, candidate, context) for candidate in candidates]
    ok = all(v.accepted for v in verdicts)
    if args.format == "json":
        emit_json(
            {
                "ok": ok,
                "spec": args.spec,
                "policy": policy.name,
                "results": [verdict_json(i, v) for i, v in enumerate(verdicts, start=1)],
            }
        )
    else:
        _print_text(args.spec, policy.name, verdicts)
    return 0 if ok else 1
