"""Options every command shares, and how a command module declares its parser."""

from __future__ import annotations

import argparse
from typing import Any


def common_options(*, top_level: bool, formats: tuple[str, ...] = ("text", "json")) -> argparse.ArgumentParser:
    """``--format`` and ``--debug``. Commands re-declare them with no default, so that they may
    stand before or after the command's name and the later one wins."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--format",
        choices=formats,
        default="text" if top_level else argparse.SUPPRESS,
        help=f"output format: {', '.join(formats)} (default: text)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="show Python tracebacks for internal errors",
    )
    return common


def add_command(
    sub: Any, name: str, *, formats: tuple[str, ...] = ("text", "json"), **kwargs: Any
) -> argparse.ArgumentParser:
    """Add a command (or sub-command) parser that takes the common options."""
    kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
    parents = [common_options(top_level=False, formats=formats)]
    parser: argparse.ArgumentParser = sub.add_parser(name, parents=parents, **kwargs)
    return parser
