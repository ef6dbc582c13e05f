"""``credlab conform`` drives the spec's stories through a system under test in lock step. Here
the system is another spec's reference behaviour: ANA itself (no divergence anywhere), and ANA
with a recovery-flow defect (each found, as a short story the spec passes and the system fails)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credlab.simulator import api
from credlab.simulator.cli.main import main
from tests.conftest import REPO

ANA = REPO / "spec" / "ana_web_password.yaml"
POSTCARD_EFFECTS = "      - {randomize_credential: amc_pin}\n      - {clear_credential: web_password}\n"


def defective(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of ANA with one defect, beside its policy text (the spec names it)."""
    text = ANA.read_text(encoding="utf-8")
    assert old in text
    for item in ANA.parent.iterdir():
        if item.suffix == ".txt":
            (tmp_path / item.name).write_text(item.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "ana_web_password.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_spec_conforms_to_itself_on_every_story(tmp_path: Path) -> None:
    report = api.conform(ANA, f"spec:{ANA}", out=tmp_path)
    assert report.ok and report.divergences == () and report.skipped == ()
    assert report.stories > 100 and report.steps > 400
    assert report.transitions == (len(api.load_spec(ANA).transitions),) * 2


def test_a_postcard_reset_that_keeps_the_web_password_is_caught_with_a_short_story(tmp_path: Path) -> None:
    system = defective(tmp_path, POSTCARD_EFFECTS, "      - {randomize_credential: amc_pin}\n")
    out = tmp_path / "out"
    report = api.conform(ANA, f"spec:{system}", out=out)
    assert not report.ok and report.divergences
    first = report.divergences[0]
    story = Path(first.scenario_file)
    assert story.exists() and story.parent == out
    assert main(["simulate", str(ANA), str(story)]) == 0  # the spec passes the short story
    again = api.conform(ANA, f"spec:{system}", [story], out=tmp_path / "again")
    assert [d.story for d in again.divergences] == [f"conform_{first.story}"]  # the system still fails it
    fixed = api.conform(ANA, f"spec:{ANA}", [story], out=tmp_path / "fixed")
    assert fixed.ok  # and the correct system passes it


def test_the_system_draws_its_own_random_pin_and_the_spec_adopts_it(tmp_path: Path) -> None:
    report = api.conform(
        ANA, f"spec:{ANA}", [REPO / "scenarios" / "ana_web_password" / "postcard_reset.yaml"], out=tmp_path
    )
    assert report.ok and report.steps > 0


def test_the_cli_reports_divergences_as_json_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    system = defective(tmp_path, POSTCARD_EFFECTS, "      - {randomize_credential: amc_pin}\n")
    code = main(["--format", "json", "conform", str(ANA), "--target", f"spec:{system}", "--out", str(tmp_path / "o")])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["ok"] is False
    assert {"scenario_file", "step", "expected", "observed"} <= set(out["divergences"][0])
    assert out["coverage"]["transitions"]["total"] == 20


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("http://127.0.0.1:1", "say how to drive it with --binding FILE"),
        ("ftp://127.0.0.1:1", "give a URL (http://127.0.0.1:8000) with --binding FILE"),
        ("spec:", "give a URL"),
        ("spec:missing.yaml", "missing.yaml:1:1: error: no such file"),
    ],
)
def test_a_target_credlab_cannot_drive_is_exit_2(target: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conform", str(ANA), "--target", target]) == 2
    assert message in capsys.readouterr().err


def test_the_shortest_stories_alone_reach_every_transition_and_state(tmp_path: Path) -> None:
    from credlab.simulator.conform.drive import conform, path_stories
    from credlab.simulator.conform.engine_target import EngineTarget

    spec = api.load_spec(ANA)
    parameters = spec.parameter_values()
    stories = path_stories(spec, parameters)
    assert stories and all(s.steps for s in stories)
    assert [len(s.steps) for s in stories] == sorted(len(s.steps) for s in stories)  # shortest first
    report = conform(spec, parameters, stories, EngineTarget(spec), tmp_path)
    assert report.ok
    assert report.transitions == (len(spec.transitions), len(spec.transitions))
    assert report.states == (len(spec.states), len(spec.states))


EMAIL_RESET_GUARD = """    to: reset_pending
    when:
      - {input_true: identified}
    do:
      - {start_deadline: reset_link}"""


def test_random_walks_raise_no_false_alarm_on_the_correct_system(tmp_path: Path) -> None:
    for seed in (1, 2, 3, 4, 5):
        report = api.conform(
            ANA,
            f"spec:{ANA}",
            [ANA.parent.parent / "scenarios" / "ana_web_password" / "channels.yaml"],
            out=tmp_path,
            walks=60,
            seed=seed,
            paths=False,
        )
        assert report.ok, (seed, report.divergences)


def test_a_random_walk_finds_a_reset_without_identification_and_shrinks_it(tmp_path: Path) -> None:
    system = defective(
        tmp_path, EMAIL_RESET_GUARD, EMAIL_RESET_GUARD.replace("    when:\n      - {input_true: identified}\n", "")
    )
    out = tmp_path / "out"
    channels = REPO / "scenarios" / "ana_web_password" / "channels.yaml"
    report = api.conform(ANA, f"spec:{system}", [channels], out=out, walks=100, seed=1, paths=False)
    walked = [d for d in report.divergences if d.story.startswith("random_walk")]
    assert len(walked) == 1 and walked[0].step <= 2, report.divergences  # shrunk to the request itself
    assert "refuse request_email_reset" in walked[0].expected
    story = Path(walked[0].scenario_file)
    assert main(["simulate", str(ANA), str(story)]) == 0
    assert not api.conform(ANA, f"spec:{system}", [story], out=tmp_path / "again", paths=False).ok


def test_junit_has_a_testcase_per_story_and_the_walks_with_each_divergence_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from xml.etree import ElementTree

    system = defective(
        tmp_path, EMAIL_RESET_GUARD, EMAIL_RESET_GUARD.replace("    when:\n      - {input_true: identified}\n", "")
    )
    channels = REPO / "scenarios" / "ana_web_password" / "channels.yaml"
    args = ["conform", str(ANA), str(channels), "--target", f"spec:{system}", "--no-paths", "--seed", "1"]
    code = main([*args, "--format", "junit", "--out", str(tmp_path / "o")])
    suite = ElementTree.fromstring(capsys.readouterr().out).find("testsuite")
    assert code == 1 and suite is not None
    cases = suite.findall("testcase")
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert cases[-1].get("name") == "random_walk_1" and failed == ["random_walk_1"]
    assert suite.get("tests") == str(len(cases)) and suite.get("failures") == "1"
    message = cases[-1].find("failure")
    assert message is not None and "refuse request_email_reset" in (message.get("message") or "")
    assert "shortest story:" in (message.text or "")
