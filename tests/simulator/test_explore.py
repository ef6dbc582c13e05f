"""`credlab explore`: every reachable situation, checked; and the explorer's engine is trusted
because every edge it explores gives the same successor on the transitions machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credlab.model.differential import load_world, world_of
from credlab.model.engine import Engine, EngineStep, World
from credlab.model.ir import Spec
from credlab.model.machine import compile_spec
from credlab.simulator.analysis.exploration import Exploration
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.paths import Move, search_random
from credlab.simulator.cli.main import main
from tests.conftest import ANA_SPEC, REPO


@pytest.fixture(scope="module")
def explored(ana: Spec) -> tuple[Explorer, Exploration]:
    explorer = Explorer(Engine(ana))
    return explorer, explorer.explore()


def test_the_ana_spec_is_explored_completely(ana: Spec, explored: tuple[Explorer, Exploration]) -> None:
    _, found = explored
    assert found.complete
    assert found.states == set(ana.states)
    assert found.transitions == {t.id for t in ana.transitions}
    assert found.violations == []


def _without_deliveries(world: World) -> World:
    return World(
        world.state,
        world.credentials,
        world.flags,
        world.counters,
        world.deadlines,
        world.expiry_fired,
        world.now,
        (),
        world.owner,
    )


def test_every_explored_edge_gives_the_same_successor_on_the_transitions_machine(
    ana: Spec, explored: tuple[Explorer, Exploration]
) -> None:
    """Events from each situation's representative world, and each lapse of the clock along the
    concrete story that realises it, give the same world on both backends. Replaying a lapse
    replays its whole story, so one lapse is replayed per kind: the state, the deadlines running
    and lapsed, what lapses and what it fires."""
    explorer, found = explored
    engine = explorer.engine
    compiled = compile_spec(ana)
    member = compiled.new_member()
    member.actor = explorer.actor  # the explorer's moves are its actor's: it owns the screens it reaches
    replayed = lapses = 0
    lapse_kinds: set[tuple[object, ...]] = set()
    for node, (world, knowledge) in enumerate(found.worlds):
        for edge, after, _, _, fired in explorer.successors(found, node):
            if edge.move is not None:
                assert edge.move.event is not None
                load_world(member, world, engine)
                member.random = search_random()  # the explorer's draws, for random PINs
                inputs = explorer.resolve(world, knowledge, edge.move.inputs)
                assert inputs is not None
                outcome = member.fire(edge.move.event, **inputs)
                assert [outcome.transition] == fired, edge
                assert _without_deliveries(world_of(member, engine)) == after, edge
            else:
                kind = (world.state, world.deadlines, world.expiry_fired, edge.lapse, tuple(fired))
                if kind in lapse_kinds:
                    replayed += 1
                    continue
                lapse_kinds.add(kind)
                start, moves = found.path(node, edge)
                concrete, last = _replay(explorer, start, moves)
                assert explorer.clocks.representative(concrete) == after, edge
                assert [s.transition for s in last if s.transition] == fired, edge
                lapses += 1
            replayed += 1
    assert replayed == found.edges and lapses > 0


def _replay(explorer: Explorer, start: str, moves: tuple[Move, ...]) -> tuple[World, list[EngineStep]]:
    """The concrete story of ``moves`` on the engine and on the transitions machine in lock-step:
    the worlds must agree after every move; the engine's last world and steps."""
    engine = explorer.engine
    world, knowledge = explorer.start(start)
    member = compile_spec(explorer.spec).new_member()
    member.actor = explorer.actor
    load_world(member, world, engine)
    steps: list[EngineStep] = []
    for move in moves:
        member.random = search_random()
        if move.event is not None:
            inputs = explorer.resolve(world, knowledge, move.inputs)
            assert inputs is not None
            world, step = engine.fire(world, move.event, inputs, search_random(), explorer.actor)
            member.fire(move.event, **inputs)
            assert step.transition is not None
            knowledge = explorer.learn(knowledge, step.transition, inputs, step.disclosed)
            steps = [step]
        else:
            assert move.advance is not None and move.advance.seconds is not None
            world, steps = engine.advance(world, move.advance.seconds, search_random())
            member.advance(move.advance.seconds)
            for step in steps:
                knowledge = explorer.learn(knowledge, step.transition, {}, step.disclosed)
        assert _without_deliveries(world_of(member, engine)) == _without_deliveries(world), move
    return world, steps


def test_explore_reports_every_property_in_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", str(ANA_SPEC), "--format", "json", "--out", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["complete"] is True
    assert report["states"] > 1000 and report["edges"] > report["states"] and report["seconds"] >= 0
    ids = [p["id"] for p in report["properties"]]
    assert ids[-3:] == ["deadlock-free", "deterministic", "recoverable"]
    assert all(p["holds"] and p["counterexample"] is None for p in report["properties"])
    findings = report["findings"]
    kinds = [f["kind"] for f in findings]
    order = [
        "takeover",
        "denial_of_service",
        "lockout_window",
        "dead_end",
        "unlimited_guessing",
        "attacker-capabilities",
    ]
    assert kinds == sorted(kinds, key=order.index) and set(kinds) == set(order)
    takeovers = {tuple(f["held"]): f for f in findings if f["kind"] == "takeover"}
    assert set(takeovers) == {("amc_pin",), ("mailbox",), ("postal_address", "identity")}
    assert takeovers[("mailbox",)]["channels"] == ["web", "call_centre", "kiosk"]  # what the member loses
    assert [f["accepted"] for f in takeovers.values()] == [True, False, False]  # the spec accepts a leaked PIN
    assert takeovers[("amc_pin",)]["accepted_sources"] == ["do_not_leak", "manage_with_care"]
    assert "step3_register" in takeovers[("amc_pin",)]["sources"]  # what the attack rests on
    assert "care_is_member_behaviour" in takeovers[("amc_pin",)]["assumes"]
    guessing = {(f["channel"], f["credential"]): f for f in findings if f["kind"] == "unlimited_guessing"}
    assert set(guessing) == {
        ("web", "amc_pin"),
        ("call_centre", "amc_pin"),
        ("kiosk", "amc_pin"),
        ("web", "web_password"),
    }
    assert (
        guessing["call_centre", "amc_pin"]["severity"] == "high"
        and "no_lockout" in guessing["call_centre", "amc_pin"]["assumes"]
    )
    assert guessing["web", "web_password"]["severity"] == "medium"
    assert all(f["scenario_file"] and f["sources"] for f in findings if f["kind"] != "attacker-capabilities")
    [denial] = [f for f in findings if f["kind"] == "denial_of_service"]  # the postcard, by anyone identified
    assert (denial["held"], denial["channels"]) == (["identity"], ["web", "call_centre", "kiosk"])
    assert denial["duration"] == "1d to 7d" and denial["until"] == "pin_postcard"
    assert "postcard_takes_days" in denial["assumes"] and "postcard_request" in denial["sources"]
    windows = {f["channel"]: f for f in findings if f["kind"] == "lockout_window"}
    assert set(windows) == {"web", "call_centre", "kiosk"}
    assert {w["duration"] for w in windows.values()} == {"1d to 7d"}
    mailbox = [f for f in findings if f["kind"] == "attacker-capabilities" and f["held"] == ["mailbox"]]
    assert {f["goal"] for f in mailbox} == {"online access", "service-desk access"}
    assert all(f["from_state"] == "reset_pending" and f["scenario_file"] for f in mailbox)
    # every written attack replays: each of its steps is accepted
    stories = sorted({f["scenario_file"] for f in findings if f["scenario_file"]})
    assert main(["simulate", str(ANA_SPEC), *stories]) == 0


def test_a_search_stopped_at_its_bound_claims_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What was not checked is unknown, never holds: in the text, in the JSON and in the exit code."""
    assert main(["explore", str(ANA_SPEC), "--max-states", "50", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "50 situations" in out and "partial answer" in out
    assert " holds " not in out and out.count("UNKNOWN") == 12  # 11 properties and the attacker analysis
    assert "11 properties not decided: the search stopped at --max-states 50" in out
    assert "risks and attacker capabilities: not analysed" in out
    assert main(["explore", str(ANA_SPEC), "--max-states", "50", "--out", str(tmp_path), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["complete"] is False
    assert {p["verdict"] for p in report["properties"]} == {"unknown"}
    assert not any(p["holds"] for p in report["properties"])
    assert report["undecided"] == ["risks and attacker capabilities: not analysed (they need the whole space)"]
    assert all("raise --max-states" in p["bound"] for p in report["properties"])
    assert [f["kind"] for f in report["findings"]] == ["never-enabled"] * len(report["findings"])


def test_check_fails_on_an_undecided_property_and_its_page_says_unknown(tmp_path: Path) -> None:
    from credlab.simulator.api import check

    report = check([ANA_SPEC], scenarios=[REPO / "scenarios"], out=tmp_path, max_states=50)
    assert not report.ok
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert page.count("? unknown") >= 11 and "✓ holds" not in page  # the property table and the matrix
    assert "Not analysed: the exploration stopped at its bound" in page
    assert "No attacker capability gives the attacker access" not in page
    written = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert {p["verdict"] for p in written["specs"][0]["explore"]["properties"]} == {"unknown"}
    assert written["specs"][0]["ok"] is False


def test_bad_input_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", str(tmp_path / "missing.yaml")]) == 2
    assert main(["explore", str(ANA_SPEC), "--max-states", "0"]) == 2
    assert main(["explore", str(ANA_SPEC), "--set", "reset_ttl=1h"]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "did you mean 'reset_link_ttl'" in err


DEFECTS = REPO / "tests" / "fixtures" / "defects"
PLANTED = {
    "forgets_to_clear.yaml": "registration_flow_has_no_web_password",
    "missing_guard.yaml": "reset_states_have_a_live_link",
    "missing_guard_login.yaml": "registration_flow_has_no_web_password",
    "off_by_one_deadline.yaml": "link_dies_two_hours_after_mail",
    "wrong_target.yaml": "registered_has_web_password",
}


@pytest.mark.parametrize(("fixture", "invariant"), sorted(PLANTED.items()))
def test_a_planted_defect_fails_with_a_shortest_counterexample_that_replays(
    fixture: str, invariant: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = DEFECTS / fixture
    assert main(["explore", str(spec), "--format", "json", "--out", str(tmp_path)]) == 1
    report = json.loads(capsys.readouterr().out)
    [failed] = [p for p in report["properties"] if p["id"] == f"invariant {invariant}"]
    assert not failed["holds"]
    counterexample = failed["counterexample"]
    assert counterexample["steps"] <= 4  # breadth-first: nothing shorter breaks it
    assert main(["simulate", str(spec), counterexample["scenario_file"]]) == 1
    out = capsys.readouterr().out
    assert f"violated: {invariant}" in out


def test_attacks_start_everywhere_the_member_goes_and_a_members_screen_refuses_the_attacker(
    ana: Spec, tmp_path: Path
) -> None:
    """Attacks start from every situation the member reaches, screens included. The reset form
    is the member's session: without that, an attacker holding nothing would submit it."""
    from credlab.model.loader import load_spec
    from credlab.simulator.analysis.attacker import attacks

    engine = Engine(ana)
    analysis = attacks(engine, Explorer(engine).explore())
    assert analysis.attacks and all(attack.capabilities for attack in analysis.attacks)  # each needs something
    assert analysis.undecided == []

    text = ANA_SPEC.read_text(encoding="utf-8")
    assert text.count("    session: true\n") == 4
    (tmp_path / ANA_SPEC.name).write_text(text.replace("    session: true\n", ""), encoding="utf-8")
    policy = ANA_SPEC.with_suffix(".policy.txt")
    (tmp_path / policy.name).write_text(policy.read_text(encoding="utf-8"), encoding="utf-8")
    sessionless = Engine(load_spec(tmp_path / ANA_SPEC.name))
    free = [a for a in attacks(sessionless, Explorer(sessionless).explore()).attacks if not a.capabilities]
    assert {(a.goal, a.start.state) for a in free} == {
        ("online access", "reset_form"),
        ("service-desk access", "reset_form"),
        ("takeover", "reset_form"),  # submitting the member's open form with values of the attacker's
    }
    assert free[0].moves is not None and [m.event for m in free[0].moves] == ["submit_reset"]
