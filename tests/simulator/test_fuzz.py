"""`credlab fuzz`: Hypothesis stateful testing generated from any spec, with the reference engine as
oracle, and counterexamples written as scenario files that `credlab simulate` replays.

The planted-defect fixtures in tests/fixtures/defects/ are the ANA spec with one defect each (the
header of each file says which), made by tests/fixtures/defects/planted.py from the current spec;
`ana_web_password.yaml` there is the clean copy.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import credlab
from credlab.model import ir
from credlab.model.loader import load_spec
from credlab.model.machine import CompiledSpec
from credlab.model.runtime import Runtime
from credlab.simulator.analysis.fuzz import fuzz
from credlab.simulator.cli.main import main
from credlab.simulator.results import BACKENDS_AGREE
from tests.conftest import ANA_SPEC, REPO

DEFECTS = REPO / "tests" / "fixtures" / "defects"
CLEAN_COPY = DEFECTS / "ana_web_password.yaml"
PLANTED = sorted(path for path in DEFECTS.glob("*.yaml") if path != CLEAN_COPY)
BANK_CARD = REPO / "tests" / "model" / "good_specs" / "bank_card_pin.yaml"


def fuzz_json(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, dict[str, Any]]:
    code = main(["fuzz", *map(str, args), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def simulate_json(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, dict[str, Any]]:
    code = main(["simulate", *map(str, args), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def credlab_fuzz_json(*args: object) -> dict[str, Any]:
    """Run the console script (``python -m credlab`` without one) and parse its JSON report."""
    credlab = Path(sys.executable).with_name("credlab")
    command = [str(credlab)] if credlab.exists() else [sys.executable, "-m", "credlab"]
    done = subprocess.run(
        [*command, "fuzz", *map(str, args), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,  # a hang guard only
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def without_timings(report: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in report.items() if key not in ("seconds", "steps_per_second")}


def assert_everything_reachable_was_covered(report: dict[str, Any], spec: ir.Spec) -> None:
    coverage, reachable = report["coverage"], report["reachable"]
    assert coverage["states"]["missed"] == [] and coverage["transitions"]["missed"] == []
    assert coverage["states"]["covered"] == reachable["states"] == len(spec.states)
    assert coverage["transitions"]["covered"] == reachable["transitions"] == len(spec.transitions)
    assert reachable["complete"] is True


# --- clean specs -----------------------------------------------------------------------------------


def test_the_ana_spec_fuzzes_clean_covers_everything_reachable_and_repeats_exactly(
    ana: ir.Spec, tmp_path: Path
) -> None:
    """The acceptance run, twice: the default budget (100 examples of up to 30 steps) with seed 1."""
    first = credlab_fuzz_json(ANA_SPEC, "--seed", "1", "--out", tmp_path)
    assert first["ok"] is True and first["counterexample"] is None
    assert first["seed"] == 1 and first["examples"] >= 100 and first["steps"] > first["examples"]
    # every event is tried in every state, so many steps are refusals (the share varies by seed)
    assert len(ana.transitions) <= first["transitions_fired"] < first["steps"]
    assert_everything_reachable_was_covered(first, ana)
    assert {p.name for p in tmp_path.iterdir()} <= {".hypothesis"}  # no counterexample; at most Hypothesis's caches

    second = credlab_fuzz_json(ANA_SPEC, "--seed", "1", "--out", tmp_path)
    assert set(first) >= {"seconds", "steps_per_second"}
    assert without_timings(second) == without_timings(first)


def test_a_second_policy_fuzzes_clean_with_full_coverage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The bank card PIN policy (lockout after three wrong tries, mailed replacement) shares nothing
    with ANA but the language."""
    code, report = fuzz_json(capsys, BANK_CARD, "--seed", "1", "--max-examples", "30", "--out", tmp_path)
    assert code == 0 and report["counterexample"] is None
    assert_everything_reachable_was_covered(report, load_spec(BANK_CARD))


def test_the_text_report_gives_coverage_and_says_every_property_held(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fuzz", str(BANK_CARD), "--seed", "1", "--max-examples", "30", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{BANK_CARD}: ") and lines[0].endswith("(seed 1)")
    spec = load_spec(BANK_CARD)
    states, transitions = len(spec.states), len(spec.transitions)
    assert f"  coverage: states {states}/{states}, transitions {transitions}/{transitions}" in lines
    assert lines[-1] == "  every invariant held and both backends agreed at every step"


# --- planted defects -------------------------------------------------------------------------------


def test_every_defect_fixture_is_still_a_valid_spec(capsys: pytest.CaptureFixture[str]) -> None:
    """The defects are in the policy, not in the YAML: `credlab validate` has nothing to say."""
    assert main(["validate", *map(str, sorted(DEFECTS.glob("*.yaml")))]) == 0
    assert capsys.readouterr().out.count(": valid (") == len(PLANTED) + 1


@pytest.mark.parametrize("fixture", PLANTED, ids=lambda path: path.stem)
def test_a_planted_defect_is_caught_and_its_counterexample_replays_the_same_failure(
    fixture: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, report = fuzz_json(capsys, fixture, "--seed", "1", "--out", out)  # the default budget
    assert code == 1 and report["ok"] is False
    counterexample = report["counterexample"]
    # Both backends run the same wrong spec, so they agree: a declared invariant is what catches it.
    assert counterexample["property"].startswith("invariant ")
    invariant = counterexample["property"].removeprefix("invariant ")
    assert invariant in {inv.id for inv in load_spec(fixture).invariants}

    scenario = Path(counterexample["scenario_file"])
    assert scenario.parent == out and scenario.is_file()
    [story] = yaml.safe_load(scenario.read_text(encoding="utf-8"))["scenarios"]
    assert len(story["steps"]) == counterexample["steps"]
    for value in story["given"].get("credentials", {}).values():  # the member's PIN is test data in the
        assert value not in counterexample["message"]  # scenario file, and is never shown in a report

    code, replay = simulate_json(capsys, fixture, scenario)
    assert code == 1
    [result] = replay["scenarios"]
    assert result["passed"] is False
    assert result["failure"]["step"] == counterexample["steps"]  # it fails at the same, last step
    assert result["failure"]["actual"].startswith("violated: ")
    assert f" {invariant} (" in result["failure"]["message"]


@pytest.mark.parametrize(
    "fixture", [DEFECTS / "missing_guard.yaml", DEFECTS / "wrong_target.yaml"], ids=lambda p: p.stem
)
def test_a_counterexample_hypothesis_finds_and_shrinks_replays_the_same_failure(
    fixture: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The directed phase catches the planted defects before Hypothesis starts; switch it off to
    check the other way a counterexample is made: found by Hypothesis in an untraced run, shrunk,
    replayed with the trace that explains it, written, and replayed again by `credlab simulate`."""
    monkeypatch.setattr("credlab.simulator.analysis.fuzz.directed", lambda *args: False)
    code, report = fuzz_json(capsys, fixture, "--seed", "1", "--out", tmp_path)
    assert code == 1 and report["directed"] == 0
    counterexample = report["counterexample"]
    assert counterexample["property"].startswith("invariant ")
    assert "last steps:" in counterexample["message"]  # the traced replay shows the way there
    code, replay = simulate_json(capsys, fixture, counterexample["scenario_file"])
    assert code == 1
    failure = replay["scenarios"][0]["failure"]
    assert failure["step"] == counterexample["steps"]
    # the same words and the same last steps; only where is said differently (<fuzz> against file:line)
    assert failure["message"].split(": ", 1)[1] == counterexample["message"].split(": ", 1)[1]


def test_the_deep_missing_guard_breaks_an_invariant_when_replayed_by_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """missing_guard_login.yaml is a real defect that an invariant catches: a registered member with a
    pending reset link who logs in with the web password lands on the registration screen. (Whether
    the fuzzer finds it on its own is the parametrized test above; the clean copy passes the story.)"""
    story = tmp_path / "deep.yaml"
    story.write_text(
        """\
credlab_scenarios: 1
spec: ana_web_password
scenarios:
  - name: registered_member_with_a_pending_link_logs_in
    description: Register, ask for a reset email, then log in with the web password.
    given: {state: unregistered}
    steps:
      - do: login
        with: {secret: {known: amc_pin}}
        expect: {state: registration_screen}
      - do: register
        with: {pin: {known: amc_pin}, new_password: "Sakura2024"}
        expect: {state: web_password_set}
      - do: request_email_reset
        with: {identified: true}
        expect: {state: reset_pending}
      - do: login
        with: {secret: {known: web_password}}
""",
        encoding="utf-8",
    )
    assert simulate_json(capsys, CLEAN_COPY, story)[0] == 0
    code, replay = simulate_json(capsys, DEFECTS / "missing_guard_login.yaml", story)
    assert code == 1
    failure = replay["scenarios"][0]["failure"]
    assert failure["step"] == 4
    assert failure["actual"].startswith("violated: registration_flow_has_no_web_password (")


# --- the differential oracle -----------------------------------------------------------------------


def test_the_oracle_catches_a_broken_compiler_through_the_fuzzer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Break one compiled guard in the transitions machine only: the PIN check now refuses the right
    PIN, so the mailed replacement PIN never activates the card. Both backends run the same spec, so
    the spec's invariants have no reason to fail; the backends' disagreement is what catches it.
    (The bank card spec: its shortest-path search is instant, unlike the ANA spec's.)"""
    spec = load_spec(BANK_CARD)
    original = Runtime.guard

    def broken(self: Runtime, g: ir.Guard) -> Any:
        if isinstance(g, ir.Matches):
            return lambda ctx: False
        return original(self, g)

    monkeypatch.setattr("credlab.model.runtime.Runtime.guard", broken)
    compiled = CompiledSpec(spec, spec.parameter_values())  # a fresh, uncached, broken compile
    result = fuzz(compiled, max_examples=30, seed_value=1)
    assert result.failure is not None
    assert result.failure.property == BACKENDS_AGREE
    message = result.failure.message()
    assert "accepted: transitions machine False, reference engine True" in message
    assert "transition: transitions machine None, reference engine 'activate_replacement'" in message
    assert "deadlines differ: activation" in message
    assert [step.event for step in result.steps] == ["order_replacement", "enter_pin"]


def test_the_oracle_catches_a_compiled_transition_leaving_a_state_it_should_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fuzzer fires every event in every state, not only the events the spec handles there:
    a compiler that lets the branch unblock an active card (an extra source state) is caught
    because the reference engine refuses the event where the machine takes it."""
    spec = load_spec(BANK_CARD)
    original = CompiledSpec._transition

    def extra_source(self: CompiledSpec, t: ir.Transition) -> dict[str, Any]:
        compiled = original(self, t)
        if t.id == "branch_unblock":
            compiled["source"] = [*compiled["source"], "active"]
        return compiled

    monkeypatch.setattr(CompiledSpec, "_transition", extra_source)
    result = fuzz(CompiledSpec(spec, spec.parameter_values()), max_examples=30, seed_value=1)
    assert result.failure is not None
    assert result.failure.property == BACKENDS_AGREE
    assert "accepted: transitions machine True, reference engine False" in result.failure.message()
    assert result.steps[-1].event == "unblock"


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["{tmp}/nope.yaml"], "nope.yaml:1:1: error: no such file"),
        ([str(ANA_SPEC), "--max-examples", "0"], "--max-examples and --steps must be at least 1"),
        ([str(ANA_SPEC), "--set", "nope=1h"], "--set nope: unknown parameter 'nope'"),
    ],
    ids=["missing spec", "no examples", "unknown parameter"],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(
    arguments: list[str], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["fuzz", *(a.replace("{tmp}", str(tmp_path)) for a in arguments), "--out", str(tmp_path / "out")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_counterexample_its_traced_replay_does_not_reproduce_is_reported_as_a_credlab_bug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The untraced run and its traced replay must fail at the same step; if they ever do not, the
    fuzzer says so (with what to report) instead of writing a scenario that would not fail."""
    from credlab.simulator.stories.runner import ScenarioResult, ScenarioRun

    spec = load_spec(DEFECTS / "missing_guard.yaml")
    monkeypatch.setattr("credlab.simulator.analysis.fuzz.directed", lambda *args: False)
    monkeypatch.setattr(ScenarioRun, "run", lambda self: ScenarioResult(self.scenario))  # a replay that passes
    with pytest.raises(RuntimeError, match=r"its traced replay passed; please report this .*seed \(1\)"):
        fuzz(CompiledSpec(spec, spec.parameter_values()), max_examples=30, seed_value=1)


def test_a_seed_gives_the_same_run_whatever_else_is_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hypothesis mixes literals from loaded "local" modules into what it draws; credlab's runs
    depend on the seed alone (the same seed gave another run after one more import, or from a wheel)."""
    from hypothesis.internal.conjecture import providers

    def run() -> tuple[int, int, int]:
        result = credlab.fuzz(BANK_CARD, seed=2, max_examples=40, out=tmp_path / "out")
        return result.examples, result.steps, result.transitions_fired

    before = run()
    module = tmp_path / "lots_of_literals.py"
    module.write_text(f"NUMBERS = {list(range(400))}\nWORDS = {[chr(97 + i % 26) * (i % 7 + 1) for i in range(300)]}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("lots_of_literals")
    assert run() == before
    assert providers._get_local_constants.__name__ == "_get_local_constants"  # restored after each run
