"""The Password Rules corpus shipped with credlab (``model/data/password-rules.json``: 434 real
sites' rules from apple/password-manager-resources, MIT licence beside it), summarised so that a
policy can be placed among real sites: minimum length, maximum length, required kinds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from credlab.model.password_rules import RulesError, parse_rules
from credlab.model.policy_automaton import StringRules


@dataclass(frozen=True, slots=True)
class Site:
    name: str
    minimum: int
    maximum: int | None
    required: int
    """How many kinds of character it requires (each ``required:`` property is one)."""


@cache
def corpus_sites() -> tuple[Site, ...]:
    """Every site of the corpus whose rules read (all of them, as shipped)."""
    text = resources.files("credlab.model").joinpath("data/password-rules.json").read_text(encoding="utf-8")
    sites = []
    for name, entry in json.loads(text).items():
        try:
            rules = parse_rules(entry["password-rules"])
        except RulesError:  # pragma: no cover - every shipped entry reads (tests/simulator/test_import_rules_cli.py)
            continue
        sites.append(Site(name, rules.minimum, rules.maximum, len(rules.required)))
    return tuple(sites)


@dataclass(frozen=True, slots=True)
class CorpusPosition:
    """Where a policy sits among the corpus's sites."""

    sites: int
    minimum: int
    stricter_minimum: int
    """Sites asking for a longer minimum."""
    maximum: int | None
    lower_maximum: int
    """Sites with a lower maximum (sites with none count as higher)."""
    required: int
    more_required: int
    """Sites requiring more kinds of character."""


def position(rules: StringRules) -> CorpusPosition:
    sites = corpus_sites()
    lower = sum(1 for s in sites if s.maximum is not None and (rules.maximum is None or s.maximum < rules.maximum))
    return CorpusPosition(
        len(sites),
        rules.minimum,
        sum(1 for s in sites if s.minimum > rules.minimum),
        rules.maximum,
        lower,
        len(rules.required),
        sum(1 for s in sites if s.required > len(rules.required)),
    )


MAXIMUM_BUCKETS = ((0, 12), (13, 16), (17, 20), (21, 32), (33, 63), (64, 128), (129, 1 << 30))
"""Ranges of maximum lengths shown together (sites with no maximum are a bucket of their own)."""


def bucket_label(low: int, high: int) -> str:
    return f"{low}+" if high >= 1 << 30 else (f"≤{high}" if low == 0 else f"{low}–{high}")


def histograms() -> dict[str, dict[str, int]]:
    """How many sites have each minimum length, maximum length (bucketed) and number of required
    kinds; keys are labels in display order."""
    sites = corpus_sites()
    minimum: dict[str, int] = {}
    for n in range(0, max(s.minimum for s in sites) + 1):
        minimum[str(n)] = sum(1 for s in sites if s.minimum == n)
    maximum = {
        bucket_label(low, high): sum(1 for s in sites if s.maximum is not None and low <= s.maximum <= high)
        for low, high in MAXIMUM_BUCKETS
    }
    maximum["none"] = sum(1 for s in sites if s.maximum is None)
    required = {str(n): sum(1 for s in sites if s.required == n) for n in range(0, 4)}
    required["4+"] = sum(1 for s in sites if s.required >= 4)
    return {"minimum": minimum, "maximum": maximum, "required": required}


def labels_of(pos: CorpusPosition) -> dict[str, str]:
    """The histogram label each of the policy's figures falls in."""
    maximum = "none"
    if pos.maximum is not None:
        maximum = next(bucket_label(lo, hi) for lo, hi in MAXIMUM_BUCKETS if lo <= pos.maximum <= hi)
    return {"minimum": str(pos.minimum), "maximum": maximum, "required": str(min(pos.required, 4)).replace("4", "4+")}
