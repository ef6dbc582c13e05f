"""Results of the password-policy algebra (``credlab policy count`` and ``policy compare``): one
value per command, each with its one JSON form. Big integers travel as decimal strings, an
infinite count as ``"infinite"``."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from credlab.model.audit import RequirementResult
from credlab.model.charsets import is_printable
from credlab.model.policy_measures import Comparison, Part, PolicyMeasure, log2
from credlab.model.standards import Profile
from credlab.simulator.results import Json

UNICODE = unicodedata.unidata_version
"""The Unicode version counts are taken over (Python's database: sizes of classes beyond ASCII)."""


def count_text(count: int | None) -> str:
    return "infinite" if count is None else str(count)


def shown(witness: str) -> str:
    """A witness in double quotes, every unprintable character (and quote, backslash) escaped:
    generated strings, never a user's secret, but some hold characters a terminal would swallow."""
    out = []
    for char in witness:
        if char in '"\\' or not is_printable(char):
            out.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def part_json(part: Part) -> Json:
    return {"count": count_text(part.count), "shortest_witness": part.shortest, "log2": log2(part.count)}


@dataclass(frozen=True, slots=True)
class PolicyCount:
    """``credlab policy count``: accepted strings per length and in total."""

    spec: str
    measure: PolicyMeasure

    @property
    def ok(self) -> bool:
        return True

    def to_json(self) -> Json:
        m = self.measure
        return {
            "ok": self.ok,
            "spec": self.spec,
            "policy": m.policy,
            "unicode": UNICODE,
            "lengths": {str(n): str(c) for n, c in m.lengths},
            "total": count_text(m.accepted.count),
            "bounded": m.accepted.count is not None,
            "log2": log2(m.accepted.count),
            "shortest": m.accepted.shortest,
            "not_counted": list(m.not_counted),
        }


@dataclass(frozen=True, slots=True)
class PolicyComparison:
    """``credlab policy compare``: how policy A's accepted strings relate to policy B's."""

    a: str
    b: str
    """``SPEC:POLICY`` as given."""
    comparison: Comparison

    @property
    def ok(self) -> bool:
        return self.comparison.relation == "equal"

    def to_json(self) -> Json:
        c = self.comparison
        return {
            "ok": self.ok,
            "a": self.a,
            "b": self.b,
            "unicode": UNICODE,
            "relation": c.relation,
            "only_in_a": part_json(c.only_a),
            "only_in_b": part_json(c.only_b),
            "in_both": part_json(c.both),
            "not_counted": list(c.not_counted),
        }


@dataclass(frozen=True, slots=True)
class PolicyAudit:
    """``credlab policy audit``: each requirement of a standard's profile, judged on one policy."""

    spec: str
    policy: str
    profile: Profile
    single_factor: bool
    results: tuple[RequirementResult, ...]
    evidence: tuple[str, ...] = ()
    """Story files of the lifecycle findings the rate-limit requirements rest on."""

    @property
    def ok(self) -> bool:
        return all(r.passed for r in self.results)

    def to_json(self) -> Json:
        return {
            "ok": self.ok,
            "spec": self.spec,
            "policy": self.policy,
            "profile": self.profile.name,
            "title": self.profile.title,
            "single_factor": self.single_factor,
            "requirements": [
                {
                    "id": r.requirement.id,
                    "text": r.requirement.text,
                    "strength": r.requirement.strength,
                    "passed": r.passed,
                    "status": r.status,
                    "witness": r.witness,
                    "detail": r.detail,
                    "quote": r.requirement.quote,
                    "source": r.requirement.source,
                }
                for r in self.results
            ],
            "not_audited": [{"requirement": what, "why": why} for what, why in self.profile.not_audited],
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class PolicyExport:
    """``credlab policy export-rules``: a policy as a Password Rules string, what it leaves out,
    and whether reading the string back gives exactly the strings the exported rules accept."""

    spec: str
    policy: str
    rules: str
    left_out: tuple[tuple[str, str], ...]
    equal_on_import: bool
    advice: tuple[str, ...] = ()
    """Ids of advice rules (never part of Password Rules, which only has rules)."""

    @property
    def ok(self) -> bool:
        return not self.left_out and self.equal_on_import

    def to_json(self) -> Json:
        return {
            "ok": self.ok,
            "spec": self.spec,
            "policy": self.policy,
            "password_rules": self.rules,
            "not_exported": [{"rule": rule, "why": why} for rule, why in self.left_out],
            "advice_left_out": list(self.advice),
            "equal_on_import": self.equal_on_import,
        }
