"""Whether a policy accepts anything at all, decided exactly, with a reason a spec's author can
act on when it does not, and otherwise a witness: the shortest accepted value (the first in
witness order: lowercase letters, then uppercase, digits, symbols; see
:func:`credlab.model.charsets.preference`).

The decision is the policy automaton's (:mod:`credlab.model.policy_algebra`); the reasons are
read off the rules, most specific first, for the message.
"""

from __future__ import annotations

import dataclasses

from credlab.model import ir
from credlab.model.charsets import class_words
from credlab.model.policy_algebra import Algebra
from credlab.model.policy_automaton import Product, string_rules


def witness(policy: ir.Policy) -> str | None:
    """The shortest value every enforced rule of ``policy`` accepts, found without chance; None
    if there is none."""
    return Algebra(Product([string_rules(policy)])).shortest((True,))


def why_nothing_passes(policy: ir.Policy) -> str | None:
    """None if some value passes every enforced rule of ``policy``; otherwise why none does."""
    if witness(policy) is not None:
        return None
    rules = string_rules(policy)
    if rules.maximum is not None and rules.minimum > rules.maximum:
        return f"its length rules exclude each other (at least {rules.minimum}, at most {rules.maximum})"
    if rules.allowed is not None and not rules.allowed:
        return "its alphabets have no character in common"
    for name, chars in rules.required:
        if chars is not None and rules.allowed is not None and not chars & rules.allowed:
            return f"it must include {class_words(name)}, which its alphabet excludes"
    runs = rules.max_consecutive
    if runs is not None and rules.allowed is not None and len(rules.allowed) == 1 and rules.minimum > runs:
        return (
            f"its alphabet has one character, which may repeat at most {runs} time(s) in a row, "
            f"but values are at least {rules.minimum} long"
        )
    unlisted = dataclasses.replace(rules, listed=frozenset())
    if rules.listed and Algebra(Product([unlisted])).shortest((True,)) is not None:
        return "every value its other rules allow is listed as refused"
    if rules.maximum is not None and len(rules.required) > rules.maximum:
        return f"it must include {len(rules.required)} kinds of character but allows at most {rules.maximum}"
    return "no value meets all of its rules at once (its lengths, characters, required kinds and repeats)"
