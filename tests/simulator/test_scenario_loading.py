"""Loading scenario files: the same quality as loading specs.

A scenario file is untrusted input written by a policy analyst. Every problem in it is reported
at once, as ``path:line:col: error: message`` pointing at the offending text, with a suggestion
for a likely typo; ``credlab simulate`` exits 2 and prints no traceback. Every name a story uses
is resolved against the spec before anything runs, and values are read as written: a PIN
``0123`` stays the four characters ``0123``.

Each test writes the file it talks about, so the YAML and the expected problem sit side by side.
:func:`at` finds where a piece of that text stands, so locations are checked exactly without
hard-coded line numbers.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from credlab.model.errors import SpecError
from credlab.model.ir import Spec
from credlab.model.machine import compile_spec
from credlab.simulator.cli.main import main
from credlab.simulator.stories.runner import run_scenario
from credlab.simulator.stories.scenario import SecretRef, load_scenarios
from tests.conftest import ANA_SPEC

SPEC = str(ANA_SPEC)
HEADER = "credlab_scenarios: 1\nspec: ana_web_password\nscenarios:\n"


def write(tmp_path: Path, text: str, name: str = "stories.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def stories(tmp_path: Path, body: str, name: str = "stories.yaml") -> Path:
    """A scenario file about the ANA spec whose ``scenarios:`` list is ``body``."""
    return write(tmp_path, HEADER + textwrap.indent(textwrap.dedent(body), "  "), name)


def at(path: Path, needle: str, nth: int = 0) -> str:
    """``path:line:col`` of the ``nth`` occurrence of ``needle`` in the file (1-based, as YAML counts)."""
    text = path.read_text(encoding="utf-8")
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return f"{path}:{line}:{column}"


def problems(path: Path, spec: Spec) -> list[str]:
    """Every problem ``load_scenarios`` reports for ``path``, as printed."""
    with pytest.raises(SpecError) as raised:
        load_scenarios(path, spec)
    return [str(p) for p in raised.value.problems]


def simulate(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["simulate", *args])
    out, err = capsys.readouterr()
    return code, out, err


# --- unknown keys ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "needle", "message"),
    [
        (
            "  - name: a\n    stepz: [{do: log_out}]\n    steps: [{do: log_out}]\n",
            "stepz",
            "unknown key 'stepz' in scenario (did you mean 'steps'?)",
        ),
        (
            "  - name: a\n    given: {stat: unregistered}\n    steps: [{do: log_out}]\n",
            "stat:",
            "unknown key 'stat' in given (did you mean 'state'?)",
        ),
        (
            "  - name: a\n    steps:\n      - do: log_out\n        expct: {state: unregistered}\n",
            "expct",
            "unknown key 'expct' in step (did you mean 'expect'?)",
        ),
        (
            "  - name: a\n    steps:\n      - do: log_out\n        expect: {stat: unregistered}\n",
            "stat:",
            "unknown key 'stat' in expectation (did you mean 'state'?)",
        ),
        (
            "  - name: a\n    steps:\n      - advance: {untill: reset_link}\n",
            "untill",
            "unknown key 'untill' in advance to a deadline (did you mean 'until'?)",
        ),
        (
            "  - name: a\n    steps:\n      - do: login\n        with: {secret: {knwon: amc_pin}}\n",
            "knwon",
            "unknown secret reference 'knwon' (did you mean 'known'?); expected one of known, mailed, previous, wrong",
        ),
    ],
    ids=["scenario", "given", "step", "expectation", "advance", "secret_reference"],
)
def test_an_unknown_key_is_located_and_a_likely_typo_gets_a_suggestion(
    tmp_path: Path, ana: Spec, body: str, needle: str, message: str
) -> None:
    path = stories(tmp_path, body)
    assert problems(path, ana) == [f"{at(path, needle)}: error: {message}"]


def test_an_unknown_top_level_key_is_refused(tmp_path: Path, ana: Spec) -> None:
    path = write(tmp_path, "credlab_scenarios: 1\nspec: ana_web_password\nscenarioz: []\n")
    assert problems(path, ana) == [
        f"{at(path, 'scenarioz')}: error: unknown key 'scenarioz' in scenario file (did you mean 'scenarios'?)"
    ]


# --- every name is resolved against the spec ------------------------------------------------------
NAMES = [
    # (what, a story using a misspelt name, the misspelt name, the message)
    ("state", "given: {state: unregisterd}\n    steps: [{do: log_out}]", "unregisterd",
     "unknown state 'unregisterd' (did you mean 'unregistered'?)"),
    ("state in expect", "steps: [{do: log_out, expect: {state: web_pasword_set}}]", "web_pasword_set",
     "unknown state 'web_pasword_set' (did you mean 'web_password_set'?)"),
    ("event", "steps: [{do: lgoin}]", "lgoin", "unknown event 'lgoin' (did you mean 'login'?)"),
    ("credential in a secret reference", "steps: [{do: login, with: {secret: {known: amc_pn}}}]", "amc_pn",
     "unknown credential 'amc_pn' (did you mean 'amc_pin'?)"),
    ("credential in access", "steps: [{do: log_out, expect: {access: {web: [amc_pn]}}}]", "amc_pn",
     "unknown credential 'amc_pn' (did you mean 'amc_pin'?)"),
    ("channel as an input value", "steps: [{do: authenticate, with: {channel: kisok, secret: '0123'}}]", "kisok",
     "unknown value of 'channel' 'kisok' (did you mean 'kiosk'?)"),
    ("rule", "steps: [{do: log_out, expect: {broke: [lenght]}}]", "lenght",
     "unknown policy rule 'lenght' (did you mean 'length'?)"),
    ("transition", "steps: [{do: log_out, expect: {transition: log_out_before_registrating}}]",
     "log_out_before_registrating",
     "unknown transition 'log_out_before_registrating' (did you mean 'log_out_before_registering'?)"),
    ("message", "steps: [{do: log_out, expect: {received: [reset_emial]}}]", "reset_emial",
     "unknown message 'reset_emial' (did you mean 'reset_email'?)"),
    ("deadline", "steps: [{advance: {until: reset_lnk}}]", "reset_lnk",
     "unknown deadline 'reset_lnk' (did you mean 'reset_link'?)"),
    ("parameter", "steps: [{advance: reset_link_tll}]", "reset_link_tll",
     "unknown duration parameter 'reset_link_tll' (did you mean 'reset_link_ttl'?)"),
    ("actor in given", "given: {actor: membr}\n    steps: [{do: log_out}]", "membr",
     "unknown actor 'membr' (did you mean 'member'?)"),
    ("actor of a step", "steps: [{do: log_out, as: atacker}]", "atacker",
     "unknown actor 'atacker' (did you mean 'attacker'?)"),
    ("source", "covers: [url_expire]\n    steps: [{do: log_out}]", "url_expire",
     "unknown source 'url_expire' (did you mean 'url_expires'?)"),
    ("assumption", "assumes: [no_lockot]\n    steps: [{do: log_out}]", "no_lockot",
     "unknown assumption 'no_lockot' (did you mean 'no_lockout'?)"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "story", "name", "message"), NAMES, ids=[n[0] for n in NAMES])
def test_every_name_a_story_uses_is_resolved_against_the_spec(
    tmp_path: Path, ana: Spec, what: str, story: str, name: str, message: str
) -> None:
    path = stories(tmp_path, f"  - name: a\n    {story}\n")
    assert problems(path, ana) == [f"{at(path, name)}: error: {message}"]


KEY_NAMES = [
    # Names written as mapping keys: the problem points at the misspelt key, not at its value.
    ("input", "steps: [{do: login, with: {secret: '0123', shows_first_time_pag: true}}]", "shows_first_time_pag",
     "unknown input of 'login' 'shows_first_time_pag' (did you mean 'shows_first_time_page'?)"),
    ("credential in given", "given: {credentials: {amc_pn: '0123'}}\n    steps: [{do: log_out}]", "amc_pn",
     "unknown credential 'amc_pn' (did you mean 'amc_pin'?)"),
    ("credential in expect", "steps: [{do: log_out, expect: {credentials: {web_pasword: set}}}]", "web_pasword",
     "unknown credential 'web_pasword' (did you mean 'web_password'?)"),
    ("channel in access", "steps: [{do: log_out, expect: {access: {wbe: [amc_pin]}}}]", "wbe",
     "unknown channel 'wbe' (did you mean 'web'?)"),
    ("flag in given", "given: {flags: {pin_change_ofered: true}}\n    steps: [{do: log_out}]", "pin_change_ofered",
     "unknown flag 'pin_change_ofered' (did you mean 'pin_change_offered'?)"),
    ("flag in expect", "steps: [{do: log_out, expect: {flags: {pin_change_ofered: true}}}]", "pin_change_ofered",
     "unknown flag 'pin_change_ofered' (did you mean 'pin_change_offered'?)"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "story", "name", "message"), KEY_NAMES, ids=[n[0] for n in KEY_NAMES])
def test_an_unknown_name_written_as_a_key_is_located_at_the_key(
    tmp_path: Path, ana: Spec, what: str, story: str, name: str, message: str
) -> None:
    path = stories(tmp_path, f"  - name: a\n    {story}\n")
    assert problems(path, ana) == [f"{at(path, name)}: error: {message}"]


def test_an_unknown_name_among_few_lists_what_the_spec_declares(tmp_path: Path, ana: Spec) -> None:
    path = stories(tmp_path, "  - name: a\n    steps: [{do: authenticate, with: {channel: phone, secret: '0123'}}]\n")
    assert problems(path, ana) == [
        f"{at(path, 'phone')}: error: unknown value of 'channel' 'phone' (the spec declares: call_centre, kiosk)"
    ]


def test_an_unknown_counter_of_a_spec_without_counters_says_so_plainly(tmp_path: Path, ana: Spec) -> None:
    """The ANA spec declares no counters: the message must not end in an empty list."""
    path = stories(tmp_path, "  - name: a\n    steps: [{do: log_out, expect: {counters: {tries: 1}}}]\n")
    [problem] = problems(path, ana)
    assert problem.startswith(f"{at(path, 'tries')[: at(path, 'tries').rindex(':')]}:")  # the line
    assert "error: unknown counter 'tries'" in problem
    assert "declares: )" not in problem, problem


# --- what a step may be -----------------------------------------------------------------------------
def test_an_internal_event_cannot_be_fired_by_a_story(tmp_path: Path, ana: Spec) -> None:
    path = stories(tmp_path, "  - name: a\n    steps:\n      - do: reset_link_expired\n")
    assert problems(path, ana) == [
        f"{at(path, 'reset_link_expired')}: error: "
        "'reset_link_expired' is internal: credlab fires it itself (advance the clock)"
    ]


@pytest.mark.parametrize(
    ("step", "needle"),
    [
        ("- do: log_out\n        advance: 1h", "do: log_out"),
        ("- note: this step does nothing\n        expect: {state: unregistered}", "note:"),
    ],
    ids=["both", "neither"],
)
def test_a_step_either_fires_an_event_or_moves_the_clock(tmp_path: Path, ana: Spec, step: str, needle: str) -> None:
    path = stories(tmp_path, f"  - name: a\n    steps:\n      {step}\n")
    assert problems(path, ana) == [
        f"{at(path, needle)}: error: a step either fires an event ('do:') or moves the clock ('advance:'), not both"
    ]


def test_with_needs_an_event_to_give_inputs_to(tmp_path: Path, ana: Spec) -> None:
    path = stories(tmp_path, "  - name: a\n    steps:\n      - advance: 1h\n        with: {secret: '0123'}\n")
    assert problems(path, ana) == [
        f"{at(path, '{secret')}: error: 'with:' gives an event's inputs; this step fires no event"
    ]


def test_a_missing_required_input_is_named(tmp_path: Path, ana: Spec) -> None:
    path = stories(
        tmp_path,
        """\
          - name: a
            steps:
              - do: register
                with: {pin: {known: amc_pin}}
              - do: login
        """,
    )
    assert problems(path, ana) == [
        f"{at(path, '{pin')}: error: 'register' needs input(s): new_password",
        f"{at(path, 'do: login')}: error: 'login' needs input(s): secret",
    ]


def test_a_bool_input_is_true_or_false_not_a_yaml_11_guess(tmp_path: Path, ana: Spec) -> None:
    path = stories(
        tmp_path, "  - name: a\n    steps: [{do: login, with: {secret: '0123', shows_first_time_page: yes}}]\n"
    )
    assert problems(path, ana) == [
        f"{at(path, 'yes')}: error: input 'shows_first_time_page' is true or false, not 'yes'"
    ]


QUOTED_TRUE = "'true'"


def test_a_quoted_true_is_text_not_a_bool(tmp_path: Path, ana: Spec) -> None:
    path = stories(tmp_path, "  - name: a\n    steps: [{do: request_email_reset, with: {identified: 'true'}}]\n")
    assert problems(path, ana) == [f"{at(path, QUOTED_TRUE)}: error: input 'identified' is true or false, not 'true'"]


def test_a_secret_reference_only_fits_a_secret_input(tmp_path: Path, ana: Spec) -> None:
    path = stories(
        tmp_path, "  - name: a\n    steps: [{do: request_email_reset, with: {identified: {known: amc_pin}}}]\n"
    )
    assert problems(path, ana) == [
        f"{at(path, '{known')}: error: input 'identified' is a bool; secret references fit secret inputs"
    ]


# --- the file as a whole ----------------------------------------------------------------------------
def test_a_file_about_another_spec_is_refused_at_its_spec_line(tmp_path: Path, ana: Spec) -> None:
    path = write(tmp_path, "credlab_scenarios: 1\nspec: bank_card_pin\nscenarios:\n  - name: a\n    steps: [{do: x}]\n")
    assert problems(path, ana) == [
        f"{at(path, 'bank_card_pin')}: error: these scenarios are about spec 'bank_card_pin', not 'ana_web_password'"
    ]


def test_a_file_about_another_spec_named_to_simulate_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "credlab_scenarios: 1\nspec: bank_card_pin\nscenarios:\n  - name: a\n    steps: [{do: x}]\n")
    code, out, err = simulate([SPEC, str(path)], capsys)
    assert code == 2 and out == ""
    assert f"{path}:" in err
    assert (
        "these scenarios are about spec 'bank_card_pin', which is not among the specs given (ana_web_password)" in err
    )


@pytest.mark.parametrize(
    ("top", "needle", "message"),
    [
        ("credlab_scenarios: yes", "yes", "expected a whole decimal number, got 'yes'"),
        ("credlab_scenarios: '1'", "'1'", "expected a number, got the quoted string '1'; remove the quotes"),
        ("credlab_scenarios: 2", "2", "2 is more than the largest allowed value, 1"),
        ("credlab_scenarios: 01", "01", "'01' would be read as octal by YAML 1.1; write it without the leading 0"),
    ],
    ids=["yes", "quoted", "future_version", "octal"],
)
def test_the_format_version_is_read_as_written(tmp_path: Path, ana: Spec, top: str, needle: str, message: str) -> None:
    path = write(tmp_path, f"{top}\nspec: ana_web_password\nscenarios:\n  - name: a\n    steps: [{{do: log_out}}]\n")
    assert problems(path, ana) == [f"{at(path, needle)}: error: {message}"]


@pytest.mark.parametrize(
    ("step", "needle", "message"),
    [
        (
            "{do: log_out, expect: {accepted: yes}}",
            "yes",
            "expected true or false, got 'yes' (YAML 1.1 would guess); write true or false",
        ),
        (
            "{advance: 2:00}",
            "2:00",
            "'2:00' is not a duration (YAML 1.1 reads h:mm as a base-60 number); "
            "write hours and minutes with units, such as '2h' or '1h59m'",
        ),
        ("{advance: 90}", "90", "'90' has no unit: write it as '90s', or in minutes or hours ('30m', '2h')"),
        (
            "{do: !!python/object:os.system log_out}",
            "!!python",
            "the YAML tag '!!python/object:os.system' is not allowed; remove it",
        ),
    ],
    ids=["bool_yes", "base60", "bare_number", "python_tag"],
)
def test_yaml_11_traps_are_refused_not_guessed(tmp_path: Path, ana: Spec, step: str, needle: str, message: str) -> None:
    path = stories(tmp_path, f"  - name: a\n    steps: [{step}]\n")
    assert problems(path, ana) == [f"{at(path, needle)}: error: {message}"]


def test_anchors_and_aliases_are_refused(tmp_path: Path, ana: Spec) -> None:
    path = stories(tmp_path, "  - name: a\n    steps:\n      - advance: &wait 1h\n      - advance: *wait\n")
    [problem] = problems(path, ana)
    where, message = problem.split(": error: ")
    assert message == "anchors and aliases (&name / *name) are not allowed; write the value out"
    assert where in (at(path, "&wait"), at(path, "*wait"))


def test_scenario_names_are_unique_within_a_file(tmp_path: Path, ana: Spec) -> None:
    path = stories(
        tmp_path,
        """\
          - name: logs_out
            given: {state: logged_in_with_pin}
            steps: [{do: log_out}]
          - name: logs_out
            given: {state: logged_in_with_pin}
            steps: [{do: log_out}]
        """,
    )
    assert problems(path, ana) == [
        f"{at(path, 'logs_out', 1)}: error: scenario name 'logs_out' is already used in this file"
    ]


def test_a_duplicate_key_is_refused(tmp_path: Path, ana: Spec) -> None:
    path = stories(tmp_path, "  - name: a\n    steps:\n      - do: log_out\n        do: login\n")
    assert problems(path, ana) == [f"{at(path, 'do', 1)}: error: duplicate key 'do' (first given on line 6)"]


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (
            "5x",
            "offset: '5x' is not a duration; write whole numbers with units y (365 days), w (7 days), d, h, m "
            "and s, in that order, such as '5y', '2w', '30d', '2h', '30m', '1h59m' or '90s' "
            "(a sign may lead: -1s, +1m)",
        ),
        ("'-1:00'", "offset: '1:00' is not a duration (YAML 1.1 reads h:mm as a base-60 number)"),
    ],
    ids=["5x", "base60"],
)
def test_a_bad_offset_is_located(tmp_path: Path, ana: Spec, offset: str, message: str) -> None:
    path = stories(
        tmp_path,
        f"""\
          - name: a
            steps:
              - do: request_email_reset
                with: {{identified: true}}
              - advance: {{until: reset_link, offset: {offset}}}
        """,
    )
    [problem] = problems(path, ana)
    assert problem.startswith(f"{at(path, offset)}: error: {message}")


def test_a_story_needs_at_least_one_step(tmp_path: Path, ana: Spec) -> None:
    path = stories(tmp_path, "  - name: a\n    steps: []\n  - name: b\n    description: no steps at all\n")
    assert problems(path, ana) == [
        f"{at(path, '[]')}: error: expected at least 1 item(s)",
        f"{at(path, 'name: b')}: error: scenario is missing the required key 'steps'",
    ]


def test_an_empty_file_says_it_is_empty(tmp_path: Path, ana: Spec) -> None:
    path = write(tmp_path, "")
    assert problems(path, ana) == [
        f"{path}:1:1: error: the file is empty; see the README for what a scenario file holds"
    ]


def test_a_file_that_is_not_utf8_is_located_at_the_bad_byte(tmp_path: Path, ana: Spec) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(HEADER.encode() + b"  - name: caf\xe9\n    steps: [{do: log_out}]\n")
    assert problems(path, ana) == [f"{path}:4:14: error: byte 0xe9 is not UTF-8; save the file as UTF-8"]


@pytest.mark.parametrize(("name", "content"), [("empty.yaml", b""), ("latin1.yaml", HEADER.encode() + b"# caf\xe9\n")])
def test_unreadable_files_in_a_scenario_folder_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes
) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / name).write_bytes(content)
    code, out, err = simulate([SPEC, str(folder)], capsys)
    assert code == 2 and out == ""
    assert err.startswith(f"{folder / name}:") and "Traceback" not in err


# --- all problems at once, through the command ------------------------------------------------------
MANY_PROBLEMS = """\
  - name: first
    given: {state: unregisterd}
    steps:
      - do: lgoin
      - do: login
        with: {secret: {known: amc_pin}, shows_first_time_page: yes}
  - name: second
    steps:
      - do: reset_link_expired
      - advance: {until: reset_link, offset: 5x}
      - do: log_out
        advance: 1h
  - name: first
    steps:
      - with: {secret: '0123'}
"""


def test_simulate_reports_every_problem_of_a_file_at_once_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = stories(tmp_path, MANY_PROBLEMS)
    code, out, err = simulate([SPEC, str(path)], capsys)
    assert code == 2 and out == ""
    lines = err.splitlines()
    expected_starts = [
        at(path, "unregisterd"),
        at(path, "lgoin"),
        at(path, "yes"),
        at(path, "reset_link_expired"),
        at(path, "5x"),
        at(path, "do: log_out"),
        at(path, "first\n    steps"),  # the second scenario named first
        at(path, "with: {secret: '0123'}"),  # a step with neither do nor advance
        at(path, "{secret: '0123'}"),  # with: without do:
    ]
    assert [line.split(": error: ")[0] for line in lines] == expected_starts
    assert all(": error: " in line for line in lines) and "Traceback" not in err


def test_the_json_report_of_a_bad_file_lists_each_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = stories(tmp_path, MANY_PROBLEMS)
    code, out, _ = simulate([SPEC, str(path), "--format", "json"], capsys)
    assert code == 2
    report = json.loads(out)
    assert report["ok"] is False
    assert len(report["errors"]) == 9
    first = report["errors"][0]
    line, column = (int(n) for n in at(path, "unregisterd").rsplit(":", 2)[1:])
    assert first == {
        "file": str(path),
        "line": line,
        "column": column,
        "message": "unknown state 'unregisterd' (did you mean 'unregistered'?)",
    }


def test_problems_in_several_files_are_reported_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = stories(tmp_path, "  - name: a\n    steps: [{do: lgoin}]\n", "one.yaml")
    two = stories(tmp_path, "  - name: b\n    steps: [{advance: reset_link_tll}]\n", "two.yaml")
    code, _, err = simulate([SPEC, str(one), str(two)], capsys)
    assert code == 2
    assert f"{at(one, 'lgoin')}: error: unknown event" in err
    assert f"{at(two, 'reset_link_tll')}: error: unknown duration parameter" in err


# --- values as written --------------------------------------------------------------------------------
PLAIN_SECRETS = """\
  - name: registers_with_pin_0123
    given: {credentials: {amc_pin: 0123}}
    steps:
      - do: login
        with: {secret: 0123}
        expect: {accepted: true, state: registration_screen}
      - do: register
        with: {pin: 0123, new_password: 0x1F2E3D4C}
        expect: {accepted: true, state: web_password_set}
      - do: login
        with: {secret: 0x1F2E3D4C}
        expect: {accepted: true}
      - do: authenticate
        with: {channel: kiosk, secret: 0123}
        expect: {accepted: true}
"""


def test_secrets_written_as_plain_scalars_are_read_as_written(tmp_path: Path, ana: Spec) -> None:
    """YAML 1.1 reads 0123 as the octal 83 and 0x1F2E3D4C as a number; credlab keeps the text."""
    [scenario] = load_scenarios(stories(tmp_path, PLAIN_SECRETS), ana)
    assert scenario.given.credentials == (("amc_pin", "0123"),)
    assert dict(scenario.steps[0].inputs) == {"secret": "0123"}
    assert dict(scenario.steps[1].inputs) == {"pin": "0123", "new_password": "0x1F2E3D4C"}


def test_registering_with_pin_0123_written_plain_works(tmp_path: Path, ana: Spec) -> None:
    [scenario] = load_scenarios(stories(tmp_path, PLAIN_SECRETS), ana)
    result = run_scenario(compile_spec(ana), scenario)
    assert result.failure is None and result.passed
    assert result.steps_run == 4


def test_secret_references_load_as_references(tmp_path: Path, ana: Spec) -> None:
    path = stories(
        tmp_path,
        """\
          - name: a
            steps:
              - do: register
                with: {pin: {mailed: amc_pin}, new_password: {wrong: web_password}}
        """,
    )
    [scenario] = load_scenarios(path, ana)
    assert dict(scenario.steps[0].inputs) == {
        "pin": SecretRef("mailed", "amc_pin"),
        "new_password": SecretRef("wrong", "web_password"),
    }
