"""``credlab policy``: work with a spec's password and PIN policies (check, count, compare)."""

from __future__ import annotations

from typing import Any

from credlab.simulator.cli.commands import policy_check, policy_measure
from credlab.simulator.cli.options import add_command

GROUP_HELP = "work with a spec's credential policies: check candidates, count, compare"
HELP = GROUP_HELP


def add_parser(sub: Any) -> None:
    policy = add_command(
        sub,
        "policy",
        help=GROUP_HELP,
        description="Work with a spec's credential policies: judge candidates, count what a policy "
        "accepts, compare two policies.",
    )
    policy_sub = policy.add_subparsers(dest="policy_command", metavar="COMMAND", required=True, prog="credlab policy")
    policy_check.add_parser(policy_sub)
    policy_measure.add_parsers(policy_sub)
