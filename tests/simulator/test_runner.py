"""The scenario runner: stories played on the compiled machine, a virtual clock and a seed.

What a story's author relies on: the run stops at the *first* divergence and says which step
(number and ``file:line``), what was expected, what happened, and the last lines of the trace;
the spec's invariants are checked after every step, not just at the end; secret references
resolve to what the acting actor knows; the clock lands exactly on a deadline's limit; an actor
without a capability is refused; and traces are redacted, reproducible JSON Lines.

The stories are fixture files under ``fixtures/`` (named ``*.scenario`` so that the credlab
pytest plugin does not collect these deliberately failing stories). A step a test expects to
diverge carries the comment ``# diverges here`` (or ``# breaks ...``), and :func:`marked_step`
finds its location from that comment, so no line number is hard-coded.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from credlab.model.errors import Location
from credlab.model.ir import Spec
from credlab.model.loader import load_spec
from credlab.model.machine import compile_spec
from credlab.simulator.cli.main import main
from credlab.simulator.stories.runner import ScenarioResult, ScenarioRun, run_scenario
from credlab.simulator.stories.scenario import Scenario, SecretRef, load_scenarios
from credlab.simulator.stories.trace import KINDS, REDACTED, read_trace
from tests.conftest import ANA_SPEC

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RUNNER = FIXTURES / "runner"
LAB = FIXTURES / "invariant_lab"
LAB_SPEC = LAB / "invariant_lab.yaml"
LAB_STORIES = LAB / "stories.scenario"


def scenario(path: Path, name: str, spec: Spec) -> Scenario:
    by_name = {s.name: s for s in load_scenarios(path, spec)}
    return by_name[name]


def run(path: Path, name: str, spec: Spec, *, seed: int = 0, overrides: dict[str, int] | None = None) -> ScenarioResult:
    return run_scenario(compile_spec(spec, overrides), scenario(path, name, spec), seed)


def marked_step(path: Path, name: str, marker: str = "# diverges here") -> Location:
    """Where the step carrying ``marker`` in scenario ``name`` starts (its first key, after ``- ``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip() == f"- name: {name}")
    number = next(i for i in range(first + 1, len(lines)) if marker in lines[i])
    return Location(str(path), number + 1, lines[number].index("- ") + 3)


def records(result: ScenarioResult, kind: str | None = None) -> list[dict[str, Any]]:
    return [r for r in result.trace if kind is None or r["kind"] == kind]


@pytest.fixture(scope="module")
def lab() -> Spec:
    return load_spec(LAB_SPEC)


# --- the first divergence ---------------------------------------------------------------------------
DIVERGENCE = RUNNER / "divergence.scenario"
PIN_AFTER_REGISTERING = "expects_the_pin_to_open_the_website_after_registering"


def test_the_first_divergence_names_the_step_its_line_and_what_differed(ana: Spec) -> None:
    result = run(DIVERGENCE, PIN_AFTER_REGISTERING, ana)
    assert not result.passed and result.failure is not None
    failure = result.failure
    assert failure.step == 6
    assert failure.location == marked_step(DIVERGENCE, PIN_AFTER_REGISTERING)
    assert failure.expected == "accepted"
    assert failure.actual == "refused (login_with_web_password: 'secret authenticates on web' does not hold)"


def test_the_divergence_message_starts_with_file_line_step_expected_and_got(ana: Spec) -> None:
    failure = run(DIVERGENCE, PIN_AFTER_REGISTERING, ana).failure
    assert failure is not None
    where = marked_step(DIVERGENCE, PIN_AFTER_REGISTERING)
    first, *rest = failure.message().splitlines()
    assert first == (
        f"{where.path}:{where.line}:{where.column}: step 6: expected accepted; "
        "got refused (login_with_web_password: 'secret authenticates on web' does not hold)"
    )
    assert rest[0] == "  last steps:"
    assert [line.strip() for line in rest[1:]] == list(failure.recent)


def test_the_divergence_shows_the_last_four_trace_lines_ending_with_the_failing_step(ana: Spec) -> None:
    failure = run(DIVERGENCE, PIN_AFTER_REGISTERING, ana).failure
    assert failure is not None
    assert len(failure.recent) == 4
    assert failure.recent[0] == "#3 login(secret=the known web_password) in web_password_set -> web_password_set"
    assert failure.recent[1].startswith("#4 authenticate(channel=kiosk, secret=the known amc_pin)")
    assert failure.recent[2].startswith("#5 authenticate(channel=call_centre, secret=the known amc_pin)")
    assert failure.recent[3] == (
        "#6 login(secret=the known amc_pin) in web_password_set "
        "refused: login_with_web_password: 'secret authenticates on web' does not hold"
    )


def test_a_divergence_at_the_first_step_shows_the_start_and_that_step(ana: Spec) -> None:
    failure = run(DIVERGENCE, "diverges_at_the_first_step", ana).failure
    assert failure is not None
    assert (failure.step, failure.expected, failure.actual) == (
        1,
        "state web_password_set",
        "state registration_screen",
    )
    assert failure.location == marked_step(DIVERGENCE, "diverges_at_the_first_step")
    assert failure.recent == (
        "start in unregistered",
        "#1 login(secret=the known amc_pin) in unregistered -> registration_screen",
    )


def test_a_story_stops_at_its_first_divergence(ana: Spec) -> None:
    result = run(DIVERGENCE, PIN_AFTER_REGISTERING, ana)
    assert result.steps_run == 5  # the steps that matched
    events = [r["event"] for r in records(result, "event")]
    assert events == ["login", "register", "login", "authenticate", "authenticate", "login"]
    assert "request_postcard_reset" not in events


EXPECTATIONS = RUNNER / "expectations.scenario"
EXPECTATION_KINDS = [
    ("state", 1, "state first_time_information", "state registration_screen"),
    (
        "accepted",
        1,
        "accepted",
        "refused (login_shows_information_page: 'secret authenticates on web' does not hold; "
        "login_shows_registration_screen: 'secret authenticates on web' does not hold)",
    ),
    ("transition", 1, "transition login_shows_registration_screen", "transition login_shows_information_page"),
    ("broke", 2, "broken rules [length, letters_and_digits]", "[length]"),
    ("failed_guard", 2, "refusal by guard 'new_password satisfies web_password'", "guards ['pin matches amc_pin']"),
    ("received", 1, "received [pin_postcard]", "[reset_email]"),
    ("access", 2, "web to accept [amc_pin, web_password]", "[web_password]"),
    ("credentials", 1, "web_password set", "web_password unset"),
    ("flags", 1, "flag pin_change_offered true", "false"),
]


@pytest.mark.parametrize(
    ("name", "step", "expected", "actual"), EXPECTATION_KINDS, ids=[k[0] for k in EXPECTATION_KINDS]
)
def test_each_kind_of_expectation_is_checked(ana: Spec, name: str, step: int, expected: str, actual: str) -> None:
    failure = run(EXPECTATIONS, name, ana).failure
    assert failure is not None, f"the story '{name}' should diverge: its expectation is false"
    assert (failure.step, failure.expected, failure.actual) == (step, expected, actual)
    assert failure.location == marked_step(EXPECTATIONS, name)


def test_a_story_whose_every_expectation_holds_passes(ana: Spec) -> None:
    result = run(EXPECTATIONS, "every_expectation_holds", ana)
    assert result.failure is None and result.passed and result.steps_run == 5  # the postcard takes a day


# --- invariants, after every step -------------------------------------------------------------------
def test_a_fixture_spec_whose_invariant_holds_runs_clean(lab: Spec) -> None:
    assert run(LAB_STORIES, "keeps_a_pin", lab).passed


def test_an_invariant_broken_by_an_event_is_caught_at_that_step_even_if_a_later_step_repairs_it(lab: Spec) -> None:
    result = run(LAB_STORIES, "forgets_then_restores_the_pin", lab)
    assert result.failure is not None
    assert result.failure.step == 2
    assert result.failure.location == marked_step(LAB_STORIES, "forgets_then_restores_the_pin", "# breaks")
    assert result.failure.expected == "every invariant to hold"
    assert result.failure.actual == "violated: pin_always_set (The holder always has a PIN.)"
    assert result.steps_run == 1


def test_an_invariant_broken_while_the_clock_moves_is_caught_at_the_advance_step(lab: Spec) -> None:
    result = run(LAB_STORIES, "the_clock_erases_the_pin", lab)
    assert result.failure is not None
    assert result.failure.step == 2
    assert result.failure.location == marked_step(LAB_STORIES, "the_clock_erases_the_pin", "# breaks")
    assert result.failure.actual == "violated: pin_always_set (The holder always has a PIN.)"
    assert result.failure.recent[-1] == "#2 block_ends() in blocked -> active"  # the expiry the advance fired


# --- secret references -------------------------------------------------------------------------------
SECRETS = RUNNER / "secrets.scenario"


@pytest.mark.parametrize(
    "name",
    [
        "known_is_the_latest_value_the_member_set",
        "known_follows_the_postcard",
        "mailed_is_the_pin_on_the_postcard",
        "previous_is_the_value_before_the_latest",
        "wrong_is_refused_but_policy_valid",
    ],
)
def test_secret_references_resolve_to_what_the_actor_knows(ana: Spec, name: str) -> None:
    result = run(SECRETS, name, ana)
    assert result.failure is None, result.failure and result.failure.message()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("missing_mailed_before_any_postcard", "member to know the mailed amc_pin"),
        ("missing_previous_with_one_value", "member to know the previous amc_pin"),
    ],
)
def test_a_reference_to_something_the_actor_never_learned_diverges(ana: Spec, name: str, expected: str) -> None:
    failure = run(SECRETS, name, ana).failure
    assert failure is not None
    assert (failure.step, failure.expected, failure.actual) == (1, expected, "they know none")
    assert failure.location == marked_step(SECRETS, name)


def test_a_wrong_value_is_never_the_current_one_whatever_the_seed(ana: Spec) -> None:
    for seed in range(20):
        result = run(SECRETS, "wrong_is_refused_but_policy_valid", ana, seed=seed)
        assert result.passed, (seed, result.failure and result.failure.message())


# --- the mailed PIN and the seed ------------------------------------------------------------------------
def mailed_pin(ana: Spec, seed: int) -> str:
    """The PIN the postcard brought the member in ``mailed_is_the_pin_on_the_postcard`` under ``seed``."""
    runner = ScenarioRun(compile_spec(ana), scenario(SECRETS, "mailed_is_the_pin_on_the_postcard", ana), seed)
    assert runner.run().passed
    pin = runner.knowledge["member"].resolve("mailed", "amc_pin")
    assert pin is not None
    return pin


@pytest.mark.parametrize("seed", [0, 1, 2, 7, 42, 2**31])
def test_logging_in_with_the_mailed_pin_works_for_any_seed(ana: Spec, seed: int) -> None:
    for name in ("mailed_is_the_pin_on_the_postcard", "known_follows_the_postcard"):
        result = run(SECRETS, name, ana, seed=seed)
        assert result.passed, (name, result.failure and result.failure.message())


def test_the_mailed_pin_is_reproducible_from_the_seed_and_differs_across_seeds(ana: Spec) -> None:
    pins = {seed: mailed_pin(ana, seed) for seed in range(8)}
    assert all(len(pin) == 4 and pin.isdigit() for pin in pins.values())
    assert {seed: mailed_pin(ana, seed) for seed in range(8)} == pins  # same seed, same PIN
    assert len(set(pins.values())) > 1, pins  # the seed matters


def test_a_literal_mailed_pin_opens_the_kiosk_only_under_its_own_seed(tmp_path: Path, ana: Spec) -> None:
    """Proof by outcome: the PIN drawn under seed A, typed literally, works under A and not under B."""
    seed_a = 0
    pin_a = mailed_pin(ana, seed_a)
    seed_b = next(s for s in range(1, 100) if mailed_pin(ana, s) != pin_a)
    path = tmp_path / "literal.yaml"
    path.write_text(
        "credlab_scenarios: 1\nspec: ana_web_password\nscenarios:\n"
        "  - name: types_the_postcard_pin\n"
        '    given: {credentials: {amc_pin: "0123"}}\n'
        "    steps:\n"
        "      - do: request_postcard_reset\n"
        "        with: {identified: true}\n"
        "      - do: authenticate\n"
        f'        with: {{channel: kiosk, secret: "{pin_a}"}}\n'
        "        expect: {accepted: true}\n",
        encoding="utf-8",
    )
    assert run(path, "types_the_postcard_pin", ana, seed=seed_a).passed
    failure = run(path, "types_the_postcard_pin", ana, seed=seed_b).failure
    assert failure is not None and failure.step == 2 and failure.expected == "accepted"


# --- the clock ------------------------------------------------------------------------------------------
CLOCK = RUNNER / "clock.scenario"
TTL = 2 * 3600


@pytest.mark.parametrize(
    "name",
    [
        "one_second_before_the_limit_the_link_works",
        "at_the_limit_the_link_has_expired",
        "the_link_expires_one_second_after_the_offset",
        "advancing_by_the_parameter_reaches_the_limit",
        "an_hour_later_the_link_still_works",
    ],
)
def test_clock_stories_pass(ana: Spec, name: str) -> None:
    result = run(CLOCK, name, ana)
    assert result.failure is None, result.failure.message() if result.failure else ""


def test_advancing_until_a_deadline_lands_exactly_on_its_limit(ana: Spec) -> None:
    result = run(CLOCK, "at_the_limit_the_link_has_expired", ana)
    [advance] = records(result, "advance")
    assert (advance["time"], advance["by"]) == (TTL, "2h")
    [expiry] = records(result, "expiry")
    assert (expiry["time"], expiry["event"], expiry["transition"]) == (
        TTL,
        "reset_link_expired",
        "link_expires_unregistered",
    )


def test_an_offset_stops_short_of_the_limit(ana: Spec) -> None:
    result = run(CLOCK, "one_second_before_the_limit_the_link_works", ana)
    [advance] = records(result, "advance")
    assert (advance["time"], advance["by"]) == (TTL - 1, "1h59m59s")
    assert records(result, "expiry") == []


def test_until_follows_the_parameter_setting(ana: Spec) -> None:
    result = run(CLOCK, "at_the_limit_the_link_has_expired", ana, overrides={"reset_link_ttl": 1800})
    assert result.passed
    [advance] = records(result, "advance")
    assert (advance["time"], advance["by"]) == (1800, "30m")
    assert result.trace[0]["parameters"] == {
        "reset_link_ttl": "30m",
        "postcard_delivery_min": "1d",
        "postcard_delivery_max": "7d",
    }


def test_advancing_by_a_parameter_moves_the_clock_by_its_value(ana: Spec) -> None:
    result = run(CLOCK, "advancing_by_the_parameter_reaches_the_limit", ana, overrides={"reset_link_ttl": 1800})
    assert result.passed
    assert [a["by"] for a in records(result, "advance")] == ["10m", "30m"]
    assert records(result, "expiry")[0]["time"] == 600 + 1800  # the second request restarted the link


def test_advancing_until_a_deadline_that_is_not_running_diverges(ana: Spec) -> None:
    failure = run(CLOCK, "until_a_deadline_that_is_not_running", ana).failure
    assert failure is not None
    assert (failure.step, failure.expected, failure.actual) == (
        1,
        "deadline 'reset_link' to be running",
        "it is not running",
    )
    assert failure.location == marked_step(CLOCK, "until_a_deadline_that_is_not_running")


def test_the_clock_never_moves_back(ana: Spec) -> None:
    failure = run(CLOCK, "until_a_limit_already_passed", ana).failure
    assert failure is not None
    assert (failure.step, failure.expected, failure.actual) == (4, "a time at or after now (3h)", "a time in the past")


def test_the_last_steps_of_a_divergence_are_numbered_as_the_story_steps(ana: Spec) -> None:
    """An expiry fired during step 2 must not shift the numbers: the divergence is at step 3, so
    the line of the failing event in 'last steps' is #3 and no line claims a later step."""
    failure = run(CLOCK, "opens_the_link_after_it_expired", ana).failure
    assert failure is not None and failure.step == 3
    assert failure.recent[-1].startswith("#3 open_reset_link() in unregistered refused"), failure.message()
    numbers = [int(m.group(1)) for line in failure.recent if (m := re.match(r"#(\d+)", line))]
    assert max(numbers) == failure.step, failure.message()


# --- actors -----------------------------------------------------------------------------------------------
ACTORS = RUNNER / "actors.scenario"


@pytest.mark.parametrize(
    "name",
    [
        "the_member_may_request_a_reset",
        "an_attacker_without_identity_is_refused",
        "an_attacker_without_the_mailbox_cannot_open_the_link",
        "the_attacker_acts_throughout",
    ],
)
def test_actors_act_only_with_the_capabilities_they_have(ana: Spec, name: str) -> None:
    result = run(ACTORS, name, ana)
    assert result.failure is None, result.failure.message() if result.failure else ""


def test_a_refusal_for_a_missing_capability_says_which(ana: Spec) -> None:
    result = run(ACTORS, "expects_the_attacker_to_request_a_reset", ana)
    assert result.failure is not None
    assert (result.failure.expected, result.failure.actual) == ("accepted", "refused (attacker lacks identity)")
    [event] = records(result, "event")
    assert event["accepted"] is False and event["transition"] is None and event["reason"] == "attacker lacks identity"
    assert event["target"] == "unregistered"


def test_the_attacker_does_not_know_the_member_secrets(ana: Spec) -> None:
    failure = run(ACTORS, "the_attacker_does_not_know_the_member_pin", ana).failure
    assert failure is not None
    assert (failure.expected, failure.actual) == ("attacker to know the known amc_pin", "they know none")


# --- traces -----------------------------------------------------------------------------------------------
ANA_FIXTURES = sorted(RUNNER.glob("*.scenario"))


def trace_run(out: Path, *extra: str, seed: int = 0) -> dict[str, bytes]:
    """Run every runner fixture with ``--trace-dir out``; the trace files by relative path."""
    code = main(
        ["simulate", str(ANA_SPEC), *map(str, ANA_FIXTURES), "--trace-dir", str(out), "--seed", str(seed), *extra]
    )
    assert code == 1  # the fixtures hold failing stories on purpose
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_every_scenario_gets_a_json_lines_trace_that_starts_with_a_start_record(
    tmp_path: Path, ana: Spec, capsys: pytest.CaptureFixture[str]
) -> None:
    traces = trace_run(tmp_path / "traces")
    capsys.readouterr()

    def relative(path: Path) -> Path:
        return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path.relative_to(path.anchor)

    expected_files = {
        f"ana_web_password/{relative(path).with_suffix('')}/{s.name}.jsonl"
        for path in ANA_FIXTURES
        for s in load_scenarios(path, ana)
    }
    assert set(traces) == expected_files
    for name, data in traces.items():
        lines = data.decode("utf-8").splitlines()
        parsed = [json.loads(line) for line in lines]
        assert all(isinstance(r, dict) and r["kind"] in KINDS for r in parsed), name
        start = parsed[0]
        assert start["kind"] == "start" and start["spec"] == "ana_web_password", name
        assert start["run"] == Path(name).stem and start["time"] == 0 and start["seed"] == 0
        assert start["parameters"] == {
            "reset_link_ttl": "2h",
            "postcard_delivery_min": "1d",
            "postcard_delivery_max": "7d",
        }
        steps = [r["step"] for r in parsed[1:]]
        assert steps == sorted(steps) and steps[:1] in ([], [1]), name  # expiries share their advance's step
        assert read_trace(tmp_path / "traces" / name) == parsed


def test_the_same_seed_gives_byte_identical_traces(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = trace_run(tmp_path / "one", seed=5)
    second = trace_run(tmp_path / "two", seed=5)
    capsys.readouterr()
    assert first == second


def test_stories_in_same_named_files_of_different_folders_each_keep_their_trace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """scenarios/a/stories.yaml and scenarios/b/stories.yaml may tell stories of the same name."""
    stories = tmp_path / "stories"
    for folder in ("a", "b"):
        (stories / folder).mkdir(parents=True)
        (stories / folder / "stories.yaml").write_bytes((RUNNER / "actors.scenario").read_bytes())
    assert main(["simulate", str(ANA_SPEC), str(stories), "--trace-dir", str(tmp_path / "traces")]) == 1
    capsys.readouterr()
    ran = 2 * len(load_scenarios(RUNNER / "actors.scenario", load_spec(ANA_SPEC)))
    assert len(list((tmp_path / "traces").rglob("*.jsonl"))) == ran


def literal_secrets(stories: list[Scenario], spec: Spec) -> set[str]:
    """Every secret a story writes out: starting credentials and literal values of secret inputs."""
    found = {value for story in stories for _, value in story.given.credentials}
    for story in stories:
        for step in story.steps:
            if step.event is None:
                continue
            event = spec.events[step.event]
            for name, value in step.inputs:
                declared = event.input(name)
                if declared is not None and declared.type == "secret" and isinstance(value, str):
                    found.add(value)
    return found


def test_traces_never_hold_a_literal_secret_a_story_wrote(tmp_path: Path, ana: Spec, lab: Spec) -> None:
    assert main(["simulate", str(ANA_SPEC), *map(str, ANA_FIXTURES), "--trace-dir", str(tmp_path)]) == 1
    assert main(["simulate", str(LAB_SPEC), str(LAB_STORIES), "--trace-dir", str(tmp_path)]) == 1
    secrets = literal_secrets([s for p in ANA_FIXTURES for s in load_scenarios(p, ana)], ana)
    secrets |= literal_secrets(load_scenarios(LAB_STORIES, lab), lab)
    assert {"0123", "Sakura2024", "Momiji2025", "short1", "1234", "4321", "5678"} <= secrets  # the scan is real
    texts = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.rglob("*.jsonl")}
    assert len(texts) > 20
    leaks = [(name, secret) for name, text in texts.items() for secret in secrets if secret in text]
    assert leaks == []


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings_in(v))]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


@pytest.mark.parametrize("seed", [0, 3])
def test_traces_never_hold_a_secret_the_actors_learned(ana: Spec, seed: int) -> None:
    """Random starting PINs, postcard PINs and passwords set: none is in any string of a trace."""
    for path in ANA_FIXTURES:
        for story in load_scenarios(path, ana):
            runner = ScenarioRun(compile_spec(ana), story, seed)
            result = runner.run()
            learned = set(runner.initial_values.values()) | {
                value
                for knowledge in runner.knowledge.values()
                for _, values in (*knowledge.known, *knowledge.mailed)
                for value in values
            }
            assert learned, story.name  # every story starts with a PIN
            text = [s for record in result.trace for s in strings_in(record)]
            leaks = [(story.name, value) for value in learned for s in text if value in s]
            assert leaks == []


def test_secret_inputs_are_shown_as_their_reference_or_redacted(ana: Spec) -> None:
    result = run(SECRETS, "previous_is_the_value_before_the_latest", ana)
    inputs = [r["inputs"] for r in records(result, "event")]
    assert inputs[2] == {"channel": "call_centre", "secret": "the previous amc_pin"}
    assert inputs[3] == {"channel": "call_centre", "secret": REDACTED}
    assert inputs[:2] == [{"identified": True}, {}]  # the request, then the postcard's arrival


def test_references_in_a_loaded_story_are_kept_as_references(ana: Spec) -> None:
    story = scenario(SECRETS, "mailed_is_the_pin_on_the_postcard", ana)
    assert dict(story.steps[3].inputs) == {"secret": SecretRef("mailed", "amc_pin")}  # after the arrival


# --- the untraced run the fuzzer uses -------------------------------------------------------------------
def test_an_untraced_run_reaches_the_same_verdict_at_the_same_step(ana: Spec) -> None:
    """``trace=False`` (the fuzzer's inner loop) keeps only the start entry, and changes nothing else:
    over the ANA library and the runner's divergence fixtures, in lock-step with the reference engine."""
    from credlab.model.engine import Engine
    from credlab.simulator.stories.scenario import scenario_files

    engine = Engine(ana)
    library = scenario_files([ANA_SPEC.parent.parent / "scenarios" / "ana_web_password", DIVERGENCE, SECRETS])
    stories = [s for path in library for s in load_scenarios(path, ana)]
    assert len(stories) > 100
    for story in stories:
        traced = ScenarioRun(compile_spec(ana), story, 3, oracle=engine).run()
        untraced = ScenarioRun(compile_spec(ana), story, 3, oracle=engine, trace=False).run()
        assert (untraced.passed, untraced.steps_run, untraced.states, untraced.transitions) == (
            traced.passed,
            traced.steps_run,
            traced.states,
            traced.transitions,
        ), story.name
        if traced.failure is not None:
            assert untraced.failure is not None
            assert (untraced.failure.step, untraced.failure.expected) == (traced.failure.step, traced.failure.expected)
            # only where it started is kept to show: replay with a trace to explain a failure
            assert [line.split(" ")[0] for line in untraced.failure.recent] == ["start"]
        assert [entry["kind"] for entry in untraced.trace] == ["start"]


def test_a_wrong_guess_stays_the_same_while_the_credential_keeps_its_value(ana: Spec) -> None:
    runner = ScenarioRun(compile_spec(ana), scenario(SECRETS, "wrong_is_refused_but_policy_valid", ana), 0)
    member = runner.start()
    guess = runner.wrong_value(member, "amc_pin")
    assert runner.wrong_value(member, "amc_pin") == guess
    assert not compile_spec(ana).runtime.matches(member.record, "amc_pin", guess)
    member.record.credentials["amc_pin"] = compile_spec(ana).runtime.hash(guess)  # now the guess is right
    assert runner.wrong_value(member, "amc_pin") != guess
    compile_spec(ana).release(member)
