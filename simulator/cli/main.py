"""The ``credlab`` command line: parse, dispatch, and turn bad input into exit code 2.

Each command lives in :mod:`credlab.simulator.cli.commands` and imports what it needs itself, so
``credlab validate`` never pays for Hypothesis.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from credlab.model.errors import SpecError, UsageError
from credlab.simulator.cli.commands import (
    check,
    conform,
    diagram,
    diff,
    example_app,
    explore,
    fuzz,
    lint,
    mutate,
    policy,
    population,
    schema,
    simulate,
    validate,
)
from credlab.simulator.cli.options import Formatter, common_options
from credlab.simulator.cli.output import emit_json, print_problems
from credlab.simulator.results import problem_json

DESCRIPTION = """\
credlab: a testbed for credential lifecycle policies.

A policy is declared in YAML (see spec/), validated with exact errors, compiled into state
machines, and exercised. Commands take spec paths; with none, every spec/*.yaml is used.
Exit codes: 0 success, 1 a check failed, 2 bad input or usage.
"""


def _extra_candidates(parser: argparse.ArgumentParser, extras: list[str]) -> list[str]:
    """argparse cannot take positionals after an option (``--policy x PW``): for ``policy check``
    they are candidates. Never echo one: it may be a password, even if it looks like an option."""
    before, after = (extras[: extras.index("--")], extras[extras.index("--") + 1 :]) if "--" in extras else (extras, [])
    option_like = [e for e in before if e.startswith("-")]
    if option_like:
        parser.error(
            f"{len(option_like)} unrecognized option-like argument(s), not shown since they may be secrets; "
            "give candidates that start with '-' after '--', or in --from-json FILE"
        )
    return before + after


COMMANDS: tuple[tuple[str, Any], ...] = (
    ("check", check),
    ("validate", validate),
    ("policy", policy),
    ("simulate", simulate),
    ("conform", conform),
    ("example-app", example_app),
    ("fuzz", fuzz),
    ("explore", explore),
    ("lint", lint),
    ("mutate", mutate),
    ("population", population),
    ("diff", diff),
    ("diagram", diagram),
    ("schema", schema),
)


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``chosen``, only that command's parser is built in full."""
    parser = argparse.ArgumentParser(
        prog="credlab",
        description=DESCRIPTION,
        parents=[common_options(top_level=True)],
        formatter_class=Formatter,
    )
    # prog given: argparse would otherwise build a help formatter (and import shutil) to work it out
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, prog="credlab")
    for name, command in COMMANDS:
        if chosen in (None, name):
            command.add_parser(sub)
        else:  # listed in --help, never parsed: building every parser costs more than validating a spec
            sub.add_parser(name, help=getattr(command, "GROUP_HELP", command.HELP), formatter_class=Formatter)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names, if it names one (options before it are the common ones)."""
    words = iter(argv)
    for word in words:
        if word == "--format":
            next(words, None)
        elif not word.startswith("-"):
            return word if word in dict(COMMANDS) else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_in(words))
    args, extras = parser.parse_known_args(words)
    if extras:
        if getattr(args, "policy_command", None) == "check":
            args.candidates = [*args.candidates, *_extra_candidates(parser, extras)]
        else:
            parser.error(f"unrecognized argument(s): {' '.join(extras)}")
    try:
        code: int = args.run(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the try, not at the interpreter's exit
        return code
    except SpecError as error:
        if args.format == "json":
            emit_json({"ok": False, "errors": [problem_json(p) for p in error.problems]})
        print_problems(error.problems)
        return 2
    except UsageError as error:
        if args.format == "json":
            emit_json({"ok": False, "errors": [{"message": str(error)}]})
        print(f"credlab {args.command}: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader stopped early (`credlab … | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        # the verdict was decided before the output: a closed pipe never turns a failure into 0
        outcome: int = getattr(args, "outcome", 1)
        return outcome
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
