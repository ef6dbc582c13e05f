"""Whether anything passes a policy is decided exactly, with the reason when nothing does and a
witness when something does: never by drawing values at random and giving up."""

from __future__ import annotations

import pytest

from credlab.model import ir
from credlab.model.policy import enforced_ok, random_candidate
from credlab.model.policy_space import why_nothing_passes, witness


def policy(*checks: ir.RuleCheck) -> ir.Policy:
    rules = tuple(ir.PolicyRule(f"rule_{n}", "reject", check, "m") for n, check in enumerate(checks))
    return ir.Policy("p", "password", rules)


LETTERS_AND_DIGITS = ir.MustIncludeCheck(("ascii_letter", "ascii_digit"))


@pytest.mark.parametrize(
    "rules",
    [
        pytest.param((ir.LengthCheck(8, 64), LETTERS_AND_DIGITS), id="must-include-without-alphabet"),
        pytest.param((ir.LengthCheck(8, 64), ir.PrintableCheck(), LETTERS_AND_DIGITS), id="printable-must-include"),
        pytest.param((ir.LengthCheck(1, 1), ir.MustIncludeCheck(("ascii_upper", "ascii_letter"))), id="one-char-both"),
        pytest.param(
            (
                ir.LengthCheck(1, 2),
                ir.AlphabetCheck(("ascii_digit",)),
                ir.NotInListCheck(frozenset(map(str, range(10)))),
            ),
            id="every-one-digit-value-listed-but-two-digits-allowed",
        ),
        pytest.param((ir.LengthCheck(0, 0),), id="the-empty-value"),
    ],
)
def test_satisfiable_policies_pass_with_a_witness_and_a_random_value(rules: tuple[ir.RuleCheck, ...]) -> None:
    declared = policy(*rules)
    assert why_nothing_passes(declared) is None
    found = witness(declared)
    assert found is not None and enforced_ok(declared, found)
    import random

    drawn = random_candidate(declared, random.Random(1))
    assert enforced_ok(declared, drawn)


@pytest.mark.parametrize(
    ("rules", "reason"),
    [
        ((ir.LengthCheck(10, 8),), "its length rules exclude each other (at least 10, at most 8)"),
        (
            (ir.AlphabetCheck(("ascii_digit",)), ir.AlphabetCheck(("ascii_letter",)), ir.LengthCheck(1, 4)),
            "its alphabets have no character in common",
        ),
        (
            (ir.AlphabetCheck(("ascii_digit",)), ir.MustIncludeCheck(("ascii_letter",)), ir.LengthCheck(4, 4)),
            "it must include a letter A–Z or a–z, which its alphabet excludes",
        ),
        (
            (ir.LengthCheck(1, 1), LETTERS_AND_DIGITS),
            "it must include 2 kinds of character but allows at most 1",
        ),
        (
            (
                ir.LengthCheck(1, 1),
                ir.AlphabetCheck(("ascii_digit",)),
                ir.NotInListCheck(frozenset(map(str, range(10)))),
            ),
            "every value its other rules allow is listed as refused",
        ),
        (
            (
                ir.LengthCheck(1, 1),
                ir.AlphabetCheck(("ascii_upper", "ascii_lower")),
                ir.NotInListCheck(frozenset("abcdefghijklmnopqrstuvwxyz")),
            ),
            "every value its other rules allow is listed as refused",  # the list compares without case
        ),
    ],
)
def test_unsatisfiable_policies_say_why(rules: tuple[ir.RuleCheck, ...], reason: str) -> None:
    declared = policy(*rules)
    assert why_nothing_passes(declared) == reason
    assert witness(declared) is None


def test_advice_never_makes_a_policy_unsatisfiable() -> None:
    advice = ir.PolicyRule("advice", "advise", ir.LengthCheck(99, 1), "m")
    declared = ir.Policy("p", "password", (ir.PolicyRule("len", "reject", ir.LengthCheck(4, 4), "m"), advice))
    assert why_nothing_passes(declared) is None
