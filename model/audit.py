"""Auditing a password policy against a standard's profile (:mod:`credlab.model.standards`).

Every requirement about strings is decided exactly on the policy automaton, and a failure comes
with a witness: the shortest string (first in witness order) that shows it — a password the
standard requires to be accepted that the policy refuses (the policy with the offending rule
relaxed accepts it; the policy does not), or one it requires to be refused that the policy accepts.
``credlab policy check`` confirms each. Rate limiting is about the lifecycle: it is judged from
the ``unlimited_guessing`` finding when the spec's exploration was complete, and is ``unknown``
otherwise. Nothing is ``pass`` without a decision.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from credlab.model import ir
from credlab.model.charsets import PRINTABLE_SAMPLES, preference
from credlab.model.policy import enforced_ok
from credlab.model.policy_algebra import Algebra
from credlab.model.policy_automaton import Product, StringRules, string_rules
from credlab.model.standards import COMMON_PASSWORDS, Profile, Requirement

Status = Literal["pass", "fail", "unknown"]
PRINTING_ASCII = frozenset(chr(c) for c in range(0x21, 0x7F))
"""RFC 20's printing characters (the space is asked for apart)."""


@dataclass(frozen=True, slots=True)
class Guessing:
    """What the lifecycle's exploration says about wrong guesses of this policy's credentials."""

    decided: bool
    """The exploration was complete (otherwise nothing is known)."""
    unlimited: tuple[str, ...]
    """Channels where wrong guesses of such a credential are unlimited (``unlimited_guessing``)."""


ResultOf = Callable[["Status", "str | None", str], "RequirementResult"]


@dataclass(frozen=True, slots=True)
class RequirementResult:
    requirement: Requirement
    status: Status
    witness: str | None
    detail: str

    @property
    def passed(self) -> bool:
        return self.status == "pass"


def _only(allowed: frozenset[str] | None, low: int = 0, high: int | None = None) -> StringRules:
    return StringRules("reference", low, high, allowed, False, (), None, frozenset(), ())


def _shortest(parts: list[StringRules], region: tuple[bool, ...]) -> str | None:
    return Algebra(Product(parts)).shortest(region)


def audit(
    policy: ir.Policy, profile: Profile, *, single_factor: bool, guessing: Guessing | None
) -> list[RequirementResult]:
    """Each requirement of ``profile``, judged on ``policy`` (``single_factor``: the password is
    the only thing some access rule takes; ``guessing``: the lifecycle's evidence, if any)."""
    rules = string_rules(policy)
    return [_judge(r, policy, rules, single_factor, guessing) for r in profile.requirements]


def _judge(
    req: Requirement, policy: ir.Policy, rules: StringRules, single_factor: bool, guessing: Guessing | None
) -> RequirementResult:
    def result(status: Status, witness: str | None, detail: str) -> RequirementResult:
        return RequirementResult(req, status, witness, detail)

    if req.check == "min_length":
        wanted = req.value if single_factor or req.multi_factor_value is None else req.multi_factor_value
        why = "" if req.multi_factor_value is None else (" (used alone)" if single_factor else " (with another factor)")
        short = _shortest([rules, _only(None, 0, wanted - 1)], (True, True))
        if short is None:
            return result("pass", None, f"nothing shorter than {wanted} is accepted{why}")
        return result("fail", short, f"accepts {len(short)} characters; at least {wanted} required{why}")
    if req.check == "permits_length":
        if rules.maximum is None or rules.maximum >= req.value:
            return result("pass", None, f"accepts up to {rules.maximum or 'any number of'} characters")
        longer = dataclasses.replace(rules, maximum=None)
        witness = _shortest([longer, _only(None, rules.maximum + 1, req.value)], (True, True))
        return result("fail", witness, f"accepts at most {rules.maximum} characters; {req.value} must be permitted")
    if req.check == "no_composition":
        if not rules.required:
            return result("pass", None, "requires no kind of character")
        names = ", ".join(name for name, _ in rules.required)
        free = dataclasses.replace(rules, required=())
        return result("fail", _shortest([free, rules], (True, False)), f"requires a character of each of: {names}")
    if req.check in ("accepts_printing_ascii", "accepts_space", "accepts_unicode"):
        return _characters(req, rules, result)
    if req.check == "blocklist":
        if rules.listed:
            return result("pass", None, f"refuses {len(rules.listed)} listed value(s)")
        accepted = next((p for p in COMMON_PASSWORDS if enforced_ok(policy, p)), None)
        return result(
            "fail", accepted, "no list of refused values" + ("; accepts a common password" if accepted else "")
        )
    if req.check == "context_words":
        refuses = any(r.severity == "reject" and isinstance(r.check, ir.AvoidPersonalInfoCheck) for r in policy.rules)
        if refuses:
            return result("pass", None, "refuses values built from the member's personal information")
        return result("fail", None, "no rule refuses context-specific words (at most advice)")
    return _rate_limit(req, guessing, result)


def _characters(req: Requirement, rules: StringRules, result: ResultOf) -> RequirementResult:
    target = {"accepts_printing_ascii": PRINTING_ASCII, "accepts_space": frozenset(" ")}.get(req.check)
    if req.check == "accepts_unicode":
        if rules.allowed is None:
            return result("pass", None, "no alphabet rule: every character is accepted" + _printable(rules))
        target = frozenset(PRINTABLE_SAMPLES)  # the language's classes beyond ASCII are all or nothing
    assert target is not None
    if rules.allowed is None or target <= rules.allowed:
        return result("pass", None, "every such character is accepted")
    missing = target - rules.allowed
    reference = _only(rules.allowed | target)
    witness = _shortest(
        [dataclasses.replace(rules, allowed=None, printable=False), reference, rules], (True, True, False)
    )
    example = _named(min(missing, key=preference))
    what = "characters beyond ASCII" if req.check == "accepts_unicode" else f"{len(missing)} such character(s)"
    return result("fail", witness, f"refuses {what}, e.g. {example}")


def _printable(rules: StringRules) -> str:
    return " (printable ones)" if rules.printable else ""


def _named(char: str) -> str:
    return "the space" if char == " " else f"U+{ord(char):04X} {char!r}"


def _rate_limit(req: Requirement, guessing: Guessing | None, result: ResultOf) -> RequirementResult:
    if guessing is None or not guessing.decided:
        return result("unknown", None, "rate limiting belongs to the lifecycle, and its exploration did not decide it")
    if guessing.unlimited:
        return result("fail", None, "unlimited_guessing: no limit on wrong guesses on " + ", ".join(guessing.unlimited))
    if req.value:
        return result(
            "unknown",
            None,
            f"wrong guesses are limited on every channel; whether to at most {req.value} is not measured",
        )
    return result("pass", None, "wrong guesses are limited on every channel (no unlimited_guessing finding)")
