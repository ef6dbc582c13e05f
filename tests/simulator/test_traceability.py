"""The traceability matrix blames a failing story only on the sentences it fails on."""

from __future__ import annotations

from pathlib import Path

from credlab.model import ir
from credlab.model.machine import compile_spec
from credlab.simulator.analysis.traceability import implicated, traceability
from credlab.simulator.results import ExploreReport
from credlab.simulator.stories.library import stories_of
from credlab.simulator.stories.runner import ScenarioResult, run_scenario
from credlab.simulator.stories.scenario import load_scenarios

STORY = """\
credlab_scenarios: 1
spec: ana_web_password
scenarios:
  - name: {name}
    description: Log in with the PIN, then register; {what}.
    given: {{state: unregistered}}
    steps:
      - do: login
        with: {{secret: {{known: amc_pin}}}}
        expect: {{state: registration_screen}}
      - do: register
        with: {{pin: {{known: amc_pin}}, new_password: "{password}"}}
        expect: {{state: {state}}}
"""


def run(ana: ir.Spec, tmp_path: Path, name: str, what: str, password: str, state: str) -> ScenarioResult:
    path = tmp_path / f"{name}.yaml"
    path.write_text(STORY.format(name=name, what=what, password=password, state=state), encoding="utf-8")
    [story] = load_scenarios(path, ana)
    result = run_scenario(compile_spec(ana), story)
    assert not result.passed and result.failure is not None and result.failure.step == 2
    return result


def fired_at(result: ScenarioResult, step: int) -> set[str]:
    return {e["transition"] for e in result.trace if e.get("step") == step and e.get("transition")}


def sources_of(ana: ir.Spec, transitions: set[str]) -> set[str]:
    return {s for t in ana.transitions if t.id in transitions for s in t.sources}


def test_a_story_failing_at_a_transition_is_blamed_on_that_transitions_sentences_only(
    ana: ir.Spec, tmp_path: Path
) -> None:
    result = run(ana, tmp_path, "wrong_end_state", "it expects the wrong state", "Sakura2024", "unregistered")
    failing_step, passed_step = sources_of(ana, fired_at(result, 2)), sources_of(ana, fired_at(result, 1))
    assert failing_step and passed_step - failing_step  # the first step cites sentences the second does not
    assert implicated(ana, result) == failing_step
    nothing_explored = ExploreReport(ana.path, "", 0, 0, 0.0, True, (), ())
    rows = {r.source: r for r in traceability(ana, stories_of(ana, {}, [result]), nothing_explored)}
    assert all(rows[s].status == "failing" for s in failing_step)
    assert all(rows[s].status == "exercised" for s in passed_step - failing_step)
    assert all("wrong_end_state" in rows[s].scenarios for s in passed_step)  # still listed as exercising


def test_a_failure_that_points_at_no_transition_blames_everything_its_story_fired(ana: ir.Spec, tmp_path: Path) -> None:
    """A refused registration (the password breaks the policy) fires nothing at the failing step."""
    result = run(ana, tmp_path, "refused", "its password is too short", "Sak1", "web_password_set")
    assert fired_at(result, 2) == set()
    assert implicated(ana, result) == sources_of(ana, result.transitions)


REFUSAL = """\
credlab_scenarios: 1
spec: ana_web_password
scenarios:
  - name: refused_short
    description: A 7-character password is refused, and nothing else happens.
    given: {state: registration_screen}
    steps:
      - do: register
        with: {pin: {known: amc_pin}, new_password: Sakura1}
        expect: {accepted: false, broke: [length]}
"""


def test_a_story_that_shows_a_rule_refusing_exercises_that_rules_sentences(ana: ir.Spec, tmp_path: Path) -> None:
    """``broke: [rule]`` proves the rule's sentence as much as a fired transition proves its own."""
    path = tmp_path / "refusal.yaml"
    path.write_text(REFUSAL, encoding="utf-8")
    [story] = load_scenarios(path, ana)
    result = run_scenario(compile_spec(ana), story)
    assert result.passed and not result.transitions, result.failure  # nothing fired: only the refusal counts
    length = next(r for r in ana.policies["web_password"].rules if r.id == "length")
    assert length.sources
    nothing_explored = ExploreReport(ana.path, "", 0, 0, 0.0, True, (), ())
    rows = {r.source: r for r in traceability(ana, stories_of(ana, {}, [result]), nothing_explored)}
    assert all(rows[s].scenarios == ("refused_short",) and rows[s].status == "exercised" for s in length.sources)
