"""Deadlines that run from the start: a card's expiry counts from the moment it is issued.

``from_start: true`` starts a deadline at time 0 whenever a member starts in an initial state,
with no effect starting it; every backend starts it alike: the ``transitions`` machine, the
reference engine, exploration's zones, the joint search of mutation, stories and the fuzzer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from credlab.model.engine import Engine
from credlab.model.loader import load_spec
from credlab.model.machine import compile_spec
from credlab.simulator import api
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.mutate import distinguish, mutants
from credlab.simulator.cli.main import main
from tests.conftest import REPO

CARD = REPO / "tests" / "simulator" / "fixtures" / "final" / "expiring_card.yaml"
THREE_YEARS = 3 * 365 * 86400


def test_an_initial_state_starts_with_the_deadline_running_and_another_does_not() -> None:
    spec = load_spec(CARD)
    assert spec.deadlines["expiry"].from_start and not spec.deadlines["block"].from_start
    engine = Engine(spec)
    assert engine.initial("active").deadlines == (None, 0)
    assert engine.initial("blocked").deadlines == (None, None)  # a story that starts there says `running:`
    member = compile_spec(spec).new_member("active")
    assert member.record.deadlines == {"block": None, "expiry": 0}


def test_a_story_sees_the_card_expire_three_years_after_its_start(tmp_path: Path) -> None:
    """The expiry is exclusive: the card is closed at three years exactly, whatever its state."""
    story = tmp_path / "expiry.yaml"
    story.write_text(
        "credlab_scenarios: 1\nspec: expiring_card\nscenarios:\n  - name: the_card_expires\n"
        "    given: {state: active}\n    steps:\n"
        "      - {advance: 1094d23h59m59s, expect: {state: active}}\n"
        "      - {do: report_lost, expect: {state: blocked}}\n"
        "      - {advance: 1s, expect: {state: closed, transition: card_expires}}\n"
        "  - name: a_story_that_starts_elsewhere_names_what_runs\n"
        "    given: {state: blocked, running: [block]}\n    steps:\n"
        "      - {advance: 3y, expect: {state: active}}\n",
        encoding="utf-8",
    )
    assert main(["simulate", str(CARD), str(story)]) == 0


def test_exploration_reaches_the_end_by_the_clock_alone() -> None:
    found = Explorer(Engine(load_spec(CARD))).explore()
    assert found.complete and found.violations == []
    assert "card_expires" in found.transitions and "closed" in found.states
    node, edge = found.first_fired["card_expires"]
    state, moves = found.path(node, edge)
    assert state == "active" and [m.advance.seconds for m in moves if m.advance is not None] == [THREE_YEARS]


def test_a_deadline_from_the_start_shifted_by_a_second_is_told_apart_by_the_joint_search() -> None:
    spec = load_spec(CARD)
    shorter = next(m for m in mutants(spec) if m.id == "expiry:shift-deadline:-1s")
    witness = distinguish(spec, shorter.spec)
    assert isinstance(witness, tuple)
    state, moves = witness
    assert state == "active" and moves[-1].advance is not None
    assert sum(m.advance.seconds or 0 for m in moves if m.advance is not None) == THREE_YEARS - 1


def test_fuzzing_keeps_both_backends_in_step(tmp_path: Path) -> None:
    result = api.fuzz(CARD, max_examples=30, steps=20, seed=1, out=tmp_path)
    assert result.ok and result.counterexample is None


def test_lint_and_diagrams_know_it_runs_from_the_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(CARD)]) == 0  # no "deadline-never-started"
    assert main(["diagram", str(CARD), "-o", str(tmp_path), "--formats", "dot"]) == 0
    assert "expiry: 1095d, exclusive, from the start" in (tmp_path / "expiring_card.dot").read_text(encoding="utf-8")
