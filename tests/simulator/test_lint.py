"""`credlab lint` finds what a valid spec says less well than its author thinks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credlab.model.loader import load_spec
from credlab.simulator.analysis.lint import lint
from credlab.simulator.cli.main import main
from tests.conftest import ANA_SPEC

UNTIDY = """\
credlab: 1
name: untidy
title: A spec with one of each lint finding
sources:
  s: A sentence.
assumptions:
  nobody_uses_me: {question: Q?, choice: C., source: s}
capabilities:
  telepathy: Reads minds.
credentials:
  pin: {kind: pin, policy: pin_policy, initially_set: true, source: s}
  orphan: {kind: pin, policy: pin_policy, source: s}
policies:
  pin_policy:
    kind: pin
    rules:
      - {id: four, severity: reject, check: {length: {min: 4, max: 4}}, message: four}
  spare_policy:
    kind: pin
    rules:
      - {id: four, severity: reject, check: {length: {min: 4, max: 4}}, message: four, source: s}
channels:
  atm: {kind: in_person}
  pigeon: {kind: post}
access:
  - {channel: atm, credential: pin}
flags:
  idle: {description: Never read or changed.}
counters:
  tries: {maximum: 3, source: s}
deadlines:
  window: {duration: 1h, boundary: exclusive, source: s}
messages:
  letter: {via: pigeon, source: s}
states:
  open: {description: Open., source: s}
  closed: {description: Closed., source: s}
  island: {description: Nothing reaches it., source: s}
initial: open
events:
  close: {source: s}
  shout: {source: s}
  tick: {internal: true, source: s}
transitions:
  - {id: close, event: close, from: open, to: closed, source: s}
  - {id: from_island, event: close, from: island, to: open, source: s}
  - {id: tick, event: tick, from: closed, source: s}
"""

EXPECTED = {
    "unreachable-state": "state 'island' is never reached",
    "dead-transition": "transition 'from_island' never fires",
    "no-exit": "no transition leaves state 'closed'",
    "unhandled-event": "no transition handles event 'shout'",
    "internal-event-never-fired": "internal event 'tick' is no deadline's on_expiry",
    "unused-assumption": "'nobody_uses_me'",
    "deadline-never-started": "deadline 'window'",
    "deadline-never-checked": "nothing checks deadline 'window'",
    "flag-never-read": "flag 'idle'",
    "flag-never-changed": "flag 'idle'",
    "counter-never-counted": "counter 'tries'",
    "counter-never-read": "counter 'tries'",
    "message-never-sent": "message 'letter'",
    "credential-never-set": "credential 'orphan'",
    "credential-never-checked": "credential 'orphan'",
    "unused-policy": "policy 'spare_policy'",
    "unused-capability": "capability 'telepathy'",
    "rule-without-source": "rule 'pin_policy.four'",
    "access-without-source": "access rule atm/pin",
}


@pytest.fixture
def untidy(tmp_path: Path) -> Path:
    path = tmp_path / "untidy.yaml"
    path.write_text(UNTIDY, encoding="utf-8")
    return path


def test_the_ana_spec_is_lint_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(ANA_SPEC)]) == 0
    assert capsys.readouterr().out.strip() == f"{ANA_SPEC}: clean"


def test_each_kind_of_finding_is_reported_with_its_location_and_a_hint(untidy: Path) -> None:
    findings = lint(load_spec(untidy))
    assert {f.id for f in findings} == set(EXPECTED)
    for finding_id, fragment in EXPECTED.items():
        assert any(fragment in f.message and f.hint for f in findings if f.id == finding_id), finding_id
    by_id = {f.id: f for f in findings}
    assert (
        by_id["unreachable-state"].location.line
        == UNTIDY.splitlines().index("  island: {description: Nothing reaches it., source: s}") + 1
    )
    assert findings == sorted(findings)


def test_findings_exit_1_and_json_carries_them(untidy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(untidy), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    [spec] = report["specs"]
    assert {f["id"] for f in spec["findings"]} == set(EXPECTED)
    assert all({"file", "line", "column", "message", "hint"} <= set(f) for f in spec["findings"])


def test_a_bad_spec_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("credlab: 1\n", encoding="utf-8")
    assert main(["lint", str(bad)]) == 2
    assert f"{bad}:1:1: error:" in capsys.readouterr().err


def test_setting_a_credential_from_an_unchecked_input_is_a_finding(tmp_path: Path) -> None:
    """A transition that stores an input as a credential without a satisfies guard for the
    credential's policy would store anything: one character, a NUL, a full-width digit."""
    import shutil

    text = ANA_SPEC.read_text(encoding="utf-8")
    guard = "      - {satisfies: {input: new_password, policy: web_password}}\n"
    assert text.count(guard) == 2
    (tmp_path / ANA_SPEC.name).write_text(text.replace(guard, "", 1), encoding="utf-8")
    shutil.copy(ANA_SPEC.parent / "ana_web_password.policy.txt", tmp_path)
    findings = [f for f in lint(load_spec(tmp_path / ANA_SPEC.name)) if f.id == "unchecked-credential-setting"]
    assert len(findings) == 1
    assert "sets web_password from input 'new_password' without checking it against policy" in findings[0].message
    assert findings[0].hint == "add `satisfies: {input: new_password, policy: web_password}` to its when:"
