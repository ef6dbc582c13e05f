"""``credlab policy check``: judge candidate passwords or PINs against a spec's policy.

Candidates are never printed: results refer to them by position (#1, #2, ...) and explain
each rule's verdict in terms of lengths, positions and character classes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from credlab.simulator.cli.options import add_command
from credlab.simulator.cli.output import finish

if TYPE_CHECKING:
    from credlab.model.policy import Verdict

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


def add_parser(policy_sub: Any) -> None:
    """Add ``check`` to the ``policy`` group's subcommands."""
    parser = add_command(policy_sub, "check", help=HELP, description=DESCRIPTION)
    parser.add_argument("spec", metavar="SPEC", help="the spec file")
    parser.add_argument("candidates", nargs="*", metavar="PASSWORD", help="candidate secrets")
    parser.add_argument("--policy", required=True, help="the policy's name, e.g. web_password")
    parser.add_argument("--from-json", metavar="FILE", help="read candidates from a JSON array of strings")
    parser.add_argument("--actor", help="whose profile personal-information rules use (default: member, if declared)")
    parser.set_defaults(run=run)


def text(spec_path: str, policy: str, verdicts: list[Verdict]) -> Iterator[str]:
    yield f"{spec_path}: policy {policy}"
    width = max((len(r.rule) for v in verdicts for r in v.results), default=0)
    for index, verdict in enumerate(verdicts, start=1):
        notes = f" ({len(verdict.advisories)} advisory)" if verdict.advisories else ""
        yield f"#{index} {'accepted' if verdict.accepted else 'REJECTED'}{notes}"
        for r in verdict.results:
            yield f"  {_MARK[r.passed]}  {r.rule:<{width}}  {r.severity:<6}  {r.message}: {r.detail}"


def run(args: argparse.Namespace) -> int:
    from credlab.model.candidate_list import read_candidates
    from credlab.simulator import api

    candidates = list(args.candidates)
    if args.from_json:
        candidates += read_candidates(args.from_json)
    if not candidates:
        print("credlab policy check: no candidates; give passwords as arguments or --from-json FILE", file=sys.stderr)
        return 2
    report = api.check_policy(args.spec, args.policy, candidates, actor=args.actor)
    return finish(args, report, lambda: text(report.spec, report.policy, list(report.verdicts)))
