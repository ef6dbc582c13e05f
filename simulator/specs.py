"""Which specs a command works on: the paths given, or every ``*.yaml`` in ``./spec/``."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from credlab.model.errors import Location, Problem, SpecError

DEFAULT_SPEC_DIR = Path("spec")


def default_specs() -> list[Path]:
    """Every ``./spec/*.yaml``; raises :class:`SpecError` when there is none."""
    found = sorted(DEFAULT_SPEC_DIR.glob("*.yaml")) if DEFAULT_SPEC_DIR.is_dir() else []
    if not found:
        raise SpecError(
            [Problem(Location(str(DEFAULT_SPEC_DIR)), "no spec given and no *.yaml file in ./spec/; name a spec file")]
        )
    return found


def spec_paths(given: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The spec files a command should read: those given, or :func:`default_specs`."""
    paths = [Path(p) for p in given]
    return paths or default_specs()
