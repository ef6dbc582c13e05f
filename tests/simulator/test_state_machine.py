"""`credlab.state_machine`: the fuzzer's state machine as a test in a user's own suite, run the Hypothesis
way (their settings profile, example database and seed), with a failure's shrunk story shown and
written as a scenario file that `credlab simulate` replays with the same failure.

The first tests run a user's test file in a pytest subprocess, as a CI job would (each searches the
ANA spec's shortest paths: seconds); the others drive the class in-process on the bank card spec,
whose search is instant, with a compiler broken by monkeypatching as in test_fuzz.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unittest
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import Phase, settings
from hypothesis.internal.reflection import function_digest
from hypothesis.stateful import RuleBasedStateMachine

from credlab.model import ir
from credlab.model.errors import SpecError
from credlab.model.loader import load_spec
from credlab.model.runtime import Runtime
from credlab.simulator.analysis.fuzz import PropertyFailed
from credlab.simulator.analysis.state_machine import state_machine
from credlab.simulator.cli.main import main
from tests.conftest import ANA_SPEC, REPO

DEFECTS = REPO / "tests" / "fixtures" / "defects"
FORGETS_TO_CLEAR = DEFECTS / "forgets_to_clear.yaml"
BANK_CARD = REPO / "tests" / "model" / "good_specs" / "bank_card_pin.yaml"

IMPORT = "from credlab import state_machine"
"""How the user's test file gets the function (to become ``from credlab import state_machine``)."""


def user_test_file(folder: Path, spec: Path, settings_args: str) -> Path:
    """A user's test module, written as credlab.simulator.analysis.state_machine's docstring shows."""
    path = folder / "test_policy.py"
    path.write_text(
        f"""\
from hypothesis import Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase
{IMPORT}

TestPolicy = state_machine({str(spec)!r}).TestCase
TestPolicy.settings = settings({settings_args})
""",
        encoding="utf-8",
    )
    return path


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        capture_output=True,
        text=True,
        cwd=folder,
        env={k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"},
        timeout=600,  # a hang guard only
        check=False,
    )


def credlab(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the console script (``python -m credlab`` without one)."""
    script = Path(sys.executable).with_name("credlab")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "credlab"]
    return subprocess.run(
        [*command, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600, check=False
    )


# --- a user's test suite, in a subprocess ------------------------------------------------------------


def test_a_users_test_of_the_ana_spec_passes_under_their_settings(tmp_path: Path) -> None:
    user_test_file(tmp_path, ANA_SPEC, "max_examples=10, stateful_step_count=10")
    done = run_pytest(tmp_path, "--hypothesis-seed=0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert not (tmp_path / "build").exists()  # nothing failed, nothing written


def test_a_planted_defect_fails_with_its_story_written_replayable_and_kept_in_the_example_database(
    tmp_path: Path,
) -> None:
    """Hypothesis finds the planted defect (asking for a postcard no longer clears the web password),
    shrinks it, shows the story and writes it; `credlab simulate` replays the same failure; the example
    database keeps it, so a second run that only replays saved examples fails the same way. (No
    --hypothesis-seed here: Hypothesis keeps no examples under a forced seed. Any seed finds this
    defect within the first examples; of the planted defects, its shortest-path search is the
    quickest.)"""
    database = tmp_path / "examples"
    saved = f"database=DirectoryBasedExampleDatabase({str(database)!r})"
    written = tmp_path / "build" / "credlab-counterexamples" / "ana_web_password-counterexample.yaml"
    # Hypothesis's explain phase (it traces which lines only failing examples ran) is left out: it
    # would double this test's time and has nothing to do with credlab
    first_phases = "phases=[Phase.reuse, Phase.generate, Phase.shrink]"
    user_test_file(tmp_path, FORGETS_TO_CLEAR, f"max_examples=100, {first_phases}, {saved}")
    first = run_pytest(tmp_path)
    user_test_file(tmp_path, FORGETS_TO_CLEAR, f"phases=[Phase.reuse], {saved}")  # no new examples: only saved ones
    second = run_pytest(tmp_path)

    output = first.stdout
    assert first.returncode == 1 and "1 failed" in output, output + first.stderr
    assert "PropertyFailed: " in output
    said = re.search(
        r"credlab: invariant registration_flow_has_no_web_password fails at step (\d+) of this story "
        r"\(found by Hypothesis\):",
        output,
    )
    assert said is not None, output
    assert "- do: register" in output and "- do: request_postcard_reset" in output  # the story
    where = written.relative_to(tmp_path)
    assert f"credlab: written to {where}; replay: credlab simulate {FORGETS_TO_CLEAR} {where}\n" in output
    assert "state = AnaWebPasswordMachine()" in output  # and Hypothesis's own account of the shrunk example
    text = written.read_text(encoding="utf-8")
    assert "# Property: invariant registration_flow_has_no_web_password." in text
    assert "in test_policy.py::TestPolicy::runTest, shrunk by Hypothesis." in text
    [story] = yaml.safe_load(text)["scenarios"]
    assert len(story["steps"]) == int(said.group(1))
    assert any(path.is_file() for path in database.rglob("*")), "the first run kept nothing in the example database"

    replay = credlab("simulate", FORGETS_TO_CLEAR, written, cwd=tmp_path)
    assert replay.returncode == 1, replay.stdout + replay.stderr
    assert f"step {len(story['steps'])}" in replay.stdout and "registration_flow_has_no_web_password" in replay.stdout
    assert credlab("simulate", DEFECTS / "ana_web_password.yaml", written, cwd=tmp_path).returncode == 0

    assert second.returncode == 1 and "1 failed" in second.stdout, second.stdout + second.stderr
    assert "registration_flow_has_no_web_password fails at step" in second.stdout
    assert "(found by Hypothesis)" in second.stdout


# --- in-process, on the bank card spec ---------------------------------------------------------------


@pytest.fixture
def broken_pin_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled PIN check refuses the right PIN: the backends disagree once the member enters it
    (the spec is right, so only the differential oracle catches it; see test_fuzz.py)."""
    original = Runtime.guard

    def broken(self: Runtime, g: ir.Guard) -> Any:
        if isinstance(g, ir.Matches):
            return lambda ctx: False
        return original(self, g)

    monkeypatch.setattr("credlab.model.runtime.Runtime.guard", broken)


def run_test_case(machine: type[RuleBasedStateMachine], **options: Any) -> None:
    case: Any = machine.TestCase
    case.settings = settings(database=None, deadline=None, report_multiple_bugs=False, **options)
    case("runTest").runTest()


def notes(error: BaseException) -> str:
    return "\n".join(getattr(error, "__notes__", []))


def test_the_search_waits_for_the_test_and_runs_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defining the class (importing the user's test module) does not search; running it does, once."""
    from credlab.simulator.analysis.shortest import shortest_paths

    searches: list[object] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        searches.append(args)
        return shortest_paths(*args, **kwargs)

    monkeypatch.setattr("credlab.simulator.analysis.state_machine.shortest_paths", counted)
    machine = state_machine(BANK_CARD)
    assert searches == []
    assert {"restart", "advance", "fire_enter_pin"} <= {r.function.__name__ for r in machine.setup_state().rules}
    assert issubclass(machine.TestCase, unittest.TestCase)
    run_test_case(machine, max_examples=5)
    run_test_case(machine, max_examples=5)
    assert len(searches) == 1


def test_a_failure_hypothesis_finds_is_written_with_what_its_replay_needs(
    broken_pin_check: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    machine = state_machine(load_spec(BANK_CARD), overrides={"activation_window": "7d"}, out=tmp_path, seed=3)
    with pytest.raises(PropertyFailed) as caught:
        run_test_case(machine, max_examples=30, phases=[Phase.generate, Phase.shrink])
    said = notes(caught.value)
    assert "credlab: backends agree fails at step 2 of this story (found by Hypothesis):" in said
    assert "credlab: the last steps, replayed with a trace:" in said
    written = tmp_path / "bank_card_pin-counterexample.yaml"
    replay = f"credlab simulate {BANK_CARD} {written} --seed 3 --set activation_window=7d --oracle"
    assert f"credlab: written to {written}; replay: {replay}" in said
    text = written.read_text(encoding="utf-8")
    assert f"Replay: {replay}\n" in text
    made = f"credlab.state_machine({str(BANK_CARD)!r}, settings={{'activation_window': '7d'}}, seed=3)"
    assert f"running `{made}`" in text
    [story] = yaml.safe_load(text)["scenarios"]
    assert [step["do"] for step in story["steps"]] == ["order_replacement", "enter_pin"]
    for value in story["given"]["credentials"].values():  # test data in the file, never in a report
        assert value not in said and value not in str(caught.value)

    arguments = ["simulate", str(BANK_CARD), str(written), "--seed", "3", "--set", "activation_window=7d"]
    assert main([*arguments, "--oracle"]) == 1  # the broken compile is still in place: the same failure
    assert main(arguments) == 0  # the backends' disagreement shows only when both run
    capsys.readouterr()


def test_the_shortest_paths_back_up_a_budget_that_found_nothing(
    broken_pin_check: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When Hypothesis's examples all pass (here: it runs none), the replay of every shortest path still
    finds the failure, minimal, and writes it."""
    monkeypatch.setattr("hypothesis.stateful.run_state_machine_as_test", lambda *args, **kwargs: None)
    machine = state_machine(BANK_CARD, out=tmp_path)
    with pytest.raises(PropertyFailed, match="transitions machine and the reference engine to agree") as caught:
        run_test_case(machine)
    said = notes(caught.value)
    assert "fails at step 2 of this story (found on a shortest path, replayed after Hypothesis's examples)" in said
    assert "- do: order_replacement" in said and "- do: enter_pin" in said
    assert "last steps:" in str(caught.value)  # the run was traced
    text = (tmp_path / "bank_card_pin-counterexample.yaml").read_text(encoding="utf-8")
    assert "found on a shortest path" in text and "shrunk by Hypothesis" not in text


def test_a_run_hypothesis_is_told_to_skip_is_skipped_whole(broken_pin_check: None, tmp_path: Path) -> None:
    """No examples to run (only explicit ones, and a state machine has none): Hypothesis skips the
    test, and the shortest paths are not replayed either."""
    with pytest.raises(unittest.SkipTest):
        run_test_case(state_machine(BANK_CARD, out=tmp_path), phases=[Phase.explicit])
    assert not any(tmp_path.iterdir())


def test_variants_keep_their_examples_apart_in_the_database() -> None:
    """Same spec, same class name: the overrides and the seed still key the examples (the spec's text
    does not, so a fixed spec replays the counterexample it used to fail)."""

    def key(**options: Any) -> bytes:
        return function_digest(state_machine(BANK_CARD, **options))

    assert key() == key() == key(overrides={})
    assert key(overrides={"activation_window": "7d"}) == key(overrides={"activation_window": 7 * 86400})
    assert len({key(), key(seed=1), key(overrides={"activation_window": "7d"})}) == 3


def test_a_bad_override_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="unknown parameter 'nope'"):
        state_machine(BANK_CARD, overrides={"nope": "1h"})
    with pytest.raises(SpecError, match="has no unit"):
        state_machine(BANK_CARD, overrides={"activation_window": "30"})
