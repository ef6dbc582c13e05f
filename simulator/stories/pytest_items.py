"""The pytest items of credlab scenario files: one per story (see :mod:`credlab.pytest_plugin`).

A failing scenario reports its divergence (file:line of the step, expected vs actual, last steps),
not a Python traceback; ``--junitxml`` works as usual. Specs are found by name in the folders of
the ``credlab_spec_dirs`` ini option (default: ``spec``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from credlab.model.errors import SpecError
from credlab.model.ir import Spec
from credlab.model.loader import load_spec
from credlab.simulator.stories.runner import Divergence
from credlab.simulator.stories.scenario import Scenario, load_scenarios, spec_name_of


class ScenarioLoadError(Exception):
    """A scenario file that cannot be loaded: its located problems, one per line."""


class ScenarioFailure(Exception):
    def __init__(self, divergence: Divergence) -> None:
        super().__init__(divergence.message())
        self.divergence = divergence


def _specs(config: pytest.Config) -> dict[str, Spec]:
    cached: dict[str, Spec] | None = getattr(config, "_credlab_specs", None)
    if cached is None:
        cached = {}
        for folder in config.getini("credlab_spec_dirs"):
            for path in sorted((config.rootpath / folder).glob("*.yaml")):
                try:
                    spec = load_spec(path)
                except SpecError:
                    continue  # `credlab validate` reports it; scenarios about it say the spec is unknown
                cached.setdefault(spec.name, spec)
        config._credlab_specs = cached  # type: ignore[attr-defined]
    return cached


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        name = spec_name_of(self.path)
        specs = _specs(self.config)
        spec = specs.get(name or "") or (next(iter(specs.values()), None) if name is None else None)
        if spec is None:
            folders = ", ".join(self.config.getini("credlab_spec_dirs"))
            raise ScenarioLoadError(
                f"{self.path}: error: no valid spec named '{name}' in {folders} (credlab_spec_dirs)"
            )
        try:
            scenarios = load_scenarios(self.path, spec)
        except SpecError as error:
            raise ScenarioLoadError("\n".join(str(p) for p in error.problems)) from None
        for scenario in scenarios:
            yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario, spec=spec)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioLoadError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, spec: Spec, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario, self.spec = scenario, spec

    def runtest(self) -> None:
        from credlab.model.machine import compile_spec
        from credlab.model.overrides import parse_overrides
        from credlab.simulator.stories.runner import run_scenario

        overrides = parse_overrides(self.spec, self.config.getoption("credlab_set"))
        seed = self.config.getoption("credlab_seed")
        through = getattr(self.config, "_credlab_runner", None)  # --credlab-target: the plugin's conform runner
        if through is not None:
            failure = through(self.spec, self.scenario, overrides, seed)
        else:
            failure = run_scenario(compile_spec(self.spec, overrides), self.scenario, seed).failure
        if failure is not None:
            raise ScenarioFailure(failure)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailure | SpecError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.scenario.loc.line - 1, f"scenario {self.scenario.name}"
