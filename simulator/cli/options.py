"""Options every command shares, and how a command module declares its parser."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def _columns() -> int:
    """The terminal's width, as ``shutil.get_terminal_size`` finds it (``COLUMNS``, then the tty, then 80)."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, told the width: argparse makes one for every argument it adds, and
    left alone it imports ``shutil`` (with ``bz2`` and ``lzma``) to ask, on every run."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        super().__init__(prog, indent_increment, max_help_position, width if width is not None else _columns() - 2)


def common_options(*, top_level: bool, formats: tuple[str, ...] = ("text", "json")) -> argparse.ArgumentParser:
    """``--format`` and ``--debug``. Commands re-declare them with no default, so that they may
    stand before or after the command's name and the later one wins."""
    common = argparse.ArgumentParser(add_help=False, formatter_class=Formatter)
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
    kwargs.setdefault("formatter_class", Formatter)
    parents = [common_options(top_level=False, formats=formats)]
    parser: argparse.ArgumentParser = sub.add_parser(name, parents=parents, **kwargs)
    return parser


@contextmanager
def progress_line(enabled: bool = True) -> Iterator[Callable[[str], None] | None]:
    """A one-line progress display on a terminal's stderr (nothing when stderr is not a terminal
    or not ``enabled``), cleared when the work is done."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return

    def show(text: str) -> None:
        print(f"\r\033[K  {text}", end="", file=sys.stderr, flush=True)

    try:
        yield show
    finally:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
