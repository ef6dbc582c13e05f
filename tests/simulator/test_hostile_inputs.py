"""Hostile inputs: whatever a file argument is, credlab answers with one located line and exit 2,
never a hang, a flood of memory or an internal error; and CI can trust its exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credlab.model.errors import ScenarioError
from credlab.model.ir import Spec
from credlab.simulator.cli.main import main
from credlab.simulator.stories.scenario import load_scenarios
from tests.conftest import ANA_SPEC, REPO

CREDLAB = [sys.executable, "-m", "credlab"]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "story.yaml"
    os.mkfifo(path)  # nobody ever writes to it: opening it for reading in the usual way blocks forever
    return path


def refusal(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line credlab says (``validate`` reports problems on stdout, the others on stderr)."""
    assert main(args) == 2
    said = capsys.readouterr()
    lines = (said.out + said.err).strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize(
    "command",
    [
        ["validate", "{path}"],
        ["simulate", str(ANA_SPEC), "{path}"],
        ["explore", "{path}"],
        ["policy", "check", str(ANA_SPEC), "--policy", "web_password", "--from-json", "{path}"],
    ],
)
def test_a_fifo_is_refused_without_being_opened_for_a_blocking_read(
    fifo: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    err = refusal([part.format(path=fifo) for part in command], capsys)
    assert err.startswith(f"{fifo}:1:1: error: is not a regular file")


@pytest.mark.parametrize("device", ["/dev/urandom", "/dev/zero"])
def test_a_character_device_is_refused_before_anything_is_read(device: str, capsys: pytest.CaptureFixture[str]) -> None:
    if not Path(device).exists():
        pytest.skip(f"{device} does not exist on this machine")
    err = refusal(["simulate", str(ANA_SPEC), device], capsys)
    assert err.startswith(f"{device}:1:1: error: is not a regular file")


def test_a_failing_run_piped_into_a_reader_that_stops_early_still_exits_1() -> None:
    """``credlab simulate … | head -1``: the pipe closes while credlab writes; the verdict stands."""
    for _ in range(3):
        credlab = subprocess.Popen(
            [*CREDLAB, "simulate", str(ANA_SPEC), "--set", "reset_link_ttl=30m"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert credlab.stdout is not None
        credlab.stdout.readline()
        credlab.stdout.close()  # the reader is gone before credlab has said everything
        assert credlab.wait(timeout=120) == 1


# --- wrong shapes anywhere ----------------------------------------------------------------------------
def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a YAML document a value stands (mapping keys and list positions)."""
    found = [at]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*at, index))
    return found


def _replaced(document: Any, at: tuple[Any, ...], value: Any) -> Any:
    if not at:
        return value
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[at[0]] = _replaced(document[at[0]], at[1:], value)
    return copy


SHAPES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.text(max_size=5),
    st.lists(st.one_of(st.integers(0, 3), st.text(max_size=3)), max_size=3),
    st.dictionaries(st.text(max_size=4), st.one_of(st.integers(0, 3), st.text(max_size=3), st.none()), max_size=3),
)
"""Values of every shape, for any field: a list where a mapping goes, a number where a name goes…"""

STORIES = REPO / "scenarios" / "ana_web_password" / "email_reset.yaml"
STORY_DOCUMENT = yaml.safe_load(STORIES.read_text(encoding="utf-8"))
STORY_PATHS = _paths(STORY_DOCUMENT)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=st.sampled_from(STORY_PATHS), value=SHAPES)
def test_a_scenario_file_of_any_shape_loads_or_says_where_it_is_wrong(
    ana: Spec, tmp_path: Path, at: tuple[Any, ...], value: Any
) -> None:
    path = tmp_path / "shapes.yaml"
    path.write_text(yaml.safe_dump(_replaced(STORY_DOCUMENT, at, value), allow_unicode=True), encoding="utf-8")
    try:
        load_scenarios(path, ana)
    except ScenarioError as error:
        assert error.problems and all(p.location.path == str(path) for p in error.problems)


@pytest.mark.parametrize(
    "command",
    [
        ["fuzz", str(ANA_SPEC), "--out"],
        ["explore", str(ANA_SPEC), "--out"],
        ["mutate", str(ANA_SPEC), "--out"],
        ["check", str(ANA_SPEC), "--out"],
        ["simulate", str(ANA_SPEC), "--trace-dir"],
        ["diagram", str(ANA_SPEC), "-o"],
    ],
)
def test_an_output_folder_that_cannot_be_written_is_refused_before_any_work(
    tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "report.txt"
    a_file.write_text("not a folder\n")
    option = command[-1]
    if command[0] == "diagram":  # diagram's usage errors go through argparse: exit 2 as well
        with pytest.raises(SystemExit) as exit_:
            main([*command, str(a_file)])
        assert exit_.value.code == 2
        err = capsys.readouterr().err
    else:
        err = refusal([*command, str(a_file)], capsys)
    assert f"{option} {a_file}: is a file, not a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]
    assert a_file.read_text() == "not a folder\n"
