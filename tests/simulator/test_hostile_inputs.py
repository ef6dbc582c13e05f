"""Hostile inputs: whatever a file argument is, credlab answers with one located line and exit 2,
never a hang, a flood of memory or an internal error; and CI can trust its exit codes."""

from __future__ import annotations

import os
import stat
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


@pytest.fixture
def device(tmp_path: Path) -> Path:
    """A character device that never ends (like /dev/urandom), made in the test's folder when the
    machine lets us (root, outside a restricted container); otherwise the system's own."""
    made = tmp_path / "story.yaml"
    try:
        os.mknod(made, stat.S_IFCHR | 0o600, os.makedev(1, 9))  # Linux's urandom
        return made
    except (PermissionError, OSError, AttributeError):
        if Path("/dev/urandom").exists():
            return Path("/dev/urandom")
        pytest.skip("no character device can be made or found on this machine")


def test_a_character_device_is_refused_before_anything_is_read(
    device: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (["simulate", str(ANA_SPEC), str(device)], ["validate", str(device)]):
        err = refusal(command, capsys)
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


# --- the corpus, through every command ----------------------------------------------------------------
CORPUS = sorted((REPO / "tests" / "model" / "bad_specs").glob("*.yaml"))
COMMANDS = [
    ["validate"],
    ["lint"],
    ["explore", "--out", "{tmp}"],
    ["fuzz", "--out", "{tmp}", "--max-examples", "1"],
    ["mutate", "--out", "{tmp}", "--no-explore"],
    ["check", "--out", "{tmp}"],
    ["simulate"],
    ["diagram", "-o", "{tmp}"],
    ["policy", "check", "--policy", "card_pin", "1234"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0] if c[0] != "policy" else "policy-check")
def test_no_command_fails_inside_on_any_spec_of_the_bad_input_corpus(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every refusal is exit 2 with located lines: never exit 3 (an error inside credlab)."""
    for bad in CORPUS:
        words = [w.format(tmp=tmp_path) for w in command]
        where = 2 if words[0] == "policy" else 1
        argv = [*words[:where], str(bad), *words[where:]]
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse usage errors are exit 2 too
            code = int(exit_.code or 0)
        said = capsys.readouterr()
        assert code == 2, f"{' '.join(argv)} exited {code}:\n{said.out}{said.err}"
        lines = [line for line in (said.out + said.err).splitlines() if line.strip()]
        assert lines and all(": error: " in line for line in lines), lines


def test_a_scenario_file_with_a_byte_order_mark_is_read_as_a_scenario_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    story = tmp_path / "with_bom.yaml"
    story.write_bytes(b"\xef\xbb\xbf" + (REPO / "scenarios" / "ana_web_password" / "channels.yaml").read_bytes())
    assert main(["simulate", str(ANA_SPEC), str(story)]) == 0
    assert "passed, 0 failed" in capsys.readouterr().out


def test_a_large_scenario_file_loads(ana: Spec, tmp_path: Path) -> None:
    """A story library file of several MB is a normal CI asset, not a spec of a few hundred lines."""
    source = (REPO / "scenarios" / "ana_web_password" / "email_reset.yaml").read_text(encoding="utf-8")
    head, _, stories = source.partition("scenarios:\n")
    copies = [stories.replace("  - name: ", f"  - name: copy{n}_") for n in range(80)]
    big = tmp_path / "big.yaml"
    big.write_text(head + "scenarios:\n" + "".join(copies), encoding="utf-8")
    assert big.stat().st_size > 1 << 20
    assert len(load_scenarios(big, ana)) == 80 * len(load_scenarios(STORIES, ana))


def test_a_storys_given_credentials_must_pass_their_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    story = tmp_path / "bad_given.yaml"
    story.write_text(
        "credlab_scenarios: 1\nspec: ana_web_password\nscenarios:\n"
        "  - name: x\n    given: {state: unregistered, credentials: {amc_pin: 'x9'}}\n"
        "    steps: [{do: log_out}]\n",
        encoding="utf-8",
    )
    err = refusal(["simulate", str(ANA_SPEC), str(story)], capsys)
    assert err.startswith(f"{story}:5:57: error: the given amc_pin breaks policy amc_pin (")
    assert "x9" not in err  # a secret is never repeated
