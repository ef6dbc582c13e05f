"""Password Rules strings are read as the format's reference parser reads them, and turned into
credlab rules that accept exactly the strings the rules describe."""

from __future__ import annotations

import pytest

from credlab.model import ir
from credlab.model.password_rules import ClassSet, RulesError, parse_rules, rules_policy
from credlab.model.policy import enforced_ok
from credlab.model.policy_measures import measure


def as_policy(text: str) -> ir.Policy:
    return rules_policy("site", text)


def test_lengths_take_the_strictest_and_required_classes_each_need_one_of_theirs() -> None:
    rules = parse_rules(
        "minlength: 6; minlength: 8; maxlength: 20; maxlength: 16; required: lower, upper; required: digit;"
    )
    assert (rules.minimum, rules.maximum) == (8, 16)
    assert rules.required == (ClassSet(("lower", "upper"), ""), ClassSet(("digit",), ""))
    site = as_policy("minlength: 8; maxlength: 16; required: lower, upper; required: digit;")
    assert enforced_ok(site, "abcdefg1") and enforced_ok(site, "ABCDEFG1")  # lower OR upper
    assert not enforced_ok(site, "abcdefgh") and not enforced_ok(site, "abcdef1")
    assert not enforced_ok(site, "abcdefg1!")  # allowed: only what required and allowed name


def test_special_is_ascii_symbols_and_space_and_nothing_named_means_printable_ascii() -> None:
    special = as_policy("required: special; allowed: lower;")
    assert enforced_ok(special, "a b") and enforced_ok(special, "a~") and not enforced_ok(special, "ab")
    anything = as_policy("minlength: 1; maxlength: 1;")
    assert measure(anything).accepted.count == 95  # printable ASCII, space included
    assert not enforced_ok(anything, "é")
    assert enforced_ok(as_policy("allowed: unicode; minlength: 1;"), "é")


def test_brackets_are_read_as_the_reference_parser_reads_them() -> None:
    rules = parse_rules("required: [-_.]; allowed: [ab-c]]; allowed: []];")
    assert rules.required[0].chars == "-_."
    assert rules.allowed[0].chars == "abc]"  # '-' not first: ignored; "]]" is a bracket, then the end
    assert any("'-' (character" in note and "is not first" in note for note in rules.notes)
    assert rules.allowed[1].chars == "]"
    kept = parse_rules("allowed: [a§b];")
    assert kept.allowed[0].chars == "ab" and "U+00A7" in kept.notes[0]


def test_max_consecutive_takes_the_smallest() -> None:
    rules = parse_rules("max-consecutive: 3; max-consecutive: 2; minlength: 3;")
    assert rules.max_consecutive == 2
    site = as_policy("max-consecutive: 2; minlength: 3;")
    assert enforced_ok(site, "aab") and not enforced_ok(site, "aaab")


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("minlenght: 8;", 0, "'minlenght' is no property"),
        ("minlength 8;", 10, "'minlength' must be followed by ':'"),
        ("minlength: eight;", 11, "minlength takes a whole number"),
        ("required: uppper;", 10, "'uppper' is no class of required"),
        ("allowed: [abc", 9, "a '[' is never closed by ']'"),
        ("minlength: 8 maxlength: 9;", 13, "expected ';' after 'minlength'"),
    ],
)
def test_what_cannot_be_read_is_refused_with_its_offset(text: str, offset: int, message: str) -> None:
    with pytest.raises(RulesError) as raised:
        parse_rules(text)
    assert raised.value.offset == offset and message in raised.value.message


def test_every_corpus_policy_exports_back_to_the_same_strings() -> None:
    import json

    from credlab.model.password_rules import export_rules
    from credlab.model.policy_measures import compare
    from tests.conftest import REPO

    corpus = json.loads((REPO / "model" / "data" / "password-rules.json").read_text(encoding="utf-8"))
    for site, entry in corpus.items():
        imported = as_policy(entry["password-rules"])
        text, left_out = export_rules(imported)
        assert left_out == (), site
        assert compare(imported, as_policy(text)).relation == "equal", (site, text)


def test_what_password_rules_cannot_say_is_left_out_by_name() -> None:
    from credlab.model.password_rules import export_rules

    listed = ir.Policy(
        "p",
        "password",
        (
            ir.PolicyRule("length", "reject", ir.LengthCheck(8, None), "m"),
            ir.PolicyRule("common", "reject", ir.NotInListCheck(frozenset({"password"})), "m"),
            ir.PolicyRule("printable", "reject", ir.PrintableCheck(), "m"),
            ir.PolicyRule("accented", "reject", ir.MustIncludeCheck(("[é]",)), "m"),
        ),
    )
    text, left_out = export_rules(listed)
    assert text == "minlength: 8; allowed: unicode;"
    assert [rule for rule, _ in left_out] == ["common", "printable", "accented"]
