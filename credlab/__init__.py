"""credlab: a testbed for credential lifecycle policies.

A policy is declared in YAML, validated with exact errors, compiled into state machines and
exercised: stories (scenarios), Hypothesis stateful testing, exhaustive exploration, attacker
analysis, mutation analysis and diagrams. This module is the public API::

    import credlab

    report = credlab.check(["spec/ana_web_password.yaml"])   # also writes build/report/
    print(report.ok)
    for row in report.specs[0].stages():
        print(row.stage, row.ok, row.text)

    explored = credlab.explore("spec/ana_web_password.yaml", settings={"reset_link_ttl": "30m"})
    print([str(p.property) for p in explored.properties if not p.holds])

    TestPolicy = credlab.state_machine("spec/ana_web_password.yaml").TestCase   # in a test module

Every function returns an immutable result with ``.ok`` and ``.to_json()`` (what the CLI's
``--format json`` prints). Errors are :class:`CredlabError`: a :class:`SpecError` (or
:class:`ScenarioError`) with every located problem, or a :class:`UsageError`.

Names are imported on first use, so ``import credlab`` costs nothing until you call something.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_API = "credlab.simulator.api"
_ERRORS = "credlab.model.errors"
_RESULTS = "credlab.simulator.results"

_EXPORTS: dict[str, str] = {
    # functions
    "load_spec": _API,
    "validate": _API,
    "lint": _API,
    "simulate": _API,
    "fuzz": _API,
    "explore": _API,
    "mutate": _API,
    "check": _API,
    "check_policy": _API,
    "conform": _API,
    "count_policy": _API,
    "compare_policies": _API,
    "audit_policy": _API,
    "import_rules": _API,
    "diagrams": _API,
    "render_diagram": _API,
    "state_machine": _API,
    "Diagram": _API,
    "diff_specs": "credlab.simulator.review.run",
    # errors
    "CredlabError": _ERRORS,
    "SpecError": _ERRORS,
    "ScenarioError": _ERRORS,
    "UsageError": _ERRORS,
    "Location": _ERRORS,
    "Problem": _ERRORS,
    # results and their identities
    "ValidateReport": _RESULTS,
    "PolicyCheck": _RESULTS,
    "FuzzReport": _RESULTS,
    "ExploreReport": _RESULTS,
    "MutateReport": _RESULTS,
    "PropertyId": _RESULTS,
    "PropertyResult": _RESULTS,
    "Finding": _RESULTS,
    "Counterexample": _RESULTS,
    "CoverageReport": _RESULTS,
    "Stage": _RESULTS,
    "Builtin": _RESULTS,
    "LintReport": "credlab.simulator.analysis.lint",
    "SimulateReport": "credlab.simulator.stories.report",
    "CheckReport": "credlab.simulator.analysis.check",
    "DiagramFiles": "credlab.simulator.render.diagram_files",
    "Spec": "credlab.model.ir",
    "DiffReport": "credlab.simulator.review.run",
    "PolicyCount": "credlab.simulator.results_policies",
    "PolicyComparison": "credlab.simulator.results_policies",
    "PolicyAudit": "credlab.simulator.results_policies",
    "ImportReport": "credlab.simulator.rules_import",
    "ConformReport": "credlab.simulator.conform.drive",
}

__all__ = [
    "Builtin",
    "CheckReport",
    "ConformReport",
    "Counterexample",
    "CoverageReport",
    "CredlabError",
    "Diagram",
    "DiagramFiles",
    "ExploreReport",
    "Finding",
    "FuzzReport",
    "ImportReport",
    "LintReport",
    "Location",
    "MutateReport",
    "PolicyAudit",
    "PolicyCheck",
    "PolicyComparison",
    "PolicyCount",
    "Problem",
    "PropertyId",
    "PropertyResult",
    "ScenarioError",
    "SimulateReport",
    "Spec",
    "SpecError",
    "Stage",
    "UsageError",
    "ValidateReport",
    "audit_policy",
    "check",
    "check_policy",
    "compare_policies",
    "conform",
    "count_policy",
    "diagrams",
    "explore",
    "fuzz",
    "import_rules",
    "lint",
    "load_spec",
    "mutate",
    "render_diagram",
    "simulate",
    "state_machine",
    "validate",
]

if TYPE_CHECKING:
    from credlab.model.errors import CredlabError, Location, Problem, ScenarioError, SpecError, UsageError
    from credlab.model.ir import Spec
    from credlab.simulator.analysis.check import CheckReport
    from credlab.simulator.analysis.lint import LintReport
    from credlab.simulator.api import (
        Diagram,
        audit_policy,
        check,
        check_policy,
        compare_policies,
        conform,
        count_policy,
        diagrams,
        explore,
        fuzz,
        import_rules,
        lint,
        load_spec,
        mutate,
        render_diagram,
        simulate,
        state_machine,
        validate,
    )
    from credlab.simulator.conform.drive import ConformReport
    from credlab.simulator.render.diagram_files import DiagramFiles
    from credlab.simulator.results import (
        Builtin,
        Counterexample,
        CoverageReport,
        ExploreReport,
        Finding,
        FuzzReport,
        MutateReport,
        PolicyCheck,
        PropertyId,
        PropertyResult,
        Stage,
        ValidateReport,
    )
    from credlab.simulator.results_policies import PolicyAudit, PolicyComparison, PolicyCount
    from credlab.simulator.rules_import import ImportReport
    from credlab.simulator.stories.report import SimulateReport


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'credlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
