"""Options every command shares, and how a command module declares its parser."""

from __future__ import annotations

import argparse
from typing import Any


def common_options(*, top_level: bool) -> argparse.ArgumentParser:
    """``--format`` and ``--debug``. Commands re-declare them with no default, so that they may
    stand before or after the command's name and the later one wins."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--format",
        choices=("text", "json"),
        default="text" if top_level else argparse.SUPPRESS,
        help="output format (default: text)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="show Python tracebacks for internal errors",
    )
    return common


def add_command(sub: Any, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    """Add a command (or sub-command) parser that takes the common options."""
    kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
    parser: argparse.ArgumentParser = sub.add_parser(name, parents=[common_options(top_level=False)], **kwargs)
    return parser
