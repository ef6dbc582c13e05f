"""What a password policy allows, measured exactly: how many strings of each length, and how two
policies relate, each difference with its size and its shortest witness.

Counts are over Unicode scalar values (the running Python's Unicode database) and cover the
``reject`` rules that judge the string alone; the ids of rules that need other facts are kept
in ``not_counted`` so that every renderer can say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from credlab.model import ir
from credlab.model.charsets import Universe
from credlab.model.policy_algebra import Algebra, Region
from credlab.model.policy_automaton import FULL_UNICODE, Product, string_rules

UNBOUNDED_SHOWN = 16
"""For a policy with no upper length: how many lengths past its last bound are listed."""

Relation = Literal["equal", "subset", "superset", "overlap", "disjoint"]


@dataclass(frozen=True, slots=True)
class Part:
    """A set of strings: how many (None: infinitely many) and the shortest, first in witness order."""

    count: int | None
    shortest: str | None

    @property
    def empty(self) -> bool:
        return self.shortest is None


def log2(count: int | None) -> float | None:
    return None if count is None or count == 0 else math.log2(count)


@dataclass(frozen=True, slots=True)
class PolicyMeasure:
    policy: str
    lengths: tuple[tuple[int, int], ...]
    """(length, how many accepted strings have it), for every length with some; for a policy
    with no upper length, up to ``UNBOUNDED_SHOWN`` lengths past its last bound."""
    accepted: Part
    not_counted: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    a: str
    b: str
    only_a: Part
    only_b: Part
    both: Part
    not_counted: tuple[str, ...]
    """Rules of either policy that need other facts (``a.rule``, ``b.rule``)."""

    @property
    def relation(self) -> Relation:
        if self.only_a.empty and self.only_b.empty:
            return "equal"
        if self.only_a.empty:
            return "subset"
        if self.only_b.empty:
            return "superset"
        return "disjoint" if self.both.empty else "overlap"


def _part(algebra: Algebra, region: Region) -> Part:
    shortest = algebra.shortest(region)
    if shortest is None:
        return Part(0, None)
    bound = algebra.bound(region)
    return Part(None if bound is None else sum(algebra.counts(region, bound)), shortest)


def measure(policy: ir.Policy, universe: Universe = FULL_UNICODE) -> PolicyMeasure:
    rules = string_rules(policy)
    algebra = Algebra(Product([rules], universe))
    bound = algebra.bound((True,))
    shown = bound if bound is not None else max(algebra.product.horizon, algebra.longest_listed + 1) + UNBOUNDED_SHOWN
    counts = algebra.counts((True,), shown)
    shortest = algebra.shortest((True,))
    accepted = Part(0 if shortest is None else None if bound is None else sum(counts), shortest)
    lengths = tuple((n, c) for n, c in enumerate(counts) if c)
    return PolicyMeasure(policy.name, lengths, accepted, rules.outside)


def compare(
    a: ir.Policy, b: ir.Policy, universe: Universe = FULL_UNICODE, names: tuple[str, str] = ("a", "b")
) -> Comparison:
    rules = (string_rules(a), string_rules(b))
    algebra = Algebra(Product(rules, universe))
    outside = tuple(f"{names[i]}.{rule}" for i, r in enumerate(rules) for rule in r.outside)
    return Comparison(
        a.name,
        b.name,
        _part(algebra, (True, False)),
        _part(algebra, (False, True)),
        _part(algebra, (True, True)),
        outside,
    )
