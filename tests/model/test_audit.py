"""A policy audited against a standard: each requirement passes, fails with a witness that the
policy's own checker confirms, or is unknown — never passed without a decision."""

from __future__ import annotations

from credlab.model import ir
from credlab.model.audit import Guessing, audit
from credlab.model.policy import enforced_ok
from credlab.model.standards import PROFILES


def policy(*checks: ir.RuleCheck) -> ir.Policy:
    return ir.Policy("p", "password", tuple(ir.PolicyRule(f"r{i}", "reject", c, "m") for i, c in enumerate(checks)))


NIST_LIKE = policy(ir.LengthCheck(15, 64), ir.NotInListCheck(frozenset({"password1234567"})))
"""What NIST asks of a password used alone, and nothing else."""


def by_id(results: list) -> dict[str, object]:  # type: ignore[type-arg]
    return {r.requirement.id: r for r in results}


def test_a_policy_that_asks_what_nist_asks_passes_every_string_requirement() -> None:
    results = by_id(audit(NIST_LIKE, PROFILES["nist-800-63b-4"], single_factor=True, guessing=Guessing(True, ())))
    assert {i for i, r in results.items() if r.status != "pass"} == {"nist.rate_limit"}  # type: ignore[attr-defined]
    assert results["nist.rate_limit"].status == "unknown"  # type: ignore[attr-defined]  # limited, not measured


def test_failures_come_with_witnesses_the_policy_checker_confirms() -> None:
    strict = policy(
        ir.LengthCheck(8, 16),
        ir.AlphabetCheck(("ascii_upper", "ascii_lower", "ascii_digit")),
        ir.MustIncludeCheck(("ascii_letter", "ascii_digit")),
    )
    results = by_id(audit(strict, PROFILES["nist-800-63b-4"], single_factor=True, guessing=None))
    refused_but_required = ("nist.max_length_64", "nist.no_composition_rules", "nist.printing_ascii", "nist.space")
    for requirement in (*refused_but_required, "nist.unicode"):
        witness = results[requirement].witness  # type: ignore[attr-defined]
        assert witness is not None and not enforced_ok(strict, witness), requirement
    assert len(results["nist.max_length_64"].witness) == 17  # type: ignore[attr-defined, arg-type]
    assert results["nist.space"].witness.count(" ") == 1  # type: ignore[attr-defined, union-attr]
    assert any(ord(c) > 127 for c in results["nist.unicode"].witness)  # type: ignore[attr-defined, union-attr]
    too_short = results["nist.length"].witness  # type: ignore[attr-defined]
    assert too_short is not None and enforced_ok(strict, too_short) and len(too_short) < 15
    assert results["nist.rate_limit"].status == "unknown"  # type: ignore[attr-defined]


def test_with_another_factor_eight_characters_are_enough_for_nist() -> None:
    eight = policy(ir.LengthCheck(8, 64))
    alone = by_id(audit(eight, PROFILES["nist-800-63b-4"], single_factor=True, guessing=None))
    paired = by_id(audit(eight, PROFILES["nist-800-63b-4"], single_factor=False, guessing=None))
    assert alone["nist.length"].status == "fail" and paired["nist.length"].status == "pass"  # type: ignore[attr-defined]


def test_rate_limiting_follows_the_lifecycle_findings() -> None:
    asvs = PROFILES["asvs-5-l1"]
    unlimited = by_id(audit(NIST_LIKE, asvs, single_factor=True, guessing=Guessing(True, ("web",))))
    limited = by_id(audit(NIST_LIKE, asvs, single_factor=True, guessing=Guessing(True, ())))
    undecided = by_id(audit(NIST_LIKE, asvs, single_factor=True, guessing=Guessing(False, ())))
    assert unlimited["asvs.6.3.1"].status == "fail"  # type: ignore[attr-defined]
    assert limited["asvs.6.3.1"].status == "pass"  # type: ignore[attr-defined]
    assert undecided["asvs.6.3.1"].status == "unknown"  # type: ignore[attr-defined]


def test_the_levels_add_requirements_and_say_what_no_policy_can_show() -> None:
    ids = {name: [r.id for r in p.requirements] for name, p in PROFILES.items()}
    assert set(ids["asvs-5-l1"]) < set(ids["asvs-5-l2"]) and ids["asvs-5-l2"] == ids["asvs-5-l3"]
    assert "asvs.6.2.9" in ids["asvs-5-l2"] and "asvs.6.2.9" not in ids["asvs-5-l1"]
    assert all(p.not_audited for p in PROFILES.values())
    assert all(r.quote and r.source for p in PROFILES.values() for r in p.requirements)
