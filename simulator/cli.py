"""The ``credlab`` command line: parse, dispatch, and turn bad input into exit code 2.

Each command lives in :mod:`simulator.commands` and imports what it needs itself, so
``credlab validate`` never pays for Hypothesis.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from model.errors import SpecError
from simulator.commands import policy_check, schema, validate
from simulator.output import emit_json, print_problems, problem_json

OPTION = re.compile(r"--?[a-z][a-z-]*(=.*)?")

DESCRIPTION = """\
credlab: a testbed for credential lifecycle policies.

A policy is declared in YAML (see spec/), validated with exact errors, compiled into state
machines, and exercised. Commands take spec paths; with none, every spec/*.yaml is used.
Exit codes: 0 success, 1 a check failed, 2 bad input or usage.
"""


def _common(suppress: bool) -> argparse.ArgumentParser:
    """Options every command takes, before or after its name (a later one wins)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--format",
        choices=("text", "json"),
        default=argparse.SUPPRESS if suppress else "text",
        help="output format (default: text)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="show Python tracebacks for internal errors",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common(suppress=True)
    parser = argparse.ArgumentParser(
        prog="credlab",
        description=DESCRIPTION,
        parents=[_common(suppress=False)],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    original = sub.add_parser

    def add_parser(name: str, **kwargs: object) -> argparse.ArgumentParser:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        return original(name, parents=[common], **kwargs)  # type: ignore[arg-type]

    sub.add_parser = add_parser  # type: ignore[method-assign]
    for command in (validate, policy_check, schema):
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        # argparse cannot take positionals after an option (`--policy x PW`): for policy
        # check they are candidates. Never echo them: they may be passwords.
        if getattr(args, "policy_command", None) == "check" and not any(OPTION.fullmatch(e) for e in extras):
            args.candidates = [*args.candidates, *(e for e in extras if e != "--")]
        else:
            options = [e for e in extras if OPTION.fullmatch(e)]
            parser.error(
                f"unrecognized option(s): {' '.join(options)}"
                if options
                else f"{len(extras)} unexpected argument(s) (not shown)"
            )
    try:
        code: int = args.run(args)
        return code
    except SpecError as error:
        if args.format == "json":
            emit_json({"ok": False, "errors": [problem_json(p) for p in error.problems]})
        print_problems(error.problems)
        return 2
    except KeyboardInterrupt:
        print("credlab: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # an internal error must still say what to do next
        if args.debug:
            raise
        print(
            f"credlab: internal error: {type(error).__name__}: {error}. "
            "Run again with --debug for a traceback, and please report it.",
            file=sys.stderr,
        )
        return 3
