"""The credlab pytest plugin: ``pytest scenarios/`` runs every story as a test item.

Each test builds a small project with ``pytester``: a ``spec/`` folder holding the ANA spec and
its policy text, and a ``scenarios/`` folder of stories (copied from ``fixtures/cli/``). What CI
relies on: one item per scenario, correct verdicts, a failure report that is the divergence
(``file:line``, expected, got) and not a Python traceback, ``--junitxml``, ``--credlab-set`` for
policy variants, and a broken scenario file reported as a collection error listing its located
problems. Inner runs are in-process (fast); Hypothesis's pytest plugin is switched off in them
since it only slows each inner session down.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.conftest import ANA_SPEC

pytest_plugins = ["pytester"]

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PASSING = FIXTURES / "cli" / "passing.scenario"
FAILING = FIXTURES / "cli" / "failing.scenario"
LINK_LIFETIME = FIXTURES / "cli" / "link_lifetime.scenario"
FAILING_STORY = "expects_a_short_password_to_be_taken"


def project(pytester: pytest.Pytester, *stories: Path, spec_dir: str = "spec") -> Path:
    """A project with the ANA spec in ``spec_dir/`` and ``stories`` in ``scenarios/`` as .yaml."""
    specs = pytester.path / spec_dir
    specs.mkdir()
    shutil.copyfile(ANA_SPEC, specs / ANA_SPEC.name)
    shutil.copyfile(ANA_SPEC.with_suffix(".policy.txt"), specs / "ana_web_password.policy.txt")
    scenarios = pytester.path / "scenarios"
    scenarios.mkdir()
    for story in stories:
        shutil.copyfile(story, scenarios / f"{story.stem}.yaml")
    return scenarios


def diverging_line(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if "# diverges here" in line)


def runpytest(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:hypothesispytest", *args)


def test_the_plugin_is_registered_by_its_entry_point(pytester: pytest.Pytester) -> None:
    result = runpytest(pytester, "--help")
    result.stdout.fnmatch_lines(["*credlab scenarios*", "*--credlab-set=NAME=VALUE*", "*--credlab-seed*"])


def test_each_scenario_is_one_item(pytester: pytest.Pytester) -> None:
    project(pytester, PASSING, FAILING)
    result = runpytest(pytester, "scenarios", "--collect-only", "-q")
    assert result.ret == 0
    items = [line for line in result.outlines if "::" in line]
    assert items == [
        "scenarios/failing.yaml::logs_out_from_the_first_session",
        f"scenarios/failing.yaml::{FAILING_STORY}",
        "scenarios/passing.yaml::registers_a_web_password",
        "scenarios/passing.yaml::resets_the_pin_by_postcard",
    ]


def test_passing_stories_pass(pytester: pytest.Pytester) -> None:
    project(pytester, PASSING)
    result = runpytest(pytester, "scenarios")
    result.assert_outcomes(passed=2)
    assert result.ret == 0


def test_a_failing_story_fails_with_its_divergence_and_no_traceback(pytester: pytest.Pytester) -> None:
    scenarios = project(pytester, PASSING, FAILING)
    result = runpytest(pytester, "scenarios", "-rf")
    result.assert_outcomes(passed=3, failed=1)
    assert result.ret == 1
    path = scenarios / "failing.yaml"
    result.stdout.fnmatch_lines(
        [
            f"*scenario {FAILING_STORY}*",
            f"{path}:{diverging_line(FAILING)}:9: step 2: expected accepted; got refused (register_web_password*",
            "  last steps:",
            "    start in unregistered",
            "    #1 login(secret=the known amc_pin) in unregistered -> registration_screen",
            "    #2 register(new_password=***, pin=the known amc_pin) in registration_screen refused: *",
        ]
    )
    result.stdout.fnmatch_lines([f"FAILED scenarios/failing.yaml::{FAILING_STORY} - *"])
    text = result.stdout.str()
    assert "Traceback" not in text and "runner.py" not in text and "pytest_plugin.py" not in text
    assert "Short1" not in text  # the password the story wrote is never shown


def test_junitxml_has_one_testcase_per_story_and_the_divergence_as_failure(pytester: pytest.Pytester) -> None:
    scenarios = project(pytester, PASSING, FAILING)
    result = runpytest(pytester, "scenarios", "--junitxml=report.xml")
    assert result.ret == 1
    root = ElementTree.parse(pytester.path / "report.xml").getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {
        "logs_out_from_the_first_session",
        FAILING_STORY,
        "registers_a_web_password",
        "resets_the_pin_by_postcard",
    }
    failed = [name for name, case in cases.items() if case.find("failure") is not None]
    assert failed == [FAILING_STORY]
    failure = cases[FAILING_STORY].find("failure")
    assert failure is not None
    expected_start = f"{scenarios / 'failing.yaml'}:{diverging_line(FAILING)}:9: step 2: expected accepted; got refused"
    assert (failure.text or "").startswith(expected_start)
    assert "Traceback" not in (failure.text or "")


def test_credlab_set_runs_every_story_under_a_policy_variant(pytester: pytest.Pytester) -> None:
    scenarios = project(pytester, LINK_LIFETIME)
    runpytest(pytester, "scenarios").assert_outcomes(passed=1)
    runpytest(pytester, "scenarios", "--credlab-set", "reset_link_ttl=2h").assert_outcomes(passed=1)
    variant = runpytest(pytester, "scenarios", "--credlab-set", "reset_link_ttl=30m")
    variant.assert_outcomes(failed=1)
    variant.stdout.fnmatch_lines([f"{scenarios / 'link_lifetime.yaml'}:{diverging_line(LINK_LIFETIME)}:9: step 3: *"])


def test_a_misspelt_credlab_set_says_what_it_meant_without_a_traceback(pytester: pytest.Pytester) -> None:
    project(pytester, LINK_LIFETIME)
    result = runpytest(pytester, "scenarios", "--credlab-set", "reset_link_tl=30m")
    assert result.ret != 0
    text = result.stdout.str() + result.stderr.str()
    assert "unknown parameter 'reset_link_tl' (did you mean 'reset_link_ttl'?)" in text
    assert "Traceback" not in text


def test_credlab_seed_is_passed_to_the_runs(pytester: pytest.Pytester) -> None:
    project(pytester, PASSING)
    for seed in ("0", "7", "123456"):
        runpytest(pytester, "scenarios", "--credlab-seed", seed).assert_outcomes(passed=2)


def test_a_broken_scenario_file_is_a_collection_error_listing_its_located_problems(
    pytester: pytest.Pytester,
) -> None:
    scenarios = project(pytester, PASSING)
    broken = scenarios / "broken.yaml"
    broken.write_text(
        "credlab_scenarios: 1\n"
        "spec: ana_web_password\n"
        "scenarios:\n"
        "  - name: typos\n"
        "    given: {state: unregisterd}\n"
        "    steps:\n"
        "      - do: lgoin\n"
        "      - advance: {until: reset_link, offset: 5x}\n",
        encoding="utf-8",
    )
    result = runpytest(pytester, "scenarios")
    result.assert_outcomes(errors=1)
    assert result.ret != 0
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting scenarios/broken.yaml*",
            f"{broken}:5:20: error: unknown state 'unregisterd' (did you mean 'unregistered'?)",
            f"{broken}:7:13: error: unknown event 'lgoin' (did you mean 'login'?)",
            f"{broken}:8:46: error: offset: '5x' is not a duration*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_a_story_about_an_unknown_spec_is_a_collection_error(pytester: pytest.Pytester) -> None:
    scenarios = project(pytester)
    (scenarios / "other.yaml").write_text(
        "credlab_scenarios: 1\nspec: nowhere\nscenarios:\n  - name: a\n    steps: [{do: log_out}]\n", encoding="utf-8"
    )
    result = runpytest(pytester, "scenarios")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no valid spec named 'nowhere' in spec (credlab_spec_dirs)*"])
    assert "Traceback" not in result.stdout.str()


def test_spec_folders_come_from_the_credlab_spec_dirs_ini_option(pytester: pytest.Pytester) -> None:
    project(pytester, PASSING, spec_dir="policies")
    pytester.makeini("[pytest]\ncredlab_spec_dirs = policies\n")
    runpytest(pytester, "scenarios").assert_outcomes(passed=2)


def test_other_yaml_files_are_not_collected(pytester: pytest.Pytester) -> None:
    scenarios = project(pytester, PASSING)
    (scenarios / "notes.yaml").write_text("title: not a scenario file\n", encoding="utf-8")
    result = runpytest(pytester, "scenarios")
    result.assert_outcomes(passed=2)


def test_a_scenario_file_with_a_long_comment_header_is_collected(pytester: pytest.Pytester) -> None:
    """A story file is not silently skipped because its comments push `credlab_scenarios:` down."""
    scenarios = project(pytester)
    header = "".join(f"# Line {n} of a long explanation of the stories below, as analysts write.\n" for n in range(70))
    assert len(header) > 4096
    (scenarios / "documented.yaml").write_text(header + PASSING.read_text(encoding="utf-8"), encoding="utf-8")
    runpytest(pytester, "scenarios").assert_outcomes(passed=2)


def test_credlab_target_drives_every_story_through_the_system_under_test(pytester: pytest.Pytester) -> None:
    scenarios = project(pytester, PASSING)
    result = runpytest(pytester, "scenarios", "--credlab-target", f"spec:spec/{ANA_SPEC.name}")
    result.assert_outcomes(passed=2)  # the spec conforms to itself
    broken = pytester.path / "broken"
    broken.mkdir()
    text = ANA_SPEC.read_text(encoding="utf-8")
    effects = "      - {randomize_credential: amc_pin}\n      - {clear_credential: web_password}\n"
    assert effects in text
    (broken / ANA_SPEC.name).write_text(text.replace(effects, "      - {randomize_credential: amc_pin}\n"), "utf-8")
    shutil.copyfile(ANA_SPEC.with_suffix(".policy.txt"), broken / "ana_web_password.policy.txt")
    postcard = ANA_SPEC.parent.parent / "scenarios" / "ana_web_password" / "postcard_reset.yaml"
    shutil.copyfile(postcard, scenarios / "postcard_reset.yaml")
    result = runpytest(pytester, str(scenarios), "--credlab-target", f"spec:broken/{ANA_SPEC.name}", "-rf")
    assert result.ret == 1  # postcard stories: the system keeps the web password the spec clears
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] >= 1 and outcomes["passed"] >= 2
    result.stdout.fnmatch_lines(["*expected web to refuse the member's web_password; got it accepted it*"])


def test_credlab_target_can_be_a_web_service_with_its_binding(pytester: pytest.Pytester) -> None:
    from tests.fixtures.example_app import BINDING, running_app

    scenarios = project(pytester)
    registration = ANA_SPEC.parent.parent / "scenarios" / "ana_web_password" / "registration.yaml"
    shutil.copyfile(registration, scenarios / "registration.yaml")
    shutil.copyfile(BINDING, pytester.path / "binding.yaml")
    for bug, failed in ((None, 0), ("pin_works_online", 1)):
        with running_app(bug) as app:
            result = runpytest(
                pytester,
                "scenarios",
                "--credlab-target",
                app.url,
                "--credlab-binding",
                "binding.yaml",
                "--credlab-smtp",
                app.smtp,
                "-rf",
            )
        outcomes = result.parseoutcomes()
        assert outcomes.get("failed", 0) >= failed and outcomes["passed"] >= 8, (bug, outcomes)
        assert (result.ret == 0) == (failed == 0)
