"""Exploration as a result: every property's verdict and every finding, each failure and finding
with a replayable story written under ``out`` (see :func:`explore_report`)."""

from __future__ import annotations

import time
from collections.abc import Callable

from credlab.model.engine import Engine
from credlab.model.ir import Spec
from credlab.model.overrides import describe_overrides
from credlab.simulator.analysis.attack_stories import AttackStories
from credlab.simulator.analysis.attacker import attacks
from credlab.simulator.analysis.dead_end import dead_ends
from credlab.simulator.analysis.denial import denials
from credlab.simulator.analysis.exploration import Exploration, Violation
from credlab.simulator.analysis.findings import accept, unmatched
from credlab.simulator.analysis.shortest import member_exploration
from credlab.simulator.analysis.story_writer import ExploreOptions as ExploreOptions
from credlab.simulator.results import (
    FINDING_MEANING,
    Builtin,
    ExploreReport,
    Finding,
    PropertyId,
    PropertyResult,
)

KINDS_IN_ORDER = list(FINDING_MEANING)
"""Findings are listed risks first, in the vocabulary's order, then information."""


def properties(spec: Spec) -> list[PropertyId]:
    """Every property exploration checks, in report order: the declared invariants, then the built-ins."""
    return [PropertyId.invariant(inv.id) for inv in spec.invariants] + [PropertyId.builtin(b) for b in Builtin]


def _undecided(found: Exploration) -> str:
    state = found.worlds[found.undecided_recovery[0]][0].state
    return (
        f"from {len(found.undecided_recovery)} situation(s) (the first in {state}) the only ways back "
        "are deadlines lapsing in an order that depends on how long the member waited; "
        "the zones do not decide whether every wait gets back"
    )


def _held(held: tuple[object, ...]) -> str:
    return ", ".join(str(c) for c in held) or "nothing"


def explore_report(
    spec: Spec,
    overrides: dict[str, int],
    options: ExploreOptions,
    progress: Callable[[Exploration], None] | None = None,
) -> ExploreReport:
    """Explore ``spec`` under ``overrides``; write a story for each failed property and finding.
    The report's ``seconds`` are the whole of it: exploration, attacker analysis and stories."""
    started = time.perf_counter()
    explorer, found = member_exploration(Engine(spec, overrides), options.max_states, progress)
    writer = AttackStories(explorer, found, options, overrides)
    first: dict[PropertyId, Violation] = {}
    for violation in found.violations:
        first.setdefault(violation.property, violation)
    bound = (
        ""
        if found.complete
        else f"the search stopped at --max-states {options.max_states} after {len(found.worlds)} situations; "
        "raise --max-states to decide it"
    )
    results = []
    for prop in properties(spec):
        failed = first.get(prop)
        if failed is not None:  # a violation met on the way is real, complete search or not
            results.append(PropertyResult(prop, "fails", writer.violation(failed)))
        elif found.complete and prop == PropertyId.builtin(Builtin.RECOVERABLE) and found.undecided_recovery:
            results.append(PropertyResult(prop, "unknown", bound=_undecided(found)))
        elif found.complete:
            results.append(PropertyResult(prop, "holds"))
        else:
            results.append(PropertyResult(prop, "unknown", bound=bound))
    findings = [
        Finding("unreachable-state", f"no explored situation is in state '{s}'", details=(("name", s),))
        for s in spec.states
        if s not in found.states
    ] + [
        Finding(
            "never-enabled", f"transition '{t.id}' never fires in any explored situation", details=(("name", t.id),)
        )
        for t in spec.transitions
        if t.id not in found.transitions
    ]
    undecided: list[str] = []
    if found.complete:
        analysis = attacks(explorer.engine, found, options.max_states)
        denied = denials(explorer, found, options.max_states)
        stuck = dead_ends(explorer, found, options.max_states)
        risks = writer.lockouts() + writer.guessing() + writer.attacks(analysis) + writer.denials(denied, analysis)
        risks += writer.dead_ends(stuck)
        findings += risks + unmatched(spec, risks)
        questions = [(f"whether an attacker holding {_held(h)} gets {goal}", n) for goal, h, n in analysis.undecided]
        questions += [
            (f"whether an attacker holding {_held(h)} denies the member a channel", n) for h, n in denied.undecided
        ]
        questions += [
            (f"whether a member who loses {_held(h)} can be left with no way back", n) for h, n in stuck.undecided
        ]
        undecided += [
            f"{question}: the search stopped at --max-states {options.max_states} after {searched} situations; "
            "raise --max-states to decide it"
            for question, searched in questions
        ]
    else:
        undecided.append("risks and attacker capabilities: not analysed (they need the whole space)")
    return ExploreReport(
        spec=spec.path,
        overrides=describe_overrides(overrides),
        states=len(found.worlds),
        edges=found.edges,
        seconds=time.perf_counter() - started,
        complete=found.complete,
        properties=tuple(results),
        findings=tuple(sorted(accept(spec, findings), key=lambda f: KINDS_IN_ORDER.index(f.kind))),
        undecided=tuple(undecided),
    )
