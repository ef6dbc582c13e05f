"""Which specs a command works on: the paths given, or every ``*.yaml`` in ``./spec/``."""

from __future__ import annotations

from pathlib import Path

from model.errors import Location, Problem, SpecError

DEFAULT_SPEC_DIR = Path("spec")


def spec_paths(given: list[str]) -> list[Path]:
    """The spec files a command should read; raises :class:`SpecError` when there are none."""
    if given:
        return [Path(p) for p in given]
    found = sorted(DEFAULT_SPEC_DIR.glob("*.yaml")) if DEFAULT_SPEC_DIR.is_dir() else []
    if not found:
        raise SpecError(
            [Problem(Location(str(DEFAULT_SPEC_DIR)), "no spec given and no *.yaml file in ./spec/; name a spec file")]
        )
    return found
