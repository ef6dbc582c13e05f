"""pytest plugin: credlab scenario files are collected as tests, one item per story.

Registered through the ``pytest11`` entry point, so ``pytest scenarios/`` just works. It is loaded
into every pytest run of an environment where credlab is installed, so it imports nothing of
credlab beyond a file-kind check until it meets a scenario file (a YAML file whose top level has
``credlab_scenarios:``); a project's own ``model`` or ``simulator`` packages are never shadowed.

Specs are found by name in the folders of the ``credlab_spec_dirs`` ini option (default:
``spec``); ``--credlab-set NAME=VALUE`` runs every scenario under a policy variant, and
``--credlab-seed`` sets the seed; ``--credlab-target spec:FILE`` (or a URL with
``--credlab-binding FILE``) drives each story through a system under test as ``credlab conform``
does. The items themselves are in :mod:`credlab.simulator.stories.pytest_items`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from credlab.model.filekind import is_scenario_file


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("credlab", "credlab scenarios")
    group.addoption(
        "--credlab-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a spec parameter for every scenario",
    )
    group.addoption("--credlab-seed", type=int, default=0, help="seed for scenario runs (default 0)")
    group.addoption(
        "--credlab-target",
        default=None,
        metavar="URL|spec:FILE",
        help="drive every story through this system under test too (credlab conform), not the spec alone",
    )
    group.addoption("--credlab-binding", default=None, metavar="FILE", help="how to drive a URL target")
    group.addoption("--credlab-smtp", default=None, metavar="HOST:PORT", help="capture a URL target's email here")
    group.addoption(
        "--credlab-browser", action="store_true", help="do the binding's browser events in headless Chromium"
    )
    parser.addini("credlab_spec_dirs", "folders holding the specs scenarios name", type="args", default=["spec"])


def pytest_configure(config: pytest.Config) -> None:
    target = config.getoption("credlab_target", None)
    if target:  # only then is the conformance driver imported
        from credlab.simulator.conform.pytest_runner import TargetRunner

        config._credlab_runner = TargetRunner(  # type: ignore[attr-defined]
            target,
            config.rootpath,
            config.getoption("credlab_binding"),
            config.getoption("credlab_smtp"),
            config.getoption("credlab_browser"),
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    runner = getattr(config, "_credlab_runner", None)
    if runner is not None:
        runner.close()


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix in (".yaml", ".yml") and is_scenario_file(file_path):
        from credlab.simulator.stories.pytest_items import ScenarioFile

        collector: pytest.Collector = ScenarioFile.from_parent(parent, path=file_path)
        return collector
    return None
