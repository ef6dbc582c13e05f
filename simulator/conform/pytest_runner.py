"""Stories as pytest items driven through a system under test: ``pytest scenarios/
--credlab-target spec:FILE`` (or a URL with ``--credlab-binding FILE``) runs each story with
``credlab conform`` instead of on the spec alone (the plugin, :mod:`credlab.pytest_plugin`,
installs this runner; ``--junitxml`` works as usual)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path

import pytest

from credlab.model import ir
from credlab.model.errors import UsageError
from credlab.model.machine import compile_spec
from credlab.simulator.conform.run import conform_scenario
from credlab.simulator.conform.target import CannotStart, Target
from credlab.simulator.conform.targets import open_target
from credlab.simulator.stories.runner import Divergence
from credlab.simulator.stories.scenario import Scenario


class TargetRunner:
    """Runs stories through the ``--credlab-target`` system: ``spec:FILE`` (relative to the
    rootdir) or a URL with ``--credlab-binding FILE`` (and ``--credlab-browser``). A URL target is
    opened once per spec, on its first story, and closed when the session ends."""

    def __init__(
        self, target: str, root: Path, binding: str | None = None, smtp: str | None = None, browser: bool = False
    ) -> None:
        self.target, self.root, self.smtp, self.browser = target, root, smtp, browser
        self.binding = str(root / binding) if binding else None
        self.open: dict[str, Target] = {}
        self.stack = ExitStack()
        if target.partition(":")[0] == "spec":
            self.target = f"spec:{root / target.partition(':')[2]}"
        if not target.startswith(("spec:", "http://", "https://")):
            raise UsageError(f"--credlab-target {target}: give spec:FILE, or a URL with --credlab-binding FILE")

    def system(self, spec: ir.Spec) -> Target:
        if spec.name not in self.open:
            self.open[spec.name] = self.stack.enter_context(
                open_target(spec, self.target, self.binding, self.smtp, self.browser)
            )
        return self.open[spec.name]

    def __call__(self, spec: ir.Spec, scenario: Scenario, overrides: Mapping[str, int], seed: int) -> Divergence | None:
        try:
            done = conform_scenario(compile_spec(spec, dict(overrides)), scenario, self.system(spec), seed)
        except CannotStart as why:
            pytest.skip(f"{self.target} cannot start this story: {why}")
        return done.result.failure

    def close(self) -> None:
        self.stack.close()
