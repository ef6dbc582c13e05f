"""The loader reads specs exactly as written, or says precisely what is wrong and where."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from credlab.model.errors import SpecError
from credlab.model.loader import load_spec
from tests.conftest import ANA_SPEC

ANA_TEXT = ANA_SPEC.read_text(encoding="utf-8")


def write_variant(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    """A copy of the ANA spec (and its policy text) with one edit (made ``count`` times; -1: everywhere)."""
    assert old in ANA_TEXT, old
    (tmp_path / "ana_web_password.policy.txt").write_text(
        (ANA_SPEC.parent / "ana_web_password.policy.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    path = tmp_path / "variant.yaml"
    path.write_text(ANA_TEXT.replace(old, new, count), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    return [str(p) for p in caught.value.problems]


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


def test_the_ana_spec_loads(ana: object) -> None:
    assert ana is not None


def test_an_unknown_key_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "    boundary: exclusive", "    boundry: exclusive")
    [problem] = problems_of(path)
    assert f"{path}:{line_of(path, 'boundry')}:5: error: unknown key 'boundry' in deadline" in problem
    assert "did you mean 'boundary'?" in problem


def test_a_dangling_reference_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    path = write_variant(
        tmp_path,
        "    to: web_password_set\n    when:\n      - {matches",
        "    to: web_pasword_set\n    when:\n      - {matches",
    )
    [problem] = problems_of(path)
    assert f":{line_of(path, 'to: web_pasword_set')}:9: error: unknown state 'web_pasword_set'" in problem
    assert "did you mean 'web_password_set'?" in problem


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "    boundary: exclusive", "    boundary: sometimes")
    text = path.read_text().replace(
        "        check: {length: {min: 8, max: 16}}", "        check: {length: {min: 18, max: 16}}"
    )
    text = text.replace("    event: continue_login\n", "    event: continue_logon\n")
    path.write_text(text)
    problems = problems_of(path)
    assert len(problems) == 3
    assert any("'sometimes' is not one of inclusive, exclusive" in p for p in problems)
    assert any("length min 18 is more than max 16" in p for p in problems)
    assert any("unknown event 'continue_logon' (did you mean 'continue_login'?)" in p for p in problems)
    assert problems == sorted(problems, key=lambda p: int(p.split(":")[1]))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("default: 2h", "default: 2:00", "YAML 1.1 reads h:mm as a base-60 number"),
        ("default: 2h", "default: 7200", "'7200' has no unit: write it as '7200s'"),
        ("initially_set: true", "initially_set: yes", "expected true or false, got 'yes'"),
        ("min: 8, max: 16", "min: 010, max: 16", "'010' would be read as octal by YAML 1.1"),
        ("min: 8, max: 16", "min: '8', max: 16", "got the quoted string '8'; remove the quotes"),
        ("min: 8, max: 16", "min: 8.0, max: 16", "expected a whole decimal number, got '8.0'"),
    ],
    ids=["base60", "bare-number-duration", "yes-bool", "octal", "quoted-int", "float"],
)
def test_yaml_1_1_traps_are_refused_not_guessed(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = write_variant(tmp_path, old, new)
    [problem] = problems_of(path)
    assert message in problem


def test_strings_are_read_exactly_as_written(tmp_path: Path) -> None:
    """A plain `1985-07-21` is a date to YAML 1.1 and `0312` an octal; in a text field both stay text."""
    path = write_variant(
        tmp_path, 'birth_date: "1985-07-21", phone: 03-1234-5678', "birth_date: 1985-07-21, phone: 0312"
    )
    spec = load_spec(path)
    assert dict(spec.actors["member"].profile) == {"name": "Hanako Yamada", "birth_date": "1985-07-21", "phone": "0312"}


def test_a_duration_may_name_a_parameter_or_be_literal(tmp_path: Path, ana: object) -> None:
    spec = load_spec(write_variant(tmp_path, "    duration: reset_link_ttl", "    duration: 1h59m"))
    assert spec.deadlines["reset_link"].duration == 7140


def test_invariants_cannot_read_event_inputs(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "    holds: {is_set: amc_pin}", "    holds: {input_true: identified}")
    [problem] = problems_of(path)
    assert "invariants and access rules describe states; they cannot read event inputs" in problem


def test_guard_inputs_must_have_the_right_type(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "      - {input_true: shows_first_time_page}", "      - {input_true: secret}")
    [problem] = problems_of(path)
    assert "input 'secret' is a secret; expected a bool input" in problem


def test_the_policy_text_must_be_fully_accounted_for(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "    - {text: Resetting Your Password, why: a heading}\n", "")
    [problem] = problems_of(path)
    assert (
        "line 41 is neither quoted under sources: nor listed under document.unquoted: 'Resetting Your Password'"
        in problem
    )


def test_quotes_must_be_verbatim(tmp_path: Path) -> None:
    path = write_variant(
        tmp_path, "  url_expires: The URL will expire two hours", "  url_expires: The URL expires two hours"
    )
    problems = problems_of(path)
    assert any("source 'url_expires' is not quoted verbatim from ana_web_password.policy.txt" in p for p in problems)


def test_a_quote_nothing_cites_is_refused(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "source: [do_not_leak, manage_with_care]", "source: [manage_with_care]", -1)
    [problem] = problems_of(path)
    assert "source 'do_not_leak' is quoted but nothing refers to it" in problem


def test_the_document_must_stay_in_the_spec_folder(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "  file: ana_web_password.policy.txt", "  file: ../ana_web_password.policy.txt")
    problems = problems_of(path)
    assert any("must be a file in the spec's own folder" in p for p in problems)


def test_a_quote_that_is_not_verbatim_says_where_it_parts_from_the_text(tmp_path: Path) -> None:
    spec = tmp_path / "ana_web_password.yaml"
    spec.write_text(
        ANA_SPEC.read_text(encoding="utf-8").replace(
            "  url_expires: The URL will expire two hours", "  url_expires: The URL will expire three hours"
        ),
        encoding="utf-8",
    )
    shutil.copy(ANA_SPEC.parent / "ana_web_password.policy.txt", tmp_path)
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert (
        "source 'url_expires' is not quoted verbatim from ana_web_password.policy.txt: after 21 matching "
        "character(s) ('…The URL will expire t') the quote has 'h' where the text has 'w'"
    ) in str(caught.value)


def test_a_half_quoted_line_shows_the_part_no_quote_covers(tmp_path: Path) -> None:
    shutil.copy(ANA_SPEC, tmp_path)
    text = (ANA_SPEC.parent / "ana_web_password.policy.txt").read_text(encoding="utf-8")
    sentence = "The URL will expire two hours after the mail is sent."
    (tmp_path / "ana_web_password.policy.txt").write_text(
        text.replace(sentence, sentence + " Links are single-use."), encoding="utf-8"
    )
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path / "ana_web_password.yaml")
    assert "nor listed under document.unquoted: '… Links are single-use.'" in str(caught.value)


@pytest.mark.parametrize("written", ["2x", "h2", "2 h", "1m2h"])
def test_a_duration_that_is_not_one_lists_every_unit(written: str) -> None:
    from credlab.model.durations import parse_duration

    with pytest.raises(ValueError, match=r"units y \(365 days\), w \(7 days\), d, h, m and s, in that order") as caught:
        parse_duration(written)
    assert "'5y'" in str(caught.value) and "'30d'" in str(caught.value)


@pytest.mark.parametrize(
    ("written", "seconds", "shown"),
    [
        ("5y", 5 * 365 * 86400, "1825d"),
        ("2w", 14 * 86400, "14d"),
        ("1y2w3d4h", (365 + 17) * 86400 + 4 * 3600, "382d4h"),
    ],
)
def test_years_and_weeks_are_units_and_durations_show_in_days(written: str, seconds: int, shown: str) -> None:
    """A card lives five years, a code two weeks: a year is 365 days (no calendar, no leap day)."""
    from credlab.model.durations import format_duration, parse_duration

    assert parse_duration(written) == seconds
    assert format_duration(seconds) == shown


def test_a_spec_may_write_a_deadline_in_years(tmp_path: Path) -> None:
    spec = load_spec(write_variant(tmp_path, "    duration: reset_link_ttl", "    duration: 1y"))
    assert spec.deadlines["reset_link"].duration == 365 * 86400


def test_units_out_of_order_are_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(write_variant(tmp_path, "    duration: reset_link_ttl", "    duration: 2d1w"))
    line = ANA_TEXT[: ANA_TEXT.index("    duration: reset_link_ttl")].count("\n") + 1
    assert f"variant.yaml:{line}:15: error:" in str(caught.value) and "in that order" in str(caught.value)
