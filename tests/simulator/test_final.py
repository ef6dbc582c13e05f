"""Final states: an end of the lifecycle (a closed card). Nothing leaves one; every backend knows
it: the `transitions` machine, exploration (no deadlock, nothing to get back from, no lockout
window there), lint, diagrams, mutation; and a transition out of one is a located error."""

from __future__ import annotations

from pathlib import Path

import pytest

from credlab.model.engine import Engine
from credlab.model.errors import SpecError
from credlab.model.loader import load_spec
from credlab.model.machine import CompiledSpec
from credlab.model.node import replace
from credlab.simulator import api
from credlab.simulator.analysis import native
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.mutate import mutants
from credlab.simulator.cli.main import main
from credlab.simulator.results import Builtin, PropertyId
from tests.conftest import REPO

CARD = REPO / "tests" / "simulator" / "fixtures" / "final" / "closed_card.yaml"


def test_a_final_state_is_loaded_and_compiled_as_one() -> None:
    spec = load_spec(CARD)
    assert spec.states["closed"].final and not spec.states["active"].final
    machine = CompiledSpec(spec, spec.parameter_values()).machine
    assert machine.get_state("closed").final and not machine.get_state("active").final


def test_in_a_final_state_changing_nothing_is_no_deadlock_and_nothing_is_owed(tmp_path: Path) -> None:
    spec = load_spec(CARD)
    found = Explorer(Engine(spec)).explore()
    assert "closed" in found.states
    assert found.violations == []  # no deadlock, recoverable holds: the end is declared
    ended = replace(spec, states={**spec.states, "closed": replace(spec.states["closed"], final=False)})
    broken = {str(v.property) for v in Explorer(Engine(ended)).explore().violations}
    deadlock, recoverable = PropertyId.builtin(Builtin.DEADLOCK_FREE), PropertyId.builtin(Builtin.RECOVERABLE)
    assert {str(deadlock), str(recoverable)} <= broken  # the same spec without `final`: stuck twice over


def test_an_end_is_no_lockout_window_and_no_lint_finding(tmp_path: Path) -> None:
    report = api.explore(CARD, out=tmp_path / "explore")
    assert not [f for f in report.findings if "closed" in f.message and "nothing they know works" in f.message]
    [(_, findings)] = api.lint(CARD).specs
    assert not [f for f in findings if "closed" in f.message]


def test_the_c_loop_knows_an_end_too() -> None:
    spec = load_spec(CARD.with_name("closed_card_untimed.yaml"))
    explorer = Explorer(Engine(spec))
    assert native.applies(explorer, stop=None)
    assert explorer.explore().violations == []
    [mutant] = [m for m in mutants(spec) if m.kind == "drop-final"]
    deadlock = str(PropertyId.builtin(Builtin.DEADLOCK_FREE))
    assert deadlock in {str(v.property) for v in Explorer(Engine(mutant.spec)).explore().violations}


def test_a_transition_out_of_a_final_state_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = CARD.read_text(encoding="utf-8")
    reopened = text.replace(
        "invariants:",
        "  - id: reopen\n    event: report_lost\n    from: closed\n    to: active\n    source: closing\n\ninvariants:",
        1,
    )
    path = tmp_path / "reopened.yaml"
    path.write_text(reopened, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    line = reopened.splitlines().index("    from: closed") + 1
    assert f"reopened.yaml:{line}:11: error: state 'closed' is final: no transition leaves it" in str(caught.value)
    assert main(["validate", str(path)]) == 2
    assert "state 'closed' is final" in capsys.readouterr().out


def test_diagrams_mark_an_end() -> None:
    mermaid = api.render_diagram(CARD, format="mmd").text
    assert "closed --> [*]" in mermaid and "active --> [*]" not in mermaid
    dot = api.render_diagram(CARD, format="dot").text
    closed = dot[dot.index("\tclosed [") : dot.index('id="state-closed"') + 60]
    assert "peripheries=2" in closed and "<I>end</I>" in closed
    active = dot[dot.index("\tactive [") : dot.index('id="state-active"') + 60]
    assert "peripheries" not in active and "<I>end</I>" not in active
    assert "final: an end of the lifecycle" in dot  # the legend


def test_dropping_final_is_a_mutant_that_exploration_kills() -> None:
    spec = load_spec(CARD)
    [mutant] = [m for m in mutants(spec) if m.kind == "drop-final"]
    assert mutant.id == "closed:drop-final" and not mutant.spec.states["closed"].final
    assert Explorer(Engine(mutant.spec)).explore().violations


def test_a_state_may_say_why_nothing_leaves_it_in_an_assumption(tmp_path: Path) -> None:
    """Lint's no-exit hint says "add a way out or say why in an assumption": a state takes
    `assumes:`, which answers it, uses the assumption, and shows in the state's tooltip."""
    text = CARD.read_text(encoding="utf-8").replace("    final: true\n", "    assumes: [closed_for_good]\n", 1)
    text = text.replace(
        "parameters:",
        "assumptions:\n"
        "  closed_for_good: {question: Can a closed card be reopened?, choice: Never., source: closing}\n\n"
        "parameters:",
        1,
    )
    path = tmp_path / "said_why.yaml"
    path.write_text(text, encoding="utf-8")
    spec = load_spec(path)
    assert spec.states["closed"].assumes == ("closed_for_good",) and not spec.states["closed"].final
    [(_, findings)] = api.lint(path).specs
    assert not [f for f in findings if f.id in ("no-exit", "unused-assumption")], findings
    assert "assumes: closed_for_good" in api.render_diagram(path, format="dot").text
    unsaid = tmp_path / "unsaid.yaml"
    unsaid.write_text(CARD.read_text(encoding="utf-8").replace("    final: true\n", "", 1), encoding="utf-8")
    [(_, findings)] = api.lint(unsaid).specs
    assert [f.id for f in findings if "closed" in f.message] == ["no-exit"]
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(text.replace("assumes: [closed_for_good]", "assumes: [closed_for_goof]"), encoding="utf-8")
    with pytest.raises(SpecError, match=r"wrong\.yaml:\d+:\d+: error: .*closed_for_goof"):
        load_spec(wrong)
