"""Capability events and dead ends: a member who loses what the policy's way back needs.

A capability event (``loses:`` / ``gains:``) changes what an actor holds, never the policy's
state. Stories fire it; the fuzzer fires the member's own; exploration keeps everything and the
dead-end analysis fires the losses, smallest sets first (one the member can undo, undone).
``three_tries.yaml`` is a card whose third wrong PIN keeps it, a new card and PIN coming by post:
a holder who moves house while it travels never learns the new PIN.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from credlab.model.engine import Engine
from credlab.model.loader import load_spec
from credlab.model.machine import compile_spec
from credlab.simulator import api
from credlab.simulator.analysis.dead_end import dead_ends, losses
from credlab.simulator.analysis.fuzz import fuzzed_events
from credlab.simulator.analysis.shortest import member_exploration
from credlab.simulator.cli.main import main
from credlab.simulator.results import ExploreReport, Finding
from tests.conftest import REPO

ANA = REPO / "spec" / "ana_web_password.yaml"
THREE_TRIES = REPO / "tests" / "simulator" / "fixtures" / "findings" / "three_tries.yaml"
MOVED = """  moved:
    description: The holder moves house; post to the old address no longer reaches them.
    loses: home
    source: replacement
"""
MOVED_BACK = """  new_address_registered:
    description: The holder tells the bank the new address.
    gains: home
    source: replacement
"""


def dead(report: ExploreReport) -> list[Finding]:
    return [f for f in report.findings if f.kind == "dead_end"]


def card_with(tmp_path: Path, *events: str) -> Path:
    """three_tries.yaml with ``events`` (YAML text) added to its events."""
    shutil.copy(THREE_TRIES.with_suffix(".policy.txt"), tmp_path)
    text = THREE_TRIES.read_text(encoding="utf-8")
    marker = "events:\n"
    assert marker in text
    spec = tmp_path / THREE_TRIES.name
    spec.write_text(text.replace(marker, marker + "".join(events), 1), encoding="utf-8")
    return spec


def story(path: str | None) -> dict[str, object]:
    assert path is not None
    [scenario] = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["scenarios"]
    return dict(scenario)


def test_ana_member_who_loses_both_addresses_while_the_postcard_travels_has_no_way_back(tmp_path: Path) -> None:
    report = api.explore(ANA, out=tmp_path)
    [finding] = dead(report)
    details = dict(finding.details)
    assert details["lost"] == ["mailbox", "postal_address"]  # either alone leaves the other way back
    assert details["events"] == ["mailbox_lost", "postal_address_lost"]
    assert details["state"] == "pin_randomized"
    assert finding.failing and finding.severity == "high"
    assert "registered_addresses_can_be_lost" in finding.assumes
    assert {"postcard_request", "email_reset_request"} <= set(finding.sources)
    assert "pin_postcard, on its way, goes to the postal_address they lost" in finding.message
    assert main(["simulate", str(ANA), str(finding.scenario_file)]) == 0
    steps = story(finding.scenario_file)["steps"]
    assert isinstance(steps, list)
    assert [s["do"] for s in steps[:3]] == ["request_postcard_reset", "mailbox_lost", "postal_address_lost"]
    assert all(s["expect"] == {"accepted": False} for s in steps[3:]) and len(steps) == 6  # web, phone, kiosk


def test_moving_house_while_a_new_card_travels_is_a_dead_end(tmp_path: Path) -> None:
    spec = card_with(tmp_path, MOVED)
    report = api.explore(spec, out=tmp_path / "out")
    [finding] = dead(report)
    assert dict(finding.details)["lost"] == ["home"] and dict(finding.details)["state"] == "kept"
    assert main(["simulate", str(spec), str(finding.scenario_file)]) == 0
    assert main(["check", str(spec), "-o", str(tmp_path / "check")]) == 1  # an unaccepted risk fails the check


def test_a_loss_the_member_can_undo_is_no_dead_end(tmp_path: Path) -> None:
    spec = card_with(tmp_path, MOVED, MOVED_BACK)
    lost, regained = losses(load_spec(spec), "holder")
    assert [e.name for e in lost] == ["moved"] and regained == {"home"}
    assert not dead(api.explore(spec, out=tmp_path / "out"))


def test_without_capability_events_nothing_is_lost(tmp_path: Path) -> None:
    assert not dead(api.explore(THREE_TRIES, out=tmp_path))


def test_a_search_stopped_by_its_bound_decides_nothing() -> None:
    engine = Engine(load_spec(ANA))
    explorer, found = member_exploration(engine, 200_000, None)
    bounded = dead_ends(explorer, found, max_states=100)
    assert bounded.found == [] and len(bounded.undecided) == 3  # each loss set, none decided
    assert all(searched <= 100 for _, searched in bounded.undecided)


def test_the_fuzzer_fires_the_members_own_capability_events() -> None:
    compiled = compile_spec(load_spec(ANA))
    events = fuzzed_events(compiled, "member")
    assert events[-2:] == ["mailbox_lost", "postal_address_lost"]
    assert "reset_link_expired" not in events


def test_a_capability_event_is_its_actors_to_fire(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "wrong_actor.yaml"
    scenario.write_text(
        "credlab_scenarios: 1\nspec: ana_web_password\nscenarios:\n  - name: attacker_loses_the_mailbox\n"
        "    given: {state: unregistered}\n    steps:\n      - do: mailbox_lost\n        as: attacker\n",
        encoding="utf-8",
    )
    assert main(["simulate", str(ANA), str(scenario)]) == 2
    err = capsys.readouterr().err
    assert f"{scenario}:8:13: error: 'mailbox_lost' changes what member holds: it is theirs, not attacker's" in err


def test_a_lost_capability_refuses_what_needs_it_until_it_is_regained(tmp_path: Path) -> None:
    spec = card_with(tmp_path, "  card_lost:\n    loses: card\n", "  card_found:\n    gains: card\n")
    scenario = tmp_path / "lost_card.yaml"
    scenario.write_text(
        "credlab_scenarios: 1\nspec: three_tries\nscenarios:\n  - name: lost_and_found\n"
        "    given: {state: active}\n    steps:\n"
        "      - {do: card_lost, expect: {accepted: true, state: active}}\n"
        "      - {do: card_lost, expect: {accepted: false}}\n"
        "      - {do: change_pin, with: {old_pin: {known: pin}, new_pin: '1357'}, expect: {accepted: false}}\n"
        "      - {do: card_found, expect: {accepted: true}}\n"
        "      - {do: change_pin, with: {old_pin: {known: pin}, new_pin: '1357'}, expect: {accepted: true}}\n",
        encoding="utf-8",
    )
    assert main(["simulate", str(spec), str(scenario)]) == 0


def test_an_actor_cannot_lose_what_it_never_held(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = card_with(tmp_path, "  pickpocketed:\n    loses: card\n    actor: thief\n")
    assert main(["validate", str(spec)]) == 2
    assert "event 'pickpocketed': actor 'thief' does not hold 'card' to lose it" in capsys.readouterr().out


def test_diagrams_list_capability_events_in_the_legend(tmp_path: Path) -> None:
    assert main(["diagram", str(ANA), "-o", str(tmp_path), "--formats", "dot,mmd"]) == 0
    dot = (tmp_path / "ana_web_password.dot").read_text(encoding="utf-8")
    mermaid = (tmp_path / "ana_web_password.mmd").read_text(encoding="utf-8")
    for text in (dot, mermaid):
        assert "mailbox_lost (member loses mailbox)" in text
        assert "postal_address_lost (member loses postal_address)" in text
