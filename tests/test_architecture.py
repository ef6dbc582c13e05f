"""credlab's rooms and the direction imports flow between them, read from the source.

Data flows one way, like a compiler's: the language (``credlab.model``) knows nothing of what runs
it; stories, the packed engine, analyses and renderers build on it in that order; the API composes them; the CLI is a
shell over the API. These tests read every module's imports (those inside functions too) so a
shortcut upwards fails here rather than in a reader's head.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

ROOTS = {
    "credlab.model": REPO / "model",
    "credlab.simulator": REPO / "simulator",
    "credlab.examples": REPO / "examples",
    "credlab": REPO / "credlab",
}

RANKS: list[tuple[str, int]] = [
    ("credlab.model", 0),
    ("credlab.examples", 0),  # systems under test: they know nothing of credlab (test below)
    ("credlab.simulator.results", 1),
    ("credlab.simulator.outputs", 1),
    ("credlab.simulator.specs", 1),
    ("credlab.simulator.documents", 1),
    ("credlab.simulator.stories", 2),
    ("credlab.simulator.engine", 3),
    ("credlab.simulator.analysis", 4),
    ("credlab.simulator.conform", 4),  # drives stories through a system under test
    ("credlab.simulator.population", 4),  # many members under a behaviour profile
    ("credlab.simulator.review", 4),  # two versions of a spec compared
    ("credlab.simulator.render", 5),
    ("credlab.simulator.api", 6),
    ("credlab.simulator.cli", 7),
    ("credlab.simulator", 1),  # the package's own __init__: a docstring
    ("credlab", 8),  # the facade: __init__, __main__, the pytest plugin
]


def rank(module: str) -> int:
    for prefix, value in RANKS:
        if module == prefix or module.startswith(prefix + "."):
            return value
    raise AssertionError(f"{module} is in no room: add it to RANKS")


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package, folder in ROOTS.items():
        for path in sorted(folder.rglob("*.py")):
            if package == "credlab" and path.parent != folder:
                continue  # credlab/model, credlab/simulator and credlab/examples link to the folders above
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            found[name] = path
    return found


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


MODULES = modules()


def test_every_module_is_in_a_room() -> None:
    assert {"credlab.model.loader", "credlab.simulator.api", "credlab.simulator.cli.main"} <= set(MODULES)
    for name in MODULES:
        rank(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_flow_down_model_stories_analysis_render_api_cli(name: str) -> None:
    upward = sorted(
        target
        for target in imports(MODULES[name])
        if target.startswith("credlab.") and target in MODULES and rank(target) > rank(name)
    )
    assert not upward, f"{name} (room {rank(name)}) imports from higher rooms: {upward}"


@pytest.mark.parametrize(
    "name", sorted(n for n in MODULES if not n.startswith("credlab.simulator.cli") and n != "credlab.__main__")
)
def test_only_the_cli_parses_arguments(name: str) -> None:
    found = imports(MODULES[name])
    assert "argparse" not in found, f"{name} imports argparse: options belong to the CLI, values to the API"
    assert not any(t.startswith("credlab.simulator.cli") for t in found), f"{name} imports the CLI"


def test_nothing_imports_the_old_top_level_names() -> None:
    for name, path in MODULES.items():
        bad = sorted(t for t in imports(path) if t.split(".")[0] in ("model", "simulator"))
        assert not bad, f"{name} imports {bad}: everything is under credlab"


def test_modules_stay_small() -> None:
    """One concept per module: a module past ~400 lines is two modules waiting to be split."""
    large = {name: n for name, path in MODULES.items() if (n := len(path.read_text().splitlines())) > 520}
    assert not large, f"split these modules: {large}"


def test_the_examples_are_independent_implementations() -> None:
    """An example app implements the policy text on its own: reusing credlab's checks would make
    a conformance test compare credlab with itself."""
    for name, path in MODULES.items():
        if name.startswith("credlab.examples"):
            borrowed = sorted(
                t for t in imports(path) if t.startswith("credlab.") and not t.startswith("credlab.examples")
            )
            assert not borrowed, f"{name} imports {borrowed}"
