"""The typed values credlab's analyses return, and the one home of their identities.

Every result is immutable, says whether it is ``ok``, and has one JSON form, ``to_json()``: what
``--format json`` prints. Renderers (the terminal text, the HTML report) read these values and
nothing else, so a property's name, a finding's kind or a stage of the main job is spelled once,
here, and never rebuilt from strings elsewhere.
"""

from __future__ import annotations

import builtins
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, get_args

from credlab.model import ir
from credlab.model.durations import format_duration
from credlab.model.errors import Problem
from credlab.model.node import node

if TYPE_CHECKING:
    from credlab.model.policy import RuleResult, Verdict

Json = dict[str, Any]


# --- identities ---------------------------------------------------------------------------------
class Builtin(StrEnum):
    """The properties exploration checks in every spec, beside its declared invariants."""

    DEADLOCK_FREE = "deadlock-free"
    DETERMINISTIC = "deterministic"
    RECOVERABLE = "recoverable"


BUILTIN_MEANING: dict[Builtin, str] = {
    Builtin.DEADLOCK_FREE: "the member can always change something",
    Builtin.DETERMINISTIC: "no event and input ever enable two transitions at once",
    Builtin.RECOVERABLE: "from everywhere, the member can get back to online access with what they know",
}

PropertyKind = Literal["invariant", "builtin", "backends agree", "expectation", "lockout"]


@node
class PropertyId:
    """A property a run can find broken: a declared invariant, a built-in property, the two
    backends' agreement (fuzzing), a story's own expectation, or a lockout on a channel."""

    kind: PropertyKind
    name: str = ""

    @classmethod
    def invariant(cls, name: str) -> PropertyId:
        return cls("invariant", name)

    @classmethod
    def builtin(cls, which: Builtin) -> PropertyId:
        return cls("builtin", which.value)

    def __str__(self) -> str:
        if self.kind == "invariant":
            return f"invariant {self.name}"
        if self.kind == "lockout":
            return f"lockout on {self.name}"
        return self.name or self.kind

    @property
    def slug(self) -> str:
        """A file-name-safe form: ``web_password_only_online``, ``deadlock-free``."""
        text = self.name if self.kind == "invariant" else str(self)
        return text.replace(" ", "_")


BACKENDS_AGREE = PropertyId("backends agree")


class Stage(StrEnum):
    """The stages of the main job, in the order ``credlab check`` runs them."""

    VALIDATE = "validate"
    LINT = "lint"
    SCENARIOS = "scenarios"
    FUZZ = "fuzz"
    EXPLORE = "explore"
    FINDINGS = "findings"
    MUTATE = "mutate"
    POPULATION = "population"
    DIAGRAM = "diagram"


# --- coverage -------------------------------------------------------------------------------------
@node
class Tally:
    covered: int
    total: int
    missed: tuple[str, ...]

    def to_json(self) -> Json:
        return {"covered": self.covered, "total": self.total, "missed": list(self.missed)}


@node
class CoverageReport:
    """Which states and transitions some runs exercised, out of all the spec declares."""

    states: Tally
    transitions: Tally

    def to_json(self) -> Json:
        """``{"states": {"covered", "total", "missed"}, "transitions": {...}}`` (diagrams read it)."""
        return {"states": self.states.to_json(), "transitions": self.transitions.to_json()}

    def summary(self) -> str:
        return (
            f"states {self.states.covered}/{self.states.total}, "
            f"transitions {self.transitions.covered}/{self.transitions.total}"
        )

    def text(self) -> str:
        lines = [f"coverage: {self.summary()}"]
        if self.states.missed:
            lines.append("  never reached: " + ", ".join(self.states.missed))
        if self.transitions.missed:
            lines.append("  never fired: " + ", ".join(self.transitions.missed))
        return "\n".join(lines)


# --- counterexamples and findings -----------------------------------------------------------------
@node
class Counterexample:
    """A property broken, with the shortest (or shrunk) story that breaks it, written as a file."""

    property: PropertyId
    steps: int
    scenario_file: str
    message: str
    replay: str = ""
    """The command that replays the story with the same failure (``credlab simulate SPEC FILE …``)."""


FindingKind = (
    ir.FindingKind | Literal["attacker-capabilities", "unreachable-state", "never-enabled", "unmatched-acceptance"]
)
"""The risks a lifecycle can carry (the spec's ``accepted_findings:`` vocabulary, :data:`RISKS`),
then what is only information: what each capability set reaches, and parts nothing reaches."""

RISKS: tuple[str, ...] = get_args(ir.FindingKind)
"""The kinds that fail ``credlab check`` unless the spec accepts them."""
ANALYSED_RISKS = RISKS
"""The risk kinds exploration looks for: every one today. A kind the language names before an
analysis reports it is left out here, and summaries say it is not analysed yet."""

FindingSeverity = Literal["high", "medium", "low", "info"]

FINDING_MEANING: dict[str, str] = {
    "takeover": "An attacker ends up with a working credential the member does not hold: the member's own "
    "secrets no longer work where the attacker's do.",
    "denial_of_service": "Someone else's actions leave the member with nothing that works on a channel.",
    "lockout_window": "The member's own steps leave them, for a while, with nothing that works on a channel.",
    "dead_end": "After losing a capability, the member can never get access back.",
    "unlimited_guessing": "A channel takes a guessable secret and nothing counts the wrong guesses: "
    "an attacker may try every value.",
    "recovery_bypasses_factor": "A recovery path grants access the normal path grants only with another factor.",
    "attacker-capabilities": "What an attacker holding these things reaches, and how quickly: the price of "
    "each secret and capability, for information.",
    "unreachable-state": "A state nothing reaches.",
    "never-enabled": "A transition that never fires.",
    "unmatched-acceptance": "An entry of the spec's accepted_findings that no finding matches: the risk it "
    "accepted is gone, or its narrowing names the wrong channel or capabilities.",
}
"""Each kind in plain words an analyst can paste into a review."""


@node
class Finding:
    """Something exploration found that is not a property failing: a risk of one of the
    :data:`RISKS` kinds (with its story, the sentences and assumptions it rests on, and how long
    it lasts where that applies), or information. ``details`` are the kind's own fields, in the
    order the JSON shows them; ``accepted`` is the spec's entry that accepts it, with its reason."""

    kind: FindingKind
    message: str
    scenario_file: str | None = None
    steps: int | None = None
    details: tuple[tuple[str, Any], ...] = ()
    severity: FindingSeverity = "info"
    sources: tuple[str, ...] = ()
    assumes: tuple[str, ...] = ()
    duration: str | None = None
    accepted: ir.AcceptedFinding | None = None

    @property
    def failing(self) -> bool:
        """A risk the spec does not accept: it fails ``credlab check``."""
        return self.kind in RISKS and self.accepted is None

    def to_json(self) -> Json:
        data: Json = {"kind": self.kind, "severity": self.severity, **dict(self.details)}
        if self.steps is not None:
            data["steps"] = self.steps
        data["message"] = self.message
        data["scenario_file"] = self.scenario_file
        data["accepted"] = self.accepted is not None
        if self.accepted is not None:
            data["accepted_reason"] = self.accepted.reason
            data["accepted_sources"] = list(self.accepted.sources)
        if self.duration is not None:
            data["duration"] = self.duration
        data["sources"], data["assumes"] = list(self.sources), list(self.assumes)
        return data


# --- fuzzing ----------------------------------------------------------------------------------------
@node
class Reachable:
    """What the shortest-path search before fuzzing reached (its directed paths lead there)."""

    states: int
    transitions: int
    complete: bool


@node
class FuzzReport:
    """``credlab fuzz``: Hypothesis stateful testing of one spec in lock-step with the reference engine."""

    spec: str
    overrides: str
    seed: int
    examples: int
    directed: int
    steps: int
    transitions_fired: int
    seconds: float
    coverage: CoverageReport
    reachable: Reachable
    counterexample: Counterexample | None

    @property
    def ok(self) -> bool:
        return self.counterexample is None

    @property
    def steps_per_second(self) -> int | None:
        return round(self.steps / self.seconds) if self.seconds else None

    def to_json(self) -> Json:
        ce = self.counterexample
        return {
            "ok": self.ok,
            "spec": self.spec,
            "overrides": self.overrides,
            "seed": self.seed,
            "examples": self.examples,
            "directed": self.directed,
            "steps": self.steps,
            "transitions_fired": self.transitions_fired,
            "seconds": round(self.seconds, 3),
            "steps_per_second": self.steps_per_second,
            "coverage": self.coverage.to_json(),
            "reachable": {
                "states": self.reachable.states,
                "transitions": self.reachable.transitions,
                "complete": self.reachable.complete,
            },
            "counterexample": None
            if ce is None
            else {
                "property": str(ce.property),
                "steps": ce.steps,
                "scenario_file": ce.scenario_file,
                "message": ce.message,
                "replay": ce.replay,
            },
        }


# --- exploration ------------------------------------------------------------------------------------
PropertyVerdict = Literal["holds", "fails", "unknown"]
"""``holds`` only after a complete search; ``fails`` with a replayable story; ``unknown`` otherwise."""


@node
class PropertyResult:
    """One property's verdict; ``unknown`` carries the bound that stopped the search."""

    property: PropertyId
    verdict: PropertyVerdict
    counterexample: Counterexample | None = None
    bound: str = ""

    @builtins.property  # the field ``property`` shadows the builtin in this class's namespace
    def holds(self) -> bool:
        return self.verdict == "holds"

    def to_json(self) -> Json:
        ce = self.counterexample
        data: Json = {
            "id": str(self.property),
            "verdict": self.verdict,
            "holds": self.holds,
            "counterexample": None
            if ce is None
            else {"steps": ce.steps, "scenario_file": ce.scenario_file, "message": ce.message, "replay": ce.replay},
        }
        if self.bound:
            data["bound"] = self.bound
        return data


@node
class ExploreReport:
    """``credlab explore``: every reachable situation of one spec, its properties and findings."""

    spec: str
    overrides: str
    states: int
    edges: int
    seconds: float
    complete: bool
    properties: tuple[PropertyResult, ...]
    findings: tuple[Finding, ...]
    undecided: tuple[str, ...] = ()
    """Analyses a bound stopped before they decided (attacker searches): each says which bound."""

    @property
    def ok(self) -> bool:
        """Every property decided and holding, every analysis decided: an ``unknown`` is not a pass."""
        return all(p.holds for p in self.properties) and not self.undecided

    def fails(self, prop: PropertyId) -> bool:
        """Whether exploration found ``prop`` broken (with a story)."""
        return any(p.verdict == "fails" for p in self.properties if p.property == prop)

    def to_json(self) -> Json:
        return {
            "ok": self.ok,
            "spec": self.spec,
            "overrides": self.overrides,
            "states": self.states,
            "edges": self.edges,
            "seconds": round(self.seconds, 3),
            "complete": self.complete,
            "properties": [p.to_json() for p in self.properties],
            "findings": [f.to_json() for f in self.findings],
            "undecided": list(self.undecided),
        }


# --- validate --------------------------------------------------------------------------
def problem_json(problem: Problem) -> Json:
    loc = problem.location
    return {"file": loc.path, "line": loc.line, "column": loc.column, "message": problem.message}


def spec_summary(spec: ir.Spec) -> Json:
    """What a valid spec declares."""
    return {
        "name": spec.name,
        "states": list(spec.states),
        "initial": list(spec.initial),
        "events": list(spec.events),
        "transitions": len(spec.transitions),
        "policies": list(spec.policies),
        "credentials": list(spec.credentials),
        "channels": list(spec.channels),
        "invariants": [inv.id for inv in spec.invariants],
        "assumptions": list(spec.assumptions),
        "parameters": {name: format_duration(p.default) for name, p in spec.parameters.items()},
    }


@node
class SpecValidation:
    """One spec file: the spec it declares, or every problem that stops it loading."""

    path: str
    spec: ir.Spec | None
    problems: tuple[Problem, ...] = ()

    @property
    def valid(self) -> bool:
        return self.spec is not None

    def to_json(self) -> Json:
        data: Json = {"path": self.path, "valid": self.valid, "errors": [problem_json(p) for p in self.problems]}
        if self.spec is not None:
            data["summary"] = spec_summary(self.spec)
        return data


@node
class ValidateReport:
    specs: tuple[SpecValidation, ...]

    @property
    def ok(self) -> bool:
        return all(s.valid for s in self.specs)

    def to_json(self) -> Json:
        return {"ok": self.ok, "specs": [s.to_json() for s in self.specs]}


# --- mutation -------------------------------------------------------------------------------------
@node
class Survivor:
    """A mutant nothing noticed, and why: equivalent, or the story that would tell it apart."""

    id: str
    kind: str
    description: str
    location: str
    sources: tuple[str, ...]
    explanation: str
    scenario_file: str | None

    def to_json(self) -> Json:
        return {
            "id": self.id,
            "kind": self.kind,
            "description": self.description,
            "location": self.location,
            "sources": list(self.sources),
            "explanation": self.explanation,
            "scenario_file": self.scenario_file,
        }


@node
class MutateReport:
    """``credlab mutate``: which mutants of the spec its own checks kill."""

    spec: str
    scenarios: int
    explored: bool
    threshold: float
    kinds: tuple[tuple[str, int, int], ...]
    """(kind, mutants, killed), by kind."""
    survivors: tuple[Survivor, ...]
    killed_by: tuple[tuple[str, str], ...]
    """(mutant id, what killed it), for every killed mutant."""

    @property
    def mutants(self) -> int:
        return sum(total for _, total, _ in self.kinds)

    @property
    def killed(self) -> int:
        return len(self.killed_by)

    @property
    def kill_rate(self) -> float:
        return self.killed / self.mutants if self.mutants else 1.0

    @property
    def ok(self) -> bool:
        return self.kill_rate >= self.threshold

    def to_json(self) -> Json:
        return {
            "ok": self.ok,
            "spec": self.spec,
            "scenarios": self.scenarios,
            "mutants": self.mutants,
            "killed": self.killed,
            "kill_rate": round(self.kill_rate, 4),
            "threshold": self.threshold,
            "kinds": {kind: {"total": total, "killed": killed} for kind, total, killed in self.kinds},
            "survivors": [s.to_json() for s in self.survivors],
            "killed_by": dict(self.killed_by),
        }


# --- policy verdicts ------------------------------------------------------------------------------
def rule_json(result: RuleResult) -> Json:
    return {
        "rule": result.rule,
        "severity": result.severity,
        "passed": result.passed,
        "message": result.message,
        "detail": result.detail,
    }


def verdict_json(index: int, verdict: Verdict) -> Json:
    return {
        "index": index,
        "accepted": verdict.accepted,
        "violations": [rule_json(r) for r in verdict.violations],
        "advisories": [rule_json(r) for r in verdict.advisories],
        "rules": [rule_json(r) for r in verdict.results],
    }


@node
class PolicyCheck:
    """``credlab policy check``: each candidate's verdict, rule by rule, in input order. Candidates
    themselves are never kept: verdicts are numbered from 1 and explain by lengths and positions."""

    spec: str
    policy: str
    verdicts: tuple[Verdict, ...]

    @property
    def ok(self) -> bool:
        return all(v.accepted for v in self.verdicts)

    def to_json(self) -> Json:
        return {
            "ok": self.ok,
            "spec": self.spec,
            "policy": self.policy,
            "results": [verdict_json(i, v) for i, v in enumerate(self.verdicts, start=1)],
        }
