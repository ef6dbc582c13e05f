"""Risks: takeovers, lockout windows and unlimited guessing, each with a story that replays, the
sentences it rests on, and the spec's acceptance of a risk it takes knowingly.

``three_tries.yaml`` is a card PIN whose third wrong try in a row keeps the card (a new card and
PIN come by post); ``minimal.yaml`` (the bad specs' source) is the same card with no limit at all.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from credlab.simulator import api
from credlab.simulator.analysis.check import risk_summary
from credlab.simulator.analysis.guessing import GUESSES
from credlab.simulator.cli.main import main
from credlab.simulator.results import ExploreReport, Finding
from tests.conftest import REPO

THREE_TRIES = REPO / "tests" / "simulator" / "fixtures" / "findings" / "three_tries.yaml"
NO_LIMIT = REPO / "tests" / "model" / "good_specs" / "minimal.yaml"


def risks(report: ExploreReport, kind: str) -> list[Finding]:
    return [f for f in report.findings if f.kind == kind]


def with_acceptances(tmp_path: Path, accepted: str) -> Path:
    """three_tries.yaml with ``accepted`` (YAML text) as its accepted_findings."""
    shutil.copy(THREE_TRIES.with_suffix(".policy.txt"), tmp_path)
    spec = tmp_path / THREE_TRIES.name
    spec.write_text(THREE_TRIES.read_text(encoding="utf-8") + "\naccepted_findings:\n" + accepted, encoding="utf-8")
    return spec


def replays(spec: Path, *stories: str | None) -> bool:
    return main(["simulate", str(spec), *[s for s in stories if s]]) == 0


def test_a_channel_that_never_counts_wrong_guesses_is_reported_with_a_story(tmp_path: Path) -> None:
    report = api.explore(NO_LIMIT, out=tmp_path)
    [guessing] = risks(report, "unlimited_guessing")
    assert dict(guessing.details) == {"channel": "atm", "credential": "pin", "state": "active"}
    assert guessing.severity == "high"  # a PIN: ten thousand values
    assert guessing.failing and guessing.sources == ("change_at_atm",)
    assert guessing.scenario_file is not None and replays(NO_LIMIT, guessing.scenario_file)
    [story] = yaml.safe_load(Path(guessing.scenario_file).read_text(encoding="utf-8"))["scenarios"]
    wrong = [s for s in story["steps"] if s["expect"] == {"state": "active", "accepted": False}]
    assert len(wrong) == GUESSES and all(s["with"]["old_pin"] == {"wrong": "pin"} for s in wrong)
    assert story["steps"][-1]["with"]["old_pin"] == {"known": "pin"}
    assert story["steps"][-1]["expect"] == {"accepted": True, "transition": "change_pin"}


def test_a_limit_on_wrong_tries_is_no_unlimited_guessing(tmp_path: Path) -> None:
    report = api.explore(THREE_TRIES, out=tmp_path)
    assert report.ok and not risks(report, "unlimited_guessing")
    [window] = risks(report, "lockout_window")  # the member's own three wrong tries keep the card
    assert dict(window.details) == {"channel": "atm", "state": "kept", "until": "new_card"}
    assert window.duration == "2d to 5d" and "until new_card arrives, 2d to 5d after it is sent" in window.message
    assert window.sources == ("three_tries", "replacement", "change_at_atm")
    assert replays(THREE_TRIES, window.scenario_file)


def test_an_attacker_who_only_holds_the_card_denies_the_member_until_the_new_card_arrives(tmp_path: Path) -> None:
    report = api.explore(THREE_TRIES, out=tmp_path)
    [denial] = risks(report, "denial_of_service")
    details = dict(denial.details)
    assert details["held"] == ["card"] and details["channels"] == ["atm"] and details["until"] == "new_card"
    assert denial.duration == "2d to 5d" and denial.severity == "high" and denial.failing
    assert denial.scenario_file is not None and replays(THREE_TRIES, denial.scenario_file)
    [story] = yaml.safe_load(Path(denial.scenario_file).read_text(encoding="utf-8"))["scenarios"]
    by_thief = [s for s in story["steps"] if s.get("as") == "thief"]
    secrets = [v for s in by_thief for v in s.get("with", {}).values() if isinstance(v, dict) and "wrong" not in v]
    assert by_thief and secrets == []  # the thief guesses: no secret of the member's
    assert story["steps"][-1]["expect"] == {"accepted": False}  # the member's own PIN: the card is kept


def test_a_takeover_says_what_the_member_loses_and_its_story_ends_with_the_member_refused(tmp_path: Path) -> None:
    report = api.explore(THREE_TRIES, out=tmp_path)
    takeovers = {tuple(dict(f.details)["held"]): f for f in risks(report, "takeover")}
    # knowing the PIN and holding the card; or holding the card and the post: three wrong tries
    # send a new PIN to the thief, who changes it
    assert set(takeovers) == {("pin", "card"), ("card", "home")}
    for finding in takeovers.values():
        assert dict(finding.details)["channels"] == ["atm"] and finding.severity == "high"
        assert replays(THREE_TRIES, finding.scenario_file)
        assert finding.scenario_file is not None
        [story] = yaml.safe_load(Path(finding.scenario_file).read_text(encoding="utf-8"))["scenarios"]
        last = story["steps"][-1]
        assert "as" not in last and last["with"]["old_pin"] == {"known": "pin"}
        assert last["expect"] == {"accepted": True, "transition": "wrong_pin"}  # the member's PIN is now wrong
    assert takeovers["card", "home"].sources[:2] == ("three_tries", "replacement")


def test_accepted_risks_are_marked_and_do_not_fail_the_check(tmp_path: Path) -> None:
    spec = with_acceptances(
        tmp_path,
        "  - kind: takeover\n    capabilities: [pin, card]\n"
        "    reason: Keeping the PIN from others is the holder's part.\n    source: change_at_atm\n"
        "  - kind: lockout_window\n    channel: atm\n    reason: The new card comes within days.\n"
        "    source: replacement\n",
    )
    report = api.explore(spec, out=tmp_path / "out")
    accepted = {f.kind: f.accepted for f in report.findings if f.accepted is not None}
    assert set(accepted) == {"takeover", "lockout_window"}
    assert accepted["takeover"] is not None and accepted["takeover"].sources == ("change_at_atm",)
    failing = [(f.kind, dict(f.details)["held"]) for f in report.findings if f.failing]
    assert failing == [("takeover", ["card", "home"]), ("denial_of_service", ["card"])]
    assert risk_summary(report) == ("2 risk(s) not accepted: takeover ×1, denial_of_service ×1; 2 accepted by the spec")
    as_json = [f.to_json() for f in report.findings if f.kind == "lockout_window"]
    assert as_json[0]["accepted"] is True and as_json[0]["accepted_reason"] == "The new card comes within days."

    folder = tmp_path / "all"
    folder.mkdir()
    everything = with_acceptances(
        folder,
        "  - kind: takeover\n    reason: The bank replaces stolen cards.\n    source: three_tries\n"
        "  - kind: denial_of_service\n    reason: A thief with the card can have it kept.\n    source: three_tries\n"
        "  - kind: lockout_window\n    reason: The new card comes within days.\n    source: replacement\n",
    )
    checked = api.check([everything], out=tmp_path / "report", scenarios=[])
    [spec_report] = checked.specs
    assert checked.ok, [row for row in spec_report.stages() if not row.ok]
    assert [row.text for row in spec_report.stages() if row.stage == "findings"] == ["every risk accepted (4)"]


def test_an_acceptance_that_matches_no_finding_is_reported(tmp_path: Path) -> None:
    spec = with_acceptances(
        tmp_path,
        "  - kind: unlimited_guessing\n    channel: atm\n    reason: Three tries.\n    source: three_tries\n",
    )
    report = api.explore(spec, out=tmp_path / "out")
    [unmatched] = [f for f in report.findings if f.kind == "unmatched-acceptance"]
    assert unmatched.message.startswith("accepted_findings entry at line ")
    assert "(unlimited_guessing, channel atm) matches no finding" in unmatched.message
    assert not unmatched.failing  # information: the risk it accepted is gone


def test_the_explore_text_names_each_findings_kind_and_severity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explore", str(NO_LIMIT), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "  unlimited_guessing (high): atm takes the member's pin with no limit on wrong guesses" in out


def test_how_long_a_window_lasts_follows_the_parameters_of_the_run(tmp_path: Path) -> None:
    """ANA's postcard takes 1d to 7d by default; a variant where it takes at most three days says so."""
    report = api.explore(
        REPO / "spec" / "ana_web_password.yaml", settings={"postcard_delivery_max": "3d"}, out=tmp_path
    )
    [denial] = risks(report, "denial_of_service")
    assert denial.duration == "1d to 3d" and "until pin_postcard arrives, 1d to 3d after it is sent" in denial.message
    assert {w.duration for w in risks(report, "lockout_window")} == {"1d to 3d"}
