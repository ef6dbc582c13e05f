"""Factors: access that takes two things at once, and the ways round one.

``spec/bank_card.yaml`` takes the card and the PIN at the ATM (``requires: [card]``);
``totp_login.yaml`` takes the password and the code the phone shows (``also: [totp]``, a
possession factor whose ``device`` is the phone), and an email link turns the code off: a way
round the phone for whoever reads the mailbox and knows the password.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from credlab.model.engine import Engine
from credlab.model.loader import load_spec
from credlab.simulator import api
from credlab.simulator.cli.main import main
from credlab.simulator.results import ExploreReport, Finding
from tests.conftest import REPO

BANK = REPO / "spec" / "bank_card.yaml"
TOTP = REPO / "tests" / "simulator" / "fixtures" / "findings" / "totp_login.yaml"


def kinds(report: ExploreReport, kind: str) -> list[Finding]:
    return [f for f in report.findings if f.kind == kind]


def test_a_rule_with_two_parts_lets_in_only_whoever_presents_both() -> None:
    bank = Engine(load_spec(BANK))
    card = bank.initial("active", {"pin": "2580"})
    assert bank.grants(card, "atm", {"2580"}, frozenset({"card"}))
    assert not bank.grants(card, "atm", {"2580"}, frozenset())  # the PIN without the card
    assert not bank.grants(card, "atm", {"1111"}, frozenset({"card"}))
    totp = Engine(load_spec(TOTP))
    account = totp.initial("account", {"password": "correct horse", "totp": "123456"})
    both = {"correct horse", "123456"}
    assert totp.grants(account, "web", both, frozenset({"phone"}))
    assert not totp.grants(account, "web", both, frozenset())  # the code only the phone shows
    assert not totp.grants(account, "web", {"correct horse"}, frozenset({"phone"}))
    assert totp.accepts(account, "web", "totp") and totp.accepts(account, "web", "password")
    assert totp.accepts(account, "web", None, "correct horse")  # a login form's secret: the first part
    assert not totp.accepts(account, "web", None, "123456")


def test_a_way_round_the_second_factor_is_found_with_its_story(tmp_path: Path) -> None:
    report = api.explore(TOTP, out=tmp_path)
    [bypass] = kinds(report, "recovery_bypasses_factor")
    assert dict(bypass.details)["held"] == ["password", "mailbox"] and dict(bypass.details)["channels"] == ["web"]
    assert "where it takes password and totp: a way round the factor they lack" in bypass.message
    assert bypass.failing and set(bypass.sources) == {"email_off", "two_factor"}  # the step, and both rules
    [story] = yaml.safe_load(Path(str(bypass.scenario_file)).read_text(encoding="utf-8"))["scenarios"]
    assert story["steps"][0]["do"] == "turn_off_by_email" and story["steps"][0]["as"] == "attacker"
    assert story["steps"][-1]["expect"] == {"access": {"web": ["password"]}}  # the code is no longer asked
    every = sorted(str(p) for p in tmp_path.glob("*.yaml"))
    assert main(["simulate", str(TOTP), *every]) == 0  # every story it wrote replays


def test_losing_the_phone_alone_is_no_dead_end_and_losing_the_mailbox_too_is(tmp_path: Path) -> None:
    [dead] = kinds(api.explore(TOTP, out=tmp_path), "dead_end")
    assert dict(dead.details)["lost"] == ["mailbox", "phone"]


def test_a_code_only_the_phone_shows_cannot_be_typed_without_it(tmp_path: Path) -> None:
    story = tmp_path / "lost_phone.yaml"
    story.write_text(
        "credlab_scenarios: 1\nspec: totp_login\nscenarios:\n  - name: lost_phone\n    given: {state: account}\n"
        "    steps:\n      - {do: phone_lost}\n"
        "      - {do: sign_in, with: {password: {known: password}, code: {known: totp}}}\n",
        encoding="utf-8",
    )
    result = api.simulate(TOTP, [story])
    [failed] = result.runs[0].results
    assert not failed.passed and failed.failure is not None
    assert "member to hold phone" in failed.failure.message()


def test_the_bank_card_check_passes_with_every_risk_it_takes_accepted(tmp_path: Path) -> None:
    report = api.check([BANK], out=tmp_path)
    assert report.ok
    [spec] = report.specs
    risks = [f for f in spec.explore.findings if f.severity != "info"] if spec.explore else []
    assert {f.kind for f in risks} == {
        "takeover",
        "denial_of_service",
        "lockout_window",
        "dead_end",
        "recovery_bypasses_factor",
    }
    assert all(f.accepted is not None for f in risks)


def test_a_deadlock_story_is_named_as_a_story_may_be(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(TOTP, tmp_path / TOTP.name)
    spec = tmp_path / TOTP.name
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("    do: [{set_flag: two_factor}]", "    do: []"), encoding="utf-8")  # no way on
    report = api.explore(spec, out=tmp_path / "out")
    [deadlock] = [p for p in report.properties if p.property.slug == "deadlock-free"]
    assert deadlock.verdict == "fails" and deadlock.counterexample is not None
    assert main(["simulate", str(spec), deadlock.counterexample.scenario_file]) == 0  # it loads and replays
    assert "explore_deadlock_free" in capsys.readouterr().out


def test_time_lifting_a_freeze_goes_round_nothing_and_a_recovery_address_does(tmp_path: Path) -> None:
    """In account_recovery.yaml the app is suspended while the account is frozen. Someone holding
    the password and the phone gets in once the freeze lifts: no way round, since only time
    passed. Whoever reads the recovery address sets a new password: a way round both factors."""
    report = api.explore(REPO / "spec" / "account_recovery.yaml", out=tmp_path)
    bypasses = {tuple(dict(f.details)["held"]): f for f in kinds(report, "recovery_bypasses_factor")}
    assert set(bypasses) == {("recovery_mailbox",)}
    assert bypasses[("recovery_mailbox",)].accepted is not None
    assert report.ok and all(f.accepted is not None for f in report.findings if f.severity != "info")
    [lockout] = kinds(report, "lockout_window")  # a member with no code left, frozen: until the wait is over
    assert lockout.message.endswith("works on web until waiting lapses, 3d after it starts")
    assert lockout.duration == "3d" and dict(lockout.details)["until"] == "waiting"


def test_the_legend_says_what_a_credential_is_made_of_and_what_access_takes(tmp_path: Path) -> None:
    totp = REPO / "spec" / "totp_recovery.yaml"
    for spec in (BANK, totp):
        assert main(["diagram", str(spec), "-o", str(tmp_path), "--formats", "dot,mmd"]) == 0
    for suffix in ("dot", "mmd"):
        bank_text = (tmp_path / f"bank_card.{suffix}").read_text(encoding="utf-8")
        totp_text = (tmp_path / f"totp_recovery.{suffix}").read_text(encoding="utf-8")
        assert "access on atm takes pin while holding card" in bank_text
        assert "credential app_code (possession, from phone)" in totp_text
        assert "a set of 10 single-use codes" in totp_text
        assert "access on web takes password + recovery_codes" in totp_text
    assert main(["diagram", str(REPO / "spec" / "ana_web_password.yaml"), "-o", str(tmp_path)]) == 0
    assert "access on" not in (tmp_path / "ana_web_password.dot").read_text(encoding="utf-8")  # one secret each
