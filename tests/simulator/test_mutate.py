"""`credlab mutate`: mutants of every kind, judged by the spec's own checks, survivors explained."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from credlab.model import ir
from credlab.model.engine import Engine
from credlab.model.ir import Spec
from credlab.model.loader import load_spec
from credlab.simulator.analysis.exploration import Exploration
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.mutate import KINDS, analyse, distinguish, explain, judge, mutants
from credlab.simulator.cli.main import main
from credlab.simulator.engine.clocks import Clocks
from credlab.simulator.stories.scenario import load_scenarios
from tests.conftest import ANA_SPEC, REPO

BANK = REPO / "tests" / "model" / "good_specs" / "bank_card_pin.yaml"


def test_the_ana_spec_gets_mutants_of_every_kind(ana: Spec) -> None:
    every = list(mutants(ana))
    kinds = Counter(m.kind for m in every)
    no_end, one_secret_each = {"drop-final"}, {"drop-part", "drop-device", "reuse-codes"}  # tested below
    assert set(kinds) == set(KINDS) - no_end - one_secret_each
    assert len(every) >= 20
    assert len({m.id for m in every}) == len(every)
    assert all(m.spec is not ana and m.spec.name == ana.name for m in every)


def test_a_mutant_changes_exactly_one_element(ana: Spec) -> None:
    mutant = next(m for m in mutants(ana) if m.id == "request_postcard_reset:drop-effect:1")
    assert mutant.description == "request_postcard_reset without 'clear web_password'"
    changed = [t.id for t, u in zip(ana.transitions, mutant.spec.transitions, strict=True) if t != u]
    assert changed == ["request_postcard_reset"]


def test_a_scenario_kills_a_mutant_it_exercises(ana: Spec) -> None:
    stories = load_scenarios(REPO / "scenarios" / "ana_web_password" / "postcard_reset.yaml", ana)
    mutant = next(m for m in mutants(ana) if m.id == "request_postcard_reset:drop-effect:1")
    verdict = judge(mutant, stories, explore=False, max_states=1000)
    assert verdict.killed and verdict.by.startswith("scenario ")


def test_exploration_kills_what_an_invariant_protects(ana: Spec) -> None:
    mutant = next(m for m in mutants(ana) if m.id == "request_postcard_reset:drop-effect:1")
    verdict = judge(mutant, [], explore=True, max_states=50_000)
    assert verdict.killed and verdict.by == "explore: invariant registration_flow_has_no_web_password"


def test_an_equivalent_mutant_is_told_apart_from_one_no_story_checks() -> None:
    bank = load_spec(BANK)
    weakened = next(m for m in mutants(bank) if m.id == "card_pin.length:weaken-rule")
    assert distinguish(bank, weakened.spec) is None  # no input ever sets the PIN: the rule is never applied
    shifted = next(m for m in mutants(bank) if m.id == "activation:shift-deadline:-1s")
    witness = distinguish(bank, shifted.spec)
    assert isinstance(witness, tuple) and witness[0] == "active"
    assert [m.event for m in witness[1]][:1] == ["order_replacement"]


def test_the_cli_explains_every_survivor_and_writes_the_story_that_would_kill_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["mutate", str(BANK), "--out", str(tmp_path), "--format", "json", "--threshold", "0.5"])
    report = json.loads(capsys.readouterr().out)
    assert code == (0 if report["kill_rate"] >= 0.5 else 1)
    assert report["mutants"] == report["killed"] + len(report["survivors"])
    assert all(s["explanation"] for s in report["survivors"])
    stories = [s["scenario_file"] for s in report["survivors"] if s["scenario_file"]]
    assert stories
    for story in stories:  # every suggested story is a valid scenario file about the spec
        assert main(["simulate", str(BANK), story]) == 0
    capsys.readouterr()


def test_bad_threshold_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mutate", str(ANA_SPEC), "--threshold", "2"]) == 2
    assert "kill rate between 0 and 1" in capsys.readouterr().err


def test_a_screen_that_stops_being_a_session_is_caught_by_the_attacker_stories(ana: Spec) -> None:
    dropped = [m for m in mutants(ana) if m.kind == "drop-session"]
    assert {m.id.removesuffix(":drop-session") for m in dropped} == {n for n, s in ana.states.items() if s.session}
    stories = load_scenarios(REPO / "scenarios" / "ana_web_password" / "attacker.yaml", ana)
    for mutant in dropped:
        verdict = judge(mutant, stories, explore=False, max_states=1000)
        assert verdict.killed and verdict.by.startswith("scenario attacker_cannot_"), mutant.id
    # the equivalence search plays one actor, so a survivor is never called equivalent
    survivor = explain(judge(dropped[0], [], explore=False, max_states=1000), ana)
    assert not survivor.killed and survivor.explanation.startswith("no story has another actor act on this screen")


def test_a_message_that_arrives_at_once_is_caught_by_the_postcard_stories(ana: Spec) -> None:
    [instant] = [m for m in mutants(ana) if m.kind == "drop-delay"]
    assert (
        instant.id == "pin_postcard:drop-delay" and instant.description == "pin_postcard arrives the instant it is sent"
    )
    started = {e.deadline for t in instant.spec.transitions for e in t.effects if isinstance(e, ir.StartDeadline)}
    assert started == {"reset_link"} and instant.spec.messages["pin_postcard"].delay is None
    stories = load_scenarios(REPO / "scenarios" / "ana_web_password" / "postcard_delivery.yaml", ana)
    verdict = judge(instant, stories, explore=False, max_states=1000)
    assert verdict.killed and verdict.by == "scenario the_postcard_cannot_arrive_before_a_day"


def test_an_event_that_no_longer_needs_the_mailbox_is_caught_by_a_lost_mailbox_story(ana: Spec) -> None:
    dropped = {m.id: m for m in mutants(ana) if m.kind == "drop-requires"}
    assert set(dropped) == {
        "request_email_reset:drop-requires:identity",
        "open_reset_link:drop-requires:mailbox",
        "request_postcard_reset:drop-requires:identity",
    }
    stories = load_scenarios(REPO / "scenarios" / "ana_web_password" / "lost_addresses.yaml", ana)
    verdict = judge(dropped["open_reset_link:drop-requires:mailbox"], stories, explore=False, max_states=1000)
    assert verdict.killed and verdict.by.startswith("scenario "), verdict


def test_a_joint_search_stopped_by_its_bound_says_undecided_never_equivalent() -> None:
    from credlab.simulator.analysis.mutate import UNDECIDED

    bank = load_spec(BANK)
    weakened = next(m for m in mutants(bank) if m.id == "card_pin.length:weaken-rule")
    assert distinguish(bank, weakened.spec) is None  # the complete search: equivalent
    assert distinguish(bank, weakened.spec, max_states=3) == UNDECIDED  # three situations prove nothing


def test_the_joint_search_times_a_shifted_deadline_to_the_second(ana: Spec) -> None:
    """One zone over both sides' deadlines: the wait that tells a link living a second less apart
    is the mutant's lifetime exactly (the spec's link still works then, the mutant's has lapsed)."""
    shifted = next(m for m in mutants(ana) if m.id == "reset_link:shift-deadline:-1s")
    witness = distinguish(ana, shifted.spec)
    assert isinstance(witness, tuple)
    state, moves = witness
    assert state == "unregistered" and [m.event for m in moves] == ["request_email_reset", None]
    assert moves[-1].advance is not None and moves[-1].advance.seconds == 2 * 3600 - 1


def test_the_five_survivors_of_ana_are_equivalent_after_a_complete_joint_search(ana: Spec) -> None:
    """Each joint search ends (no bound reached) without a difference: equivalent, not unknown."""
    from credlab.simulator.analysis.mutate import UNDECIDED

    survivors = {
        "reset_to_registered:drop-guard:0",
        "link_expires_elsewhere:drop-effect:0",
    }
    for mutant in (m for m in mutants(ana) if m.id in survivors):
        assert distinguish(ana, mutant.spec) is None, mutant.id
        assert distinguish(ana, mutant.spec, max_states=100) == UNDECIDED, mutant.id


def _shape(found: Exploration) -> tuple[object, ...]:
    return (
        list(found.worlds),
        list(found.parent_of),
        [(v.property, v.description, v.node) for v in found.violations],
        sorted(found.transitions),
        found.edges,
    )


def test_a_mutant_reading_the_specs_tables_explores_as_a_fresh_one(ana: Spec) -> None:
    """Mutants differ from the spec in a table row: a mutant's explorer shares the spec's rows for
    every event its mutation leaves alone, and finds exactly what an explorer of its own finds —
    one mutant of every kind, each explored after the others have filled the shared tables."""
    spec_side = Explorer(Engine(ana))
    spec_side.explore()
    chosen = {m.kind: m for m in mutants(ana)}
    for mutant in chosen.values():
        engine = Engine(mutant.spec)
        sharing = Explorer(engine, layout=spec_side.layout.twin(mutant.spec, Clocks(engine)))
        sharing.share(spec_side)
        shared_events = [e for e in sharing.outcomes if sharing.outcomes[e] is spec_side.outcomes[e]]
        if mutant.kind in ("drop-guard", "negate-guard", "swap-target", "drop-effect"):  # one transition
            assert 0 < len(shared_events) < len(sharing.outcomes), mutant.id
        elif mutant.kind in ("shift-deadline", "weaken-rule", "drop-access", "drop-session"):  # reaches every row
            assert not shared_events, mutant.id
        assert _shape(sharing.explore()) == _shape(Explorer(Engine(mutant.spec)).explore()), mutant.id


def test_what_needs_a_device_or_two_parts_is_judged_by_the_attacker_analysis() -> None:
    card = load_spec(REPO / "spec" / "bank_card.yaml")
    [no_card] = [m for m in mutants(card) if m.kind == "drop-part"]
    assert no_card.description == "atm no longer needs card held (takes pin)"
    assert not judge(no_card, [], explore=False, max_states=50_000).killed  # no story can hold no card
    verdict = analyse(card, [], explore=True)
    by = {v.mutant.id: v for v in verdict}
    assert by[no_card.id].killed
    assert by[no_card.id].by == "attacker analysis: holding the member's pin gets service-desk access"
    totp = load_spec(REPO / "spec" / "totp_recovery.yaml")
    dropped = {m.id: m for m in mutants(totp) if m.kind in ("drop-device", "drop-part")}
    assert set(dropped) >= {"app_code:drop-device", "access:0:drop-part:app_code", "access:0:drop-part:password"}
    loose = dropped["app_code:drop-device"].spec
    assert loose.credentials["app_code"].device is None and totp.credentials["app_code"].device == "phone"


def test_single_use_codes_that_work_again_are_caught_by_a_story() -> None:
    totp = load_spec(REPO / "spec" / "totp_recovery.yaml")
    [reused] = [m for m in mutants(totp) if m.kind == "reuse-codes"]
    assert reused.description == "recovery_codes's codes are never used up"
    assert not any(isinstance(e, ir.UseCode) for t in reused.spec.transitions for e in t.effects)
    stories = load_scenarios(REPO / "scenarios" / "totp_recovery" / "sign_in.yaml", totp)
    verdict = judge(reused, stories, explore=False, max_states=1000)
    assert verdict.killed and verdict.by.startswith("scenario "), verdict
