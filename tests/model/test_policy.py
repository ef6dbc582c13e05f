"""The ANA policies judge candidates exactly as the spec says, and never echo them.

The web password is 8 to 16 one-byte alphanumeric characters with at least one letter and one
digit (spec assumption ``one_byte_alphanumeric``: ASCII A-Z, a-z, 0-9 only). Everything that
merely *looks* alphanumeric — full-width forms, other scripts' letters and digits, invisible
and control characters — must be refused by the rule that the spec names, at the position
where it occurs, without the candidate ever appearing in a message or detail.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from credlab.model.ir import Policy, Spec
from credlab.model.policy import PolicyContext, Verdict, enforced_ok, evaluate

LENGTH = "length"
ALPHABET = "one_byte_alphanumeric"
LETTER_AND_DIGIT = "letters_and_digits"
GUESSABLE = "not_guessable"
REUSED = "not_used_elsewhere"
PIN_LENGTH = "four_digits"
PIN_DIGITS = "digits_only"


@pytest.fixture(scope="module")
def web_password(ana: Spec) -> Policy:
    return ana.policies["web_password"]


@pytest.fixture(scope="module")
def amc_pin(ana: Spec) -> Policy:
    return ana.policies["amc_pin"]


@pytest.fixture(scope="module")
def profile(ana: Spec) -> Mapping[str, str]:
    return ana.actors["member"].profile


def violated(verdict: Verdict) -> set[str]:
    return {r.rule for r in verdict.violations}


def result(verdict: Verdict, rule: str) -> tuple[bool | None, str]:
    (found,) = (r for r in verdict.results if r.rule == rule)
    return found.passed, found.detail


def assert_not_echoed(verdict: Verdict, candidate: str) -> None:
    """No message or detail of any rule contains the candidate (nor, for a padded one, its core)."""
    cores = {candidate, candidate.strip(), candidate.strip("\x00\n\t \u200b")}
    for r in verdict.results:
        for text in (r.message, r.detail):
            for core in cores:
                if len(core) >= 4:
                    assert core not in text, f"rule {r.rule} echoes the candidate: {text!r}"


# --- the spec declares what the tests assume ------------------------------------------------
def test_rule_ids_and_severities_are_as_declared(web_password: Policy, amc_pin: Policy) -> None:
    assert [(r.id, r.severity) for r in web_password.rules] == [
        (LENGTH, "reject"),
        (ALPHABET, "reject"),
        (LETTER_AND_DIGIT, "reject"),
        (GUESSABLE, "advise"),
        (REUSED, "advise"),
    ]
    assert [(r.id, r.severity) for r in amc_pin.rules] == [(PIN_LENGTH, "reject"), (PIN_DIGITS, "reject")]


def test_the_member_profile_is_the_one_the_advisory_tests_use(profile: Mapping[str, str]) -> None:
    assert dict(profile) == {"name": "Hanako Yamada", "birth_date": "1985-07-21", "phone": "03-1234-5678"}


# --- length, letters, digits, case ------------------------------------------------------------
@pytest.mark.parametrize(
    ("candidate", "violations"),
    [
        pytest.param("Abcde12", {LENGTH}, id="7-chars-too-short"),
        pytest.param("Abcdef12", set(), id="8-chars-minimum"),
        pytest.param("Abcdefgh12345678", set(), id="16-chars-maximum"),
        pytest.param("Abcdefgh123456789", {LENGTH}, id="17-chars-too-long"),
        pytest.param("A1", {LENGTH}, id="2-chars"),
        pytest.param("", {LENGTH, LETTER_AND_DIGIT}, id="empty"),
        pytest.param("Ab1" * 20, {LENGTH}, id="60-chars"),
        pytest.param("abcdefgh", {LETTER_AND_DIGIT}, id="lowercase-letters-only"),
        pytest.param("ABCDEFGH", {LETTER_AND_DIGIT}, id="uppercase-letters-only"),
        pytest.param("AbCdEfGhIj", {LETTER_AND_DIGIT}, id="mixed-letters-only"),
        pytest.param("12345678", {LETTER_AND_DIGIT}, id="digits-only"),
        pytest.param("1234567", {LENGTH, LETTER_AND_DIGIT}, id="7-digits-only"),
        pytest.param("Abcdefg1!", {ALPHABET}, id="symbol-exclamation"),
        pytest.param("Abcd-efg1", {ALPHABET}, id="symbol-hyphen"),
        pytest.param("Abcd_efg1", {ALPHABET}, id="symbol-underscore"),
        pytest.param("Abcd@efg1", {ALPHABET}, id="symbol-at"),
        pytest.param("!@#$%^&*", {ALPHABET, LETTER_AND_DIGIT}, id="symbols-only"),
        pytest.param("Abcd efg1", {ALPHABET}, id="inner-space"),
        pytest.param("abcdefg1", set(), id="lowercase-and-digit"),
        pytest.param("ABCDEFG1", set(), id="uppercase-and-digit"),
        pytest.param("aBcDeFg1", set(), id="mixed-case-and-digit"),
        pytest.param("1234567a", set(), id="one-letter-last"),
        pytest.param("Z0000000", set(), id="one-letter-first"),
        pytest.param("0aZ9zA09", set(), id="edges-of-each-range"),
    ],
)
def test_web_password_length_and_alphabet(web_password: Policy, candidate: str, violations: set[str]) -> None:
    verdict = evaluate(web_password, candidate)
    assert violated(verdict) == violations
    assert verdict.accepted is (not violations)
    assert_not_echoed(verdict, candidate)


@pytest.mark.parametrize(
    ("candidate", "detail"),
    [
        pytest.param("Abcde12", "7 characters; 8 to 16 required", id="7"),
        pytest.param("Abcdef12", "8 characters; 8 to 16 required", id="8"),
        pytest.param("Abcdefgh12345678", "16 characters; 8 to 16 required", id="16"),
        pytest.param("Abcdefgh123456789", "17 characters; 8 to 16 required", id="17"),
    ],
)
def test_length_detail_states_the_count_and_the_bounds(web_password: Policy, candidate: str, detail: str) -> None:
    assert result(evaluate(web_password, candidate), LENGTH)[1] == detail


# --- look-alikes and invisible characters -------------------------------------------------------
# (candidate, violated rules, 1-based position of the first refused character, its code point)
TRAPS = [
    pytest.param("Ａbcdefg1", {ALPHABET}, 1, 0xFF21, id="fullwidth-letter-A"),
    pytest.param("ＡＢＣdefg12", {ALPHABET}, 1, 0xFF21, id="fullwidth-letters-ABC"),
    pytest.param("Abcdefg１", {ALPHABET, LETTER_AND_DIGIT}, 8, 0xFF11, id="fullwidth-digit-only-digit"),
    pytest.param("Abcdefg1２", {ALPHABET}, 9, 0xFF12, id="fullwidth-digit-plus-ascii-digit"),
    pytest.param("Ａｂｃｄｅｆｇ１", {ALPHABET, LETTER_AND_DIGIT}, 1, 0xFF21, id="all-fullwidth"),
    pytest.param("Abcdefg٣", {ALPHABET, LETTER_AND_DIGIT}, 8, 0x0663, id="arabic-indic-digit"),
    pytest.param("Abcdefg۳", {ALPHABET, LETTER_AND_DIGIT}, 8, 0x06F3, id="extended-arabic-indic-digit"),
    pytest.param("Abcdefg३", {ALPHABET, LETTER_AND_DIGIT}, 8, 0x0969, id="devanagari-digit"),
    pytest.param("Abcdefg²", {ALPHABET, LETTER_AND_DIGIT}, 8, 0x00B2, id="superscript-two-isdigit-trap"),
    pytest.param("Abcdefg①", {ALPHABET, LETTER_AND_DIGIT}, 8, 0x2460, id="circled-digit"),
    pytest.param("Abcdefg𝟏", {ALPHABET, LETTER_AND_DIGIT}, 8, 0x1D7CF, id="math-bold-digit-non-bmp"),
    pytest.param("Abcdefgа1", {ALPHABET}, 8, 0x0430, id="cyrillic-a-lookalike"),
    pytest.param("аbcdefg1", {ALPHABET}, 1, 0x0430, id="cyrillic-a-first"),
    pytest.param("Аbcdefg1", {ALPHABET}, 1, 0x0410, id="cyrillic-capital-A"),
    pytest.param("Abcdefgα1", {ALPHABET}, 8, 0x03B1, id="greek-alpha"),
    pytest.param("Αbcdefg1", {ALPHABET}, 1, 0x0391, id="greek-capital-alpha-lookalike"),
    pytest.param("αβγδεζη1", {ALPHABET, LETTER_AND_DIGIT}, 1, 0x03B1, id="greek-letters-only"),
    pytest.param("Abcdefé1", {ALPHABET}, 7, 0x00E9, id="accented-e-precomposed"),
    pytest.param("Abcdefe\u03011", {ALPHABET}, 8, 0x0301, id="accented-e-combining"),
    pytest.param("Ünited12", {ALPHABET}, 1, 0x00DC, id="u-umlaut"),
    pytest.param("Straße12", {ALPHABET}, 5, 0x00DF, id="sharp-s"),
    pytest.param("\u212abcdefg1", {ALPHABET}, 1, 0x212A, id="kelvin-sign-casefolds-to-k"),
    pytest.param("Abcdefgı1", {ALPHABET}, 8, 0x0131, id="dotless-i"),
    pytest.param("ﬁlename1", {ALPHABET}, 1, 0xFB01, id="fi-ligature"),
    pytest.param("Abcdefg1\n", {ALPHABET}, 9, 0x000A, id="trailing-newline"),
    pytest.param("Abcdefg1\r\n", {ALPHABET}, 9, 0x000D, id="trailing-crlf"),
    pytest.param("\nAbcdefg1", {ALPHABET}, 1, 0x000A, id="leading-newline"),
    pytest.param("Abc\u200bdefg1", {ALPHABET}, 4, 0x200B, id="zero-width-space"),
    pytest.param("Abcdefg1\u200b", {ALPHABET}, 9, 0x200B, id="trailing-zero-width-space"),
    pytest.param("\ufeffAbcdefg1", {ALPHABET}, 1, 0xFEFF, id="leading-bom"),
    pytest.param("Abc\u00addefg1", {ALPHABET}, 4, 0x00AD, id="soft-hyphen"),
    pytest.param("Abcdefg1\u00a0", {ALPHABET}, 9, 0x00A0, id="trailing-no-break-space"),
    pytest.param("Abcdefg1\u3000", {ALPHABET}, 9, 0x3000, id="trailing-ideographic-space"),
    pytest.param("Abc\x00defg1", {ALPHABET}, 4, 0x0000, id="inner-nul"),
    pytest.param("Abcdefg1\x00", {ALPHABET}, 9, 0x0000, id="trailing-nul"),
    pytest.param("Abc\tdefg1", {ALPHABET}, 4, 0x0009, id="inner-tab"),
    pytest.param("Abcdefg1\x7f", {ALPHABET}, 9, 0x007F, id="trailing-delete"),
    pytest.param("Abcdefg1😀", {ALPHABET}, 9, 0x1F600, id="emoji"),
    pytest.param("Abcdefg😀", {ALPHABET, LETTER_AND_DIGIT}, 8, 0x1F600, id="emoji-instead-of-digit"),
    pytest.param("Abcdefg1\ud800", {ALPHABET}, 9, 0xD800, id="lone-high-surrogate"),
    pytest.param("Abcdefg1\udc00", {ALPHABET}, 9, 0xDC00, id="lone-low-surrogate"),
    pytest.param("Abcdefg1\ud83d\ude00", {ALPHABET}, 9, 0xD83D, id="surrogate-pair-as-code-units"),
    pytest.param("パスワード1234", {ALPHABET, LETTER_AND_DIGIT}, 1, 0x30D1, id="katakana"),
]


@pytest.mark.parametrize(("candidate", "violations", "position", "code_point"), TRAPS)
def test_lookalikes_are_refused_by_the_alphabet_rule(
    web_password: Policy, candidate: str, violations: set[str], position: int, code_point: int
) -> None:
    verdict = evaluate(web_password, candidate)
    assert not verdict.accepted
    assert violated(verdict) == violations


@pytest.mark.parametrize(("candidate", "violations", "position", "code_point"), TRAPS)
def test_refused_character_is_named_by_position_and_code_point_not_echoed(
    web_password: Policy, candidate: str, violations: set[str], position: int, code_point: int
) -> None:
    verdict = evaluate(web_password, candidate)
    passed, detail = result(verdict, ALPHABET)
    assert passed is False
    assert f"character {position} is U+{code_point:04X}" in detail
    assert chr(code_point) not in detail
    assert_not_echoed(verdict, candidate)


@pytest.mark.parametrize(
    ("candidate", "position", "described_as"),
    [
        pytest.param(" Abcdefg1", 1, "a space", id="leading-space"),
        pytest.param("Abcdefg1 ", 9, "a space", id="trailing-space"),
        pytest.param("Abcd efg1", 5, "a space", id="inner-space"),
        pytest.param("Abcdefg1!", 9, "an ASCII symbol", id="trailing-symbol"),
        pytest.param("#Abcdefg1", 1, "an ASCII symbol", id="leading-symbol"),
    ],
)
def test_space_and_ascii_symbols_are_named_by_position_and_class(
    web_password: Policy, candidate: str, position: int, described_as: str
) -> None:
    verdict = evaluate(web_password, candidate)
    assert violated(verdict) == {ALPHABET}
    assert result(verdict, ALPHABET)[1] == f"character {position} is {described_as}, outside the allowed alphabet"
    assert_not_echoed(verdict, candidate)


def test_only_the_first_refused_character_is_reported(web_password: Policy) -> None:
    detail = result(evaluate(web_password, "Abcdéfgé1٣"), ALPHABET)[1]
    assert detail.startswith("character 5 is U+00E9 ")
    assert "character 8" not in detail


def test_length_counts_code_points_so_a_non_bmp_character_is_one(web_password: Policy) -> None:
    # 7 ASCII characters and one emoji: 8 code points (UTF-16 would count 9).
    assert result(evaluate(web_password, "Abcdef1😀"), LENGTH) == (True, "8 characters; 8 to 16 required")


@pytest.mark.parametrize(
    "candidate",
    [pytest.param(p.values[0], id=p.id) for p in TRAPS]
    + [
        pytest.param("Abcdef12", id="accepted"),
        pytest.param("Abcde12", id="too-short"),
        pytest.param("abcdefgh", id="letters-only"),
    ],
)
def test_enforced_ok_agrees_with_evaluate(web_password: Policy, candidate: str) -> None:
    assert enforced_ok(web_password, candidate) is evaluate(web_password, candidate).accepted


# --- the AMC password (PIN) --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("candidate", "violations"),
    [
        pytest.param("0123", set(), id="leading-zero"),
        pytest.param("0000", set(), id="all-zeros"),
        pytest.param("9876", set(), id="plain"),
        pytest.param("123", {PIN_LENGTH}, id="3-digits"),
        pytest.param("12345", {PIN_LENGTH}, id="5-digits"),
        pytest.param("", {PIN_LENGTH}, id="empty"),
        pytest.param("12a4", {PIN_DIGITS}, id="letter"),
        pytest.param("12 4", {PIN_DIGITS}, id="space"),
        pytest.param("-123", {PIN_DIGITS}, id="negative-sign"),
        pytest.param("1234\n", {PIN_LENGTH, PIN_DIGITS}, id="trailing-newline"),
        pytest.param(" 123", {PIN_DIGITS}, id="leading-space-4-chars"),
        pytest.param("１２３４", {PIN_DIGITS}, id="fullwidth"),
        pytest.param("12３4", {PIN_DIGITS}, id="one-fullwidth"),
        pytest.param("٠١٢٣", {PIN_DIGITS}, id="arabic-indic"),
        pytest.param("०१२३", {PIN_DIGITS}, id="devanagari"),
        pytest.param("12²4", {PIN_DIGITS}, id="superscript"),
        pytest.param("12\x004", {PIN_DIGITS}, id="nul"),
    ],
)
def test_pin_is_exactly_four_ascii_digits(amc_pin: Policy, candidate: str, violations: set[str]) -> None:
    verdict = evaluate(amc_pin, candidate)
    assert violated(verdict) == violations
    assert verdict.accepted is (not violations)
    assert verdict.advisories == ()
    assert_not_echoed(verdict, candidate)


@pytest.mark.parametrize(
    ("candidate", "position", "code_point"),
    [
        pytest.param("12a4", 3, 0x0061, id="letter"),
        pytest.param("１２３４", 1, 0xFF11, id="fullwidth"),
        pytest.param("٠١٢٣", 1, 0x0660, id="arabic-indic"),
    ],
)
def test_pin_detail_names_position_and_code_point(
    amc_pin: Policy, candidate: str, position: int, code_point: int
) -> None:
    detail = result(evaluate(amc_pin, candidate), PIN_DIGITS)[1]
    assert f"character {position} is U+{code_point:04X}" in detail


# --- advisories: guessable and reused passwords ---------------------------------------------------
@pytest.mark.parametrize(
    ("candidate", "field"),
    [
        pytest.param("Hanako2024", "name", id="given-name"),
        pytest.param("hanako2024", "name", id="given-name-lowercase"),
        pytest.param("HANAKO2024", "name", id="given-name-uppercase"),
        pytest.param("Yamada1985x", "name", id="family-name"),
        pytest.param("x1yAmAdA", "name", id="family-name-mixed-case-inside"),
        pytest.param("Pw19850721", "birth date", id="birth-yyyymmdd"),
        pytest.param("Pw850721x", "birth date", id="birth-yymmdd"),
        pytest.param("Abc0721xyz", "birth date", id="birth-mmdd"),
        pytest.param("Abc2107xyz", "birth date", id="birth-ddmm"),
        pytest.param("Pw21071985", "birth date", id="birth-ddmmyyyy"),
        pytest.param("Pw07211985", "birth date", id="birth-mmddyyyy"),
        pytest.param("Pw0312345678", "phone", id="phone-full"),
        pytest.param("Pw12345678", "phone", id="phone-without-area-code"),
        pytest.param("x2345678y", "phone", id="phone-last-7"),
    ],
)
def test_personal_information_is_an_advisory_not_a_rejection(
    web_password: Policy, profile: Mapping[str, str], candidate: str, field: str
) -> None:
    verdict = evaluate(web_password, candidate, PolicyContext(profile=profile))
    assert verdict.accepted
    assert verdict.violations == ()
    assert result(verdict, GUESSABLE) == (False, f"contains the member's {field}")
    assert GUESSABLE in {r.rule for r in verdict.advisories}
    assert_not_echoed(verdict, candidate)
    for value in profile.values():
        for text in (r.detail for r in verdict.results):
            assert value not in text


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param("Tokyo2024", id="unrelated"),
        pytest.param("Zq8mVt3rW", id="random"),
        pytest.param("Hana2024xy", id="name-prefix-shorter-than-name"),
    ],
)
def test_unrelated_candidate_passes_the_personal_information_advisory(
    web_password: Policy, profile: Mapping[str, str], candidate: str
) -> None:
    verdict = evaluate(web_password, candidate, PolicyContext(profile=profile))
    passed, detail = result(verdict, GUESSABLE)
    assert passed is True
    assert detail == "contains none of: name, birth date, phone"
    assert GUESSABLE not in {r.rule for r in verdict.advisories}


@pytest.mark.parametrize(
    "context",
    [pytest.param(None, id="no-context"), pytest.param(PolicyContext(), id="empty-profile")],
)
def test_personal_information_rule_is_not_evaluated_without_a_profile(
    web_password: Policy, context: PolicyContext | None
) -> None:
    verdict = evaluate(web_password, "Hanako2024", context)
    passed, detail = result(verdict, GUESSABLE)
    assert passed is None
    assert detail.startswith("not evaluated")
    assert verdict.accepted
    assert GUESSABLE in {r.rule for r in verdict.advisories}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        pytest.param(None, None, id="no-context"),
        pytest.param(PolicyContext(), None, id="context-without-list"),
        pytest.param(PolicyContext(used_elsewhere=frozenset()), True, id="empty-list"),
        pytest.param(PolicyContext(used_elsewhere=frozenset({"Other999x", "Tokyo2024"})), True, id="not-in-list"),
        pytest.param(PolicyContext(used_elsewhere=frozenset({"Other999x", "Qw3rty77"})), False, id="in-list"),
    ],
)
def test_not_used_elsewhere(web_password: Policy, context: PolicyContext | None, expected: bool | None) -> None:
    candidate = "Qw3rty77"
    verdict = evaluate(web_password, candidate, context)
    passed, detail = result(verdict, REUSED)
    assert passed is expected
    assert verdict.accepted, "reuse is advice only"
    assert (REUSED in {r.rule for r in verdict.advisories}) is (expected is not True)
    if expected is None:
        assert detail.startswith("not evaluated")
    assert "Other999x" not in detail
    assert_not_echoed(verdict, candidate)


def test_advisories_never_hide_a_rejection(web_password: Policy, profile: Mapping[str, str]) -> None:
    verdict = evaluate(web_password, "hanako", PolicyContext(profile=profile, used_elsewhere=frozenset({"hanako"})))
    assert not verdict.accepted
    assert violated(verdict) == {LENGTH, LETTER_AND_DIGIT}
    assert {r.rule for r in verdict.advisories} == {GUESSABLE, REUSED}


def test_every_rule_is_reported_in_declaration_order(web_password: Policy) -> None:
    verdict = evaluate(web_password, "Abcdef12")
    assert verdict.policy == "web_password"
    assert [r.rule for r in verdict.results] == [r.id for r in web_password.rules]
    assert [r.message for r in verdict.results] == [r.message for r in web_password.rules]


def test_remembered_verdicts_are_the_policys_and_stay_bounded(ana: Spec) -> None:
    """Both backends ask a policy about the same few candidates thousands of times while fuzzing."""
    from credlab.model.policy import Verdicts, enforced_ok

    policy = ana.policies["web_password"]
    verdicts = Verdicts(policy, limit=3)
    candidates = ["Sakura2024", "short", "Sakura2024\n", "ＳAkura2024", "Sakura2024"]
    assert [verdicts(c) for c in candidates] == [enforced_ok(policy, c) for c in candidates]
    assert len(verdicts.known) <= 3


@pytest.mark.parametrize(
    ("candidate", "passed", "detail"),
    [
        ("a1b2c3", True, "no character repeated more than 2 times in a row"),
        ("aab1", True, "no character repeated more than 2 times in a row"),
        ("x7770", False, "characters 2 to 4 are one character repeated 3 times"),
        ("zzzz", False, "characters 1 to 3 are one character repeated 3 times"),
    ],
)
def test_repeated_characters_are_reported_by_position_never_by_value(candidate: str, passed: bool, detail: str) -> None:
    from credlab.model import ir

    rule = ir.PolicyRule("no_triples", "reject", ir.MaxConsecutiveCheck(2), "no character three times in a row")
    verdict = evaluate(Policy("p", "password", (rule,)), candidate)
    [result] = verdict.results
    assert (result.passed, result.detail) == (passed, detail)
    assert candidate not in result.detail
