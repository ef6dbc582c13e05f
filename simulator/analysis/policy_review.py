"""Every password policy of a spec, reviewed for the report: what it accepts (exact counts), how
it fares against each shipped standard's profile, and where it sits among 434 real sites.

The audits' rate-limit requirements read the spec's own exploration (its ``unlimited_guessing``
findings), so the review costs no second exploration."""

from __future__ import annotations

from dataclasses import dataclass

from credlab.model import ir
from credlab.model.audit import Guessing, RequirementResult, audit
from credlab.model.corpus import CorpusPosition, histograms, labels_of, position
from credlab.model.policy_automaton import string_rules
from credlab.model.policy_measures import PolicyMeasure, log2, measure
from credlab.model.standards import PROFILES, Profile
from credlab.simulator.results import ExploreReport, Json
from credlab.simulator.results_policies import count_text


@dataclass(frozen=True, slots=True)
class PolicyReview:
    policy: str
    measure: PolicyMeasure
    single_factor: bool
    audits: tuple[tuple[Profile, tuple[RequirementResult, ...]], ...]
    corpus: CorpusPosition

    def to_json(self) -> Json:
        m, c = self.measure, self.corpus
        return {
            "policy": self.policy,
            "total": count_text(m.accepted.count),
            "log2": log2(m.accepted.count),
            "shortest": m.accepted.shortest,
            "lengths": {str(n): str(k) for n, k in m.lengths},
            "not_counted": list(m.not_counted),
            "single_factor": self.single_factor,
            "audits": [
                {
                    "profile": profile.name,
                    "title": profile.title,
                    "passed": sum(r.passed for r in results),
                    "requirements": [
                        {
                            "id": r.requirement.id,
                            "strength": r.requirement.strength,
                            "text": r.requirement.text,
                            "status": r.status,
                            "witness": r.witness,
                            "detail": r.detail,
                        }
                        for r in results
                    ],
                }
                for profile, results in self.audits
            ],
            "corpus": {
                "sites": c.sites,
                "minimum": c.minimum,
                "stricter_minimum": c.stricter_minimum,
                "maximum": c.maximum,
                "lower_maximum": c.lower_maximum,
                "required": c.required,
                "more_required": c.more_required,
                "here": labels_of(c),
                "histograms": {name: [[k, n] for k, n in counts.items()] for name, counts in histograms().items()},
            },
        }


def usage(spec: ir.Spec, policy: str) -> tuple[frozenset[str], bool]:
    """The credentials that take ``policy``, and whether some access rule takes one of them alone
    (or none takes any: then it is judged as a password used alone, the stricter reading)."""
    credentials = frozenset(c.name for c in spec.credentials.values() if c.policy == policy)
    rules = [a for a in spec.access if credentials & set(a.credentials)]
    return credentials, not rules or any(a.parts == 1 for a in rules)


def lifecycle_guessing(
    spec: ir.Spec, credentials: frozenset[str], explored: ExploreReport
) -> tuple[Guessing | None, tuple[str, ...]]:
    """What the exploration says of wrong guesses of ``credentials`` (None: no channel takes
    them), and the stories of its ``unlimited_guessing`` findings."""
    if not any(credentials & set(a.credentials) for a in spec.access):
        return None, ()
    found = [
        f
        for f in explored.findings
        if f.kind == "unlimited_guessing" and dict(f.details).get("credential") in credentials
    ]
    channels = tuple(sorted({str(dict(f.details)["channel"]) for f in found}))
    return Guessing(explored.complete, channels), tuple(f.scenario_file for f in found if f.scenario_file)


def review(spec: ir.Spec, explored: ExploreReport) -> tuple[PolicyReview, ...]:
    reviews = []
    for name, policy in spec.policies.items():
        credentials, single_factor = usage(spec, name)
        guessing, _ = lifecycle_guessing(spec, credentials, explored)
        audits = tuple(
            (profile, tuple(audit(policy, profile, single_factor=single_factor, guessing=guessing)))
            for profile in PROFILES.values()
        )
        reviews.append(PolicyReview(name, measure(policy), single_factor, audits, position(string_rules(policy))))
    return tuple(reviews)
