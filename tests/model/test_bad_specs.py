"""Bad spec files are refused with exit code 2 and a located, readable error; never a traceback.

Each file in ``bad_specs/`` is ``good_specs/minimal.yaml`` with one defect (its first line says
which), or a file that cannot be a spec at all. ``credlab validate`` must report the defect as
``path:line:col: error: message`` at the place a user has to edit, in words a spec author
understands, without executing, expanding or importing anything the file asks for.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from credlab.simulator.cli.main import main
from tests.conftest import REPO

HERE = Path(__file__).resolve().parent
BAD = HERE / "bad_specs"
MINIMAL = HERE / "good_specs" / "minimal.yaml"
PYTHON_TAG_MARKER = "/tmp/credlab_pwned_marker"

INTERNALS = ("Traceback", "internal error", "<unicode string>", "sys.set_int_max_str_digits")
"""Text that means Python's internals leaked into what a spec author reads."""


class Case(NamedTuple):
    file: str
    line: int
    column: int | None  # None: the column depends on the YAML parser's internals
    fragment: str
    rule: str
    single: bool = True  # the defect is reported once, with no follow-on errors


# fmt: off
CASES = [
    Case("syntax_error.yaml", 4, 21, "mapping values are not allowed", "YAML syntax errors are located"),
    Case("tab_indent.yaml", 20, 1, "tab", "a tab used for indentation is named as the cause"),
    Case("duplicate_key.yaml", 23, 5, "duplicate key 'initially_set' (first given on line 22)",
         "a duplicate key is refused, not silently overwritten"),
    Case("unknown_key_typo.yaml", 86, 1, "unknown key 'transtions' in spec (did you mean 'transitions'?)",
         "an unknown key is refused with the closest known key"),
    Case("dangling_state.yaml", 99, 9, "unknown state 'blokced' (did you mean 'blocked'?)",
         "a transition's target state must be declared"),
    Case("dangling_event.yaml", 97, 12, "unknown event 'report_lots' (did you mean 'report_lost'?)",
         "a transition's event must be declared"),
    Case("dangling_credential.yaml", 114, 21, "unknown credential 'card_number'",
         "a guard's credential must be declared"),
    Case("dangling_policy.yaml", 21, 13, "unknown policy 'card_pins' (did you mean 'card_pin'?)",
         "a credential's policy must be declared"),
    Case("dangling_channel.yaml", 47, 14, "unknown channel 'branch'", "an access rule's channel must be declared"),
    Case("accepted_finding_kind_typo.yaml", 120, 11, "'unlimited_guesing' is not one of takeover, denial_of_service, "
         "lockout_window, dead_end, unlimited_guessing, recovery_bypasses_factor (did you mean 'unlimited_guessing'?)",
         "an accepted finding's kind is one of the vocabulary"),
    Case("accepted_finding_channel.yaml", 121, 14, "unknown channel 'branch'",
         "an accepted finding's channel must be declared"),
    Case("accepted_finding_capability.yaml", 122, 20, "unknown capability or credential 'crad' (did you mean 'card'?)",
         "an accepted finding's attacker holds declared capabilities and credentials"),
    Case("capability_event_both.yaml", 89, 12, "event 'card_lost' both gains and loses a capability: declare two "
         "events", "a capability event either gains or loses"),
    Case("capability_event_unknown.yaml", 88, 12, "unknown capability 'crad' (did you mean 'card'?)",
         "a capability event's capability must be declared"),
    Case("capability_event_actor.yaml", 89, 12, "unknown actor 'holdr' (did you mean 'holder'?)",
         "a capability event's actor must be declared"),
    Case("capability_event_inputs.yaml", 90, 7, "event 'card_lost' changes what holder holds, not the policy's "
         "state: it takes no 'inputs'", "a capability event takes no inputs"),
    Case("capability_event_transition.yaml", 93, 12, "event 'card_lost' changes what holder holds, not the "
         "policy's state, so no transition fires on it", "no transition fires on a capability event"),
    Case("from_start_not_bool.yaml", 63, 17, "expected true or false, got 'always'",
         "a deadline runs from the start or not: true or false"),
    Case("factor_device_on_knowledge.yaml", 25, 13, "credential 'pin' is a knowledge factor: nothing but memory "
         "produces it", "only a possession or inherence factor has a device"),
    Case("factor_unknown.yaml", 25, 13, "'posession' is not one of knowledge, possession, inherence (did you mean "
         "'possession'?)", "a factor is one of the three kinds"),
    Case("access_also_repeats.yaml", 51, 12, "credential 'pin' is the rule's own: list only the others under 'also'",
         "an access rule's further credentials are other credentials"),
    Case("access_requires_unknown.yaml", 51, 16, "unknown capability 'crad' (did you mean 'card'?)",
         "an access rule requires declared capabilities"),
    Case("codes_use_on_one_value.yaml", 96, 33, "use_code needs a set of codes, and 'pin' is one value",
         "only a set of codes has codes to use up"),
    Case("codes_set_by_input.yaml", 97, 39, "'pin' is a set of codes, which credlab issues: use randomize_credential",
         "a set of codes is issued, not typed in"),
    Case("codes_left_too_many.yaml", 95, 50, "'pin' has 3 codes at most, so this never holds",
         "codes_left never asks for more codes than the set has"),
    Case("dangling_parameter.yaml", 58, 15, "unknown parameter 'block_time' (did you mean 'block_period'?)",
         "a deadline's duration parameter must be declared"),
    Case("dangling_actor_capability.yaml", 54, 17, "unknown capability 'phone'",
         "an actor's capabilities must be declared"),
    Case("dangling_source.yaml", 95, 13, "unknown source 'change_at_the_atm' (did you mean 'change_at_atm'?)",
         "a cited source must be quoted under sources:"),
    Case("wrong_type_int.yaml", 31, 31, "expected a whole decimal number, got 'four'", "a number must be a number"),
    Case("quoted_number.yaml", 31, 31, "expected a number, got the quoted string '4'; remove the quotes",
         "a quoted number is a string, and is refused where a number is expected"),
    Case("octal_trap.yaml", 31, 31, "'04' would be read as octal by YAML 1.1",
         "a leading zero (YAML 1.1 octal) is refused, not guessed"),
    Case("undrawable_policy.yaml", 26, 3, "policy 'card_pin' accepts no value: it must include a letter A–Z or a–z, "
         "which its alphabet excludes",
         "a policy whose rules no value can pass is refused at load, not when a value is first drawn"),
    Case("class_typo.yaml", 39, 28, "'ascii_digits' is not one of ascii_upper, ascii_lower, ascii_letter, ascii_digit, "
         "ascii_symbol, ascii_space, ascii_printable, unicode or a set of characters in brackets such as '[!#$%]' "
         "(did you mean 'ascii_digit'?)", "a character class is a known name or characters in brackets"),
    Case("class_brackets_empty.yaml", 39, 28, "'[]' is no set of characters: list them between [ and ], as in '[!#$%]'",
         "brackets must hold at least one character"),
    Case("max_consecutive_zero.yaml", 44, 34, "0 is less than the smallest allowed value, 1",
         "a limit on repeated characters allows at least one"),
    Case("unpassable_repeats.yaml", 29, 3, "policy 'card_pin' accepts no value: its alphabet has one character, "
         "which may repeat at most 1 time(s) in a row, but values are at least 4 long",
         "whether a policy accepts anything is decided exactly, repeats included"),
    Case("ambiguous_transitions.yaml", 104, 12, "transitions 'report_lost' and 'report_stolen' both handle "
         "'report_lost' in state 'active' with no guard", "two unguarded transitions for one event and state are "
         "refused at load: the file's order would decide which fires"),
    Case("yes_no_bool.yaml", 22, 20, "expected true or false, got 'yes'",
         "yes/no (YAML 1.1 booleans) are refused, not guessed"),
    Case("base60_duration.yaml", 15, 14, "YAML 1.1 reads h:mm as a base-60 number",
         "a duration written h:mm (YAML 1.1 base 60) is refused"),
    Case("bare_number_duration.yaml", 15, 14, "'86400' has no unit", "a duration needs a unit"),
    Case("python_tag.yaml", 5, 14, "the YAML tag '!!python/object/apply:os.system' is not allowed",
         "a Python object tag is refused, never constructed"),
    Case("custom_tag.yaml", 4, 8, "the YAML tag '!include' is not allowed", "application tags are refused"),
    Case("alias_bomb.yaml", 116, 11, "anchors and aliases (&name / *name) are not allowed",
         "aliases are refused without being expanded (billion laughs)", single=False),
    Case("merge_key.yaml", 68, 5, "merge keys (<<) are not allowed", "YAML merge keys are refused"),
    Case("deep_nesting.yaml", 71, None, "nesting", "thousands of nested flow lists are refused, not recursed into"),
    Case("deep_block_nesting.yaml", 161, 99, "nesting is deeper than 48 levels",
         "guards nested a hundred deep are refused at the first level past the limit"),
    Case("empty.yaml", 1, 1, "the file is empty", "an empty file is not a spec"),
    Case("only_comments.yaml", 1, 1, "the file is empty", "a file of comments is not a spec"),
    Case("non_utf8.yaml", 4, 26, "byte 0xe9 is not UTF-8", "a non-UTF-8 byte is located at its line and column"),
    Case("nul_byte.yaml", 4, 17, "control characters are not allowed",
         "a NUL byte is located at its line and column"),
    Case("two_documents.yaml", 116, 1, "more than one YAML document", "a spec file holds exactly one document"),
    Case("top_level_list.yaml", 2, 1, "expected a mapping (spec), got a list", "a spec is a mapping"),
    Case("document_outside_folder.yaml", 7, 18, "must be a file in the spec's own folder",
         "the policy text may not be read from outside the spec's folder"),
    Case("huge_integer.yaml", 2, 10, "largest allowed value",
         "a number too long for Python's int() is still a located error"),
    Case("huge_duration.yaml", 15, 14, "duration", "a duration too long for Python's int() is still a located error"),
]
# fmt: on

BY_FILE = {case.file: case for case in CASES}


def run_validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``credlab validate ARGS`` in-process: the exit code and everything it printed."""
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out + err


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": error: " in line]


def reports(errors: list[str], where: str, fragment: str) -> bool:
    """Whether some error starts at ``where`` and its message (not its path) holds ``fragment``."""
    return any(e.startswith(where) and fragment in e.partition(": error: ")[2] for e in errors)


def assert_no_internals(output: str) -> None:
    leaked = [marker for marker in INTERNALS if marker in output]
    assert not leaked, f"Python internals leaked into the report ({leaked}):\n{output}"


def located(path: Path | str, case: Case) -> str:
    column = "" if case.column is None else f"{case.column}:"
    return f"{path}:{case.line}:{column}"


# --- the reference: a small valid spec ----------------------------------------------------------


def test_the_minimal_spec_the_bad_ones_derive_from_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    """Every bad spec is this file plus a defect, so this file itself must validate (exit 0)."""
    code, output = run_validate(capsys, str(MINIMAL))
    assert code == 0, output
    assert output.startswith(f"{MINIMAL}: valid (2 states, 3 events, 3 transitions")


# --- the corpus -----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", [pytest.param(c, id=c.file.removesuffix(".yaml")) for c in CASES])
def test_a_bad_spec_is_refused_with_exit_2_and_a_located_error(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    """Rule: each bad spec exits 2 and reports its defect at ``path:line:col`` in plain words."""
    path = BAD / case.file
    code, output = run_validate(capsys, str(path))
    assert code == 2, f"{case.rule}: expected exit 2, got {code}:\n{output}"
    assert_no_internals(output)
    errors = error_lines(output)
    wanted = f"{located(path, case)} error: ...{case.fragment}..."
    assert reports(errors, located(path, case), case.fragment), f"{case.rule}: expected {wanted}, got:\n{output}"
    if case.single:
        assert len(errors) == 1, f"{case.rule}: one defect should give one error, got:\n{output}"


def test_every_file_in_the_corpus_is_in_the_table() -> None:
    """A bad spec that no test reads protects nothing."""
    assert sorted(p.name for p in BAD.iterdir()) == sorted([*BY_FILE, "many_errors.yaml"])


def test_the_byte_level_cases_still_hold_their_bytes() -> None:
    """Editors and tools may 'fix' these files; the cases are only meaningful with these bytes."""
    assert (BAD / "empty.yaml").read_bytes() == b""
    assert b"caf\xe9 " in (BAD / "non_utf8.yaml").read_bytes()
    assert b"Bank card\x00PIN" in (BAD / "nul_byte.yaml").read_bytes()
    assert b"\n\tkind: pin\n" in (BAD / "tab_indent.yaml").read_bytes()
    assert (BAD / "deep_nesting.yaml").read_text(encoding="utf-8").count("[") >= 3000


def test_all_independent_problems_are_reported_at_once_each_at_its_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Rule: validation never stops at the first problem, and reports no follow-on noise."""
    path = BAD / "many_errors.yaml"
    code, output = run_validate(capsys, str(path))
    assert code == 2
    assert_no_internals(output)
    expected = [
        (22, 20, "expected true or false, got 'yes'"),
        (31, 31, "expected a whole decimal number, got 'four'"),
        (59, 15, "'exclusve' is not one of inclusive, exclusive (did you mean 'exclusive'?)"),
        (65, 5, "unknown key 'descripton' in state (did you mean 'description'?)"),
        (99, 9, "unknown state 'blokced' (did you mean 'blocked'?)"),
        (114, 21, "unknown credential 'card_number'"),
    ]
    errors = error_lines(output)
    for line, column, fragment in expected:
        prefix = f"{path}:{line}:{column}: error: "
        assert reports(errors, prefix, fragment), f"missing {prefix}{fragment}:\n{output}"
    assert len(errors) == len(expected), output


def test_an_oversized_file_is_refused_before_it_is_parsed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rule: a spec over 1 MiB is refused at 1:1 without being read whole or parsed."""
    path = tmp_path / "huge_file.yaml"
    padding = "# " + "x" * 1021 + "\n"  # 1 KiB a line
    path.write_text(MINIMAL.read_text(encoding="utf-8") + padding * 1100, encoding="utf-8")
    assert path.stat().st_size > 1 << 20
    code, output = run_validate(capsys, str(path))
    assert code == 2
    assert_no_internals(output)
    [error] = error_lines(output)
    assert error.startswith(f"{path}:1:1: error: the file is larger than 1 MiB")


# --- paths that are not spec files ----------------------------------------------------------------


def test_a_missing_file_is_a_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "no_such_spec.yaml"
    code, output = run_validate(capsys, str(path))
    assert code == 2
    assert_no_internals(output)
    assert error_lines(output) == [f"{path}:1:1: error: no such file"]


def test_a_directory_is_a_located_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run_validate(capsys, str(BAD))
    assert code == 2
    assert_no_internals(output)
    [error] = error_lines(output)
    assert error.startswith(f"{BAD}:1:1: error: is a directory, not a spec file")


def test_a_missing_file_and_a_directory_are_located_in_json_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no_such_spec.yaml"
    code, output = run_validate(capsys, str(missing), str(BAD), "--format", "json")
    assert code == 2
    report = json.loads(output)
    assert report["ok"] is False
    assert [s["path"] for s in report["specs"]] == [str(missing), str(BAD)]
    for spec in report["specs"]:
        assert spec["valid"] is False
        [error] = spec["errors"]
        assert (error["file"], error["line"], error["column"]) == (spec["path"], 1, 1)
    assert report["specs"][0]["errors"][0]["message"] == "no such file"
    assert "is a directory" in report["specs"][1]["errors"][0]["message"]


# --- JSON reports -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dangling_state.yaml", "non_utf8.yaml", "python_tag.yaml", "nul_byte.yaml"])
def test_json_reports_the_same_located_error(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Rule: ``--format json`` gives each error as {file, line, column, message}, on stdout only."""
    case = BY_FILE[name]
    path = BAD / name
    code = main(["validate", "--format", "json", str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert err == ""
    report = json.loads(out)
    assert report["ok"] is False
    [spec] = report["specs"]
    assert spec["path"] == str(path) and spec["valid"] is False
    assert any(
        e["file"] == str(path)
        and e["line"] == case.line
        and (case.column is None or e["column"] == case.column)
        and case.fragment in e["message"]
        for e in spec["errors"]
    ), spec["errors"]


def test_json_reports_every_problem_of_many_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "--format", "json", str(BAD / "many_errors.yaml")])
    report = json.loads(capsys.readouterr().out)
    assert code == 2
    [spec] = report["specs"]
    assert [e["line"] for e in spec["errors"]] == [22, 31, 59, 65, 99, 114]


# --- nothing in a spec is executed ----------------------------------------------------------------


def python_tag_variant(tmp_path: Path) -> tuple[Path, Path]:
    """python_tag.yaml with its payload aimed at a marker file inside ``tmp_path``."""
    marker = tmp_path / "pwned_marker"
    text = (BAD / "python_tag.yaml").read_text(encoding="utf-8")
    assert PYTHON_TAG_MARKER in text
    spec = tmp_path / "python_tag.yaml"
    spec.write_text(text.replace(PYTHON_TAG_MARKER, str(marker)), encoding="utf-8")
    return spec, marker


def test_the_python_tag_payload_is_live(tmp_path: Path) -> None:
    """Control: an unsafe YAML loader does run the payload, so the next tests can fail."""
    import yaml

    spec, marker = python_tag_variant(tmp_path)
    yaml.unsafe_load(spec.read_text(encoding="utf-8"))
    assert marker.exists()


def test_a_python_tag_is_never_executed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rule: loading a spec constructs no Python object, so the tag's shell command never runs."""
    spec, marker = python_tag_variant(tmp_path)
    code, output = run_validate(capsys, str(spec))
    assert code == 2
    assert "the YAML tag '!!python/object/apply:os.system' is not allowed" in output
    assert not marker.exists()

    existed = Path(PYTHON_TAG_MARKER).exists()
    assert run_validate(capsys, str(BAD / "python_tag.yaml"))[0] == 2
    assert existed or not Path(PYTHON_TAG_MARKER).exists()


# --- as a real command --------------------------------------------------------------------------------


def run_credlab(*args: str) -> subprocess.CompletedProcess[str]:
    # The timeout only guards against a hang; nothing here asserts how long anything takes.
    return subprocess.run(
        [sys.executable, "-m", "credlab", "validate", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    "name", ["alias_bomb.yaml", "deep_nesting.yaml", "deep_block_nesting.yaml", "nul_byte.yaml", "huge_integer.yaml"]
)
def test_the_command_exits_2_without_a_traceback(name: str) -> None:
    """Rule: as a real process too, hostile input ends in exit 2 and a located error, no crash or hang."""
    case = BY_FILE[name]
    path = BAD / name
    result = run_credlab(str(path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert_no_internals(result.stdout + result.stderr)
    assert reports(error_lines(result.stdout + result.stderr), located(path, case), case.fragment), (
        result.stdout + result.stderr
    )


def test_the_command_never_runs_a_python_tag(tmp_path: Path) -> None:
    spec, marker = python_tag_variant(tmp_path)
    result = run_credlab(str(spec))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert not marker.exists()
