"""``credlab simulate``: exit codes, the text, JSON and JUnit reports, coverage, policy variants
(``--set``), which scenario files run, and bad input as exit 2 without a traceback.

Runs are in-process through :func:`credlab.simulator.cli.main.main`; one subprocess checks
``python -m credlab simulate`` end to end. The stories are fixture files under
``fixtures/cli/`` (named ``*.scenario`` so that the credlab pytest plugin does not collect the
failing one); tests that need a scenario folder copy them in as ``.yaml``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from credlab.model.ir import Spec
from credlab.simulator.cli.main import main
from credlab.simulator.stories.scenario import load_scenarios, spec_name_of
from tests.conftest import ANA_SPEC, REPO

SPEC = str(ANA_SPEC)
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PASSING = FIXTURES / "cli" / "passing.scenario"
FAILING = FIXTURES / "cli" / "failing.scenario"
LINK_LIFETIME = FIXTURES / "cli" / "link_lifetime.scenario"
LAB_SPEC = FIXTURES / "invariant_lab" / "invariant_lab.yaml"
LAB_STORIES = FIXTURES / "invariant_lab" / "stories.scenario"
SECRETS_WRITTEN = ("0123", "Sakura2024", "Short1", "Momiji2025")
FAILING_STORY = "expects_a_short_password_to_be_taken"


def simulate(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["simulate", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def simulate_json(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, dict[str, Any]]:
    code, out, _ = simulate(capsys, *args, "--format", "json")
    return code, json.loads(out)


def diverging_line(path: Path) -> int:
    return next(
        n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "# diverges here" in line
    )


def copy_as_yaml(folder: Path, *fixtures: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for fixture in fixtures:
        shutil.copyfile(fixture, folder / f"{fixture.stem}.yaml")
    return folder


# --- exit codes and the text report --------------------------------------------------------------------
def test_all_scenarios_passing_exit_0_and_the_report_ends_with_the_count(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = simulate(capsys, SPEC, PASSING)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == SPEC
    assert f"  PASS registers_a_web_password  ({PASSING}, 2 step(s))" in lines
    assert f"  PASS resets_the_pin_by_postcard  ({PASSING}, 4 step(s))" in lines
    assert lines[-1] == "2 passed, 0 failed"


def test_any_scenario_failing_exits_1_and_shows_its_divergence(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = simulate(capsys, SPEC, PASSING, FAILING)
    assert code == 1
    lines = out.splitlines()
    assert lines[-1] == "3 passed, 1 failed"
    fail = lines.index(f"  FAIL {FAILING_STORY}")
    divergence = lines[fail + 1].strip()
    assert divergence.startswith(f"{FAILING}:{diverging_line(FAILING)}:9: step 2: expected accepted; got refused (")
    assert "register_web_password" in divergence and "(broke length)" in divergence
    assert lines[fail + 2].strip() == "last steps:"
    assert lines[fail + 3].strip() == "start in unregistered"


def test_bad_input_exits_2_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("credlab_scenarios: 1\nspec: ana_web_password\nscenarios:\n  - name: a\n    steps: [{do: lgoin}]\n")
    code, out, err = simulate(capsys, SPEC, bad)
    assert code == 2 and out == ""
    assert err == f"{bad}:5:18: error: unknown event 'lgoin' (did you mean 'login'?)\n"


def test_a_missing_scenario_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = simulate(capsys, SPEC, tmp_path / "nowhere")
    assert code == 2 and "no such file" in err and "Traceback" not in err


# --- JSON -------------------------------------------------------------------------------------------------
def test_the_json_report_has_ok_scenarios_and_coverage(capsys: pytest.CaptureFixture[str], ana: Spec) -> None:
    code, report = simulate_json(capsys, SPEC, PASSING, FAILING)
    assert code == 1 and report["ok"] is False
    scenarios = {s["name"]: s for s in report["scenarios"]}
    assert list(scenarios) == [
        "registers_a_web_password",
        "resets_the_pin_by_postcard",
        "logs_out_from_the_first_session",
        FAILING_STORY,
    ]
    for s in scenarios.values():
        assert {"name", "file", "passed", "steps", "failure"} <= set(s)
    passed = scenarios["registers_a_web_password"]
    assert (passed["file"], passed["passed"], passed["steps"], passed["failure"]) == (str(PASSING), True, 2, None)
    failed = scenarios[FAILING_STORY]
    assert failed["passed"] is False and failed["file"] == str(FAILING)
    failure = failed["failure"]
    assert failure["step"] == 2
    assert (failure["file"], failure["line"], failure["column"]) == (str(FAILING), diverging_line(FAILING), 9)
    assert failure["expected"] == "accepted"
    assert failure["actual"].startswith("refused (register_web_password: ")
    assert "new_password satisfies web_password" in failure["actual"]
    assert failure["message"].startswith(f"{FAILING}:{diverging_line(FAILING)}:9: step 2: expected accepted; got ")


def test_json_coverage_counts_and_names_what_was_missed(capsys: pytest.CaptureFixture[str], ana: Spec) -> None:
    code, report = simulate_json(capsys, SPEC, PASSING)
    assert code == 0 and report["ok"] is True
    coverage = report["coverage"]
    reached = {"unregistered", "registration_screen", "web_password_set", "pin_randomized"}
    fired = {
        "login_shows_registration_screen",
        "register_web_password",
        "request_postcard_reset",
        "pin_postcard_arrives",
    }
    assert coverage["states"] == {
        "covered": len(reached),
        "total": len(ana.states),
        "missed": [s for s in ana.states if s not in reached],
    }
    assert coverage["transitions"] == {
        "covered": len(fired),
        "total": len(ana.transitions),
        "missed": [t.id for t in ana.transitions if t.id not in fired],
    }


def test_a_failing_run_is_still_valid_json_with_ok_false(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = simulate_json(capsys, SPEC, FAILING)
    assert code == 1 and report["ok"] is False
    assert [s["passed"] for s in report["scenarios"]] == [True, False]


def test_bad_input_in_json_gives_ok_false_and_located_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("credlab_scenarios: 1\nspec: ana_web_password\nscenarios:\n  - name: a\n    steps: [{do: lgoin}]\n")
    code, report = simulate_json(capsys, SPEC, bad)
    assert code == 2
    assert report == {
        "ok": False,
        "errors": [
            {"file": str(bad), "line": 5, "column": 18, "message": "unknown event 'lgoin' (did you mean 'login'?)"}
        ],
    }


# --- JUnit --------------------------------------------------------------------------------------------
def test_junit_output_is_xml_with_one_testcase_per_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = simulate(capsys, SPEC, PASSING, FAILING, "--format", "junit")
    assert code == 1
    root = ElementTree.fromstring(out.encode("utf-8"))
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == [
        "registers_a_web_password",
        "resets_the_pin_by_postcard",
        "logs_out_from_the_first_session",
        FAILING_STORY,
    ]
    failures = {c.get("name"): c.find("failure") for c in cases}
    assert [name for name, f in failures.items() if f is not None] == [FAILING_STORY]
    failure = failures[FAILING_STORY]
    assert failure is not None
    assert (failure.get("message") or "").startswith("step 2: expected accepted; got refused (")
    assert (failure.text or "").startswith(f"{FAILING}:{diverging_line(FAILING)}:9: step 2:")
    [suite] = root.findall(".//testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("4", "1")


def test_junit_for_a_passing_run_has_no_failure(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = simulate(capsys, SPEC, PASSING, "--format", "junit")
    assert code == 0
    root = ElementTree.fromstring(out.encode("utf-8"))
    assert len(root.findall(".//testcase")) == 2 and root.findall(".//failure") == []


# --- coverage in text ---------------------------------------------------------------------------------
def test_coverage_lists_states_never_reached_and_transitions_never_fired(
    capsys: pytest.CaptureFixture[str], ana: Spec
) -> None:
    code, out, _ = simulate(capsys, SPEC, PASSING, "--coverage")
    assert code == 0
    lines = [line.strip() for line in out.splitlines()]
    reached = {"unregistered", "registration_screen", "web_password_set", "pin_randomized"}
    fired = {
        "login_shows_registration_screen",
        "register_web_password",
        "request_postcard_reset",
        "pin_postcard_arrives",
    }
    missed_transitions = [t.id for t in ana.transitions if t.id not in fired]
    assert f"coverage: states 4/{len(ana.states)}, transitions 4/{len(ana.transitions)}" in lines
    assert "never reached: " + ", ".join(s for s in ana.states if s not in reached) in lines
    assert "never fired: " + ", ".join(missed_transitions) in lines
    assert lines[-1] == "2 passed, 0 failed"


def test_without_coverage_flag_no_coverage_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = simulate(capsys, SPEC, PASSING)
    assert "never reached" not in out and "coverage:" not in out


# --- policy variants ------------------------------------------------------------------------------------
def test_a_story_about_an_hour_old_link_passes_at_the_default_lifetime(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = simulate(capsys, SPEC, LINK_LIFETIME)
    assert code == 0 and out.splitlines()[-1] == "1 passed, 0 failed"


def test_set_runs_the_same_story_under_a_policy_variant(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = simulate(capsys, SPEC, LINK_LIFETIME, "--set", "reset_link_ttl=30m")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{SPEC} (reset_link_ttl=30m)"
    assert lines[-1] == "0 passed, 1 failed"
    assert f"{LINK_LIFETIME}:{diverging_line(LINK_LIFETIME)}:9: step 3: expected " in out


def test_set_to_the_default_changes_nothing_and_json_names_the_variant(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = simulate_json(capsys, SPEC, LINK_LIFETIME, "--set", "reset_link_ttl=2h")
    assert code == 0
    assert report["specs"][0]["overrides"] == "reset_link_ttl=2h"
    code, report = simulate_json(capsys, SPEC, LINK_LIFETIME, "--set", "reset_link_ttl=61m")
    assert code == 0, "a link living 61 minutes still works after an hour"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            "reset_link_tl=30m",
            "--set reset_link_tl: unknown parameter 'reset_link_tl' (did you mean 'reset_link_ttl'?)",
        ),
        (
            "reset_link_ttl=2:00",
            "--set reset_link_ttl: '2:00' is not a duration (YAML 1.1 reads h:mm as a base-60 number); "
            "write hours and minutes with units, such as '2h' or '1h59m'",
        ),
        ("reset_link_ttl=90", "--set reset_link_ttl: '90' has no unit"),
        ("reset_link_ttl", "--set reset_link_ttl: write NAME=VALUE, such as reset_link_ttl=30m"),
    ],
    ids=["undeclared", "base60", "no_unit", "no_value"],
)
def test_a_bad_set_exits_2_and_says_why(capsys: pytest.CaptureFixture[str], setting: str, message: str) -> None:
    code, out, err = simulate(capsys, SPEC, LINK_LIFETIME, "--set", setting)
    assert code == 2 and out == ""
    assert f"error: {message}" in err and "Traceback" not in err


# --- which scenarios run --------------------------------------------------------------------------------
def test_without_scenario_arguments_the_spec_runs_every_story_in_scenarios(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], ana: Spec
) -> None:
    monkeypatch.chdir(REPO)
    code, report = simulate_json(capsys, "spec/ana_web_password.yaml")
    assert code in (0, 1)
    files = sorted(
        str(p.relative_to(REPO)) for p in (REPO / "scenarios").rglob("*.yaml") if spec_name_of(p) == "ana_web_password"
    )
    assert files, "the repository ships stories about the ANA spec"
    assert sorted({s["file"] for s in report["scenarios"]}) == files
    expected = [(file, s.name) for file in files for s in load_scenarios(REPO / file, ana)]
    assert sorted((s["file"], s["name"]) for s in report["scenarios"]) == sorted(expected)


def test_without_any_argument_specs_and_scenarios_are_found_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "spec").mkdir()
    shutil.copyfile(ANA_SPEC, tmp_path / "spec" / ANA_SPEC.name)
    shutil.copyfile(ANA_SPEC.with_suffix(".policy.txt"), tmp_path / "spec" / "ana_web_password.policy.txt")
    copy_as_yaml(tmp_path / "scenarios" / "ana", PASSING, FAILING)
    monkeypatch.chdir(tmp_path)
    code, report = simulate_json(capsys)
    assert code == 1
    assert [(s["file"], s["name"]) for s in report["scenarios"]] == [
        ("scenarios/ana/failing.yaml", "logs_out_from_the_first_session"),
        ("scenarios/ana/failing.yaml", FAILING_STORY),
        ("scenarios/ana/passing.yaml", "registers_a_web_password"),
        ("scenarios/ana/passing.yaml", "resets_the_pin_by_postcard"),
    ]


def test_scenario_files_alone_use_the_specs_in_spec(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = simulate(capsys, PASSING)
    assert code == 0 and out.splitlines()[-1] == "2 passed, 0 failed"


def test_a_scenario_folder_runs_every_file_in_it_recursively_in_path_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_as_yaml(tmp_path / "stories", PASSING)
    copy_as_yaml(folder / "more", FAILING, LINK_LIFETIME)
    code, report = simulate_json(capsys, SPEC, folder)
    assert code == 1
    assert [Path(s["file"]).relative_to(folder).as_posix() for s in report["scenarios"]] == [
        "more/failing.yaml",
        "more/failing.yaml",
        "more/link_lifetime.yaml",
        "passing.yaml",
        "passing.yaml",
    ]


def test_files_in_a_folder_about_other_specs_are_passed_over(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_as_yaml(tmp_path / "stories", PASSING, LAB_STORIES)
    code, report = simulate_json(capsys, SPEC, folder)
    assert code == 0
    assert {s["file"] for s in report["scenarios"]} == {str(folder / "passing.yaml")}


def test_a_folder_without_stories_for_the_spec_exits_2_naming_that_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "empty_folder"
    folder.mkdir()
    code, out, err = simulate(capsys, SPEC, folder)
    assert code == 2 and out == ""
    assert "no scenarios found" in err
    assert str(folder) in err, err


def test_a_scenario_file_about_a_spec_not_given_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = simulate(capsys, SPEC, LAB_STORIES)
    assert code == 2 and out == ""
    assert f"{LAB_STORIES}:" in err
    assert (
        "these scenarios are about spec 'invariant_lab', which is not among the specs given (ana_web_password)" in err
    )


def test_naming_both_specs_runs_each_file_against_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = simulate_json(capsys, SPEC, LAB_SPEC, PASSING, LAB_STORIES)
    assert code == 1  # the lab stories break an invariant on purpose
    by_spec: dict[str, list[str]] = {}
    for s in report["scenarios"]:
        by_spec.setdefault(s["spec"], []).append(s["name"])
    assert by_spec == {
        "ana_web_password": ["registers_a_web_password", "resets_the_pin_by_postcard"],
        "invariant_lab": ["keeps_a_pin", "forgets_then_restores_the_pin", "the_clock_erases_the_pin"],
    }


def test_a_scenario_file_with_a_long_comment_header_named_directly_is_run_as_scenarios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whether an argument is a spec or a scenario file must not depend on the length of its
    leading comments: here `credlab_scenarios:` comes after about 5 KB of them."""
    header = "".join(f"# Line {n} of a long explanation of the stories below, as analysts write.\n" for n in range(70))
    story = tmp_path / "documented.yaml"
    story.write_text(header + PASSING.read_text(encoding="utf-8"), encoding="utf-8")
    assert len(header) > 4096
    code, out, err = simulate(capsys, SPEC, story)
    assert (code, err) == (0, ""), err
    assert out.splitlines()[-1] == "2 passed, 0 failed"


# --- secrets, seeds, oracle, subprocess -------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["text", "json", "junit"])
def test_no_report_shows_a_secret_the_stories_wrote(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, err = simulate(capsys, SPEC, PASSING, FAILING, LINK_LIFETIME, "--format", fmt, "--coverage")
    assert code == 1
    assert [s for s in SECRETS_WRITTEN if s in out or s in err] == []


def test_the_same_seed_gives_the_same_report(capsys: pytest.CaptureFixture[str]) -> None:
    first = simulate(capsys, SPEC, PASSING, FAILING, "--format", "json", "--seed", "9")
    second = simulate(capsys, SPEC, PASSING, FAILING, "--format", "json", "--seed", "9")
    assert first == second


def test_the_reference_engine_agrees_with_the_machine_on_every_fixture_story(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stories = [*sorted((FIXTURES / "runner").glob("*.scenario")), PASSING, FAILING, LINK_LIFETIME]
    _, plain = simulate_json(capsys, SPEC, *stories)
    _, checked = simulate_json(capsys, SPEC, *stories, "--oracle")
    assert [(s["name"], s["passed"], s["failure"]) for s in checked["scenarios"]] == [
        (s["name"], s["passed"], s["failure"]) for s in plain["scenarios"]
    ]


def test_python_m_simulator_simulate_runs_as_the_console_script_does() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "credlab", "simulate", SPEC, str(PASSING), str(FAILING)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[-1] == "3 passed, 1 failed"
    assert "Traceback" not in done.stderr
