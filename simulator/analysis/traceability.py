"""Traceability: each quoted sentence of the policy text → the spec elements encoding it → the
stories and properties exercising it → a status. A sentence nothing exercises says so."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from credlab.model import ir
from credlab.model.node import node
from credlab.simulator.results import ExploreReport, Json, PropertyId
from credlab.simulator.stories.report import SpecStories
from credlab.simulator.stories.runner import ScenarioResult

TraceStatus = Literal["failing", "exercised", "assumption only", "not exercised"]


@node
class Element:
    """A spec element that cites a sentence: its kind (``transition``, ``policy rule``, …) and id."""

    kind: str
    id: str


@node
class TraceRow:
    source: str
    quote: str
    elements: tuple[Element, ...]
    scenarios: tuple[str, ...]
    invariants: tuple[str, ...]
    status: TraceStatus

    def to_json(self) -> Json:
        return {
            "source": self.source,
            "quote": self.quote,
            "elements": [{"kind": e.kind, "id": e.id} for e in self.elements],
            "scenarios": list(self.scenarios),
            "invariants": list(self.invariants),
            "status": self.status,
        }


def citing_elements(spec: ir.Spec) -> dict[str, list[Element]]:
    """For each source id: the spec elements that cite it."""
    cited: dict[str, list[Element]] = {source: [] for source in spec.sources}

    def add(kind: str, name: str, sources: Iterable[str]) -> None:
        for source in sources:
            cited[source].append(Element(kind, name))

    for policy in spec.policies.values():
        for rule in policy.rules:
            add("policy rule", f"{policy.name}.{rule.id}", rule.sources)
    for t in spec.transitions:
        add("transition", t.id, t.sources)
    for inv in spec.invariants:
        add("invariant", inv.id, inv.sources)
    for a in spec.assumptions.values():
        add("assumption", a.id, a.sources)
    for access in spec.access:
        add("access rule", f"{access.channel}/{access.credential}", access.sources)
    for table, kind in (
        (spec.states, "state"),
        (spec.events, "event"),
        (spec.credentials, "credential"),
        (spec.deadlines, "deadline"),
        (spec.messages, "message"),
        (spec.parameters, "parameter"),
    ):
        for name, element in table.items():
            add(kind, name, element.sources)
    return cited


def implicated(spec: ir.Spec, result: ScenarioResult) -> set[str]:
    """The sentences a failed story fails on: those it says it covers, those cited by the transitions
    fired at the step where it failed and by the invariants that broke there. A failure that points
    at none of these (a refusal where the story expected a transition, say) implicates every
    sentence the story's transitions cite: better too many than a failure the matrix hides."""
    failure = result.failure
    assert failure is not None
    fired = {e["transition"] for e in result.trace if e.get("step") == failure.step and e.get("transition")}
    cited = {s for t in spec.transitions if t.id in fired for s in t.sources}
    cited |= {s for inv in spec.invariants if inv.id in failure.broken for s in inv.sources}
    if not cited:
        cited = {s for t in spec.transitions if t.id in result.transitions for s in t.sources}
    return cited | set(result.scenario.covers)


def refused_by(spec: ir.Spec, result: ScenarioResult) -> set[str]:
    """The sentences of the policy rules a story shows refusing an input (its ``broke:`` expectations)."""
    rules: dict[str, set[str]] = {}
    for policy in spec.policies.values():
        for rule in policy.rules:
            rules.setdefault(rule.id, set()).update(rule.sources)
    broke = {r for step in result.scenario.steps if step.expect and step.expect.broke for r in step.expect.broke}
    return {s for rule in broke for s in rules.get(rule, ())}


def traceability(spec: ir.Spec, stories: SpecStories, explored: ExploreReport) -> tuple[TraceRow, ...]:
    """One row per quoted sentence, in the order the spec quotes them. A story exercises a sentence
    it says it covers, one a transition it fired cites, and one a rule it shows refusing cites."""
    cited = citing_elements(spec)
    blamed = {r.scenario.name: implicated(spec, r) for r in stories.results if not r.passed}
    refusing = {id(r): refused_by(spec, r) for r in stories.results}
    rows = []
    for source_id, source in spec.sources.items():
        transitions = {e.id for e in cited[source_id] if e.kind == "transition"}
        scenarios = tuple(
            sorted(
                {
                    r.scenario.name
                    for r in stories.results
                    if source_id in r.scenario.covers or transitions & r.transitions or source_id in refusing[id(r)]
                }
            )
        )
        invariants = tuple(sorted(e.id for e in cited[source_id] if e.kind == "invariant"))
        broken = [i for i in invariants if explored.fails(PropertyId.invariant(i))]
        failing = [name for name, sources in blamed.items() if source_id in sources]
        status: TraceStatus
        if broken or failing:
            status = "failing"
        elif scenarios or invariants:
            status = "exercised"
        elif any(e.kind == "assumption" for e in cited[source_id]):
            status = "assumption only"
        else:
            status = "not exercised"
        rows.append(TraceRow(source_id, source.quote, tuple(cited[source_id]), scenarios, invariants, status))
    return tuple(rows)
