"""Which stories of the library change outcome under the new version of a spec.

Every scenario file about the spec (by its ``spec:`` name) is loaded and run against each
version as loaded; a story that passes on one and fails (or no longer loads) on the other is a
story the change affects — the stories a reviewer reads to see the change in the policy's own
words, and the ones its author must update.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from credlab.model import ir
from credlab.model.errors import ScenarioError
from credlab.model.machine import compile_spec
from credlab.model.node import node
from credlab.simulator.stories.library import DEFAULT_SCENARIO_DIR
from credlab.simulator.stories.runner import run_scenario
from credlab.simulator.stories.scenario import load_scenarios, scenario_files, spec_name_of

Outcome = Literal["passes", "fails", "invalid"]


@node
class Impact:
    """One story whose outcome differs between the versions (``message``: why it does not pass)."""

    file: str
    scenario: str
    old: Outcome
    new: Outcome
    message: str = ""


def outcomes(spec: ir.Spec, path: Path) -> dict[str, tuple[Outcome, str]]:
    """Each story of ``path`` run on ``spec`` as loaded: passes, or fails with its failing step;
    ``{"*": ("invalid", the first problem)}`` when the file does not load against ``spec``."""
    try:
        scenarios = load_scenarios(path, spec)
    except ScenarioError as error:
        first = str(error.problems[0]) if error.problems else str(error)
        return {"*": ("invalid", first)}
    compiled = compile_spec(spec)
    found: dict[str, tuple[Outcome, str]] = {}
    for scenario in scenarios:
        result = run_scenario(compiled, scenario)
        found[scenario.name] = ("passes", "") if result.failure is None else ("fails", result.failure.summary())
    return found


def scenario_impact(old: ir.Spec, new: ir.Spec, paths: Iterable[Path] = ()) -> tuple[Impact, ...]:
    """The stories in ``paths`` (default: ``./scenarios/``) about either version whose outcome differs."""
    given = list(paths) or ([DEFAULT_SCENARIO_DIR] if DEFAULT_SCENARIO_DIR.is_dir() else [])
    names = {old.name, new.name}
    changed: list[Impact] = []
    for path in scenario_files(given):
        if spec_name_of(path) not in names:
            continue
        before, after = outcomes(old, path), outcomes(new, path)
        for name in [*before, *(n for n in after if n not in before)]:
            a = before.get(name) or before.get("*") or ("invalid", "no such story")
            b = after.get(name) or after.get("*") or ("invalid", "no such story")
            if a[0] != b[0]:
                changed.append(Impact(str(path), name, a[0], b[0], b[1] or a[1]))
    return tuple(changed)
