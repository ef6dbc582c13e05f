"""Counting and comparing policies is exact: on a small universe of characters every count and
every shortest witness equals what enumerating all strings finds, and over full Unicode the
counts follow from the classes' sizes."""

from __future__ import annotations

import itertools
import random
import unicodedata
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from credlab.model import ir
from credlab.model.charsets import SCALARS, Universe
from credlab.model.policy import enforced_ok
from credlab.model.policy_algebra import Algebra, Region
from credlab.model.policy_automaton import Product, string_rules
from credlab.model.policy_measures import compare, measure

CHARS = "akBK1! é\x01ß\u212as"
"""Lower and upper case, a digit, a symbol, a space, a letter beyond ASCII, a control character,
and what case folding joins: ß and ss, k, K and the Kelvin sign."""
SMALL = Universe(CHARS)
LONGEST = 3
CLASSES = (
    "ascii_upper",
    "ascii_lower",
    "ascii_letter",
    "ascii_digit",
    "ascii_symbol",
    "ascii_space",
    "ascii_printable",
    "unicode",
    "[!kß]",
    "[ 1é]",
)


@cache
def every_string() -> tuple[str, ...]:
    return tuple("".join(t) for n in range(LONGEST + 1) for t in itertools.product(CHARS, repeat=n))


def policy(name: str, *checks: ir.RuleCheck) -> ir.Policy:
    return ir.Policy(name, "password", tuple(ir.PolicyRule(f"r{i}", "reject", c, "m") for i, c in enumerate(checks)))


@st.composite
def policies(draw: st.DrawFn, name: str = "p") -> ir.Policy:
    checks: list[ir.RuleCheck] = []
    low = draw(st.integers(0, LONGEST))
    checks.append(ir.LengthCheck(low, draw(st.none() | st.integers(low, LONGEST))))
    if draw(st.booleans()):
        checks.append(ir.AlphabetCheck(tuple(draw(st.sets(st.sampled_from(CLASSES), min_size=1, max_size=3)))))
    if draw(st.booleans()):
        checks.append(ir.MustIncludeCheck(tuple(draw(st.sets(st.sampled_from(CLASSES), min_size=1, max_size=2)))))
    if draw(st.booleans()):
        one_of = draw(st.sets(st.sampled_from(CLASSES), min_size=2, max_size=3))
        checks.append(ir.MustIncludeOneOfCheck(tuple(sorted(one_of))))
    if draw(st.booleans()):
        checks.append(ir.PrintableCheck())
    if draw(st.booleans()):
        checks.append(ir.MaxConsecutiveCheck(draw(st.integers(1, 2))))
    if draw(st.booleans()):
        words = st.text(alphabet="akKsSß1B", min_size=1, max_size=LONGEST)
        checks.append(ir.NotInListCheck(frozenset(draw(st.sets(words, min_size=1, max_size=3)))))
    return policy(name, *checks)


def brute(a: ir.Policy, b: ir.Policy, region: Region) -> list[str]:
    return [s for s in every_string() if (enforced_ok(a, s), enforced_ok(b, s)) == region]


def first(strings: list[str]) -> str | None:
    from credlab.model.policy_algebra import _key

    return min(strings, key=_key, default=None)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(policies("a"), policies("b"))
def test_counts_and_shortest_witnesses_equal_enumeration(a: ir.Policy, b: ir.Policy) -> None:
    algebra = Algebra(Product([string_rules(a), string_rules(b)], SMALL))
    for region in ((True, False), (False, True), (True, True)):
        found = brute(a, b, region)
        per_length = [sum(1 for s in found if len(s) == n) for n in range(LONGEST + 1)]
        assert algebra.counts(region, LONGEST) == per_length, region
        shortest = algebra.shortest(region)
        bound = algebra.bound(region)
        if found or (bound is not None and bound <= LONGEST):
            assert shortest == first(found), region
        else:  # nothing up to LONGEST: a witness, if any, is longer (and in the region)
            assert shortest is None or (len(shortest) > LONGEST and algebra.verdict(shortest) == region)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(policies("a"), policies("b"))
def test_the_relation_agrees_with_random_sampling(a: ir.Policy, b: ir.Policy) -> None:
    comparison = compare(a, b, SMALL)
    sample = random.Random(0).sample(every_string(), 400)
    in_a = {s for s in sample if enforced_ok(a, s)}
    in_b = {s for s in sample if enforced_ok(b, s)}
    if comparison.relation in ("equal", "subset"):
        assert in_a <= in_b
    if comparison.relation in ("equal", "superset"):
        assert in_b <= in_a
    if comparison.relation == "disjoint":
        assert not in_a & in_b
    for part in (comparison.only_a, comparison.only_b, comparison.both):
        assert part.empty == (part.count == 0)


def test_a_policy_with_no_upper_length_has_infinitely_many_strings_and_still_a_shortest() -> None:
    open_ended = policy("open", ir.MustIncludeCheck(("ascii_digit",)), ir.NotInListCheck(frozenset({"0", "1"})))
    measured = measure(open_ended)
    assert measured.accepted.count is None and measured.accepted.shortest == "2"
    assert measured.lengths[0] == (1, 8)  # ten digits less the two listed
    assert measured.lengths[1] == (2, SCALARS**2 - (SCALARS - 10) ** 2)


def test_one_character_repeated_at_most_once_in_a_row_is_finite_without_an_upper_length() -> None:
    only_a = policy("a", ir.AlphabetCheck(("ascii_digit",)), ir.MaxConsecutiveCheck(1))
    measured = measure(only_a)
    assert measured.accepted.count is None  # 0101… goes on for ever
    single = Algebra(Product([string_rules(only_a)], Universe("1")))
    assert single.bound((True,)) == 1 and single.counts((True,), 3) == [1, 1, 0, 0]


def test_over_unicode_a_class_counts_its_code_points() -> None:
    anything = measure(policy("any", ir.LengthCheck(1, 1)))
    assert anything.accepted.count == SCALARS
    printable = measure(policy("printable", ir.LengthCheck(1, 1), ir.PrintableCheck()))
    assert printable.accepted.count is not None and 140_000 < printable.accepted.count < SCALARS
    categories = (unicodedata.category(chr(c)) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert printable.accepted.count == sum(1 for category in categories if not category.startswith("C"))
    printable_only = policy("p", ir.PrintableCheck())
    assert enforced_ok(printable_only, "é") and not enforced_ok(printable_only, "\x85")


def test_ana_web_password_is_letters_and_digits_less_the_single_kinds() -> None:
    web = policy(
        "web",
        ir.LengthCheck(8, 16),
        ir.AlphabetCheck(("ascii_upper", "ascii_lower", "ascii_digit")),
        ir.MustIncludeCheck(("ascii_letter", "ascii_digit")),
    )
    measured = measure(web)
    expected = {n: 62**n - 52**n - 10**n for n in range(8, 17)}
    assert dict(measured.lengths) == expected
    assert measured.accepted.count == sum(expected.values())
    assert measured.accepted.shortest == "aaaaaaa0"


def test_a_listed_value_refuses_every_spelling_case_folding_joins() -> None:
    listed = policy("listed", ir.LengthCheck(2, 2), ir.NotInListCheck(frozenset({"ss"})))
    universe = Universe("sSß")
    algebra = Algebra(Product([string_rules(listed)], universe))
    assert algebra.counts((True,), 2) == [0, 0, 9 - 4]  # ss sS Ss SS refused; ß alone is one character
    assert enforced_ok(listed, "ßs") and not enforced_ok(listed, "Ss")
