"""credlab installs as one import name, ``credlab``, and nothing else.

The checkout keeps the top-level folders ``model/`` and ``simulator/``; the wheel maps them to
``credlab.model`` and ``credlab.simulator`` through pyproject's explicit package list. What a user
relies on:

* the wheel holds ``credlab/...`` and its ``credlab-*.dist-info/`` only — every module of the
  source folders, under ``credlab/`` (a subpackage missing from the package list fails here),
  ``py.typed``, one top-level name and the two entry points;
* installed into a fresh venv, ``pip show -f`` lists no top-level package but ``credlab``, and
  ``credlab check`` and ``python -m credlab validate`` work from the wheel alone;
* a project with its own ``model`` package and ``simulator`` module keeps them: the pytest
  plugin, loaded into every pytest run, imports only its file-kind check until it meets a
  credlab scenario file;
* it still collects scenario files, one item per story, and only then loads
  ``credlab.simulator``.

The project checks run twice: with the dev venv (credlab installed editable) and with the fresh
venv. The fresh venv reaches the dev venv's dependencies (and pip) through a ``.pth`` file naming
the dev venv's site-packages; ``.pth`` files inside a folder added that way are not processed, so
the dev venv's editable credlab finder stays off — a test proves it.

The wheel is built from a snapshot of the checkout in a temporary folder, so the build writes
no ``build/`` or ``*.egg-info`` into the repository, and a stale ``build/`` there cannot leak
into the wheel. The wheel and the venv are made once for the module: they take seconds.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from packaging.version import Version

from tests.conftest import ANA_SPEC, REPO

SOURCE_FOLDERS = ("model", "simulator", "examples")
"""The checkout's folders that install as ``credlab.model``, ``credlab.simulator`` and
``credlab.examples`` (the example systems ``credlab example-app`` serves)."""

NOT_SOURCE_AT_ROOT = frozenset(
    {".git", ".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", "build", "dist"}
)
"""What the snapshot of the checkout leaves out (besides ``__pycache__`` and ``*.egg-info``)."""

SETUPTOOLS_THAT_BUILDS_WHEELS = Version("70.1")
"""The first setuptools with ``bdist_wheel`` built in: with ``--no-build-isolation`` the dev venv's
setuptools builds the wheel, and an older one needs the separate ``wheel`` package."""

DEV_PYTHON = Path(sys.executable)
DEV_SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])

FILE_KIND_ONLY = frozenset({"credlab", "credlab.pytest_plugin", "credlab.model", "credlab.model.filekind"})
"""All of credlab that the pytest plugin may import before it meets a scenario file."""

SCENARIO_FILE = REPO / "scenarios" / "ana_web_password" / "channels.yaml"
"""A small scenario file of the ANA spec, for the plugin to collect."""

LEAKY_VARIABLES = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "VIRTUAL_ENV",
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD",
    "PYTEST_CURRENT_TEST",
)
"""Variables that would put the checkout on ``sys.path`` or change an inner pytest run."""

BUILD_TIMEOUT = 180
RUN_TIMEOUT = 120
CHECK_TIMEOUT = 300


# --- Running commands ------------------------------------------------------------------------------


def clean_env() -> dict[str, str]:
    """This process's environment, less what would let the checkout or the outer pytest leak in."""
    env = {name: value for name, value in os.environ.items() if name not in LEAKY_VARIABLES}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONNOUSERSITE"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    return env


def explain(result: subprocess.CompletedProcess[str]) -> str:
    command = " ".join(str(arg) for arg in result.args)
    return f"$ {command}\nexit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def run(
    args: Sequence[str | Path], *, cwd: Path, timeout: float = RUN_TIMEOUT, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``args`` in ``cwd`` with a clean environment, and fail unless it exits 0 (``check``)."""
    result = subprocess.run(
        [os.fspath(arg) for arg in args],
        cwd=cwd,
        env=clean_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0 or not check, explain(result)
    return result


# --- The wheel -------------------------------------------------------------------------------------


def _not_source(folder: str, names: list[str]) -> set[str]:
    at_root = Path(folder) == REPO
    return {
        name
        for name in names
        if name == "__pycache__" or (at_root and (name in NOT_SOURCE_AT_ROOT or name.endswith(".egg-info")))
    }


@pytest.fixture(scope="module")
def source_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of the checkout (symlinks kept as links), to build from and to compare with."""
    tree = tmp_path_factory.mktemp("source") / "credlab"
    shutil.copytree(REPO, tree, symlinks=True, ignore=_not_source)
    return tree


@pytest.fixture(scope="module")
def wheel(source_tree: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    setuptools = Version(version("setuptools"))
    assert setuptools >= SETUPTOOLS_THAT_BUILDS_WHEELS, (
        f"the dev venv has setuptools {setuptools}, which cannot build a wheel without build isolation; "
        f"`pip install -e '.[dev]'` installs setuptools>={SETUPTOOLS_THAT_BUILDS_WHEELS}"
    )
    out = tmp_path_factory.mktemp("wheel")
    run(
        [DEV_PYTHON, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", out, source_tree],
        cwd=out,
        timeout=BUILD_TIMEOUT,
    )
    [built] = out.glob("credlab-*.whl")
    return built


def wheel_names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def wheel_text(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        [dist_info] = {n.split("/")[0] for n in archive.namelist() if n.split("/")[0].endswith(".dist-info")}
        return archive.read(f"{dist_info}/{name}").decode("utf-8")


def source_modules(tree: Path) -> set[str]:
    """Where each ``.py`` file of the source tree belongs in the wheel."""
    modules = {f"credlab/{path.name}" for path in (tree / "credlab").glob("*.py")}
    for folder in SOURCE_FOLDERS:
        for path in (tree / folder).rglob("*.py"):
            if "__pycache__" not in path.parts:
                modules.add(f"credlab/{folder}/{path.relative_to(tree / folder).as_posix()}")
    return modules


def test_the_wheel_holds_only_credlab_and_its_dist_info(wheel: Path) -> None:
    names = wheel_names(wheel)
    stray = [n for n in names if not n.startswith("credlab/") and not re.match(r"credlab-[^/]+\.dist-info/", n)]
    assert stray == [], "no top-level model/ or simulator/ (or anything else) in the wheel"
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_every_source_module_is_in_the_wheel_under_credlab(wheel: Path, source_tree: Path) -> None:
    expected = source_modules(source_tree)
    shipped = {n for n in wheel_names(wheel) if n.endswith(".py")}
    assert sorted(expected - shipped) == [], "missing from the wheel: a package not in pyproject's list?"
    assert sorted(shipped - expected) == [], "in the wheel but not in the source: a stale build?"


def test_the_wheel_is_typed(wheel: Path) -> None:
    assert "credlab/py.typed" in wheel_names(wheel)


def test_the_wheel_ships_the_example_apps_binding(wheel: Path) -> None:
    """``credlab example-app ana`` is installed; so is the binding that drives it."""
    assert "credlab/examples/ana_app/binding.yaml" in wheel_names(wheel)


def test_the_wheel_names_one_top_level_package_and_its_entry_points(wheel: Path) -> None:
    assert wheel_text(wheel, "top_level.txt").split() == ["credlab"]
    entry_points = configparser.ConfigParser()
    entry_points.read_string(wheel_text(wheel, "entry_points.txt"))
    assert dict(entry_points["console_scripts"]) == {"credlab": "credlab.simulator.cli.main:main"}
    assert dict(entry_points["pytest11"]) == {"credlab": "credlab.pytest_plugin"}


# --- A fresh venv with the wheel -------------------------------------------------------------------


@dataclass(frozen=True)
class Environment:
    """A Python environment with credlab installed: the dev venv, or a fresh one with the wheel."""

    name: str
    python: Path

    @property
    def bin(self) -> Path:
        return self.python.parent


@dataclass(frozen=True)
class FreshVenv(Environment):
    site_packages: Path
    outside: Path
    """A folder outside the checkout to run ``python`` in: ``python -m`` and ``-c`` put the working
    folder first on ``sys.path``, and in the checkout that finds its ``credlab/`` and egg-info."""


@pytest.fixture(scope="module")
def fresh_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> FreshVenv:
    """A new venv with the wheel installed, offline; its dependencies (and pip) are the dev venv's."""
    root = tmp_path_factory.mktemp("fresh") / "venv"
    outside = tmp_path_factory.mktemp("outside")
    run([DEV_PYTHON, "-m", "venv", "--without-pip", root], cwd=outside)
    python = root / "bin" / "python"
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=outside)
    site_packages = Path(purelib.stdout.strip())
    (site_packages / "credlab_dev_dependencies.pth").write_text(f"{DEV_SITE_PACKAGES}\n", encoding="utf-8")
    run([python, "-m", "pip", "install", "--no-deps", "--no-index", wheel], cwd=outside, timeout=BUILD_TIMEOUT)
    return FreshVenv("wheel", python, site_packages, outside)


def test_the_fresh_venv_imports_credlab_from_the_wheel_not_the_checkout(fresh_venv: FreshVenv) -> None:
    code = (
        "import credlab.model, credlab.simulator; "
        "print(credlab.__file__, credlab.model.__file__, credlab.simulator.__file__)"
    )
    paths = run([fresh_venv.python, "-c", code], cwd=fresh_venv.outside).stdout.split()
    assert len(paths) == 3, paths
    for path in paths:
        assert Path(path).is_relative_to(fresh_venv.site_packages), paths


def test_pip_show_lists_no_top_level_package_but_credlab(fresh_venv: FreshVenv) -> None:
    shown = run([fresh_venv.python, "-m", "pip", "show", "-f", "credlab"], cwd=fresh_venv.outside).stdout
    location = re.search(r"^Location: (.+)$", shown, re.MULTILINE)
    assert location is not None and Path(location[1]) == fresh_venv.site_packages, shown
    files = [line.strip() for line in shown.partition("\nFiles:\n")[2].splitlines() if line.strip()]
    assert "credlab/pytest_plugin.py" in files, shown
    scripts = [f for f in files if f.startswith("../")]
    assert [(Path(s).parent.name, Path(s).name) for s in scripts] == [("bin", "credlab")], shown
    top_level = {f.split("/")[0] for f in files if not f.startswith("../")}
    dist_info = {t for t in top_level if re.fullmatch(r"credlab-[^/]+\.dist-info", t)}
    assert len(dist_info) == 1, sorted(top_level)
    assert top_level - dist_info == {"credlab"}, sorted(top_level)


def test_credlab_check_runs_from_the_wheel(fresh_venv: FreshVenv, tmp_path: Path) -> None:
    """Run in the checkout so ``./scenarios`` is found; a console script has its own ``bin/`` first on
    ``sys.path``, not the working folder, so the checkout's ``credlab/`` is not imported."""
    out = tmp_path / "report"
    done = run([fresh_venv.bin / "credlab", "check", ANA_SPEC, "-o", out], cwd=REPO, timeout=CHECK_TIMEOUT, check=False)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert done.returncode == 1 and report["ok"] is False, explain(done)  # ANA's risks, as from the checkout
    [spec] = report["specs"]
    assert spec["simulate"]["ok"] and spec["fuzz"]["ok"] and spec["explore"]["ok"]


def test_python_m_credlab_validates_from_the_wheel(fresh_venv: FreshVenv) -> None:
    result = run([fresh_venv.python, "-m", "credlab", "validate", ANA_SPEC], cwd=fresh_venv.outside)
    assert f"{ANA_SPEC}: valid" in result.stdout, explain(result)


# --- A user's project: its own model and simulator, and the pytest plugin ---------------------------

USER_TESTS = """\
import model
import simulator


def test_the_projects_own_model_and_simulator_are_imported():
    assert model.X == 1 and simulator.Y == 2


def test_the_credlab_plugin_is_loaded(request):
    assert request.config.pluginmanager.has_plugin("credlab")
"""

NO_SCENARIOS_TEST = f"""\
import sys


def test_after_collection_credlab_has_imported_only_its_file_kind_check():
    loaded = {{name for name in sys.modules if name == "credlab" or name.startswith("credlab.")}}
    assert loaded == set({sorted(FILE_KIND_ONLY)!r}), sorted(loaded)
"""

SCENARIOS_TEST = """\
import sys


def test_collecting_a_scenario_file_loaded_credlab_simulator():
    assert "credlab.simulator.stories.pytest_items" in sys.modules, sorted(sys.modules)
"""


def user_project(folder: Path) -> Path:
    """A project with its own ``model`` package and ``simulator`` module, no conftest, and an empty
    ``pytest.ini`` so that pytest looks no further up for configuration."""
    folder.mkdir()
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (folder / "model").mkdir()
    (folder / "model" / "__init__.py").write_text("X = 1\n", encoding="utf-8")
    (folder / "simulator.py").write_text("Y = 2\n", encoding="utf-8")
    (folder / "test_user.py").write_text(USER_TESTS, encoding="utf-8")
    return folder


def policy_text_of(spec: Path) -> Path:
    """The policy text file a spec quotes (its ``document: file:``)."""
    name: str = yaml.safe_load(spec.read_text(encoding="utf-8"))["document"]["file"]
    return spec.parent / name


def story_names(scenario_file: Path) -> list[str]:
    return [story["name"] for story in yaml.safe_load(scenario_file.read_text(encoding="utf-8"))["scenarios"]]


def run_pytest(environment: Environment, project: Path) -> subprocess.CompletedProcess[str]:
    return run([environment.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA"], cwd=project)


def passed(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The ids of the items ``-rA`` reports as passed."""
    return re.findall(r"^PASSED (\S+)", result.stdout, re.MULTILINE)


@pytest.fixture(params=["dev", "wheel"])
def environment(request: pytest.FixtureRequest) -> Environment:
    """Each project check runs with the dev venv (credlab editable) and with the fresh wheel venv."""
    if request.param == "dev":
        return Environment("dev", DEV_PYTHON)
    fresh: FreshVenv = request.getfixturevalue("fresh_venv")
    return fresh


def test_a_projects_own_model_and_simulator_are_not_shadowed(environment: Environment, tmp_path: Path) -> None:
    project = user_project(tmp_path / "project")
    (project / "test_no_scenarios.py").write_text(NO_SCENARIOS_TEST, encoding="utf-8")
    result = run_pytest(environment, project)
    assert sorted(passed(result)) == [
        "test_no_scenarios.py::test_after_collection_credlab_has_imported_only_its_file_kind_check",
        "test_user.py::test_the_credlab_plugin_is_loaded",
        "test_user.py::test_the_projects_own_model_and_simulator_are_imported",
    ], explain(result)


def test_the_plugin_collects_scenario_files_and_only_then_loads_the_simulator(
    environment: Environment, tmp_path: Path
) -> None:
    project = user_project(tmp_path / "project")
    (project / "test_scenarios_loaded.py").write_text(SCENARIOS_TEST, encoding="utf-8")
    (project / "spec").mkdir()
    shutil.copyfile(ANA_SPEC, project / "spec" / ANA_SPEC.name)
    policy_text = policy_text_of(ANA_SPEC)
    shutil.copyfile(policy_text, project / "spec" / policy_text.name)
    (project / "scenarios").mkdir()
    shutil.copyfile(SCENARIO_FILE, project / "scenarios" / SCENARIO_FILE.name)

    result = run_pytest(environment, project)
    stories = [f"scenarios/{SCENARIO_FILE.name}::{name}" for name in story_names(SCENARIO_FILE)]
    assert stories, "the scenario file has stories"
    assert sorted(passed(result)) == sorted(
        [
            *stories,
            "test_scenarios_loaded.py::test_collecting_a_scenario_file_loaded_credlab_simulator",
            "test_user.py::test_the_credlab_plugin_is_loaded",
            "test_user.py::test_the_projects_own_model_and_simulator_are_imported",
        ]
    ), explain(result)
    assert re.search(rf"\b{len(stories) + 3} passed\b", result.stdout), explain(result)
