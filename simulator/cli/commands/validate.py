"""``credlab validate``: load and check specs, reporting every problem with its location."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from credlab.model.ir import Spec
from credlab.simulator.cli.options import add_command
from credlab.simulator.cli.output import finish

if TYPE_CHECKING:
    from credlab.simulator.results import ValidateReport

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


def _describe(spec: Spec) -> str:
    return (
        f"{len(spec.states)} states, {len(spec.events)} events, {len(spec.transitions)} transitions, "
        f"{len(spec.policies)} policies, {len(spec.invariants)} invariants, {len(spec.assumptions)} assumptions"
    )


def run(args: argparse.Namespace) -> int:
    from credlab.simulator import api

    report = api.validate(args.specs)
    return finish(args, report, lambda: text(report), code=0 if report.ok else 2)


def text(report: ValidateReport) -> Iterator[str]:
    for checked in report.specs:
        if checked.spec is not None:
            yield f"{checked.path}: valid ({_describe(checked.spec)})"
        yield from (str(problem) for problem in checked.problems)
