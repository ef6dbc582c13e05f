"""Judging a candidate secret against a policy, rule by rule, without ever echoing it.

Each rule yields a :class:`RuleResult`. ``reject`` rules decide acceptance; ``advise`` rules
(the text only says "please avoid") are reported as advisories. A rule that needs facts the
caller did not give (the member's name, passwords used elsewhere) is *not evaluated*, never
silently passed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from credlab.model import ir
from credlab.model.charsets import class_chars, class_words, union
from credlab.model.node import node
from credlab.model.spec_schema import CHAR_CLASSES

if TYPE_CHECKING:
    import random


@node
class PolicyContext:
    """What a policy may compare a candidate with: the member's profile and other services' passwords."""

    profile: Mapping[str, str] = MappingProxyType({})
    used_elsewhere: frozenset[str] | None = None


@node
class RuleResult:
    rule: str
    severity: str
    passed: bool | None
    """None: not evaluated (the facts it needs were not given)."""
    message: str
    detail: str


@node
class Verdict:
    policy: str
    results: tuple[RuleResult, ...]

    @property
    def accepted(self) -> bool:
        return all(r.passed is not False for r in self.results if r.severity == "reject")

    @property
    def violations(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if r.severity == "reject" and r.passed is False)

    @property
    def advisories(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if r.severity == "advise" and r.passed is not True)


def describe_char(char: str) -> str:
    """Name a character that broke a rule, without printing it: category and code point."""
    if char in CHAR_CLASSES["ascii_symbol"]:
        return "an ASCII symbol"
    if char == " ":
        return "a space"
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else f" ({unicodedata.category(char)})")


def _check(check: ir.RuleCheck, candidate: str, context: PolicyContext) -> tuple[bool | None, str]:
    if isinstance(check, ir.LengthCheck):
        n = len(candidate)
        ok = check.minimum <= n and (check.maximum is None or n <= check.maximum)
        if check.maximum is None:
            bounds = f"at least {check.minimum}"
        elif check.minimum == check.maximum:
            bounds = f"exactly {check.minimum}"
        else:
            bounds = f"{check.minimum} to {check.maximum}"
        return ok, f"{n} characters; {bounds} required"
    if isinstance(check, ir.AlphabetCheck):
        allowed = union(check.classes)
        for index, char in enumerate(candidate, start=1):
            if allowed is not None and char not in allowed:
                return False, f"character {index} is {describe_char(char)}, outside the allowed alphabet"
        return True, "every character is allowed"
    if isinstance(check, ir.MustIncludeCheck):
        missing = [c for c in check.classes if not _holds(candidate, class_chars(c))]
        if missing:
            return False, "no " + " and no ".join(_bare(class_words(c)) for c in missing)
        return True, "includes " + " and ".join(class_words(c) for c in check.classes)
    if isinstance(check, ir.MustIncludeOneOfCheck):
        either = " or ".join(class_words(c) for c in check.classes)
        if not _holds(candidate, union(check.classes)):
            return False, f"none of: {either}"
        return True, f"includes {either}"
    if isinstance(check, ir.AvoidPersonalInfoCheck):
        return _personal_info(check.fields, candidate, context.profile)
    if isinstance(check, ir.NotInListCheck):
        listed = candidate in check.values or candidate.casefold() in {v.casefold() for v in check.values}
        return not listed, "is a listed value" if listed else "not a listed value"
    if isinstance(check, ir.MaxConsecutiveCheck):
        run = 0
        for index, char in enumerate(candidate):
            run = run + 1 if index and candidate[index - 1] == char else 1
            if run > check.count:
                return False, f"characters {index - run + 2} to {index + 1} are one character repeated {run} times"
        return True, f"no character repeated more than {check.count} times in a row"
    if isinstance(check, ir.PrintableCheck):
        for index, char in enumerate(candidate, start=1):
            if unicodedata.category(char)[0] == "C":
                return False, f"character {index} is {describe_char(char)}, which is not printable"
        return True, "every character is printable"
    if context.used_elsewhere is None:
        return None, "not evaluated: no list of passwords used on other services was given"
    return candidate not in context.used_elsewhere, "checked against passwords used on other services"


def _holds(candidate: str, chars: frozenset[str] | None) -> bool:
    """Whether ``candidate`` has a character of ``chars`` (``None``: any character at all)."""
    return bool(candidate) if chars is None else not chars.isdisjoint(candidate)


def _bare(words: str) -> str:
    return words.removeprefix("a ").removeprefix("an ")


def _personal_info(fields: tuple[str, ...], candidate: str, profile: Mapping[str, str]) -> tuple[bool | None, str]:
    known = [f for f in fields if profile.get(f)]
    if not known:
        return None, "not evaluated: no personal information was given"
    lowered = candidate.casefold()
    for f in known:
        if any(fragment in lowered for fragment in personal_fragments(f, profile[f])):
            return False, f"contains the member's {f.replace('_', ' ')}"
    return True, "contains none of: " + ", ".join(f.replace("_", " ") for f in known)


def personal_fragments(field_name: str, value: str) -> set[str]:
    """The pieces of a profile value that a guessable password would contain."""
    if field_name == "name" or field_name == "email":
        return {part.casefold() for part in re.split(r"[\s@._-]+", value) if len(part) >= 3}
    digits = "".join(c for c in value if c in CHAR_CLASSES["ascii_digit"])
    if field_name == "birth_date" and len(digits) == 8:
        year, month, day = digits[:4], digits[4:6], digits[6:]
        return {digits, year[2:] + month + day, month + day, day + month, day + month + year}
    if len(digits) >= 4:
        return {digits, digits[-4:]} if field_name == "member_number" else {digits, digits[-7:]}
    return set()


def evaluate(policy: ir.Policy, candidate: str, context: PolicyContext | None = None) -> Verdict:
    """Judge ``candidate`` against every rule of ``policy``."""
    context = context or PolicyContext()
    results = []
    for rule in policy.rules:
        passed, detail = _check(rule.check, candidate, context)
        results.append(RuleResult(rule.id, rule.severity, passed, rule.message, detail))
    return Verdict(policy.name, tuple(results))


def enforced_ok(policy: ir.Policy, candidate: str) -> bool:
    """Whether ``candidate`` passes every ``reject`` rule that needs no outside facts (the hot path)."""
    empty = PolicyContext()
    return all(
        _check(rule.check, candidate, empty)[0] is not False for rule in policy.rules if rule.severity == "reject"
    )


class Verdicts:
    """``enforced_ok`` remembered per value for one policy: a fuzzer or a search offers the same few
    candidates thousands of times (bounded: forgets everything past ``limit`` values)."""

    def __init__(self, policy: ir.Policy, limit: int = 4096) -> None:
        self.policy, self.limit = policy, limit
        self.known: dict[str, bool] = {}

    def __call__(self, candidate: str) -> bool:
        verdict = self.known.get(candidate)
        if verdict is None:
            if len(self.known) >= self.limit:
                self.known.clear()
            verdict = self.known[candidate] = enforced_ok(self.policy, candidate)
        return verdict


def random_value(credential: ir.Credential, policy: ir.Policy, rng: random.Random) -> str:
    """A new random value for ``credential``: one candidate, or a set's codes separated by spaces."""
    if credential.codes is None:
        return random_candidate(policy, rng)
    return " ".join(random_candidate(policy, rng) for _ in range(credential.codes))


def random_candidate(policy: ir.Policy, rng: random.Random) -> str:
    """A random value that ``policy``'s enforced rules accept (a reset PIN, say), from ``rng``."""
    length = next((r.check for r in policy.rules if isinstance(r.check, ir.LengthCheck)), ir.LengthCheck(8, 8))
    classes = next((r.check.classes for r in policy.rules if isinstance(r.check, ir.AlphabetCheck)), ("ascii_digit",))
    allowed = union(classes)
    alphabet = "".join(sorted(allowed)) if allowed else CHAR_CLASSES["ascii_letter"] + CHAR_CLASSES["ascii_digit"]
    for _ in range(1000):
        candidate = "".join(rng.choice(alphabet) for _ in range(length.minimum))
        if enforced_ok(policy, candidate):
            return candidate
    # the rules' own alphabet and length did not do (a class it must include, a printable-only
    # policy with no alphabet): build a value that passes by construction
    from credlab.model.policy_space import witness

    found = witness(policy)
    if found is None:
        raise ValueError(f"policy '{policy.name}' accepts no value")
    chars = list(found)
    for _ in range(100):  # a varied value when one is at hand, else the witness itself
        rng.shuffle(chars)
        if enforced_ok(policy, "".join(chars)):
            return "".join(chars)
    return found
