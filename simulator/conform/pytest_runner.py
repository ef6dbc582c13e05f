"""Stories as pytest items driven through a system under test: ``pytest scenarios/
--credlab-target spec:FILE`` runs each story with ``credlab conform`` instead of on the spec alone
(the plugin, :mod:`credlab.pytest_plugin`, installs this runner; ``--junitxml`` works as usual)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from credlab.model import ir
from credlab.model.errors import UsageError
from credlab.model.loader import load_spec
from credlab.model.machine import compile_spec
from credlab.simulator.conform.engine_target import EngineTarget
from credlab.simulator.conform.run import conform_scenario
from credlab.simulator.conform.target import CannotStart
from credlab.simulator.stories.runner import Divergence
from credlab.simulator.stories.scenario import Scenario

StoryRunner = Callable[[ir.Spec, Scenario, Mapping[str, int], int], "Divergence | None"]


def runner_for(target: str, root: Path) -> StoryRunner:
    """The story runner for ``--credlab-target``: ``spec:FILE`` (relative to the rootdir)."""
    kind, colon, where = target.partition(":")
    if kind != "spec" or not colon or not where:
        raise UsageError(f"--credlab-target {target}: give spec:FILE; HTTP targets are not built yet")
    system = load_spec(root / where)

    def run(spec: ir.Spec, scenario: Scenario, overrides: Mapping[str, int], seed: int) -> Divergence | None:
        try:
            done = conform_scenario(compile_spec(spec, dict(overrides)), scenario, EngineTarget(system), seed)
        except CannotStart as why:
            pytest.skip(f"{target} cannot start this story: {why}")
        return done.result.failure

    return run
